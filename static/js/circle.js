/* OpenCPTS care circle as a conversation (templates/coordination/group.html). Progressive enhancement: the
   composer is a plain form that works without this script. With it:
   - the newest messages are shown (scrolled to the bottom) on load and when new ones arrive;
   - the composer sends without reloading (fetch, JSON answer), once even after a double tap (and the form's
     idempotency token makes a second request harmless anyway);
   - a refused message (empty, attachment of the wrong type or too big) keeps its text, the error is said;
   - the draft is kept per group (localStorage) and, when the connection is lost, sent when it comes back;
   - « Répondre » chooses the subject the message answers.
   The real-time script (realtime.js) refreshes the #messages section; this one keeps it scrolled. */
(function () {
  "use strict";

  // The tab bar scrolls sideways on a phone: the current tab is in view.
  var current = document.querySelector(".group-tabs a[aria-current=page]");
  if (current) {
    var bar = current.closest(".group-tabs");
    var left = current.offsetLeft - (bar.clientWidth - current.offsetWidth) / 2;
    if (left > 0) bar.scrollLeft = left;
  }

  // The anchors of the former single page (old notifications, bookmarks) lead to their tab.
  var LEGACY = { documents: "documents", consentements: "consents", informations: "informations", membres: "members", agenda: "agenda" };
  var legacy = LEGACY[window.location.hash.slice(1)];
  if (legacy && document.querySelector(".conversation")) {
    var tab = document.querySelector('.group-tabs a[data-tab="' + legacy + '"]');
    if (tab) { window.location.replace(tab.href); return; }
  }

  var conversation = document.querySelector(".conversation[data-group]");
  if (!conversation) return;
  document.body.classList.add("page-conversation");
  var group = conversation.dataset.group;
  var scroller = document.scrollingElement || document.documentElement;

  function nearBottom() { return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 150; }
  function toBottom() { window.scrollTo(0, scroller.scrollHeight); }
  var stick = true;
  window.addEventListener("scroll", function () { stick = nearBottom(); }, { passive: true });
  if (!/^#message-\d+$/.test(window.location.hash)) {
    toBottom();
    window.addEventListener("load", function () { if (stick) toBottom(); });
  }

  var form = document.getElementById("composer");
  var body = form && form.querySelector("#sujet_body");
  var subject = form && form.querySelector("#sujet_subject");
  var files = form && form.querySelector("#sujet_attachments");
  var status = document.getElementById("composer-status");
  var target = document.getElementById("composer-target");
  var fileList = document.getElementById("composer-files");

  // New messages arrive (real time, or after sending): stay at the bottom if the reader was there.
  document.addEventListener("opencpts:refreshed", function (event) {
    if (!event.target || event.target.id !== "messages") return;
    describeTarget();
    if (stick) toBottom();
  });

  function refreshMessages() {
    var section = document.getElementById("messages");
    if (!section || !section.dataset.liveUrl) return Promise.resolve();
    return fetch(section.dataset.liveUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("messages");
        var current = document.getElementById("messages");
        if (!fresh || !current) return;
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
        stick = true;
        fresh.dispatchEvent(new CustomEvent("opencpts:refreshed", { bubbles: true }));
      })
      .catch(function () { /* the real-time event or a reload will bring it */ });
  }

  if (!form || !body) return;
  form.noValidate = true; // the script says what is missing, in French, beside the composer
  var parent = form.elements.parent;
  var token = form.elements.token;
  var sendButton = form.querySelector(".composer-send");
  var subjectBox = form.querySelector(".composer-subject");
  var DRAFT = "opencpts:circle-draft:" + group;
  var OFFLINE = "Hors ligne — votre message sera envoyé au retour de la connexion";
  var EMPTY = "Le message est vide : écrivez votre texte avant d'envoyer.";
  var sending = false;
  var pending = false; // a send is waiting for the connection
  var retryTimer = null;

  function say(text, kind) {
    status.textContent = text || "";
    status.hidden = !text;
    status.className = "composer-status" + (kind ? " is-" + kind : "");
    status.setAttribute("role", kind === "error" ? "alert" : "status");
    var ids = (body.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== "composer-status";
    });
    if (text && kind === "error") ids.push("composer-status");
    body.setAttribute("aria-describedby", ids.join(" "));
    body.closest(".composer-text").classList.toggle("has-error", kind === "error");
  }

  // --- The subject the message goes to ---------------------------------------------------------------------
  var replyLabel = "";
  function describeTarget() {
    if (!target) return;
    var cancel = form.querySelector("[data-cancel-reply]");
    if (parent.value) {
      target.textContent = "Réponse au sujet « " + replyLabel + " »";
      if (!cancel) {
        cancel = document.createElement("button");
        cancel.type = "button";
        cancel.className = "link composer-cancel";
        cancel.setAttribute("data-cancel-reply", "");
        cancel.innerHTML = 'Annuler<span class="sr-only"> la réponse à ce sujet</span>';
        target.parentNode.appendChild(cancel);
      }
      return;
    }
    if (cancel) cancel.remove();
    var title = subject && subject.value.trim();
    if (title) { target.textContent = "Nouveau sujet « " + title + " »"; return; }
    var section = document.getElementById("messages");
    var continues = section && section.dataset.continues;
    target.textContent = continues ? "Suite du sujet « " + continues + " »" : "Premier message : il ouvre le sujet « Discussion »";
  }
  function chooseReply(id, label) {
    parent.value = id || "";
    replyLabel = label || "";
    describeTarget();
    saveDraft();
  }
  if (parent.value) {
    var shown = target && target.textContent.match(/« (.*) »/);
    replyLabel = shown ? shown[1] : "";
  }
  document.addEventListener("click", function (event) {
    var reply = event.target.closest && event.target.closest(".bubble-reply");
    if (reply && reply.dataset.reply) {
      event.preventDefault();
      chooseReply(reply.dataset.reply, reply.dataset.subject);
      if (subjectBox) subjectBox.open = false;
      body.focus();
      return;
    }
    var cancel = event.target.closest && event.target.closest("[data-cancel-reply]");
    if (cancel && form.contains(cancel)) {
      event.preventDefault();
      chooseReply("", "");
      body.focus();
    }
  });

  // --- Attachments -----------------------------------------------------------------------------------------
  function showFiles() {
    if (!fileList) return;
    fileList.textContent = "";
    var chosen = files && files.files ? Array.prototype.slice.call(files.files) : [];
    fileList.hidden = chosen.length === 0;
    if (!chosen.length) return;
    var names = document.createElement("span");
    names.textContent = (chosen.length === 1 ? "1 pièce jointe : " : chosen.length + " pièces jointes : ") +
      chosen.map(function (f) { return f.name; }).join(", ");
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.textContent = chosen.length === 1 ? "Retirer la pièce jointe" : "Retirer les pièces jointes";
    remove.addEventListener("click", function () { files.value = ""; showFiles(); files.focus(); });
    fileList.appendChild(names);
    fileList.appendChild(remove);
  }
  if (files) files.addEventListener("change", function () { say(""); showFiles(); });

  // --- Draft, kept per group -------------------------------------------------------------------------------
  function readDraft() {
    try { return JSON.parse(window.localStorage.getItem(DRAFT) || "null"); } catch (e) { return null; }
  }
  function saveDraft() {
    try {
      if (!body.value && !(subject && subject.value) && !pending) { window.localStorage.removeItem(DRAFT); return; }
      window.localStorage.setItem(DRAFT, JSON.stringify({
        body: body.value,
        subject: subject ? subject.value : "",
        parent: parent.value,
        replyLabel: replyLabel,
        token: token.value,
        pending: pending,
        files: files && files.files ? files.files.length : 0,
      }));
    } catch (e) { /* private browsing: the draft lives in the page only */ }
  }
  function clearDraft() {
    try { window.localStorage.removeItem(DRAFT); } catch (e) { /* nothing kept */ }
  }
  function grow() {
    body.style.height = "auto";
    body.style.height = Math.min(body.scrollHeight + 2, window.innerHeight * 0.4) + "px";
  }
  body.addEventListener("input", function () {
    if (!pending && status.classList.contains("is-error")) say("");
    saveDraft();
    grow();
  });
  if (subject) {
    subject.addEventListener("input", function () {
      if (subject.value.trim() && parent.value) { parent.value = ""; replyLabel = ""; } // a new subject, not a reply
      saveDraft();
      describeTarget();
    });
  }

  var draft = readDraft();
  if (draft && !body.value) { // the page's own text (a refused post) wins over an older draft
    body.value = draft.body || "";
    if (subject && draft.subject) { subject.value = draft.subject; if (subjectBox) subjectBox.open = true; }
    if (draft.parent) chooseReply(draft.parent, draft.replyLabel);
    if (draft.pending && draft.token) token.value = draft.token; // a retry of the same message stays one message
  }
  describeTarget();
  grow();

  // --- Sending ---------------------------------------------------------------------------------------------
  function goOffline() {
    pending = true;
    saveDraft();
    say(OFFLINE, "offline");
    if (!retryTimer) retryTimer = window.setInterval(function () { if (navigator.onLine) send(); }, 10000);
  }
  function stopRetrying() {
    pending = false;
    if (retryTimer) { window.clearInterval(retryTimer); retryTimer = null; }
  }

  function sent(data) {
    stopRetrying();
    body.value = "";
    if (subject) subject.value = "";
    if (subjectBox) subjectBox.open = false;
    if (files) files.value = "";
    showFiles();
    chooseReply("", "");
    if (data.token) token.value = data.token;
    clearDraft();
    grow();
    say(data.warning || data.text || "Message envoyé.", data.warning ? "warning" : "");
    stick = true;
    refreshMessages().then(function () { body.focus(); });
  }

  function refused(data) {
    stopRetrying();
    saveDraft();
    say(data.error || "Le message n'a pas été envoyé : réessayez.", "error");
    if (data.field === "attachments" && files) { files.value = ""; showFiles(); }
    if (data.field === "subject" && subjectBox) { subjectBox.open = true; subject.focus(); return; }
    body.focus();
  }

  function answer(response) {
    return response.json().catch(function () {
      return {
        ok: false,
        error: response.status === 403
          ? "Envoi refusé : vous n'êtes plus membre de ce groupe, ou votre session a expiré (rechargez la page). Votre texte est gardé."
          : "Envoi impossible pour l'instant (erreur " + response.status + ") : votre texte est gardé, réessayez.",
      };
    });
  }

  function send() {
    if (sending) return; // a double tap sends once
    if (!body.value.trim()) { say(EMPTY, "error"); body.focus(); return; }
    if (!navigator.onLine) { goOffline(); return; }
    sending = true;
    form.classList.add("is-sending");
    sendButton.setAttribute("aria-disabled", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
    })
      .then(answer)
      .then(function (data) { if (data.ok) sent(data); else refused(data); })
      .catch(function () { goOffline(); }) // the request did not reach the server, or its answer was lost
      .then(function () {
        sending = false;
        form.classList.remove("is-sending");
        sendButton.removeAttribute("aria-disabled");
      });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  body.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
  });
  window.addEventListener("offline", function () { say(OFFLINE, "offline"); });
  window.addEventListener("online", function () {
    if (pending) { send(); } else if (status.classList.contains("is-offline")) { say(""); }
  });
  if (!navigator.onLine) say(OFFLINE, "offline");

  // A message left waiting when the page was closed: sent now if its text is all there is; its attachments
  // cannot be kept, so a message that had some waits for them (never sent without them).
  if (draft && draft.pending) {
    if (draft.files) {
      say("Votre message n'a pas été envoyé : joignez à nouveau vos pièces jointes, puis envoyez.", "error");
    } else if (navigator.onLine) {
      send();
    } else {
      goOffline();
    }
  }
})();
