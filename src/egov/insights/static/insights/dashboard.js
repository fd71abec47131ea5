// Draws each <canvas data-chart="id"> from the JSON in <script id="id"> with Chart.js (served
// from this site). The same figures are always in a table next to the chart.
"use strict";
(function () {
  // Distinct colours with at least 3:1 contrast on white.
  var COLOURS = ["#a3161a", "#0b4ea2", "#17612a", "#8a4b00", "#5b2a86", "#006d77", "#4a4a4a", "#b5179e"];
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          var colour = COLOURS[i % COLOURS.length];
          return { label: s.label, data: s.data, borderColor: colour, backgroundColor: colour, tension: 0.2 };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 100, title: { display: true, text: "%" } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
