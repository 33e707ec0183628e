// Quick-log shortcuts: "l" opens the quick-log form (outside text fields), Ctrl/Cmd+Enter saves it.
(function () {
  if (window.rubricaQuickLog) return;
  window.rubricaQuickLog = true;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (!typing && !event.ctrlKey && !event.metaKey && !event.altKey && (event.key === "l" || event.key === "L")) {
      var details = document.getElementById("quick-log");
      if (!details) return;
      event.preventDefault();
      details.open = true;
      var first = document.getElementById("ql-kind");
      if (first) first.focus();
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target && target.form && target.form.id === "quick-log-form") {
      event.preventDefault();
      target.form.requestSubmit();
    }
  });
})();
