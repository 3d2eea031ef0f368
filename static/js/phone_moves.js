// The call's status buttons, for one hand in a moving car. A tap is not sent at once: for 1.5 s
// the buttons are locked and the tapped one counts down beside an Undo button, which cancels it
// before anything reaches the server (so there is nothing to undo there, and no reverse move the
// state machine would refuse). A second tap of a double tap lands on a locked button, so it can
// never skip from en route to on scene. Clear asks first, then is sent at once.
// The tap is sent as the form's own POST to /me/calls/<id>/move/, as without this script.
(function () {
  "use strict";
  var DELAY_MS = 1500;
  var pending = null;  // {form, timer, ticker}

  function panel() { return document.getElementById("my-call"); }
  function moveButtons() { return document.querySelectorAll("#my-call form.move button"); }
  function lock(on) { moveButtons().forEach(function (b) { b.disabled = on; }); }

  function sendNow(form) {
    form.dataset.go = "1";
    lock(true);
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  function cancel() {
    if (!pending) { return; }
    clearTimeout(pending.timer);
    clearInterval(pending.ticker);
    var button = pending.form.querySelector("button");
    button.textContent = pending.form.dataset.label;
    pending = null;
    var box = document.getElementById("move-pending");
    if (box) { box.hidden = true; }
    lock(false);
  }

  function countDown(form) {
    var box = document.getElementById("move-pending");
    var button = form.querySelector("button");
    var ends = Date.now() + DELAY_MS;
    lock(true);
    function show() {
      var left = Math.max(0, (ends - Date.now()) / 1000);
      var text = form.dataset.label + " in " + left.toFixed(1) + " s";
      button.textContent = text + "…";
      box.querySelector(".countdown").textContent = "Sending “" + form.dataset.label + "” in " + left.toFixed(1) + " s. Tap Undo to cancel.";
    }
    box.hidden = false;
    show();
    pending = {
      form: form,
      ticker: setInterval(show, 100),
      timer: setTimeout(function () {
        clearInterval(pending.ticker);
        pending = null;
        box.hidden = true;
        button.textContent = form.dataset.label + "…";
        sendNow(form);
      }, DELAY_MS)
    };
  }

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
