/* Category picker with search: typing in the search box narrows the options
 * of the <select> it names (data-filters), by name or code. Without script the
 * plain grouped <select> works as it is. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-filters]"), function (input) {
      var select = document.getElementById(input.getAttribute("data-filters"));
      if (!select) { return; }
      input.hidden = false;
      if (input.labels) { Array.prototype.forEach.call(input.labels, function (l) { l.hidden = false; }); }
      var count = document.getElementById(input.getAttribute("data-count"));
      input.addEventListener("input", function () {
        var words = input.value.trim().toLowerCase();
        var shown = 0, first = null;
        Array.prototype.forEach.call(select.querySelectorAll("option"), function (option) {
          if (!option.value) { return; }
          var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
          var hay = (option.textContent + " " + option.value + " " + group).toLowerCase();
          var match = !words || hay.indexOf(words) !== -1;
          option.hidden = !match;
          option.disabled = !match;
          if (match) { shown += 1; if (!first) { first = option; } }
        });
        Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
          group.hidden = !group.querySelector("option:not([hidden])");
        });
        if (words && shown === 1 && first) { select.value = first.value; }
        if (count) { count.textContent = (count.getAttribute("data-template") || "{n}").replace("{n}", shown); }
      });
    });
  });
})();
