/* Diagnostic territorial: choropleth maps over the communes' contours (no tiles; the GeoJSON and each
   commune's colour come from the page, diagnostic/maps.py) and the stacked chart of the age structure. */
(function () {
  "use strict";

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function initChoropleth(el) {
    if (!window.L || el.dataset.ready) { return; }
    var source = document.getElementById(el.dataset.choropleth);
    if (!source) { return; }
    el.dataset.ready = "1";
    var data = JSON.parse(source.textContent);
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: false, zoomSnap: 0.25 });
    var layer = L.geoJSON(data, {
      style: function (feature) {
        return { color: "#444", weight: 0.6, fillColor: feature.properties.colour, fillOpacity: 0.9 };
      },
      onEachFeature: function (feature, l) {
        var p = feature.properties;
        l.bindTooltip(esc(p.name + " (" + p.insee + ") : " + p.display));
      }
    }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds(), { padding: [6, 6] }); } else { map.setView([46.6, 2.4], 5); }
    el.setAttribute("data-loaded", String(data.features.length));
  }

  function numbers(text) {
    return (text || "").split("|").filter(function (v) { return v !== ""; }).map(Number);
  }

  function initAgeChart(el) {
    if (!window.Chart || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    new Chart(el, {
      type: "bar",
      data: {
        labels: (el.dataset.labels || "").split("|").filter(Boolean),
        datasets: [
          { label: "0 à 19 ans", data: numbers(el.dataset.young), backgroundColor: "#6baed6" },
          { label: "20 à 64 ans", data: numbers(el.dataset.adults), backgroundColor: "#3182bd" },
          { label: "65 ans et plus", data: numbers(el.dataset.old), backgroundColor: "#e6550d" }
        ]
      },
      options: {
        indexAxis: "y", responsive: true,
        scales: { x: { stacked: true, max: 100, title: { display: true, text: "% de la population" } }, y: { stacked: true, ticks: { autoSkip: false } } }
      }
    });
  }

  function init(root) {
    (root || document).querySelectorAll(".map[data-choropleth]").forEach(initChoropleth);
    (root || document).querySelectorAll("canvas[data-age-chart]").forEach(initAgeChart);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
