/* "Add my current location": a button with data-locate="<lon input id>,<lat input id>" fills the two
 * (hidden) inputs from the browser's geolocation, in WGS-84. Without script or permission the form still
 * works; the location is optional. */
(function () {
  "use strict";
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var ids = button.getAttribute("data-locate").split(",");
    var status = button.parentNode.querySelector("[data-locate-status]");
    if (!navigator.geolocation) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById(ids[0]).value = pos.coords.longitude.toFixed(6);
        document.getElementById(ids[1]).value = pos.coords.latitude.toFixed(6);
        if (status) { status.textContent = button.getAttribute("data-done") || ""; }
        button.disabled = false;
      }, function () {
        if (status) { status.textContent = button.getAttribute("data-failed") || ""; }
        button.disabled = false;
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  });
})();
