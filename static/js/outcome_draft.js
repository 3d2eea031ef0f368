// The outcome being written is kept on this phone (localStorage) as a draft, so that a reload, a
// lost connection, a session that ended by itself or a new call opened in between loses nothing.
// Keyed by user and call: on a shared phone, one person never sees another's draft. Forgotten
// once the outcome is recorded (the server's "outcome-recorded"), once the page shows the call
// no longer waits for it (the panel's data-outcomes-done), after DRAFT_DAYS, on Log out from
// any page (static/js/offline.js), and once another person opens the phone page: the next
// person on the phone finds nothing. The narrative is clinical: it stays on the phone
// only until one of these.
(function () {
  "use strict";
  var PREFIX = "coresponder:outcome-draft:";
  var DRAFT_DAYS = 7;
  var store;
  try { store = window.localStorage; store.getItem(PREFIX); } catch (e) { return; }  // private mode, disabled

  function panel() { return document.getElementById("my-call"); }
  function user() { var p = panel(); return p ? p.dataset.user : null; }
  function keysOf(userId) {
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX + userId + ":") === 0) { keys.push(key); }
    }
    return keys;
  }
  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit" && el.type !== "hidden";
    });
  }
  function save(form) {
    var values = {};
    fieldsOf(form).forEach(function (el) { values[el.name] = el.type === "checkbox" ? el.checked : el.value; });
    store.setItem(PREFIX + form.dataset.draft, JSON.stringify({at: Date.now(), values: values}));
  }
  function restore(form) {
    var raw = store.getItem(PREFIX + form.dataset.draft);
    if (!raw || form.dataset.bound === "1") { return; }  // a form sent back with errors holds what was sent
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    fieldsOf(form).forEach(function (el) {
      if (!(el.name in draft.values)) { return; }
      if (el.type === "checkbox") { el.checked = !!draft.values[el.name]; } else { el.value = draft.values[el.name]; }
    });
    var note = form.querySelector(".draft-note");
    if (note) { note.textContent = "Your draft was brought back from this phone. It is kept until the outcome is recorded (or you log out)."; }
  }
  function tidy() {
    var p = panel(), userId = user();
    if (!userId) { return; }
    // Another person's drafts, left by a session that ended without a logout: gone once someone
    // else opens the phone page (the same person, logging in again, gets theirs back).
    keysOf("").forEach(function (key) { if (key.indexOf(PREFIX + userId + ":") !== 0) { store.removeItem(key); } });
    var done = (p.dataset.outcomesDone || "").split(" ").filter(Boolean);
    keysOf(userId).forEach(function (key) {
      var callId = key.slice((PREFIX + userId + ":").length), draft = null;
      try { draft = JSON.parse(store.getItem(key)); } catch (e) { draft = null; }
      var old = !draft || Date.now() - draft.at > DRAFT_DAYS * 86400000;
      if (old || done.indexOf(callId) !== -1) { store.removeItem(key); }
    });
  }
  function setUp() {
    tidy();
    var form = document.querySelector("#my-call form.outcome[data-draft]");
    if (form) { restore(form); }
  }

  document.addEventListener("input", function (e) {
    var form = e.target.closest && e.target.closest("form.outcome[data-draft]");
    if (form) { save(form); }
  });
  document.addEventListener("change", function (e) {
    var form = e.target.closest && e.target.closest("form.outcome[data-draft]");
    if (form) { save(form); }
  });
  document.body.addEventListener("outcome-recorded", function (e) {
    var userId = user();
    if (userId) { store.removeItem(PREFIX + userId + ":" + e.detail.call); }
  });
  // Log out, from any page, forgets every draft: static/js/offline.js, which every page loads.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && (e.detail.target.id === "my-call" || e.detail.target === panel())) { setUp(); }
  });
  setUp();
})();
