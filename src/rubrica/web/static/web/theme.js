// Colour mode (ADR 0021). <meta name="rubrica-theme"> holds the user's choice: "light",
// "dark" or "system". The server also puts an explicit choice on <body data-bs-theme>, so it
// holds without JavaScript; this sets the same mode on <html> (page background, scrollbars), and
// for "system" follows the operating system's preference, also when it changes. Loaded
// synchronously in <head> (no inline script, for the Content Security Policy), so the page is
// never painted in the wrong colours first.
(function () {
  "use strict";
  var root = document.documentElement;
  var meta = document.querySelector('meta[name="rubrica-theme"]');
  var choice = meta ? meta.getAttribute("content") : "system";
  if (choice === "light" || choice === "dark") {
    root.setAttribute("data-bs-theme", choice);
    return;
  }
  if (!window.matchMedia) {
    return;
  }
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    root.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  }
  apply();
  if (query.addEventListener) {
    query.addEventListener("change", apply);
  }
})();
