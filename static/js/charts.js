// Draws every Plotly figure the page carries as JSON (written by Django's json_script, so
// names cannot break out of it); no inline script, so the CSP stays strict.
document.querySelectorAll("script[type='application/json'][id^='figure-']").forEach(function (data) {
  var figure = JSON.parse(data.textContent);
  var target = document.getElementById(data.id.replace(/^figure-/, ""));
  Plotly.newPlot(target, figure.data, figure.layout, { responsive: true, displaylogo: false });
  target.dataset.drawn = String(figure.data.length);
});
