// The call's status buttons, for one hand in a moving car. A tap is not sent at once: for 1.5 s
// the buttons are locked and the tapped one counts down beside an Undo button, which cancels it
// before anything reaches the server (so there is nothing to undo there, and no reverse move the
// state machine would refuse). A second tap of a double tap lands on a locked button, so it can
// never skip from en route to on scene. Clear asks first, then is sent at once.
// The tap is sent as the form's own POST to /me/calls/<id>/move/, as without this script.
// The panel (#my-call) may be swapped during the hold (a note added, "I have read this", the
// offline queue's refresh): the tap is remembered by its form's action and status, not by the
// form, and sent from the panel there is when the hold ends; if that panel no longer offers the
// move, it says "Not sent". Leaving the page (or the app going to the background) sends it at once.
(function () {
  "use strict";
  var DELAY_MS = 1500;
  var pending = null;  // {action, status, label, ends, timer, ticker}

  function panel() { return document.getElementById("my-call"); }
  function moveButtons() { return document.querySelectorAll("#my-call form.move button"); }
  function lock(on) { moveButtons().forEach(function (b) { b.disabled = on; }); }

  // The form of this move in the page as it is now (null if the call no longer offers it).
  function currentForm(tap) {
    var forms = document.querySelectorAll("#my-call form.move");
    for (var i = 0; i < forms.length; i++) {
      var status = forms[i].querySelector("input[name=status]");
      if (forms[i].getAttribute("action") === tap.action && status && status.value === tap.status) { return forms[i]; }
    }
    return null;
  }

  function sendNow(form) {
    form.dataset.go = "1";
    lock(true);
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  function endHold() {
    var tap = pending;
    clearTimeout(tap.timer);
    clearInterval(tap.ticker);
    pending = null;
    return tap;
  }

  function cancel() {
    if (!pending) { return; }
    var form = currentForm(endHold());
    if (form) { form.querySelector("button").textContent = form.dataset.label; }
    var box = document.getElementById("move-pending");
    if (box) { box.hidden = true; }
    lock(false);
  }

  // The hold is over: the tap goes from the panel there is now.
  function send() {
    var tap = endHold();
    var form = currentForm(tap);
    var box = document.getElementById("move-pending");
    if (form) {
      if (box) { box.hidden = true; }
      form.querySelector("button").textContent = tap.label + "…";
      sendNow(form);
      return;
    }
    lock(false);
    if (box) {
      box.hidden = false;
      box.querySelector(".countdown").textContent = "Not sent: " + tap.label + " — the call no longer offers it.";
      box.querySelector(".undo").hidden = true;
    }
  }

  function countDown(form) {
    pending = {
      action: form.getAttribute("action"),
      status: form.querySelector("input[name=status]").value,
      label: form.dataset.label,
      ends: Date.now() + DELAY_MS
    };
    var tap = pending;
    // Drawn on every tick from the page as it is: a swapped panel shows the hold too.
    function show() {
      var left = Math.max(0, (tap.ends - Date.now()) / 1000).toFixed(1);
      var current = currentForm(tap);
      var box = document.getElementById("move-pending");
      lock(true);
      if (current) { current.querySelector("button").textContent = tap.label + " in " + left + " s…"; }
      if (box) {
        box.hidden = false;
        box.querySelector(".undo").hidden = false;
        box.querySelector(".countdown").textContent = "Sending “" + tap.label + "” in " + left + " s. Tap Undo to cancel.";
      }
    }
    show();
    tap.ticker = setInterval(show, 100);
    tap.timer = setTimeout(send, DELAY_MS);
  }

  // Leaving during a hold: the tap goes now. Hidden (another app, the screen off): as usual. The
  // page going away: a keepalive POST of the same form, which outlives the page (htmx's would not).
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && pending) { send(); }
  });
  window.addEventListener("pagehide", function () {
    if (!pending) { return; }
    var form = currentForm(endHold());
    if (form) {
      fetch(form.getAttribute("action"), {method: "POST", body: new FormData(form), credentials: "same-origin", keepalive: true});
    }
  });

  function askFirst(form) {
    var box = document.getElementById("move-confirm");
    lock(true);
    box.querySelector("p").textContent = form.dataset.confirm;
    box.hidden = false;
    box.querySelector(".yes").onclick = function () { box.hidden = true; sendNow(form); };
    box.querySelector(".no").onclick = function () { box.hidden = true; lock(false); };
    box.querySelector(".yes").focus();
  }

  // Capturing, on the document: before htmx, which listens on the form, sees the submit.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("#my-call form.move")) { return; }
    if (form.dataset.go === "1") { return; }  // the delayed or confirmed send: htmx takes it
    e.preventDefault();
    e.stopImmediatePropagation();
    if (pending) { return; }  // locked: the second tap of a double tap
    if (form.dataset.confirm) { askFirst(form); } else { countDown(form); }
  }, true);

  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#move-pending .undo")) { cancel(); }
  });

  // A tap the server never answered (no network): its button comes back, to be tapped again.
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (e.detail.successful || !form.matches || !form.matches("form.move")) { return; }
    delete form.dataset.go;
    form.querySelector("button").textContent = form.dataset.label;
    lock(false);
  });

  // The panel's own refresh waits while a tap counts down (it would replace the buttons under it).
  document.addEventListener("htmx:beforeRequest", function (e) {
    var polling = e.detail.elt === panel() && e.detail.requestConfig && e.detail.requestConfig.verb === "get";
    var confirming = document.getElementById("move-confirm");
    if (polling && (pending || (confirming && !confirming.hidden))) { e.preventDefault(); }
  });
})();
