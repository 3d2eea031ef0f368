// Live timers: every <time data-since> shows the time elapsed since then, and turns amber and
// red past its data-amber / data-red seconds. Runs every second; survives htmx swaps.
(function () {
  "use strict";
  function format(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-since]").forEach(function (el) {
      var elapsed = (now - Date.parse(el.dataset.since)) / 1000;
      el.textContent = format(elapsed);
      var amber = Number(el.dataset.amber || 0), red = Number(el.dataset.red || 0);
      el.classList.toggle("red", red > 0 && elapsed >= red);
      el.classList.toggle("amber", amber > 0 && elapsed >= amber && !(red > 0 && elapsed >= red));
    });
  }
  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();
