/* After a refused form, the list of problems at the top takes the focus (a screen reader
 * reads it, a keyboard starts there), and each of its links moves the focus to its field. */
(function () {
  "use strict";
  function target(link) {
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    var element = document.getElementById(id);
    if (element && element.tagName === "FIELDSET") {
      element = element.querySelector("input, select, textarea") || element;
    }
    return element;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-form-errors]");
    if (summary) {
      var details = summary.closest("details");
      if (details) { details.open = true; }
      summary.focus();
      summary.scrollIntoView({block: "start"});
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest("[data-form-errors] a[href^='#']");
      if (!link) { return; }
      var element = target(link);
      if (!element) { return; }
      event.preventDefault();
      var details = element.closest("details");
      if (details) { details.open = true; }
      if (element.hidden && element.id) {
        var shown = document.querySelector("[data-filters='" + element.id + "']");
        if (shown) { element = shown; }
      }
      element.scrollIntoView({block: "center"});
      element.focus();
    });
  });
})();
