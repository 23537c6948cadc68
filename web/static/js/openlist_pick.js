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
 * the translated texts come from data- attributes of this <script> tag. While an input
 * method composes (Chinese IMEs), nothing is asked or picked: that Enter is the IME's.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[data-suggest-url][data-added]");
  if (!script || !window.fetch || !window.FormData) {
    return;
  }
  var DELAY = 150;
  var LIMIT = 8;
  var MAX_CHARS = 200;

  function text(name) {
    return script.getAttribute("data-" + name) || "";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }

  function start() {
    var input = document.querySelector("#pick-filters input[name=q]");
    var addForm = document.getElementById("pick-one");
    var status = document.getElementById("pick-status");
    if (!input || !addForm || !status) {
      return;
    }
    var url = text("suggest-url");
    var listId = "pick-suggestions";
    var wrap = document.createElement("div");
    wrap.className = "suggest-wrap pick-suggest";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", text("label"));
    list.hidden = true;
    var help = document.createElement("small");
    help.className = "help";
    help.id = "pick-suggest-help";
    help.textContent = text("help");
    var count = document.createElement("div");
    count.className = "visually-hidden";
    count.setAttribute("role", "status");
    count.setAttribute("aria-live", "polite");

    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.parentNode.insertBefore(help, wrap.nextSibling);
    wrap.parentNode.appendChild(count);
    var field = wrap.parentNode;
    field.classList.add("pick-q");

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-describedby", help.id);
    input.setAttribute("autocomplete", "off");

    var rows = [];
    var items = [];
    var active = -1;
    var timer = null;
    var composing = false;
    var seq = 0;
    var controller = null;
    var cache = Object.create(null);
    var adding = false;

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

    function render(found, announce) {
      active = -1;
      input.removeAttribute("aria-activedescendant");
      list.textContent = "";
      rows = found;
      items = found.map(function (r, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.className = "suggest-option pick-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-id", r.id);
        li.setAttribute("data-name", r.name);
        li.appendChild(span("pick-title", r.shown_title || r.title));
        var facts = [r.shown_department, r.openness_label, r.resource_code].filter(Boolean);
        li.appendChild(span("pick-facts", facts.join(" · ")));
        if (r.on_list) {
          markListed(li);
        }
        list.appendChild(li);
        return li;
      });
      if (announce !== false) {
        count.textContent = input.value.trim()
          ? items.length
            ? fill(text("count"), { n: items.length })
            : text("none")
          : "";
      }
      if (items.length && document.activeElement === input) {
        open();
      } else {
        close();
      }
    }

    function ask() {
      timer = null;
      var typed = input.value;
      if (!typed.trim() || typed.length > MAX_CHARS) {
        render([]);
        return;
      }
      if (typed in cache) {
        render(cache[typed]);
        return;
      }
      var mine = ++seq;
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(typed) + "&limit=" + LIMIT, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (resp) {
          return resp.ok ? resp.json() : { datasets: [] };
        })
        .then(function (body) {
          var found = body.datasets || [];
          cache[typed] = found;
          if (mine === seq && !composing && input.value === typed) {
            render(found);
          }
        })
        .catch(function () {
          /* aborted or offline: the Find button still works */
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

    function say(message, kind) {
      status.textContent = message;
      status.className = "pick-status" + (kind ? " " + kind : "");
    }

    function listedEverywhere(r) {
      r.on_list = true; // cached answers show it too
      Object.keys(cache).forEach(function (k) {
        cache[k].forEach(function (c) {
          if (c.id === r.id) {
            c.on_list = true;
          }
        });
      });
      var box = document.querySelector('#pick-table tr[data-name="' + CSS.escape(r.name) + '"] input[type=checkbox]');
      if (box) {
        box.checked = false;
        box.disabled = true;
      }
    }

    function add(i) {
      var r = rows[i];
      var li = items[i];
      if (!r || !li || adding) {
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
          open();
          setActive(active + 1 < items.length ? active + 1 : 0);
          break;
        case "ArrowUp":
          if (!items.length) {
            return;
          }
          e.preventDefault();
          open();
          setActive(active > 0 ? active - 1 : items.length - 1);
          break;
        case "Enter":
          if (!list.hidden && active >= 0) {
            e.preventDefault(); // add the chosen dataset; the list stays open for the next
            add(active);
          } else {
            close();
            cancel(); // the filter form finds what was typed
          }
          break;
        case "Escape":
          if (!list.hidden) {
            e.preventDefault();
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
    input.addEventListener("focus", function () {
      if (input.value.trim() && items.length) {
        open();
      }
    });
    input.addEventListener("blur", function () {
      close();
    });
    // keep the focus in the field while a pointer presses an option, then add on click
    list.addEventListener("mousedown", function (e) {
      e.preventDefault();
    });
    list.addEventListener("click", function (e) {
      var li = e.target.closest ? e.target.closest("li[role=option]") : null;
      var i = li ? items.indexOf(li) : -1;
      if (i >= 0) {
        setActive(i);
        add(i);
      }
    });
    list.addEventListener("mousemove", function (e) {
      var li = e.target.closest ? e.target.closest("li[role=option]") : null;
      var i = li ? items.indexOf(li) : -1;
      if (i >= 0 && i !== active) {
        setActive(i);
      }
    });
    input.form.addEventListener("submit", function () {
      close();
      cancel();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
