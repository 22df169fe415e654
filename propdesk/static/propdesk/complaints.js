/* Complaint pages: small progressive enhancements; every page works without this file.
   The intake's read-back box repeats what the clerk typed (R-COMPLAINT-41: persons, places,
   agreed times and the problem are read back to the caller). */
(function () {
  "use strict";

  function echo(form, name) {
    var field = form.elements.namedItem(name);
    var target = form.querySelector('[data-echo="' + name + '"]');
    if (!field || !target) {
      return;
    }
    var value = (field.value || "").trim();
    if (name === "occurred_at") {
      value = value.replace("T", " ");
    }
    target.textContent = value || "—";
  }

  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (!form || form.id !== "intake-form") {
      return;
    }
    ["people_involved", "location", "occurred_at", "content"].forEach(function (name) {
      echo(form, name);
    });
  });
})();
