/* OpenCPTS service worker (served at /sw.js by notifications.views.service_worker, scope "/").
   It shows Web Push notifications and opens them. It has no fetch handler and caches nothing: no page,
   and so no patient information, is ever stored on the device by it. */
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  const title = data.title || "OpenCPTS";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "Nouvelle notification",
      tag: data.tag || undefined,
      renotify: Boolean(data.tag),
      lang: "fr",
      icon: "{{ icon }}",
      badge: "{{ icon }}",
      data: { url: data.url || "/notifications/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = (event.notification.data && event.notification.data.url) || "/notifications/";
  const target = new URL(path, self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if ("focus" in client && "navigate" in client) {
          return client.navigate(target.href).then((c) => (c || client).focus());
        }
      }
      return self.clients.openWindow(target.href);
    })
  );
});
