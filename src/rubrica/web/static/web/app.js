/* Rubrica: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function nextIndex(fieldset) {
    var next = parseInt(fieldset.getAttribute("data-next-index") || "0", 10);
    fieldset.setAttribute("data-next-index", String(next + 1));
    return next;
  }

  function addRow(kind) {
    var fieldset = document.querySelector('[data-collection="' + kind + '"]');
    var template = document.getElementById("template-" + kind);
    if (!fieldset || !template) return;
    var index = String(nextIndex(fieldset));
    var html = template.innerHTML.split("__prefix__").join(index);
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    fieldset.querySelector(".collection-rows").appendChild(row);
    var first = row.querySelector('input[name$="-value"], input[name$="-street"]') || row.querySelector("input");
    if (first) first.focus();
  }

  function syncBulk(root) {
    (root || document).querySelectorAll("#bulk-action").forEach(function (select) {
      var form = select.closest("form");
      form.querySelectorAll("[data-bulk-for]").forEach(function (box) {
        var wanted = box.getAttribute("data-bulk-for").split(" ");
        box.hidden = wanted.indexOf(select.value) === -1;
      });
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      addRow(add.getAttribute("data-add-row"));
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("[data-row]");
      if (row) row.remove();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      var scope = target.closest("form") || document;
      scope.querySelectorAll('input[type="checkbox"][name="selected"]').forEach(function (box) {
        box.checked = target.checked;
      });
    } else if (target.id === "bulk-action") {
      syncBulk(document);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Filter forms sent by htmx drop their empty inputs, so the address stays short and shareable.
  document.addEventListener("htmx:configRequest", function (event) {
    var source = event.detail.elt;
    if (!source || !source.closest || !source.closest("[data-drop-empty]")) return;
    var formData = event.detail.formData;
    if (!formData || !formData.entries) return;
    var kept = {};
    Array.from(formData.entries()).forEach(function (entry) {
      kept[entry[0]] = kept[entry[0]] || [];
      if (entry[1] !== "") kept[entry[0]].push(entry[1]);
    });
    Object.keys(kept).forEach(function (name) {
      formData.delete(name);
      kept[name].forEach(function (value) { formData.append(name, value); });
    });
  });

  document.addEventListener("DOMContentLoaded", function () { syncBulk(document); });
  document.addEventListener("htmx:afterSettle", function () {
    syncBulk(document);
    // keep the column chooser's "next" pointing at what is shown now
    document.querySelectorAll("[data-current-url]").forEach(function (input) {
      input.value = window.location.pathname + window.location.search;
    });
  });
})();
