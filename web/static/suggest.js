/* Title suggestions for the search box: every `form.searchbox` query field becomes an ARIA
 * combobox (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/) with a listbox of titles
 * from GET /api/v1/suggest. Progressive enhancement: without this script the form is a
 * plain GET form. No inline script (the site's CSP has no 'unsafe-inline'); the URL and the
 * translated texts come from data- attributes of the <script> tag in base.html.
 *
 * - asks 150 ms after the last change, for one character or more; stale answers are dropped;
 * - nothing is asked or picked while an input method composes (compositionstart ..
 *   compositionend), so Chinese IMEs work: Enter that confirms a candidate is the IME's;
 * - ArrowDown / ArrowUp move, Enter or a click picks, Escape or Tab closes; picking fills
 *   the field and submits the form.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[data-suggest-url]");
  if (!script || !window.fetch) {
    return;
  }
  var URL_BASE = script.getAttribute("data-suggest-url");
  var LABEL = script.getAttribute("data-label") || "";
  var STATUS = script.getAttribute("data-status") || "{n}";
  var DELAY = 150;
  var LIMIT = 8;
  var MAX_CHARS = 200;

  function enhance(input, n) {
    var form = input.form;
    if (!form || !URL_BASE) {
      return;
    }
    var listId = "suggest-list-" + n;
    var wrap = document.createElement("div");
    wrap.className = "suggest-wrap";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    if (LABEL) {
      list.setAttribute("aria-label", LABEL);
    }
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    var hadFocus = document.activeElement === input;
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(status);
    if (hadFocus) {
      input.focus();
    }

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    var items = [];
    var active = -1;
    var timer = null;
    var composing = false;
    var seq = 0;
    var controller = null;
    var cache = Object.create(null);

    function setActive(i) {
      if (active >= 0 && items[active]) {
        items[active].classList.remove("active");
        items[active].setAttribute("aria-selected", "false");
      }
      active = i;
      if (active >= 0 && items[active]) {
        var el = items[active];
        el.classList.add("active");
        el.setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", el.id);
        if (el.scrollIntoView) {
          el.scrollIntoView({ block: "nearest" });
        }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function open() {
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function isOpen() {
      return !list.hidden;
    }

    function pick(i) {
      var el = items[i];
      if (!el) {
        return;
      }
      input.value = el.getAttribute("data-title");
      close();
      cancel();
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }

    function render(titles) {
      active = -1;
      input.removeAttribute("aria-activedescendant");
      list.textContent = "";
      items = titles.map(function (title, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.className = "suggest-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-title", title);
        li.textContent = title; // text, never markup
        list.appendChild(li);
        return li;
      });
      status.textContent = items.length ? STATUS.replace("{n}", String(items.length)) : "";
      if (items.length && document.activeElement === input) {
        open();
      } else {
        close();
      }
    }

    function cancel() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      if (controller) {
        controller.abort();
        controller = null;
      }
      seq += 1; // an answer still on its way is stale now
    }

    function ask() {
      timer = null;
      var prefix = input.value;
      if (!prefix.trim() || prefix.length > MAX_CHARS) {
        render([]);
        return;
      }
      if (prefix in cache) {
        render(cache[prefix]);
        return;
      }
      var mine = ++seq;
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      var url =
        URL_BASE + "?q=" + encodeURIComponent(prefix) + "&limit=" + LIMIT;
      fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (resp) {
          return resp.ok ? resp.json() : { suggestions: [] };
        })
        .then(function (body) {
          var titles = (body.suggestions || []).map(function (s) {
            return String(s.title);
          });
          cache[prefix] = titles;
          if (mine === seq && !composing && input.value === prefix) {
            render(titles);
          }
        })
        .catch(function () {
          /* aborted, offline or index down: the plain search still works */
        });
    }

    function schedule() {
      cancel();
      if (!input.value.trim()) {
        render([]);
        return;
      }
      timer = setTimeout(ask, DELAY);
    }

    input.addEventListener("compositionstart", function () {
      composing = true;
      cancel();
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      schedule(); // browsers differ in whether an input event follows compositionend
    });
    input.addEventListener("input", function (e) {
      if (composing || e.isComposing) {
        return;
      }
      schedule();
    });
    input.addEventListener("keydown", function (e) {
      if (composing || e.isComposing || e.keyCode === 229) {
        return; // the key belongs to the input method
      }
      switch (e.key) {
        case "ArrowDown":
          if (!items.length) {
            return;
          }
          e.preventDefault();
          if (!isOpen()) {
            open();
          }
          setActive(active + 1 < items.length ? active + 1 : 0);
          break;
        case "ArrowUp":
          if (!items.length) {
            return;
          }
          e.preventDefault();
          if (!isOpen()) {
            open();
          }
          setActive(active > 0 ? active - 1 : items.length - 1);
          break;
        case "Enter":
          if (isOpen() && active >= 0) {
            e.preventDefault();
            pick(active);
          } else {
            close();
            cancel(); // the form submits what was typed
          }
          break;
        case "Escape":
          if (isOpen()) {
            e.preventDefault(); // close only; a second Escape clears the field as usual
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });
    input.addEventListener("blur", function () {
      close();
    });
    // keep the focus in the field while a pointer presses an option, then pick on click
    list.addEventListener("mousedown", function (e) {
      e.preventDefault();
    });
    list.addEventListener("click", function (e) {
      var li = e.target.closest ? e.target.closest("li[role=option]") : null;
      if (li) {
        pick(items.indexOf(li));
      }
    });
    list.addEventListener("mousemove", function (e) {
      var li = e.target.closest ? e.target.closest("li[role=option]") : null;
      var i = li ? items.indexOf(li) : -1;
      if (i >= 0 && i !== active) {
        setActive(i);
      }
    });
    form.addEventListener("submit", function () {
      close();
      cancel();
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
