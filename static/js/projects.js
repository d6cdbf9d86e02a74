/* The map of a project's territory: its communes in blue, the communes around them in grey; touching a grey
   commune adds it (the same form as the search's « Ajouter »). The list and the search below the map do the
   same with the keyboard. No inline script (CSP). */
(function () {
  "use strict";

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function init(el) {
    if (!window.L || el.dataset.ready) { return; }
    el.dataset.ready = "1";
    var form = document.getElementById("map-add");
    var map = L.map(el, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© contributeurs OpenStreetMap" }).addTo(map);
    }
    fetch(el.dataset.projectMap, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var chosen = L.featureGroup().addTo(map);
        var layer = L.geoJSON(data, {
          style: function (f) {
            return f.properties.selected
              ? { color: "#0b4f8a", weight: 2, fillOpacity: 0.35 }
              : { color: "#6b6b6b", weight: 1, fillOpacity: 0.05, dashArray: "3" };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var text = p.name + " (" + p.insee + ") — " + p.population.toLocaleString("fr-FR") + " hab.";
            l.bindTooltip(esc(p.selected ? text : text + " — toucher pour ajouter"));
            if (p.selected) { chosen.addLayer(l); return; }
            if (form) {
              l.on("click", function () {
                form.querySelector("input[name=insee]").value = p.insee;
                form.submit();
              });
            }
          }
        }).addTo(map);
        var bounds = chosen.getLayers().length ? chosen.getBounds() : layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); }
        el.setAttribute("data-loaded", String(data.features ? data.features.length : 0));
      });
  }

  function start() { document.querySelectorAll(".map[data-project-map]").forEach(init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
