/* Trust part of issue 16: registers the service worker (/sw.js: push display only, no cache) and, on
   « Mes notifications », turns Web Push on or off for this browser. No inline script (CSP script-src 'self'). */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || "Erreur " + response.status);
        return data;
      });
    });
  }

  function setUp(box, registration) {
    var status = box.querySelector("[data-push-status]");
    var on = box.querySelector("[data-push-on]");
    var off = box.querySelector("[data-push-off]");
    function show(subscribed, text) {
      on.hidden = subscribed;
      off.hidden = !subscribed;
      if (text) status.textContent = text;
    }
    if (!("PushManager" in window) || !("Notification" in window)) {
      status.textContent = "Ce navigateur ne permet pas les notifications sur l'appareil. Sur iPhone, ajoutez d'abord OpenCPTS à l'écran d'accueil (Partager, « Sur l'écran d'accueil »).";
      return;
    }
    registration.pushManager.getSubscription().then(function (current) {
      show(Boolean(current), current ? "Activées sur cet appareil." : "Désactivées sur cet appareil.");
    });
    on.addEventListener("click", function () {
      on.disabled = true;
      Notification.requestPermission()
        .then(function (permission) {
          if (permission !== "granted") throw new Error("Autorisation refusée par le navigateur : rien n'a été activé. Autorisez les notifications pour ce site dans les réglages du navigateur.");
          return registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(box.getAttribute("data-public-key")),
          });
        })
        .then(function (subscription) {
          return post(box.getAttribute("data-subscribe-url"), subscription.toJSON()).catch(function (error) {
            subscription.unsubscribe();
            throw error;
          });
        })
        .then(function (data) { show(true, data.detail); })
        .catch(function (error) { show(false, error.message); })
        .finally(function () { on.disabled = false; });
    });
    off.addEventListener("click", function () {
      off.disabled = true;
      registration.pushManager.getSubscription()
        .then(function (subscription) {
          if (!subscription) return { detail: "Désactivées sur cet appareil." };
          var endpoint = subscription.endpoint;
          return subscription.unsubscribe().then(function () {
            return post(box.getAttribute("data-unsubscribe-url"), { endpoint: endpoint });
          });
        })
        .then(function (data) { show(false, data.detail); })
        .catch(function (error) { show(true, error.message); })
        .finally(function () { off.disabled = false; });
    });
  }

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
    var box = document.getElementById("push-toggle");
    if (box) navigator.serviceWorker.ready.then(function () { setUp(box, registration); });
  }).catch(function () { /* no service worker (private mode, http): the site works without it */ });
})();
