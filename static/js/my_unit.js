// The phone page's location: sent by itself while the unit works (the panel says so in
// data-tracking), at most every data-every-seconds or sooner once the phone has moved
// data-every-metres from the last fix sent; "Send my location" sends one at once. The age of the
// last fix sent ticks on the page; a browser that refuses location says how to allow it.
// The server keeps the newest fix and ignores one sent too soon after it (200, stored: false).
(function () {
  "use strict";
  var section = document.getElementById("location");
  if (!section) { return; }
  var button = document.getElementById("send-location");
  var ageLine = document.getElementById("location-status");
  var problem = document.getElementById("location-problem");
  var said = document.getElementById("location-said");
  var everyMs = Number(section.dataset.everySeconds || 30) * 1000;
  var everyMetres = Number(section.dataset.everyMetres || 100);
  var lastSentAt = section.dataset.locationAt ? Date.parse(section.dataset.locationAt) : null;
  var lastSentCoords = null, lastSentStamp = 0;
  var latest = null, watchId = null, sending = false, asking = false, refused = false;

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function tracking() {
    var panel = document.getElementById("my-call");
    return !!panel && panel.dataset.tracking === "1";
  }
  function metres(a, b) {  // haversine
    var rad = Math.PI / 180, dLat = (b.latitude - a.latitude) * rad, dLon = (b.longitude - a.longitude) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371000 * Math.asin(Math.sqrt(h));
  }
  function age(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 5) { return "just now"; }
    if (s < 60) { return s + " s ago"; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + " min ago"; }
    return Math.floor(m / 60) + " h " + (m % 60) + " min ago";
  }
  function showAge() {
    ageLine.textContent = lastSentAt === null ? "No location sent yet." : "Location sent " + age(Date.now() - lastSentAt) + ".";
  }
  function showProblem(shown) { problem.hidden = !shown; }  // its words are the page's (my_unit.html)

  function send(position, byHand) {
    sending = true;
    fetch(section.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      // A fix sent by itself is no sign of a person at work (coresponder.auth.is_polling): it
      // does not keep an idle session alive; a tap on "Send my location" does.
      headers: Object.assign({"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf()},
                             byHand ? {} : {"X-Polling": "1"}),
      body: JSON.stringify({
        lat: position.coords.latitude,
        lon: position.coords.longitude,
        recorded_at: new Date(position.timestamp).toISOString()
      })
    }).then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
      .then(function (result) {
        var ok = result[0], body = result[1];
        if (ok && body.stored) {
          lastSentAt = Date.now();
          lastSentCoords = position.coords;
          lastSentStamp = position.timestamp;
          if (byHand) { said.textContent = "Location sent."; }
        } else if (ok) {  // a newer fix is held, or this one came too soon after it: nothing is wrong
          lastSentStamp = position.timestamp;
          if (byHand) { said.textContent = "The dispatcher already has a location from moments ago."; }
        } else if (byHand) {
          said.textContent = body.error ? body.error.detail : "The location was not accepted.";
        }
        showAge();
      })
      .catch(function () { if (byHand) { said.textContent = "Could not reach the server; try again."; } })
      .then(function () { sending = false; });
  }

  function maybeSend() {
    if (!tracking() || sending || !latest || latest.timestamp <= lastSentStamp) { return; }
    var due = lastSentAt === null || Date.now() - lastSentAt >= everyMs;
    var moved = !lastSentCoords || metres(lastSentCoords, latest.coords) >= everyMetres;
    if (due || moved) { send(latest, false); }
  }
  function onPosition(position) {
    refused = false;
    showProblem(false);
    latest = position;
    maybeSend();
  }
  function onError(error) {
    if (error.code === 1) {  // PERMISSION_DENIED
      refused = true;
      stopWatching();
      showProblem(true);
    }
    // Unavailable or timed out: the next fix will come; the age on the page shows how old the last is.
  }
  function startWatching() {
    if (watchId !== null || refused || !navigator.geolocation) { return; }
    watchId = navigator.geolocation.watchPosition(onPosition, onError,
      {enableHighAccuracy: true, maximumAge: 10000, timeout: 60000});
  }
  function stopWatching() {
    if (watchId !== null) { navigator.geolocation.clearWatch(watchId); watchId = null; }
  }

  // Every second: the age ticks; watching follows the panel; a phone that has not moved (no new
  // position from the watch) is asked for a fresh fix once the interval is up, so it never goes stale.
  function tick() {
    showAge();
    if (!tracking()) { stopWatching(); return; }
    startWatching();
    maybeSend();
    var due = lastSentAt === null || Date.now() - lastSentAt >= everyMs;
    var nothingNew = !latest || latest.timestamp <= lastSentStamp;
    if (due && nothingNew && watchId !== null && !asking && !sending) {
      asking = true;
      navigator.geolocation.getCurrentPosition(function (p) { asking = false; onPosition(p); },
        function (e) { asking = false; onError(e); }, {enableHighAccuracy: true, maximumAge: 0, timeout: 30000});
    }
  }

  if (!navigator.geolocation) {
    document.getElementById("location-unsupported").hidden = false;
  } else if (navigator.permissions && navigator.permissions.query) {
    // Allowed again in the browser's settings: start again without a reload.
    navigator.permissions.query({name: "geolocation"}).then(function (status) {
      status.addEventListener("change", function () {
        if (status.state !== "denied") { refused = false; showProblem(false); tick(); }
      });
    }).catch(function () {});
  }

  button.addEventListener("click", function () {
    if (!navigator.geolocation) { return; }
    said.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(function (position) {
      refused = false;
      showProblem(false);
      latest = position;
      send(position, true);
    }, function (error) {
      onError(error);
      said.textContent = error.code === 1 ? "Location is off for this page: see how to allow it at the top." : "No location fix yet; try again outside or in a moment.";
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
  });

  tick();
  setInterval(tick, 1000);
})();

// Navigate: an iPad asks for the desktop site and names itself a Mac, so the server sent it a
// link for elsewhere; a Mac with a touch screen is an iPad, and Apple Maps is its maps app.
(function () {
  "use strict";
  function fix() {
    if (!(/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1)) { return; }
    document.querySelectorAll("a.navigate[data-apple-url]").forEach(function (a) { a.href = a.dataset.appleUrl; });
  }
  fix();
  document.addEventListener("htmx:afterSwap", fix);
})();

// The outcome form does not poll, and writing a narrative makes no request until it is sent: while
// the clinician types, tell the server once a minute that a person is at work, so that the session's
// idle limit does not end it and throw the notes away on submit (coresponder.auth.is_polling).
(function () {
  "use strict";
  var typing = false;
  document.addEventListener("input", function (e) {
    if (e.target.closest && e.target.closest("form.outcome")) { typing = true; }
  }, true);
  setInterval(function () {
    var form = document.querySelector("form.outcome[data-keepalive]");
    if (!typing || !form) { return; }
    typing = false;
    fetch(form.dataset.keepalive, {credentials: "same-origin", headers: {"X-User-Active": "1"}});
  }, 60000);
})();
