/* The site's one ARIA combobox (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/), shared
 * by the search box's title suggestions (suggest.js) and the open-list picker's search as you
 * type (js/openlist_pick.js). Both once carried their own copy of this machinery; one copy
 * means a fix to keys, IME handling or stale answers reaches both boxes at once.
 *
 * window.catalogCombobox(input, options) turns a text field into a combobox with a listbox
 * under it and returns a handle ({wrap, list, status, cache, setActive, close, cancel}), or
 * null when the browser has no fetch (the page then stays its plain form). What it does:
 *
 * - asks options.url + "?q=…&limit=8" 150 ms after the last change, for one non-blank
 *   character or more (at most 200); each answer is cached per text; an answer that is no
 *   longer for what the field says (a newer keystroke, an abort) is dropped;
 * - nothing is asked or chosen while an input method composes (compositionstart ..
 *   compositionend), so Chinese IMEs work: the Enter that confirms a candidate is the IME's;
 * - ArrowDown / ArrowUp move (aria-activedescendant), Enter or a click chooses, Escape closes
 *   (a second Escape clears the field as browsers do), Tab and blur close; Enter with nothing
 *   chosen lets the form submit what was typed;
 * - a polite live region says how many options there are.
 *
 * What is each page's own comes in as callbacks (all but url required):
 *   results(body)        -> the array of rows in a JSON answer;
 *   option(li, row)      fills a fresh <li role=option> (text, never markup);
 *   announce(n)          -> what the live region says after n rows are shown;
 *   choose(i, row, li)   what Enter or a click on row i does;
 *   options.listId       the listbox's id (options get listId + "-" + index);
 *   options.label        the listbox's aria-label;
 *   options.reopenOnFocus  show the last options again when the field regains focus.
 * No inline script anywhere (the CSP has no 'unsafe-inline'): this file is static and loaded
 * with defer from base.html before every page script that uses it.
 */
(function () {
  "use strict";

  var DELAY = 150;
  var LIMIT = 8;
  var MAX_CHARS = 200;

  function catalogCombobox(input, options) {
    if (!window.fetch) {
      return null;
    }
    var listId = options.listId;
    var wrap = document.createElement("div");
    wrap.className = "suggest-wrap";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    if (options.label) {
      list.setAttribute("aria-label", options.label);
    }
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");

    // moving the field into the wrapper drops its focus; give it back if it had it
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

    var rows = [];
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

    function choose(i) {
      if (items[i]) {
        options.choose(i, rows[i], items[i]);
      }
    }

    function render(found) {
      active = -1;
      input.removeAttribute("aria-activedescendant");
      list.textContent = "";
      rows = found;
      items = found.map(function (row, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.className = "suggest-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        options.option(li, row);
        list.appendChild(li);
        return li;
      });
      status.textContent = options.announce(items.length);
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
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      fetch(options.url + "?q=" + encodeURIComponent(typed) + "&limit=" + LIMIT, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (resp) {
          return resp.ok ? resp.json() : null;
        })
        .then(function (body) {
          var found = body ? options.results(body) : [];
          cache[typed] = found;
          if (mine === seq && !composing && input.value === typed) {
            render(found);
          }
        })
        .catch(function () {
          /* aborted, offline or the index down: the form's own submit still works */
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
            e.preventDefault(); // the option's, not the form's
            choose(active);
          } else {
            close();
            cancel(); // the form submits what was typed
          }
          break;
        case "Escape":
          if (!list.hidden) {
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
    if (options.reopenOnFocus) {
      input.addEventListener("focus", function () {
        if (input.value.trim() && items.length) {
          open();
        }
      });
    }
    input.addEventListener("blur", function () {
      close();
    });
    // keep the focus in the field while a pointer presses an option, then choose on click
    list.addEventListener("mousedown", function (e) {
      e.preventDefault();
    });
    list.addEventListener("click", function (e) {
      var li = e.target.closest ? e.target.closest("li[role=option]") : null;
      var i = li ? items.indexOf(li) : -1;
      if (i >= 0) {
        setActive(i);
        choose(i);
      }
    });
    list.addEventListener("mousemove", function (e) {
      var li = e.target.closest ? e.target.closest("li[role=option]") : null;
      var i = li ? items.indexOf(li) : -1;
      if (i >= 0 && i !== active) {
        setActive(i);
      }
    });
    if (input.form) {
      input.form.addEventListener("submit", function () {
        close();
        cancel();
      });
    }

    return {
      wrap: wrap,
      list: list,
      status: status,
      cache: cache,
      setActive: setActive,
      close: close,
      cancel: cancel,
    };
  }

  window.catalogCombobox = catalogCombobox;
})();
