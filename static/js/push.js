// Alerts on this phone (templates/push/_controls.html).
//
// Web Push: "Turn on alerts" asks for the browser's permission -- on a tap, since browsers refuse
// or bury a prompt nobody asked for -- subscribes through the service worker that
// static/js/offline.js registers (/sw.js, which shows each push and opens its page on a tap), and
// sends the subscription to the server (push/api.py). Once permission is given the page sends it
// again on every load, which keeps the device current and keeps this session signed in for the
// shift (push/sessions.py), unless alerts were turned off on this phone. That post is not
// "explicit": a device revoked (from a list, or by logging out) stays revoked and the page offers
// "Turn on alerts" again; only the tap sends "explicit": true.
//
// While the page is open it also rings and vibrates when a new call appears on it.
(function () {
  "use strict";
  var card = document.getElementById("push-controls");
  if (!card || !card.dataset.key) { return; }
  var status = document.getElementById("push-status");
  var turnOn = document.getElementById("push-on");
  var turnOff = document.getElementById("push-off");
  var TURNED_OFF = "push-turned-off";  // remembered in this browser: a reload does not undo it

  function say(text) { status.textContent = text; }
  function buttons(on, off) { turnOn.hidden = !on; turnOff.hidden = !off; }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }
  function keyBytes() {
    var text = card.dataset.key.replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(text + "====".slice(text.length % 4 || 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  // A subscription made with an older server key is refused by the push service: make a new one.
  function madeWithThisKey(subscription) {
    var key = subscription.options && subscription.options.applicationServerKey;
    if (!key) { return true; }
    var had = new Uint8Array(key), now = keyBytes();
    return had.length === now.length && had.every(function (byte, i) { return byte === now[i]; });
  }
  function worker() {
    var waited = new Promise(function (resolve, reject) {
      window.setTimeout(function () { reject(new Error("the page's offline support is not running yet; reload and try again")); }, 10000);
    });
    return Promise.race([navigator.serviceWorker.ready, waited]);
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) { throw new Error(answer.error ? answer.error.detail : "the server answered " + response.status); }
        return answer;
      });
    });
  }
  function subscribe(registration) {
    return registration.pushManager.getSubscription().then(function (existing) {
      if (existing && madeWithThisKey(existing)) { return existing; }
      return (existing ? existing.unsubscribe() : Promise.resolve()).then(function () {
        return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: keyBytes()});
      });
    });
  }
  // explicit: the person's tap on "Turn on alerts", which alone brings back a device revoked from
  // a list or by logging out; the page's own post on a load leaves such a device revoked.
  function register(explicit) {
    say("Turning alerts on…");
    return worker().then(subscribe).then(function (subscription) {
      var body = subscription.toJSON();
      if (explicit) { body.explicit = true; }
      return post(card.dataset.register, body);
    }).then(function (answer) {
      if (answer.active === false) {
        say("Alerts are off on this phone.");
        buttons(true, false);
        return;
      }
      window.localStorage.removeItem(TURNED_OFF);
      say("Alerts are on for this phone.");
      buttons(false, true);
    });
  }
  function failed(error) {
    say("Alerts could not be turned on: " + error.message + ".");
    buttons(true, false);
  }

  function show() {
    if (!supported()) {
      say("This browser cannot show alerts. On an iPhone, add this page to the Home Screen (Share, then " +
          "“Add to Home Screen”) and open it from there.");
      buttons(false, false);
    } else if (Notification.permission === "denied") {
      say("Alerts are blocked for this site. Allow notifications in the browser's site settings, then reload this page.");
      buttons(false, false);
    } else if (Notification.permission === "granted" && window.localStorage.getItem(TURNED_OFF) !== "1") {
      register(false).catch(failed);
    } else {
      say("Alerts are off on this phone.");
      buttons(true, false);
    }
  }

  turnOn.addEventListener("click", function () {
    turnOn.disabled = true;
    Promise.resolve(Notification.requestPermission()).then(function (permission) {
      turnOn.disabled = false;
      window.localStorage.removeItem(TURNED_OFF);
      if (permission === "granted") { return register(true); }
      show();  // blocked, or the prompt dismissed: say which
    }).catch(function (error) { turnOn.disabled = false; failed(error); });
  });

  turnOff.addEventListener("click", function () {
    turnOff.disabled = true;
    worker().then(function (registration) { return registration.pushManager.getSubscription(); })
      .then(function (subscription) {
        if (!subscription) { return null; }
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () { return post(card.dataset.revoke, {endpoint: endpoint}); });
      })
      .then(function () {
        window.localStorage.setItem(TURNED_OFF, "1");
        say("Alerts are off on this phone.");
        buttons(true, false);
      })
      .catch(function (error) { say("Alerts could not be turned off: " + error.message + "."); })
      .then(function () { turnOff.disabled = false; });
  });

  show();
}());

// A new call on the open page, or a push while it is open (the service worker, static/js/sw.js,
// passes each push on to the page): a tone and a vibration, as the board's tone does
// (attention.js), once per call and kind. Browsers let a page make sound only after a person
// has touched it; the vibration needs no touch.
(function () {
  "use strict";
  var panel = document.getElementById("my-call");
  if (!panel) { return; }
  var audio = null;
  var rung = {};  // "assigned:42": this page already rang for it
  var lastRing = 0;

  function unlock() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) { audio = new Context(); }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }
  ["pointerdown", "keydown"].forEach(function (name) { document.addEventListener(name, unlock, {capture: true}); });

  function beep(at, frequency) {
    var oscillator = audio.createOscillator(), gain = audio.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.3, at);
    gain.gain.exponentialRampToValueAtTime(0.001, at + 0.35);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.35);
  }
  function ring(key) {
    if (key && rung[key]) { return; }
    if (!key && Date.now() - lastRing < 10000) { return; }  // a banner right after the push that announced it
    if (key) { rung[key] = true; }
    lastRing = Date.now();
    document.body.dataset.newCallRings = String(Number(document.body.dataset.newCallRings || 0) + 1);  // people and tests
    if (navigator.vibrate) { navigator.vibrate([400, 200, 400]); }
    if (audio && audio.state === "running") {
      beep(audio.currentTime, 880);
      beep(audio.currentTime + 0.45, 1175);
    }
  }

  // The call on the panel, by the address its buttons post to; and the banner that announces a
  // new call while an outcome is being written (dispatch/_new_call_banner.html).
  function seen() {
    var current = document.getElementById("my-call");
    if (!current) { return {call: null, banner: false}; }
    var call = null;
    Array.prototype.some.call(current.querySelectorAll("form[action]"), function (form) {
      var match = !form.closest("#new-call-banner") && form.getAttribute("action").match(/\/me\/calls\/(\d+)\//);
      call = match ? match[1] : null;
      return call !== null;
    });
    return {call: call, banner: Boolean(current.querySelector("#new-call-banner .new-call"))};
  }

  var before = seen();
  if (before.call) { rung["assigned:" + before.call] = true; }
  document.addEventListener("htmx:afterSwap", function () {
    var now = seen();
    if (now.call !== null && now.call !== before.call) { ring("assigned:" + now.call); }
    if (now.banner && !before.banner) { ring(null); }
    before = now;
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var message = event.data || {};
      var push = message.type === "push" && message.payload;
      // A new call is one ring however it is learnt; each new safety flag is another.
      // A schedule notice (no call) is news for later, not a call: it does not ring.
      if (push && push.call_id) { ring(push.kind + ":" + push.call_id + (push.kind === "safety_alert" ? ":" + push.alert_id : "")); }
    });
  }
}());
