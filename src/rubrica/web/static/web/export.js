// The export form of a list (people, organizations): "Export the selected ..." copies the
// boxes ticked in the list's bulk form into the export form (a static file: the
// Content-Security-Policy runs no inline script).
(function () {
  var form = document.getElementById("export-form");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    form.querySelectorAll("input[data-copied]").forEach(function (input) { input.remove(); });
    if (!event.submitter || !event.submitter.hasAttribute("data-export-selected")) return;
    document.querySelectorAll("#bulk-form input[name=selected]:checked").forEach(function (box) {
      var copy = document.createElement("input");
      copy.type = "hidden"; copy.name = "selected"; copy.value = box.value;
      copy.setAttribute("data-copied", "");
      form.appendChild(copy);
    });
  });
})();
