/* Trend lines with the locally served uPlot. <div data-chart="<json id>"> where the JSON is
 * {labels: ["12-01", ...], x_label: "日", percent: bool,
 *  series: [{label: "受理工单数", values: [..], dash: bool}, ...]}.
 * Every word of the legend comes from the page (its language); a missing value is a gap, and the
 * point that is not over yet comes as a dashed series of its own. The table next to the chart
 * carries the same numbers for screen readers. */
(function () {
  "use strict";
  var COLOURS = ["#b3261e", "#1f5fa8", "#2e7d32", "#8a5a00"];

  function draw(el) {
    var data = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
    var xs = data.labels.map(function (label, i) { return i; });
    var width = Math.max(280, el.clientWidth || 600);
    var suffix = data.percent ? "%" : "";
    var series = [{
      label: data.x_label,
      value: function (u, i) { return i == null ? "—" : (data.labels[i] || ""); }
    }];
    data.series.forEach(function (s, n) {
      var colour = COLOURS[n % COLOURS.length];
      series.push({
        label: s.label, stroke: colour, width: 2, dash: s.dash ? [6, 4] : undefined,
        spanGaps: false, points: { show: true },
        value: function (u, v) { return v == null ? "—" : v + suffix; }
      });
    });
    var opts = {
      width: width, height: 240,
      scales: { x: { time: false }, y: data.percent ? { range: [0, 100] } : {} },
      axes: [
        { space: 90, incrs: [1, 2, 3, 5, 7, 10, 15, 30],
          values: function (u, splits) { return splits.map(function (i) { return data.labels[i] || ""; }); } },
        { values: function (u, splits) { return splits.map(function (v) { return v + suffix; }); } }
      ],
      series: series,
      legend: { show: true }
    };
    var columns = [xs].concat(data.series.map(function (s) { return s.values; }));
    var plot = new uPlot(opts, columns, el);
    window.addEventListener("resize", function () { plot.setSize({ width: Math.max(280, el.clientWidth), height: 240 }); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
})();
