/* OpenCPTS page behaviour: CSRF header for HTMX, territory maps, charts. No inline scripts (CSP). */
(function () {
  "use strict";

  function esc(text) {
    // Leaflet writes a tooltip string as HTML: names from the database are escaped first.
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

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
            l.bindTooltip(esc(p.name + " (" + p.insee + ") — " + p.population.toLocaleString("fr-FR") + " hab."));
          }
        }).addTo(map);
        if (data.features && data.features.length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
        el.setAttribute("data-loaded", String(data.features ? data.features.length : 0));
      });
  }

  function initMarkersMap(el) {
    if (!window.L || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var map = L.map(el, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© contributeurs OpenStreetMap" }).addTo(map);
    }
    var bounds = [];
    if (el.dataset.centerLat) {
      var center = [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)];
      var circle = L.circle(center, { radius: parseFloat(el.dataset.radiusKm) * 1000, color: "#0b4f8a", weight: 1, fillOpacity: 0.05 }).addTo(map);
      L.circleMarker(center, { radius: 5, color: "#a4161a" }).addTo(map).bindTooltip("Point de recherche");
      bounds.push(circle.getBounds().getNorthEast(), circle.getBounds().getSouthWest());
    }
    var count = 0;
    document.querySelectorAll("main .marker[data-lat]").forEach(function (m) {
      var ll = [parseFloat(m.dataset.lat), parseFloat(m.dataset.lon)];
      L.circleMarker(ll, { radius: 6, color: "#0b4f8a", fillOpacity: 0.8 }).addTo(map).bindTooltip(esc(m.dataset.label || ""));
      bounds.push(ll);
      count += 1;
    });
    if (bounds.length) { map.fitBounds(L.latLngBounds(bounds), { padding: [20, 20], maxZoom: 14 }); }
    el.setAttribute("data-loaded", String(count));
    var where = document.getElementById("id_where");
    if (where) {
      // A click on the map chooses the search point ("latitude, longitude").
      map.on("click", function (e) {
        where.value = e.latlng.lat.toFixed(5) + ", " + e.latlng.lng.toFixed(5);
        where.focus();
      });
    }
  }

  function initChart(el) {
    if (!window.Chart || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var labels = (el.dataset.labels || "").split("|").filter(Boolean);
    var values = (el.dataset.values || "").split("|").filter(Boolean).map(Number);
    var datasets = [{ label: el.dataset.label || "", data: values, backgroundColor: "#0b4f8a", borderColor: "#0b4f8a" }];
    if (el.dataset.values2) {
      datasets.push({ label: el.dataset.label2 || "", backgroundColor: "#e0a100", borderColor: "#e0a100",
                      data: el.dataset.values2.split("|").filter(Boolean).map(Number) });
    }
    new Chart(el, {
      type: el.dataset.chart || "bar",
      data: { labels: labels, datasets: datasets },
      options: { plugins: { legend: { display: datasets.length > 1 } }, indexAxis: el.dataset.axis || "y", responsive: true }
    });
  }

  function initDemandMap(el) {
    // Waiting requests per commune (red, area proportional) and GPs taking new patients (blue; grey when full).
    if (!window.L || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var map = L.map(el, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© contributeurs OpenStreetMap" }).addTo(map);
    }
    fetch(el.dataset.demand, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var bounds = [];
        data.demand.forEach(function (d) {
          var ll = [d.lat, d.lon];
          L.circleMarker(ll, { radius: 4 + 3 * Math.sqrt(d.count), color: "#a4161a", fillOpacity: 0.5 })
            .addTo(map).bindTooltip(esc(d.name) + " : " + d.count + " demande" + (d.count > 1 ? "s" : "") + " en attente");
          bounds.push(ll);
        });
        data.gps.forEach(function (g) {
          var ll = [g.lat, g.lon];
          var open = g.remaining > 0;
          L.circleMarker(ll, { radius: 4 + 2 * Math.sqrt(g.per_month), color: open ? "#0b4f8a" : "#777", fillOpacity: 0.6 })
            .addTo(map).bindTooltip(open ? (g.remaining + (g.remaining > 1 ? " places" : " place") + " ce mois-ci sur " + g.per_month) : esc(g.unavailable || "Complet ce mois-ci"));
          bounds.push(ll);
        });
        if (bounds.length) { map.fitBounds(L.latLngBounds(bounds), { padding: [20, 20], maxZoom: 13 }); }
        el.setAttribute("data-loaded", String(data.demand.length + data.gps.length));
      });
  }

  function init(root) {
    (root || document).querySelectorAll(".map[data-demand]").forEach(initDemandMap);
    (root || document).querySelectorAll(".map[data-geojson]").forEach(initMap);
    (root || document).querySelectorAll(".map[data-markers]").forEach(initMarkersMap);
    (root || document).querySelectorAll("canvas[data-chart]").forEach(initChart);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
