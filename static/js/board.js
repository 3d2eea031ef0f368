// The dispatcher's board: the map (Leaflet, refreshed every 3 s), the connection banner, and the
// recommendation drawer. The call and unit panels refresh themselves through htmx polling.
// Refreshes do not keep the session alive (coresponder.auth.is_polling) unless the dispatcher has
// typed or clicked on the page since the last one; once the session is over they bring up the
// login page.
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

  // --- activity: typing a phoned-in call makes no request, yet it is work, not an empty desk ---
  var active = false;
  ["keydown", "pointerdown", "pointermove", "wheel"].forEach(function (name) {
    document.addEventListener(name, function () { active = true; }, {capture: true, passive: true});
  });
  function activityHeaders(headers) {
    if (active) { headers["X-User-Active"] = "1"; active = false; }
    return headers;
  }
  document.addEventListener("htmx:configRequest", function (e) { activityHeaders(e.detail.headers); });

  // --- the drawer closes after an assignment or a decided move, unless it was refused (the
  // refusal shows in the panels, and the drawer stays open for the dispatcher to correct it) ---
  var drawer = document.getElementById("drawer");
  document.addEventListener("htmx:afterSwap", function (e) {
    var from = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (!from || !from.classList) { return; }
    var closing = from.classList.contains("assign-form") || from.classList.contains("decision-form");
    if (closing && !document.querySelector("#board-panels .msg-error")) { drawer.innerHTML = ""; }
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-close-drawer]")) { drawer.innerHTML = ""; }
  });

  // --- messages become toasts that stay until dismissed: a refusal must not vanish with the
  // next refresh of the panels ---
  var toasts = document.getElementById("toasts");
  function keepMessages() {
    if (!toasts) { return; }
    document.querySelectorAll("#board-panels .messages li").forEach(function (item) {
      var toast = document.createElement("p");
      toast.className = "toast " + item.className;
      toast.setAttribute("role", item.classList.contains("msg-error") ? "alert" : "status");
      var text = document.createElement("span");
      text.textContent = item.textContent;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "toast-close";
      close.textContent = "Dismiss";
      close.addEventListener("click", function () { toast.remove(); });
      toast.appendChild(text);
      toast.appendChild(close);
      toasts.appendChild(toast);
      item.remove();
    });
  }
  keepMessages();
  document.addEventListener("htmx:afterSwap", keepMessages);

  // --- an open menu stays open through a refresh (the server's rows know nothing of it) ---
  var openMenus = [];
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "board-panels") {
      openMenus = Array.prototype.map.call(document.querySelectorAll("#board-panels details.menu[open]"), function (d) { return d.id; });
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "board-panels") { return; }
    openMenus.forEach(function (id) { var menu = document.getElementById(id); if (menu) { menu.open = true; } });
    openMenus = [];
  });

  // --- no row moves under a pressed pointer: a refresh waits for the click to finish ---
  var pressed = false, release = null;
  function letGo() { clearTimeout(release); release = setTimeout(function () { pressed = false; }, 400); }
  document.addEventListener("pointerdown", function () {
    pressed = true;
    clearTimeout(release);
    release = setTimeout(function () { pressed = false; }, 3000);  // never longer than this, whatever happens
  }, true);
  ["pointerup", "pointercancel", "dragend"].forEach(function (name) { document.addEventListener(name, letGo, true); });
  window.addEventListener("blur", letGo);
  document.addEventListener("htmx:beforeRequest", function (e) {
    var polling = e.detail.elt && e.detail.elt.id === "board-panels" && e.detail.requestConfig.verb === "get";
    if (polling && pressed) { e.preventDefault(); }  // the next poll, 3 s on, takes its place
  });

  // --- one way to the login page: the panels' refresh (HX-Redirect) and the map's (a 401) both
  // learn that the session is over; whichever goes first, the other stays put, so the login
  // page that says why is not replaced by a second one that does not ---
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });
  document.addEventListener("htmx:beforeOnLoad", function (e) { if (leaving) { e.preventDefault(); } });

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

  // Addresses, call signs and natures are typed by people: always text, never HTML.
  function label(parts) {
    var span = document.createElement("span");
    span.textContent = parts.join(" · ");
    return span;
  }
  function words(code) { return String(code).replace(/_/g, " "); }

  function draw(data) {
    layer.clearLayers();
    var bounds = [];
    data.units.forEach(function (u) {
      var marker = L.circleMarker([u.lat, u.lon], {
        radius: 9, weight: 2, color: "#111827", fillOpacity: 0.9, bubblingMouseEvents: false,
        fillColor: STATUS_COLOURS[u.status] || "#9ca3af"
      }).bindTooltip(label([u.call_sign, words(u.status)]), {permanent: false});
      marker.options.unitId = u.id;
      layer.addLayer(marker);
      bounds.push([u.lat, u.lon]);
    });
    data.calls.forEach(function (c) {
      var marker = L.circleMarker([c.lat, c.lon], {
        radius: 7, weight: 4, bubblingMouseEvents: false, color: PRIORITY_COLOURS[c.priority] || "#111827", fillColor: "#ffffff", fillOpacity: 1
      }).bindTooltip(label(["P" + c.priority + " " + c.nature, c.address || "", words(c.status)]));
      layer.addLayer(marker);
      bounds.push([c.lat, c.lon]);
    });
    if (!fitted && bounds.length) { map.fitBounds(bounds, {padding: [30, 30], maxZoom: 14}); fitted = true; }
    element.dataset.markers = String(layer.getLayers().length);
  }

  function refresh() {
    var headers = activityHeaders({"Accept": "application/json", "X-Polling": "1"});
    fetch(element.dataset.source, {credentials: "same-origin", headers: headers})
      .then(function (r) {
        if (r.status === 401) {  // logged out (idle, or the shift's limit): to the login page, then back here
          clearInterval(timer);
          if (leaving) { return null; }  // the panels' refresh is already taking the page there
          leaving = true;
          var next = encodeURIComponent(window.location.pathname).replace(/%2F/g, "/");  // as Django writes it
          window.location.assign(element.dataset.login + "?next=" + next);
          return null;
        }
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      })
      .then(function (data) { if (data) { draw(data); online(true); } })
      .catch(function () { online(false); });
  }
  var timer = setInterval(refresh, 3000);
  refresh();

  // Setting a new call's location is done on purpose: "Set location on map" puts the map in a
  // mode where a click drops a pin (draggable) that fills the form's coordinates. A click on a
  // marker never sets it (markers do not bubble their clicks, and since the canvas draws them the
  // handler also checks what lies under the pointer), and outside the mode a click changes nothing.
  element.leafletMap = map;  // for the browser tests, which click where a marker is drawn
  var setButton = document.getElementById("set-location");
  var placing = false, pin = null;
  function fill(latlng) {
    var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
    if (!lat || !lon) { return; }
    lat.value = latlng.lat.toFixed(5);
    lon.value = latlng.lng.toFixed(5);
  }
  function setPlacing(on) {
    placing = on;
    element.classList.toggle("placing", on);
    if (setButton) {
      setButton.setAttribute("aria-pressed", on ? "true" : "false");
      setButton.textContent = on ? "Click the map to place the call (Esc to stop)" : "Set location on map";
    }
  }
  if (setButton) {
    setButton.addEventListener("click", function () { setPlacing(!placing); });
  }
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && placing) { setPlacing(false); } });
  function onAMarker(e) {  // the canvas draws the markers: a click on one is a click on the map too
    var hit = false;
    layer.eachLayer(function (marker) {
      var at = map.latLngToContainerPoint(marker.getLatLng());
      if (at.distanceTo(e.containerPoint) <= marker.getRadius() + marker.options.weight + 2) { hit = true; }
    });
    return hit;
  }
  map.on("click", function (e) {
    if (!placing || onAMarker(e)) { return; }
    if (!pin) {
      pin = L.marker(e.latlng, {draggable: true, keyboard: false, title: "The new call",
                                icon: L.divIcon({className: "call-pin", iconSize: [22, 22]})}).addTo(map);
      pin.on("dragend", function () { fill(pin.getLatLng()); });
    } else {
      pin.setLatLng(e.latlng);
    }
    fill(e.latlng);
  });
})();
