/* Directory pages (templates/directory/*): the results map with places at one point grouped under one
   marker with their count, opening the list of them; commune suggestions for « Autour de ». No library
   beyond the vendored Leaflet; no inline script (CSP). */
(function () {
  "use strict";

  function initGroupedMap(el) {
    if (!window.L || el.dataset.ready) { return; }
    var list = document.getElementById(el.dataset.grouped);
    if (!list) { return; }
    el.dataset.ready = "1";
    var map = L.map(el, { scrollWheelZoom: false }).setView([46.6, 2.4], 5);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© contributeurs OpenStreetMap" }).addTo(map);
    }
    var bounds = [];
    if (el.dataset.centerLat) {
      var center = [parseFloat(el.dataset.centerLat), parseFloat(el.dataset.centerLon)];
      var circle = L.circle(center, { radius: parseFloat(el.dataset.radiusKm) * 1000, color: "#0b4f8a", weight: 1, fillOpacity: 0.05, interactive: false }).addTo(map);
      bounds.push(circle.getBounds().getNorthEast(), circle.getBounds().getSouthWest());
    }
    var markers = 0;
    Array.prototype.forEach.call(list.children, function (item) {
      var ll = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
      var count = parseInt(item.dataset.count, 10) || 1;
      var name = count + (count > 1 ? " professionnels" : " professionnel") + (item.dataset.label ? " — " + item.dataset.label : "");
      var icon = L.divIcon({
        className: "dir-pin" + (count > 1 ? " dir-pin-many" : ""),
        html: "<span>" + count + "</span>",
        iconSize: [44, 44],
        iconAnchor: [22, 22],
        popupAnchor: [0, -18]
      });
      var marker = L.marker(ll, { icon: icon, title: name, alt: name, keyboard: true }).addTo(map);
      var popup = document.createElement("div");
      popup.className = "dir-popup";
      popup.innerHTML = item.innerHTML;  // server-rendered, escaped by the template
      marker.bindPopup(popup, { maxWidth: 280 });
      var pin = marker.getElement();
      if (pin) { pin.setAttribute("role", "button"); pin.setAttribute("aria-label", name); }
      bounds.push(ll);
      markers += 1;
    });
    if (bounds.length) { map.fitBounds(L.latLngBounds(bounds), { padding: [24, 24], maxZoom: 14 }); }
    el.setAttribute("data-loaded", String(markers));
  }

  function initCommunes(form) {
    var input = form.querySelector("input[list='where-communes']");
    var options = document.getElementById("where-communes");
    if (!input || !options || !window.fetch) { return; }
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last || /,/.test(q)) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch(form.dataset.communes + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { communes: [] }; })
          .then(function (data) {
            options.textContent = "";
            (data.communes || []).slice(0, 8).forEach(function (c) {
              var o = document.createElement("option");
              o.value = c.name + " " + (c.postal_codes[0] || c.insee);
              options.appendChild(o);
            });
          })
          .catch(function () { /* suggestions are a help: the search works without them */ });
      }, 250);
    });
  }

  function init(root) {
    (root || document).querySelectorAll(".map[data-grouped]").forEach(initGroupedMap);
    (root || document).querySelectorAll("form.dir-search[data-communes]").forEach(initCommunes);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
