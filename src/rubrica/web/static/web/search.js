/* Rubrica: keyboard navigation for the navbar search suggestions (an ARIA combobox).
   Without this file (or without htmx) the search box is a plain form that opens the results page. */
(function () {
  "use strict";

  function parts(input) {
    var form = input.closest("[data-quick-search]");
    var box = form && form.querySelector(".search-suggestions");
    return box ? { form: form, box: box } : null;
  }

  function options(box) {
    return Array.prototype.slice.call(box.querySelectorAll('[role="option"]'));
  }

  function activeOption(input, box) {
    var id = input.getAttribute("aria-activedescendant");
    return id ? box.querySelector('[id="' + id + '"]') : null;
  }

  function setActive(input, box, option) {
    options(box).forEach(function (item) { item.setAttribute("aria-selected", "false"); });
    if (option) {
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function sync(input, box) {
    var open = box.children.length > 0;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!activeOption(input, box)) setActive(input, box, null);
  }

  function close(input, box) {
    box.innerHTML = "";
    sync(input, box);
  }

  function follow(option) {
    var link = option.querySelector("a[href]");
    if (link) window.location.assign(link.href);
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input || input.id !== "quick-search") return;
    var found = parts(input);
    if (!found) return;
    var box = found.box;
    var items = options(box);
    var current = activeOption(input, box);
    var index = current ? items.indexOf(current) : -1;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index + step;
      if (next >= items.length) next = 0;
      if (next < 0) next = items.length - 1;
      setActive(input, box, items[next]);
    } else if (event.key === "Enter") {
      // With an option chosen, open it; otherwise the form goes to the results page.
      if (current) {
        event.preventDefault();
        follow(current);
      }
    } else if (event.key === "Escape") {
      if (box.children.length) {
        event.preventDefault();
        close(input, box);
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail && event.detail.target;
    if (!box || box.id !== "quick-search-suggestions") return;
    var input = document.getElementById("quick-search");
    if (!input) return;
    setActive(input, box, null);
    sync(input, box);
  });

  // A click outside the search form closes the suggestions.
  document.addEventListener("click", function (event) {
    var input = document.getElementById("quick-search");
    var found = input && parts(input);
    if (found && !found.form.contains(event.target)) close(input, found.box);
  });

  // Leaving the page (submit, link) must not show stale suggestions when coming back.
  window.addEventListener("pageshow", function () {
    var input = document.getElementById("quick-search");
    var found = input && parts(input);
    if (found) close(input, found.box);
  });
})();
