// Copy buttons next to a secret shown once (a generated password, a new API token).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-target]");
  if (!button || !navigator.clipboard) { return; }
  var source = document.getElementById(button.getAttribute("data-copy-target"));
  navigator.clipboard.writeText(source.textContent.trim()).then(function () {
    var done = button.querySelector(".copy-done");
    if (done) { done.classList.remove("d-none"); }
  });
});
