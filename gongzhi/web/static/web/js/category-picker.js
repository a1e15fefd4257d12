/* Category picker with search: typing in the search box narrows the options of the <select>
 * it names (data-filters) by name, group, code or keyword (the words people use: "路灯" finds
 * 道路与市政设施); an option found by a keyword says which word matched. The most reported
 * categories are offered as chips (data-chips-for) that choose with one tap. Without script the
 * plain grouped <select> works as it is. Text is inserted as text. */
(function () {
  "use strict";

  function setupChips(select) {
    var box = document.querySelector("[data-chips-for='" + select.id + "']");
    if (!box) { return; }
    box.hidden = false;
    var buttons = box.querySelectorAll("button[data-code]");
    function mark() {
      Array.prototype.forEach.call(buttons, function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-code") === select.value ? "true" : "false");
      });
    }
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        var option = select.querySelector("option[value='" + button.getAttribute("data-code") + "']");
        if (option) { option.hidden = false; option.disabled = false; }
        select.value = button.getAttribute("data-code");
        select.dispatchEvent(new Event("change", {bubbles: true}));
      });
    });
    select.addEventListener("change", mark);
    mark();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-filters]"), function (input) {
      var select = document.getElementById(input.getAttribute("data-filters"));
      if (!select) { return; }
      input.hidden = false;
      if (input.labels) { Array.prototype.forEach.call(input.labels, function (l) { l.hidden = false; }); }
      var count = document.getElementById(input.getAttribute("data-count"));
      var via = input.getAttribute("data-via") || "{category} ({word})";
      Array.prototype.forEach.call(select.querySelectorAll("option"), function (option) {
        option.setAttribute("data-label", option.textContent);
      });
      setupChips(select);
      input.addEventListener("input", function () {
        var words = input.value.trim().toLowerCase();
        var shown = 0, first = null;
        Array.prototype.forEach.call(select.querySelectorAll("option"), function (option) {
          if (!option.value) { return; }
          var label = option.getAttribute("data-label");
          var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
          var hay = (label + " " + option.value + " " + group).toLowerCase();
          var keywords = (option.getAttribute("data-keywords") || "").split(/\s+/).filter(Boolean);
          var byName = !words || hay.indexOf(words) !== -1;
          var word = null;
          if (!byName) {
            word = keywords.filter(function (k) {
              k = k.toLowerCase();
              return k.indexOf(words) !== -1 || words.indexOf(k) !== -1;
            })[0] || null;
          }
          var match = byName || word !== null;
          option.textContent = word ? via.replace("{category}", label).replace("{word}", word) : label;
          option.hidden = !match;
          option.disabled = !match;
          if (match) { shown += 1; if (!first) { first = option; } }
        });
        Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
          group.hidden = !group.querySelector("option:not([hidden])");
        });
        if (words && shown === 1 && first) {
          select.value = first.value;
          select.dispatchEvent(new Event("change", {bubbles: true}));
        }
        if (count) { count.textContent = (count.getAttribute("data-template") || "{n}").replace("{n}", shown); }
      });
    });
  });
})();
