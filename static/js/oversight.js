/* The referents' map (« Suivi »): the communes of each project and CPTS of their territory, coloured by stage
   (the feature's own colour, from oversight/selectors.py:LEGEND); a CPTS drawn with a full line, a project
   dashed. Touching a territory opens its page; the table below the map is its list equivalent. No inline
   script (CSP). */
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
    var map = L.map(el, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© contributeurs OpenStreetMap" }).addTo(map);
    }
    fetch(el.dataset.oversightMap, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (f) {
            var p = f.properties;
            return {
              color: "#333333",
              weight: p.kind === "cpts" ? 2 : 1.5,
              dashArray: p.kind === "cpts" ? null : "4",
              fillColor: p.colour,
              fillOpacity: 0.7
            };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var what = p.kind === "cpts" ? "CPTS" : "Projet";
            l.bindTooltip(esc(what + " : " + p.name + " — " + p.stage_label + " (" + p.commune + ")"));
            l.on("click", function () { window.location.href = p.url; });
          }
        }).addTo(map);
        var bounds = layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); }
        el.setAttribute("data-loaded", String(data.features ? data.features.length : 0));
      });
  }

  function start() { document.querySelectorAll(".map[data-oversight-map]").forEach(init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
