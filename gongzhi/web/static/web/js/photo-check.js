/* Photos are checked as soon as they are chosen: one over the size limit (or not a photo, or one
 * too many) is refused with a message naming it, and the photos already kept stay in the form:
 * choosing again adds to them instead of replacing them. Limits and messages come from the input's
 * data attributes (the server's settings, in the page's language); text is inserted as text.
 * Without script the server checks the same and names each refused photo. */
(function () {
  "use strict";
  var TYPES = ["image/jpeg", "image/png", "image/webp"];

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return key in values ? values[key] : ""; });
  }

  function setup(input) {
    if (typeof DataTransfer === "undefined") { return; }
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
    var maxCount = parseInt(input.getAttribute("data-max-count"), 10) || 0;
    var kept = [];
    var note = document.createElement("div");
    note.className = "photo-note";
    note.setAttribute("aria-live", "polite");
    note.id = input.id + "-note";
    input.insertAdjacentElement("afterend", note);
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());

    function sync(problems) {
      var transfer = new DataTransfer();
      kept.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      while (note.firstChild) { note.removeChild(note.firstChild); }
      problems.forEach(function (text) {
        var p = document.createElement("p");
        p.className = "field-error";
        p.textContent = text;
        note.appendChild(p);
      });
      if (kept.length) {
        var p = document.createElement("p");
        p.className = "help";
        p.setAttribute("data-photos-kept", String(kept.length));
        p.textContent = fill(input.getAttribute("data-kept") || "{names}",
                             {names: kept.map(function (f) { return f.name; }).join("、")}) + " ";
        kept.forEach(function (file, index) {
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = fill(input.getAttribute("data-remove") || "×", {name: file.name});
          button.addEventListener("click", function () { kept.splice(index, 1); sync([]); input.focus(); });
          p.appendChild(button);
        });
        note.appendChild(p);
      }
    }

    input.addEventListener("change", function () {
      var problems = [];
      Array.prototype.forEach.call(input.files, function (file) {
        if (kept.some(function (k) { return k.name === file.name && k.size === file.size; })) { return; }
        if (TYPES.indexOf(file.type) === -1) {
          problems.push(fill(input.getAttribute("data-wrong-type") || "{name}", {name: file.name}));
        } else if (maxBytes && file.size > maxBytes) {
          problems.push(fill(input.getAttribute("data-too-big") || "{name}", {name: file.name}));
        } else if (maxCount && kept.length >= maxCount) {
          problems.push(fill(input.getAttribute("data-too-many") || "{name}", {name: file.name, n: maxCount}));
        } else {
          kept.push(file);
        }
      });
      sync(problems);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-photo-check]"), setup);
  });
})();
