// The phone page offline, and what a logout forgets (loaded on every page by base.html).
//
// On the phone page (My unit; #offline-status is there only):
// - registers the service worker (static/js/sw.js at /sw.js), which keeps the page for offline use;
// - shows "Offline — last updated HH:MM" while the browser is offline or the page is being fed
//   its saved copy (the worker marks those answers X-Saved-At), and hides it when a fresh answer
//   comes back;
// - queues a status tap (a POST to /me/calls/<id>/move/, dispatch/urls.py "my-call-move") that
//   cannot be sent, in IndexedDB, in order, and sends the queue when the network is back: the
//   server ignores a move to the status the call already has (dispatch.services.moves
//   .call_transition), so a tap that did arrive once and is sent again changes nothing.
// Everywhere: logging out forgets the saved pages, the queue and the outcome drafts first (a
// shared phone keeps nothing); a page for someone not logged in (the login page after a session ended) forgets
// the saved pages but keeps the queue, sent once the same person has logged in again.
(function () {
  "use strict";
  var QUEUE_DB = "coresponder-offline";
  var TAPS = "taps";
  var MOVE = /^\/me\/calls\/\d+\/move\/$/;
  var status = document.getElementById("offline-status");
  var logoutForm = document.querySelector("form.logout");
  // Outcome drafts (static/js/outcome_draft.js, on the phone page only) are clinical: a logout
  // from any page takes them off the phone with the person.
  var DRAFTS = "coresponder:outcome-draft:";
  function forgetDrafts() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && key.indexOf(DRAFTS) === 0) { localStorage.removeItem(key); }
      }
    } catch (error) { /* no localStorage: no drafts */ }
  }
  if (!("caches" in window) || !("indexedDB" in window)) {  // not a secure context
    if (logoutForm) { document.addEventListener("submit", function (event) { if (event.target === logoutForm) { forgetDrafts(); } }, true); }
    return;
  }

  // --- Forgetting --------------------------------------------------------------------------
  function forgetSavedPages() {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("coresponder-") === 0; })
        .map(function (name) { return caches.delete(name); }));
    });
  }
  function forgetQueue() {
    return new Promise(function (resolve) {
      var deletion = indexedDB.deleteDatabase(QUEUE_DB);
      deletion.onsuccess = deletion.onerror = deletion.onblocked = function () { resolve(); };
    });
  }
  if (logoutForm) {
    // First of the page's listeners (this script comes before the pages' own): the logout waits
    // until the copies are gone, and nothing else forgets anything if the person stays.
    var forgotten = false;
    document.addEventListener("submit", function (event) {
      if (event.target !== logoutForm || forgotten) { return; }  // the second time: it goes
      event.preventDefault();
      event.stopImmediatePropagation();
      queued().catch(function () { return []; }).then(function (taps) {
        if (taps.length && !window.confirm(taps.length + (taps.length === 1 ? " status tap has" : " status taps have") +
            " not been sent yet. Logging out drops " + (taps.length === 1 ? "it" : "them") + ". Log out anyway?")) {
          return;
        }
        forgetDrafts();
        Promise.all([forgetSavedPages(), forgetQueue()]).catch(function () {}).then(function () {
          forgotten = true;
          if (logoutForm.requestSubmit) { logoutForm.requestSubmit(); } else { logoutForm.submit(); }
        });
      });
    }, true);
  } else {
    forgetSavedPages();
    sayTapsWaitForLogin();
  }

  // --- The queue (IndexedDB: key order is the order of the taps) ---------------------------
  function withTaps(mode, work) {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open(QUEUE_DB, 1);
      opening.onupgradeneeded = function () { opening.result.createObjectStore(TAPS, {keyPath: "id", autoIncrement: true}); };
      opening.onerror = function () { reject(opening.error); };
      opening.onsuccess = function () {
        var db = opening.result;
        var tx = db.transaction(TAPS, mode);
        var request = work(tx.objectStore(TAPS));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      };
    });
  }
  function queued() { return withTaps("readonly", function (store) { return store.getAll(); }); }
  function enqueue(tap) { return withTaps("readwrite", function (store) { return store.add(tap); }); }
  function dequeue(id) { return withTaps("readwrite", function (store) { return store.delete(id); }); }

  function sayTapsWaitForLogin() {
    var main = document.getElementById("main");
    if (!main || !indexedDB.databases) { return; }
    indexedDB.databases().then(function (dbs) {
      if (!dbs.some(function (db) { return db.name === QUEUE_DB; })) { return; }
      return queued().then(function (taps) {
        if (!taps.length) { return; }
        var note = document.createElement("ul");
        note.className = "messages";
        note.setAttribute("role", "status");
        var line = note.appendChild(document.createElement("li"));
        line.className = "msg-warning";
        line.textContent = taps.length + (taps.length === 1 ? " status tap is" : " status taps are") +
          " kept on this phone: " + (taps.length === 1 ? "it is" : "they are") + " sent when you log in again.";
        main.insertBefore(note, main.firstChild);
      });
    }).catch(function () {});
  }

  if (!status) { return; }  // the rest is the phone page's

  var user = status.dataset.user;
  var banner = status.querySelector(".offline-banner");
  var list = status.querySelector(".offline-taps");
  var results = [];  // what the last sending found, until dismissed
  var loginNeeded = "";
  var flushing = false;
  var waiting = 0;  // taps in the queue, as last shown

  // --- The service worker ------------------------------------------------------------------
  if ("serviceWorker" in navigator) {
    // Whether this load passed through the worker, known now: the worker may take the page over
    // (clients.claim) before registering finishes.
    var loadSeenByWorker = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.register(status.dataset.worker, {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // This load did not pass through the worker (it was not installed yet): ask it to keep
      // the page and what the page loaded, so that the very next load works offline.
      if (!loadSeenByWorker && registration.active) {
        var urls = [location.pathname + location.search].concat(performance.getEntriesByType("resource").map(function (entry) { return entry.name; }));
        registration.active.postMessage({type: "keep-phone-page", urls: urls});
      }
    }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      var message = event.data || {};
      if (message.type === "navigate" && typeof message.url === "string" && new URL(message.url, location.href).origin === location.origin) {
        location.assign(message.url);
      }
    });
  }

  // --- The banner --------------------------------------------------------------------------
  function hhmm(date) {
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }
  function lastSaved() {
    var pages = [location.pathname + location.search, status.dataset.panel];
    return Promise.all(pages.map(function (page) { return caches.match(page); })).then(function (copies) {
      var times = copies.filter(Boolean).map(function (copy) { return Date.parse(copy.headers.get("X-Saved-At")); })
        .filter(function (time) { return !isNaN(time); });
      return times.length ? new Date(Math.max.apply(null, times)) : null;
    });
  }
  function showOffline(savedAt) {
    (savedAt ? Promise.resolve(new Date(savedAt)) : lastSaved().catch(function () { return null; })).then(function (date) {
      banner.textContent = date ? "Offline — last updated " + hhmm(date) : "Offline — this page could not be updated";
      banner.hidden = false;
    });
  }
  function showOnline() {
    banner.hidden = true;
    banner.textContent = "";
  }

  // --- Queuing a tap -----------------------------------------------------------------------
  function isMove(path) {
    try { return MOVE.test(new URL(path, location.href).pathname); } catch (error) { return false; }
  }
  function humanize(statusValue) {
    var words = String(statusValue || "status").replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  // The tap's words: its form's label, or its button's, or its status.
  function tapLabel(form, statusValue) {
    var button = form && form.querySelector ? form.querySelector("button[type=submit], button") : null;
    var label = (form && form.dataset && form.dataset.label) || (button ? button.textContent : "");
    return label.replace(/…$/, "").trim() || humanize(statusValue);
  }
  function queueTap(path, formData, form) {
    var fields = [];
    formData.forEach(function (value, name) {
      // The token is the cookie's at sending time: a login in between renews it.
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") { fields.push([name, value]); }
    });
    var statusValue = formData.get("status");
    var label = tapLabel(form, statusValue);
    var tap = {user: user, url: new URL(path, location.href).pathname, fields: fields, status: statusValue,
               label: label, tappedAt: Date.now()};
    return enqueue(tap).then(render, function () {
      results.push({label: label, refusal: "this phone could not keep it offline; tap again when the network is back."});
      render();
    });
  }
  // A tap htmx could not send (offline, or its answer lost on the way): queued. If the server
  // did get it, sending it again changes nothing.
  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail.requestConfig;
    if (config && config.verb === "post" && isMove(config.path)) {
      queueTap(config.path, config.formData, config.elt);
    }
    showOffline();
  });
  // A plain form's tap (no htmx, nobody else took it) posted offline would lose the page: queued.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine || event.defaultPrevented || !(form instanceof HTMLFormElement) ||
        !isMove(form.getAttribute("action") || "")) { return; }
    event.preventDefault();
    queueTap(form.getAttribute("action"), new FormData(form, event.submitter || null), form);
    showOffline();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.status) { return; }  // a failure: htmx:sendError says so
    var savedAt = xhr.getResponseHeader("X-Saved-At");
    if (savedAt) {
      showOffline(savedAt);
    } else if (navigator.onLine) {
      showOnline();
      if (waiting) { flush(); }
    }
  });

  // --- Sending the queue -------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function send(tap) {
    return fetch(tap.url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      // Sent as htmx sends the tap, so that the server answers with the panel and its message.
      headers: {"HX-Request": "true", "HX-Current-URL": location.href, "X-CSRFToken": csrfToken()},
      body: new URLSearchParams(tap.fields)
    });
  }
  // Why the server did not take a tap ("" if it did): the refusal it wrote on the panel, the
  // error of its JSON answer, or what its status code means.
  function refusalOf(response) {
    return response.text().then(function (text) {
      if ((response.headers.get("Content-Type") || "").indexOf("json") >= 0) {
        try { return JSON.parse(text).error.detail; } catch (error) { /* fall through */ }
      }
      var page = new DOMParser().parseFromString(text, "text/html");
      var error = page.querySelector(".msg-error");
      if (error) { return error.textContent.trim(); }
      if (response.ok) { return ""; }
      if (response.status === 404) { return "the call is no longer with your unit (it was reassigned or ended)."; }
      if (response.status === 403) { return "the server refused it (" + (page.querySelector("main p, p") || {textContent: "forbidden"}).textContent.trim() + ")."; }
      return "the server answered " + response.status + ".";
    });
  }
  function sendAll() {
    return queued().then(function (taps) {
      var sent = 0;
      function next(index) {
        if (index >= taps.length) { return sent; }
        var tap = taps[index];
        if (String(tap.user) !== String(user)) {
          // Queued under another login that ended without logging out: never sent as this person.
          return dequeue(tap.id).then(function () { return next(index + 1); });
        }
        return send(tap).then(function (response) {
          var relogin = response.headers.get("HX-Redirect");
          if (relogin || response.type === "opaqueredirect") {
            loginNeeded = relogin || "/accounts/login/?next=" + encodeURIComponent(location.pathname);
            return sent;  // kept, in order, for after the login
          }
          if (response.status >= 500) { return sent; }  // the server is in trouble: try again later
          return refusalOf(response).then(function (refusal) {
            results.push({label: tap.label, refusal: refusal});
            sent += 1;
            return dequeue(tap.id).then(function () { return next(index + 1); });
          });
        }, function () {
          showOffline();  // still no network: the rest waits
          return sent;
        });
      }
      return next(0);
    });
  }
  function flush() {
    if (flushing || !navigator.onLine) { return; }
    flushing = true;
    loginNeeded = "";
    // One tab at a time sends the queue (two would send each tap twice).
    var run = navigator.locks ? navigator.locks.request(QUEUE_DB, sendAll) : sendAll();
    Promise.resolve(run).then(function (sent) {
      render();
      // The call moved: the panel shows it now rather than at its next refresh.
      var panel = document.getElementById("my-call");
      if (sent && window.htmx && panel) {
        htmx.ajax("GET", panel.getAttribute("hx-get") || status.dataset.panel, {target: panel, swap: "outerHTML"});
      }
    }).catch(function () { render(); }).then(function () { flushing = false; });
  }

  // --- What the person sees ----------------------------------------------------------------
  function item(text, kind) {
    var li = document.createElement("li");
    li.className = kind;
    li.textContent = text;
    return li;
  }
  function render() {
    return queued().catch(function () { return []; }).then(function (taps) {
      list.textContent = "";
      results.forEach(function (result) {
        list.appendChild(result.refusal
          ? item("Not sent: " + result.label + " — " + result.refusal, "refused")
          : item("Sent: " + result.label, "sent"));
      });
      taps = taps.filter(function (tap) { return String(tap.user) === String(user); });
      waiting = taps.length;
      taps.forEach(function (tap) {
        list.appendChild(item("Queued: " + tap.label + (loginNeeded ? " (log in again to send it)" : " (will send when back online)"), "queued"));
      });
      if (loginNeeded) {
        var li = item("You were logged out: the taps above are kept on this phone. ", "queued");
        var link = document.createElement("a");
        link.href = loginNeeded;
        link.textContent = "Log in again";
        li.appendChild(link);
        list.appendChild(li);
      }
      if (results.length) {
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "offline-dismiss";
        dismiss.textContent = "Dismiss";
        dismiss.addEventListener("click", function () { results = []; render(); });
        var last = document.createElement("li");
        last.appendChild(dismiss);
        list.appendChild(last);
      }
      list.hidden = !list.children.length;
    });
  }

  window.addEventListener("offline", function () { showOffline(); });
  window.addEventListener("online", function () { showOnline(); flush(); });
  if (navigator.onLine) {
    flush();
  } else {
    showOffline();
    render();
  }
})();
