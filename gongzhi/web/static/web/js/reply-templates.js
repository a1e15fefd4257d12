// Reply templates: choosing one copies its text into the reply, as text, for the handler to edit.
(function () {
  "use strict";
  document.querySelectorAll("select[data-reply-template]").forEach(function (select) {
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var target = document.getElementById(select.getAttribute("data-reply-template"));
      if (target && option && option.hasAttribute("data-text")) {
        target.value = option.getAttribute("data-text");
        target.focus();
      }
    });
  });
})();
