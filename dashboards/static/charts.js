// Charts (uPlot, vendored) for every <figure data-chart> holding a JSON data block:
//   {"type": "bars", "label": "...", "x": ["2026-10", ...], "y": [123.4, ...]}
//   {"type": "series", "label": "...", "unit": "rows", "x": [epoch seconds...], "y": [...],
//    "lower": [...], "upper": [...]}   (lower/upper: the expected band, optional; null = no band there)
// The same numbers are always in a table or text next to the chart, so nothing depends on this script.
(function () {
  "use strict";
  if (typeof window.uPlot !== "function") return;
  var ink = "#1b1f24", accent = "#0a58ca", band = "rgba(26,127,55,0.15)", bandLine = "#1a7f37";

  function money(v) { return v == null ? "" : "$" + Number(v).toLocaleString(undefined, { maximumFractionDigits: 0 }); }

  function bars(fig, d, width) {
    var xs = d.x.map(function (_, i) { return i; });
    return new window.uPlot({
      width: width, height: 220,
      scales: { x: { time: false, range: [-0.6, xs.length - 0.4] } },
      axes: [
        { stroke: ink, values: function (u, splits) { return splits.map(function (i) { return d.x[i] || ""; }); },
          splits: function () { return xs; } },
        { stroke: ink, values: function (u, splits) { return splits.map(money); }, size: 70 }
      ],
      series: [{}, { label: d.label, fill: "rgba(10,88,202,0.75)", stroke: accent,
        paths: window.uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false },
        value: function (u, v) { return money(v); } }],
      legend: { show: false }
    }, [xs, d.y], fig);
  }

  function series(fig, d, width) {
    var data = [d.x, d.y];
    var s = [{}, { label: d.label, stroke: accent, width: 2, points: { show: true, size: 4 } }];
    var bands;
    if (d.lower && d.upper) {
      data.push(d.upper, d.lower);
      s.push({ label: "expected (high)", stroke: bandLine, dash: [4, 4], width: 1, points: { show: false } });
      s.push({ label: "expected (low)", stroke: bandLine, dash: [4, 4], width: 1, points: { show: false } });
      bands = [{ series: [2, 3], fill: band }];
    }
    return new window.uPlot({
      width: width, height: 220, series: s, bands: bands,
      axes: [{ stroke: ink }, { stroke: ink, size: 70 }],
      scales: { x: { time: true } }
    }, data, fig);
  }

  document.querySelectorAll("figure[data-chart]").forEach(function (fig) {
    var block = fig.querySelector('script[type="application/json"]');
    if (!block) return;
    var d = JSON.parse(block.textContent);
    if (!d.x || !d.x.length) return;
    var width = Math.max(280, Math.min(fig.clientWidth || 600, 900));
    var caption = fig.querySelector("figcaption");
    if (caption) fig.removeChild(caption);
    if (d.type === "bars") bars(fig, d, width); else series(fig, d, width);
    if (caption) fig.appendChild(caption);
  });
})();
