/* Trend lines with the locally served uPlot. <div data-chart="<json id>"> where the
 * JSON is {months: ["2026-01", ...], counts: [..], label: "..."}; the table
 * next to the chart carries the same numbers for screen readers. */
(function () {
  "use strict";
  function draw(el) {
    var data = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
    var xs = data.months.map(function (m, i) { return i; });
    var width = Math.max(280, el.clientWidth || 600);
    var opts = {
      width: width, height: 260,
      scales: { x: { time: false } },
      axes: [
        { values: function (u, splits) { return splits.map(function (i) { return data.months[i] || ""; }); } },
        {}
      ],
      series: [{}, { label: data.label, stroke: "#b3261e", width: 2, fill: "rgba(179,38,30,0.08)" }],
      legend: { show: true }
    };
    var plot = new uPlot(opts, [xs, data.counts], el);
    window.addEventListener("resize", function () { plot.setSize({ width: Math.max(280, el.clientWidth), height: 260 }); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
})();
