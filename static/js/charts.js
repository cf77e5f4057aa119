// Draws every Plotly figure the page carries as JSON (written by Django's json_script, so
// names cannot break out of it); no inline script, so the CSP stays strict.
// The toolbar keeps only "Download plot as a PNG", the button analysts use: every other one is a
// tab stop that keyboard users must pass inside each chart.
var CHART_CONFIG = { responsive: true, displaylogo: false, modeBarButtons: [["toImage"]] };

document.querySelectorAll("script[type='application/json'][id^='figure-']").forEach(function (data) {
  var figure = JSON.parse(data.textContent);
  var target = document.getElementById(data.id.replace(/^figure-/, ""));
  Plotly.newPlot(target, figure.data, figure.layout, CHART_CONFIG);
  target.dataset.drawn = String(figure.data.length);
});
