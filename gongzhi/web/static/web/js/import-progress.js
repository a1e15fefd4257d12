// The console's hotline import page: while a run is not finished, poll its progress and show it;
// when it finishes, reload the page (which then shows the counts and the problems). Text as text only.
(function () {
  "use strict";
  var card = document.getElementById("import-run");
  if (!card || card.getAttribute("data-finished") === "1") {
    return;
  }
  var url = card.getAttribute("data-progress-url");
  var bar = card.querySelector("[data-import-bar]");
  var summary = card.querySelector("[data-import-summary]");
  var state = card.querySelector("[data-import-state]");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) {
          return;
        }
        if (data.finished) {
          window.location.reload();
          return;
        }
        bar.max = Math.max(data.total, 1);
        bar.value = data.done;
        summary.textContent = data.summary;
        state.textContent = data.state_label;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
