/* OpenCPTS real time: one WebSocket per page (/ws/), events pushed by the server after each commit.
   Frames carry identifiers only; the page then re-fetches what changed through its own URL, which checks
   the access rules again. Subscriptions are decided by the server; this script never asks for any. */
(function () {
  "use strict";
  if (!document.body || document.body.dataset.realtime !== "on" || !("WebSocket" in window)) return;

  var status = document.getElementById("rt-status");
  var announcer = document.getElementById("rt-announce");
  var delay = 1000;
  var socket = null;
  var resuming = false; // true once a connection has been ready: the next ones are reconnections

  // Announcements arriving together (a new message and the notification it raises) are read as one.
  var pending = [];
  var announceTimer = null;
  function announce(text) {
    if (!announcer) return;
    if (pending.indexOf(text) === -1) pending.push(text);
    if (announceTimer) return;
    announcer.textContent = "";
    announceTimer = window.setTimeout(function () {
      announcer.textContent = pending.join(" ");
      pending = [];
      announceTimer = null;
    }, 150);
  }

  function setLost(lost) {
    if (status) status.hidden = !lost;
    document.body.classList.toggle("rt-lost", lost);
  }

  // Re-fetch a live section and swap it in, keeping what the user was typing and where the focus was.
  function refresh(section) {
    var url = section.dataset.liveUrl;
    if (!url || section.dataset.loading === "1") { section.dataset.again = "1"; return; }
    section.dataset.loading = "1";
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(section.id);
        if (!fresh) return;
        var typed = {};
        section.querySelectorAll("textarea[id], input[id]:not([type=hidden])").forEach(function (el) {
          if (el.value) typed[el.id] = el.value;
        });
        var focused = document.activeElement && section.contains(document.activeElement) ? document.activeElement.id : null;
        // The answer to the user's own action ("Commentaire publié.") stays, focused if it was.
        var feedback = section.querySelector(":scope > .msg[role=status], :scope > .msg[role=alert]");
        if (feedback && !fresh.querySelector(":scope > .msg[role=status], :scope > .msg[role=alert]")) {
          var wasFocused = document.activeElement === feedback;
          var index = Array.prototype.indexOf.call(section.children, feedback);
          fresh.insertBefore(feedback, fresh.children[index] || null);
          section.replaceWith(fresh);
          if (wasFocused) feedback.focus();
        } else {
          section.replaceWith(fresh);
        }
        Object.keys(typed).forEach(function (id) {
          var el = document.getElementById(id);
          if (el) el.value = typed[id];
        });
        if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
        if (window.htmx) window.htmx.process(fresh);
        fresh.dispatchEvent(new CustomEvent("opencpts:refreshed", { bubbles: true }));
      })
      .catch(function () { /* the next event or a reload will bring it */ })
      .finally(function () {
        var current = document.getElementById(section.id) || section;
        delete current.dataset.loading;
        delete section.dataset.loading;
        if (section.dataset.again === "1") { delete section.dataset.again; refresh(current); }
      });
  }

  function onFrame(frame) {
    document.dispatchEvent(new CustomEvent("opencpts:realtime", { detail: frame }));
    if (frame.type === "ready") {
      document.body.dataset.realtimeState = "ready"; // subscribed by the server: events will arrive
      setLost(false);
      if (resuming) catchUp(frame);
      resuming = true; // any later connection is a reconnection
    } else if (frame.type === "group") {
      document.querySelectorAll("[data-live-group='" + frame.group + "']").forEach(function (section) {
        refresh(section);
      });
      if (frame.kind === "message.posted" || frame.kind === "message.replied") announce("Nouveau message dans un de vos groupes.");
      if (frame.kind === "member.invited") announce("Vous avez reçu une invitation à un groupe.");
    } else if (frame.type === "news") {
      document.querySelectorAll("[data-live-news='" + frame.cpts + "']").forEach(function (section) {
        refresh(section);
      });
    } else if (frame.type === "notification") {
      updateBadges(frame.unread);
    }
  }

  // The unread-notification badge(s) of the header: any element marked data-unread-badge shows the count
  // and is hidden at zero.
  function updateBadges(unread) {
    var count = parseInt(unread, 10);
    if (isNaN(count) || count < 0) return;
    var before = null;
    document.querySelectorAll("[data-unread-badge]").forEach(function (badge) {
      if (before === null) before = parseInt(badge.dataset.unread || badge.textContent, 10) || 0;
      badge.textContent = String(count);
      badge.dataset.unread = String(count);
      badge.hidden = count === 0;
    });
    if (before !== null && count > before) {
      announce(count === 1 ? "Vous avez 1 notification non lue." : "Vous avez " + count + " notifications non lues.");
    }
  }

  // Back after an outage (a process restarted, the network dropped): the events of the meantime are lost,
  // so every live section is fetched again and the badge takes the count the server read once subscribed
  // (anything later arrives as a frame). Spread over a second, so that a restart's thousands of
  // reconnections do not all fetch at once.
  function catchUp(frame) {
    if (frame.unread !== undefined) updateBadges(frame.unread);
    window.setTimeout(function () {
      document.querySelectorAll("section[data-live-url][id]").forEach(function (section) {
        refresh(section);
      });
      document.body.dataset.realtimeCaughtUp = String((parseInt(document.body.dataset.realtimeCaughtUp, 10) || 0) + 1);
    }, Math.floor(Math.random() * 1000));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/" + (resuming ? "?resume=1" : ""));
    // The « connexion perdue » notice clears on "ready" (subscribed again), not on a bare open.
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      try { onFrame(JSON.parse(event.data)); } catch (e) { /* ignore a malformed frame */ }
    };
    socket.onclose = function (event) {
      document.body.dataset.realtimeState = "closed";
      if (event.code === 4401 || event.code === 4403) return; // not allowed: do not insist
      setLost(true);
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
})();
