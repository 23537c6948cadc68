/* Title suggestions for the search box: every `form.searchbox` query field becomes the site's
 * ARIA combobox (combobox.js, loaded before this file by base.html) with a listbox of titles
 * from GET /api/v1/suggest. Progressive enhancement: without this script the form is a
 * plain GET form. No inline script (the site's CSP has no 'unsafe-inline'); the URL and the
 * translated texts come from data- attributes of the <script> tag in base.html.
 *
 * What is this box's own: the options are plain titles, and choosing one (Enter or a click)
 * fills the field and submits the search form. Keys, IME handling, timing and stale answers
 * are combobox.js's.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[data-suggest-url]");
  if (!script || !window.fetch || !window.catalogCombobox) {
    return;
  }
  var URL_BASE = script.getAttribute("data-suggest-url");
  var LABEL = script.getAttribute("data-label") || "";
  var STATUS = script.getAttribute("data-status") || "{n}";

  function enhance(input, n) {
    var form = input.form;
    if (!form || !URL_BASE) {
      return;
    }
    var box = window.catalogCombobox(input, {
      url: URL_BASE,
      listId: "suggest-list-" + n,
      label: LABEL,
      results: function (body) {
        return (body.suggestions || []).map(function (s) {
          return String(s.title);
        });
      },
      option: function (li, title) {
        li.setAttribute("data-title", title);
        li.textContent = title; // text, never markup
      },
      announce: function (count) {
        return count ? STATUS.replace("{n}", String(count)) : "";
      },
      choose: function (i, title) {
        input.value = title;
        box.close();
        box.cancel();
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      },
    });
  }

  function start() {
    var inputs = document.querySelectorAll("form.searchbox input[name=q]");
    for (var i = 0; i < inputs.length; i++) {
      enhance(inputs[i], i);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
