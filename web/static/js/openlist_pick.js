/* The open-list picker's search as you type (/curation/openlist/pick, issue 12 item 8).
 *
 * The "Title, name or code contains" field of the picker's filter form becomes an ARIA
 * combobox (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/): as the curator types, the
 * listable datasets the text may mean (GET /curation/openlist/pick/suggest: title,
 * department, openness, already on the list) appear in a listbox under the box. ArrowDown /
 * ArrowUp choose, Enter or a click adds the chosen dataset to the working list at once (a
 * POST of the page's #pick-one form, CSRF token included, asking for JSON), and the page
 * stays, so several can be added in a row. Datasets already on the list are marked and not
 * added twice. Enter with nothing chosen submits the filter form as before.
 *
 * Progressive enhancement: without this script the page is the plain GET filter form and
 * its table of check boxes. No inline script (the CSP has no 'unsafe-inline'): the URL and
 * the translated texts come from data- attributes of this <script> tag. The combobox itself
 * (keys, IME composition, timing, stale answers) is the site's shared one, combobox.js,
 * which base.html loads before this page's scripts; what stays here is the picker's own:
 * rows with department and openness, "on the list" marks, and the JSON POST that adds.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[data-suggest-url][data-added]");
  if (!script || !window.fetch || !window.FormData || !window.catalogCombobox) {
    return;
  }

  function text(name) {
    return script.getAttribute("data-" + name) || "";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }

  function span(cls, value) {
    var el = document.createElement("span");
    el.className = cls;
    el.textContent = value; // text, never markup
    return el;
  }

  function markListed(li) {
    li.setAttribute("aria-disabled", "true");
    li.classList.add("listed");
    if (!li.querySelector(".pick-on-list")) {
      li.querySelector(".pick-title").appendChild(span("pick-on-list", text("on-list")));
    }
  }

  function start() {
    var input = document.querySelector("#pick-filters input[name=q]");
    var addForm = document.getElementById("pick-one");
    var status = document.getElementById("pick-status");
    if (!input || !addForm || !status) {
      return;
    }
    var adding = false;
    var box = window.catalogCombobox(input, {
      url: text("suggest-url"),
      listId: "pick-suggestions",
      label: text("label"),
      reopenOnFocus: true, // the list stays useful after adding: several in a row
      results: function (body) {
        return body.datasets || [];
      },
      option: function (li, r) {
        li.classList.add("pick-option");
        li.setAttribute("data-id", r.id);
        li.setAttribute("data-name", r.name);
        li.appendChild(span("pick-title", r.shown_title || r.title));
        var facts = [r.shown_department, r.openness_label, r.resource_code].filter(Boolean);
        li.appendChild(span("pick-facts", facts.join(" · ")));
        if (r.on_list) {
          markListed(li);
        }
      },
      announce: function (n) {
        return input.value.trim() ? (n ? fill(text("count"), { n: n }) : text("none")) : "";
      },
      choose: add, // the list stays open for the next
    });
    if (!box) {
      return;
    }
    // the picker's layout: a help line under the box, the count at the end of the field
    var help = document.createElement("small");
    help.className = "help";
    help.id = "pick-suggest-help";
    help.textContent = text("help");
    box.wrap.classList.add("pick-suggest");
    var field = box.wrap.parentNode;
    field.insertBefore(help, box.wrap.nextSibling);
    field.appendChild(box.status);
    field.classList.add("pick-q");
    input.setAttribute("aria-describedby", help.id);

    function say(message, kind) {
      status.textContent = message;
      status.className = "pick-status" + (kind ? " " + kind : "");
    }

    function listedEverywhere(r) {
      r.on_list = true; // cached answers show it too
      Object.keys(box.cache).forEach(function (k) {
        box.cache[k].forEach(function (c) {
          if (c.id === r.id) {
            c.on_list = true;
          }
        });
      });
      var row = document.querySelector('#pick-table tr[data-name="' + CSS.escape(r.name) + '"] input[type=checkbox]');
      if (row) {
        row.checked = false;
        row.disabled = true;
      }
    }

    function add(i, r, li) {
      if (adding) {
        return;
      }
      if (r.on_list) {
        say(fill(text("already"), { title: r.shown_title || r.title }), "");
        return;
      }
      adding = true;
      addForm.elements.dataset.value = r.id;
      fetch(addForm.action, {
        method: "POST",
        body: new FormData(addForm),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (resp) {
          return resp.json().then(function (body) {
            return { ok: resp.ok, body: body };
          });
        })
        .then(function (answer) {
          adding = false;
          if (!answer.ok) {
            var errors = answer.body.errors || {};
            var why = Object.keys(errors)
              .map(function (k) {
                return [].concat(errors[k]).join(" ");
              })
              .join(" ");
            say(fill(text("failed"), { why: why }), "error");
            return;
          }
          var body = answer.body;
          if (body.skipped) {
            say(fill(text("failed"), { why: body.message }), "error"); // e.g. its code is another item's
            return;
          }
          listedEverywhere(r);
          markListed(li);
          var said = fill(text("added"), { title: r.shown_title || r.title });
          say(body.held ? said + " " + text("held") : said, "success");
        })
        .catch(function () {
          adding = false;
          addForm.submit(); // the page's own POST: the working list says what happened
        });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
