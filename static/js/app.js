/* OpenCPTS page behaviour: CSRF header for HTMX, territory maps, charts. No inline scripts (CSP). */
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  function initMap(el) {
    if (!window.L || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var map = L.map(el, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© contributeurs OpenStreetMap" }).addTo(map);
    }
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: { color: "#0b4f8a", weight: 1.5, fillOpacity: 0.25 },
          onEachFeature: function (feature, l) {
            var p = feature.properties;
            l.bindTooltip(p.name + " (" + p.insee + ") — " + p.population.toLocaleString("fr-FR") + " hab.");
          }
        }).addTo(map);
        if (data.features && data.features.length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
        el.setAttribute("data-loaded", String(data.features ? data.features.length : 0));
      });
  }

  function initChart(el) {
    if (!window.Chart || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var labels = (el.dataset.labels || "").split("|").filter(Boolean);
    var values = (el.dataset.values || "").split("|").filter(Boolean).map(Number);
    new Chart(el, {
      type: el.dataset.chart || "bar",
      data: { labels: labels, datasets: [{ label: el.dataset.label || "", data: values, backgroundColor: "#0b4f8a" }] },
      options: { plugins: { legend: { display: false } }, indexAxis: "y", responsive: true }
    });
  }

  function init(root) {
    (root || document).querySelectorAll(".map[data-geojson]").forEach(initMap);
    (root || document).querySelectorAll("canvas[data-chart]").forEach(initChart);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
