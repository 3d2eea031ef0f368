// The phone page: "Send my location" posts navigator.geolocation's fix to the location endpoint.
(function () {
  "use strict";
  var button = document.getElementById("send-location");
  var status = document.getElementById("location-status");
  if (!button) { return; }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function say(text) { status.textContent = text; }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { say("This device cannot share its location."); return; }
    say("Finding your location…");
    navigator.geolocation.getCurrentPosition(function (position) {
      fetch(button.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify({
          lat: position.coords.latitude,
          lon: position.coords.longitude,
          recorded_at: new Date(position.timestamp).toISOString()
        })
      }).then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
        .then(function (result) {
          say(result[0] ? "Location sent at " + new Date().toLocaleTimeString() + "." : result[1].error.detail);
        })
        .catch(function () { say("Could not reach the server; try again."); });
    }, function (error) { say("Location unavailable: " + error.message); }, {enableHighAccuracy: true, timeout: 15000});
  });
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
