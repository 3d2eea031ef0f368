// What needs the dispatcher now, beyond the strip the server draws: the tab's title carries the
// count ("(3) Board"), and a short tone sounds once whenever a new need appears -- unless this
// console is muted (remembered in the browser). Browsers let a page make sound only after a
// person has touched it, so the tone starts working from the dispatcher's first click or key.
(function () {
  "use strict";
  var BASE_TITLE = document.title.replace(/^\(\d+\) /, "");
  var MUTED_KEY = "board-tone-muted";
  var toggle = document.getElementById("tone-toggle");
  var audio = null;
  var previous = null;

  function muted() { return window.localStorage.getItem(MUTED_KEY) === "1"; }
  function showToggle() {
    if (!toggle) { return; }
    toggle.textContent = muted() ? "Sound off" : "Sound on";
    toggle.setAttribute("aria-pressed", muted() ? "true" : "false");
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      window.localStorage.setItem(MUTED_KEY, muted() ? "0" : "1");
      showToggle();
    });
  }
  showToggle();

  function unlock() {
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }
  ["pointerdown", "keydown"].forEach(function (name) { document.addEventListener(name, unlock, {capture: true}); });

  function tone() {
    if (muted()) { return; }
    document.body.dataset.tones = String(Number(document.body.dataset.tones || 0) + 1);  // for people and tests alike
    if (!audio || audio.state !== "running") { return; }
    var oscillator = audio.createOscillator(), gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.4);
  }

  function update() {
    var strip = document.getElementById("needs-now");  // inside the panels: refreshed with them
    if (!strip) { return; }
    var needing = Number(strip.dataset.needing || 0);
    document.title = (needing ? "(" + needing + ") " : "") + BASE_TITLE;
    // A new event is a need of a call not seen before (a call held, a dispatch gone stale...),
    // even when another call's need ended in the same refresh.
    var events = (strip.dataset.events || "").split(" ").filter(Boolean);
    if (previous !== null && events.some(function (event) { return previous.indexOf(event) < 0; })) { tone(); }
    previous = events;
  }
  update();
  document.addEventListener("htmx:afterSwap", update);
}());
