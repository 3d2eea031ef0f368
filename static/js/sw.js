// The service worker, served at /sw.js with the scope "/" by coresponder/pwa.py, which puts
// CONFIG before this file: {pages, logouts, static, icon, badge}.
//
// It does three things:
// - keeps the phone page (My unit, CONFIG.pages) and the static files it loads for offline use:
//   network first, the saved copy only when the network fails (or the server answers 5xx).
//   Nothing else is kept: not the board, not the API, not any other page. The Cache API ignores
//   the pages' Cache-Control: no-store, so what is kept is decided here, deliberately, and a
//   logout forgets it all (docs/operations.md, "The phone's offline copy");
// - shows the pushes the server sends (dispatch assignments, safety alerts) as notifications,
//   and opens the phone page on a tap;
// - forgets everything when it sees a logout go out.
// Status taps made offline are queued by the page itself (static/js/offline.js), not here.
"use strict";

const CACHE = "coresponder-phone-v1";
const QUEUE_DB = "coresponder-offline"; // the page's queue of status taps (static/js/offline.js)
const PHONE_PAGE = CONFIG.pages[0];

// Raised by each forgetting: a copy fetched before a logout and stored after it is dropped.
let generation = 0;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name.startsWith("coresponder-") && name !== CACHE).map((name) => caches.delete(name)));
      // The page that registered the worker is looked after from now on, not from its next load.
      await self.clients.claim();
    })()
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && CONFIG.logouts.includes(url.pathname)) {
    event.waitUntil(forgetEverything());
    return; // the logout itself goes to the server untouched
  }
  if (request.method !== "GET") { return; }
  if (CONFIG.pages.includes(url.pathname)) {
    // Kept by the whole address: /me/?call=N is not /me/. The new-call banner's poll beside an
    // outcome form (?outcome_open=N) is a fragment of its own, never kept: offline it just fails.
    event.respondWith(networkFirst(event, url.pathname + url.search, !url.searchParams.has("outcome_open")));
  } else if (url.pathname.startsWith(CONFIG.static) && loadedByPhonePage(request)) {
    event.respondWith(networkFirst(event, url.pathname + url.search));
  }
});

function loadedByPhonePage(request) {
  try {
    return new URL(request.referrer).pathname.startsWith(PHONE_PAGE);
  } catch (error) {
    return false; // no referrer
  }
}

async function networkFirst(event, key, keepable = true) {
  const started = generation;
  let response;
  try {
    response = await fetch(event.request);
  } catch (error) {
    return (await savedCopy(key)) || offlineAnswer(event.request);
  }
  if (response.status >= 500) {
    return (await savedCopy(key)) || response;
  }
  if (keepable && worthKeeping(response)) {
    event.waitUntil(keep(key, response.clone(), started));
  }
  return response;
}

// Only a page the person could see: not a redirect to the login page (a session that ended),
// not an htmx answer telling the page to go there, not an error.
function worthKeeping(response) {
  return response.status === 200 && response.type === "basic" && !response.redirected && !response.headers.has("HX-Redirect");
}

async function keep(key, response, started) {
  const body = await response.blob();
  if (started !== generation) { return; }
  const headers = {"Content-Type": response.headers.get("Content-Type") || "", "X-Saved-At": new Date().toISOString()};
  const cache = await caches.open(CACHE);
  if (started !== generation) { return; }
  await cache.put(key, new Response(body, {status: 200, headers}));
}

async function savedCopy(key) {
  const cache = await caches.open(CACHE);
  if (isPage(key) && await outlived(cache)) {
    await forgetPages(cache);
    return null;
  }
  return (await cache.match(key)) || null;
}

// Whether the phone last reached the server (the newest page kept) longer ago than a login can
// last: that session has ended, perhaps without a logout, and its copy is not shown.
async function outlived(cache) {
  const copies = await Promise.all((await savedPages(cache)).map((request) => cache.match(request)));
  const times = copies.filter(Boolean).map((copy) => Date.parse(copy.headers.get("X-Saved-At")));
  return times.length > 0 && Date.now() - Math.max(...times) > CONFIG.max_age_seconds * 1000;
}

function isPage(key) {
  const url = new URL(key, self.location.origin);
  return CONFIG.pages.includes(url.pathname);
}

// Every saved copy of the phone page and its panel, whatever their query.
async function savedPages(cache) {
  return (await cache.keys()).filter((request) => isPage(request.url));
}

async function forgetPages(cache) {
  await Promise.all((await savedPages(cache)).map((request) => cache.delete(request)));
}

function offlineAnswer(request) {
  if (request.mode !== "navigate") {
    return Response.error(); // as if the worker were not there: the page's script sees a failed request
  }
  const page = '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · Co-responder</title></head>' +
    "<body><main><h1>Offline</h1><p>This phone has no saved copy of this page. " +
    "Open it once while connected, or reload when the network is back.</p></main></body></html>";
  return new Response(page, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
}

async function forgetEverything() {
  generation += 1;
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith("coresponder-")).map((name) => caches.delete(name)));
  await new Promise((resolve) => {
    const deletion = indexedDB.deleteDatabase(QUEUE_DB);
    deletion.onsuccess = deletion.onerror = deletion.onblocked = () => resolve();
  });
}

// The phone page asks, on a load the worker did not see (the first, before it was installed), to
// keep the page and the static files it loaded; later loads are kept as they pass through.
self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "keep-phone-page" && Array.isArray(message.urls)) {
    event.waitUntil(keepPhonePage(message.urls));
  }
});

async function keepPhonePage(urls) {
  const started = generation;
  await Promise.all(urls.map(async (address) => {
    const url = new URL(address, self.location.origin);
    const key = url.pathname + url.search;
    if (url.origin !== self.location.origin || url.searchParams.has("outcome_open") ||
        !(CONFIG.pages.includes(url.pathname) || url.pathname.startsWith(CONFIG.static))) {
      return;
    }
    try {
      const response = await fetch(url.href, {credentials: "same-origin"});
      if (worthKeeping(response)) { await keep(key, response, started); }
    } catch (error) {
      // offline already: nothing to keep
    }
  }));
}

// Pushes: the server sends {title, body, url, tag, call_id, kind}. A new assignment stays on the
// screen until it is acted on; a newer push with the same tag replaces the older one and alerts again.
self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch (error) {
    payload = {body: event.data ? event.data.text() : ""};
  }
  const options = {
    body: payload.body || "",
    icon: CONFIG.icon,
    badge: CONFIG.badge,
    requireInteraction: payload.kind === "assigned",
    vibrate: [300, 100, 300, 100, 600],
    data: {url: payload.url || PHONE_PAGE, call_id: payload.call_id, kind: payload.kind},
  };
  if (payload.tag) {
    options.tag = String(payload.tag);
    options.renotify = true;
  }
  event.waitUntil(Promise.all([
    self.registration.showNotification(payload.title || "Co-responder", options),
    // An open phone page plays its own sound (static/js/push.js listens for this).
    tellPages({type: "push", payload}),
  ]));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL((event.notification.data && event.notification.data.url) || PHONE_PAGE, self.location.origin);
  if (target.origin !== self.location.origin) { target = new URL(PHONE_PAGE, self.location.origin); }
  event.waitUntil(openOnPhonePage(target.href));
});

async function openOnPhonePage(url) {
  const windows = await self.clients.matchAll({type: "window", includeUncontrolled: true});
  const phone = windows.find((client) => new URL(client.url).pathname.startsWith(PHONE_PAGE));
  if (!phone) { return self.clients.openWindow(url); }
  try {
    await phone.focus();
  } catch (error) {
    // Focusing is allowed only on the tap itself; the tab is still shown the call.
  }
  try {
    return await phone.navigate(url);
  } catch (error) {
    // A tab this worker does not control cannot be navigated from here: the page does it itself.
    phone.postMessage({type: "navigate", url});
    return phone;
  }
}

async function tellPages(message) {
  const windows = await self.clients.matchAll({type: "window"});
  windows.forEach((client) => client.postMessage(message));
}
