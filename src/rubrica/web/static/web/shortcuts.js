/* Rubrica: keyboard shortcuts. "/" focuses the search box, "?" opens the list of shortcuts,
   the skip link moves focus (not only the scroll position) to the main content.
   Every page works without this file. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function visible(element) {
    return Boolean(element && element.getClientRects().length);
  }

  function searchBox() {
    // the page's own search first, else the quick search that is on screen (navigation bar on
    // wide screens, the box under it on phones)
    var candidates = [
      document.querySelector("main [data-shortcut-search]"),
      document.getElementById("quick-search"),
      document.getElementById("quick-search-phone"),
    ];
    for (var i = 0; i < candidates.length; i++) if (visible(candidates[i])) return candidates[i];
    return null;
  }

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts-dialog");
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (event.key === "/") {
      var box = searchBox();
      if (!box) return;
      event.preventDefault();
      box.focus();
      if (box.select) box.select();
    } else if (event.key === "?") {
      event.preventDefault();
      openShortcuts();
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open-shortcuts]");
    if (opener) {
      event.preventDefault();
      openShortcuts();
      return;
    }
    var skip = event.target.closest && event.target.closest("a.skip-link");
    if (skip) {
      var main = document.getElementById("main");
      if (main) {
        event.preventDefault();
        main.focus();
        main.scrollIntoView();
      }
    }
  });
})();
