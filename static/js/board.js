// The dispatcher's board: the map (Leaflet, refreshed every 3 s), the connection banner, and the
// recommendation drawer. The call and unit panels refresh themselves through htmx polling.
(function () {
  "use strict";
  var STATUS_COLOURS = {
    available: "#16a34a", dispatched: "#2563eb", en_route: "#2563eb", on_scene: "#7c3aed",
    transporting: "#7c3aed", out_of_service: "#6b7280", off_duty: "#9ca3af"
  };
  var PRIORITY_COLOURS = {1: "#dc2626", 2: "#ea580c", 3: "#ca8a04"};

  // --- connection banner: shown while requests fail, hidden on the next success ---
  var banner = document.getElementById("connection");
  function online(ok) { if (banner) { banner.hidden = ok; } }
  document.addEventListener("htmx:sendError", function () { online(false); });
  document.addEventListener("htmx:responseError", function () { online(false); });
  document.addEventListener("htmx:afterRequest", function (e) { if (e.detail.successful) { online(true); } });

  // --- the drawer closes after an assignment, or on its Close button ---
  var drawer = document.getElementById("drawer");
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.successful && e.detail.elt.classList && e.detail.elt.classList.contains("assign-form")) {
      drawer.innerHTML = "";
    }
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-close-drawer]")) { drawer.innerHTML = ""; }
  });

  // --- the map ---
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  var map = L.map(element, {preferCanvas: true}).setView([38.627, -90.2], 12);
  if (element.dataset.tiles) {
    // Tiles need the network; markers show without them.
    L.tileLayer(element.dataset.tiles, {maxZoom: 18, attribution: "© OpenStreetMap contributors"}).addTo(map);
  }
  var layer = L.layerGroup().addTo(map);
  var fitted = false;

  function draw(data) {
    layer.clearLayers();
    var bounds = [];
    data.units.forEach(function (u) {
      var marker = L.circleMarker([u.lat, u.lon], {
        radius: 9, weight: 2, color: "#111827", fillOpacity: 0.9,
        fillColor: STATUS_COLOURS[u.status] || "#9ca3af"
      }).bindTooltip(u.call_sign + " · " + u.status.replace(/_/g, " "), {permanent: false});
      marker.options.unitId = u.id;
      layer.addLayer(marker);
      bounds.push([u.lat, u.lon]);
    });
    data.calls.forEach(function (c) {
      var marker = L.circleMarker([c.lat, c.lon], {
        radius: 7, weight: 4, color: PRIORITY_COLOURS[c.priority] || "#111827", fillColor: "#ffffff", fillOpacity: 1
      }).bindTooltip("P" + c.priority + " " + c.nature + " · " + (c.address || "") + " · " + c.status.replace(/_/g, " "));
      layer.addLayer(marker);
      bounds.push([c.lat, c.lon]);
    });
    if (!fitted && bounds.length) { map.fitBounds(bounds, {padding: [30, 30], maxZoom: 14}); fitted = true; }
    element.dataset.markers = String(layer.getLayers().length);
  }

  function refresh() {
    fetch(element.dataset.source, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { draw(data); online(true); })
      .catch(function () { online(false); });
  }
  refresh();
  setInterval(refresh, 3000);

  // Clicking the map fills the new-call form's coordinates.
  map.on("click", function (e) {
    var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
    if (lat && lon) {
      lat.value = e.latlng.lat.toFixed(5);
      lon.value = e.latlng.lng.toFixed(5);
      var details = document.querySelector("details.new-call");
      if (details) { details.open = true; }
    }
  });
})();
