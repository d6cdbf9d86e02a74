/* OpenCPTS page shell: the phone's menu drawer and any dialog opened by a button (.drawer, .sheet).

   <form method="get" action="/page/sans/js/"><button type="submit" data-opens="ID" aria-controls="ID"
   aria-expanded="false">…</button></form> opens the <dialog id="ID"> as a modal (focus kept inside, Escape
   closes it, focus back on the button); without JavaScript the form leads to a page holding the same content.
   A [data-closes] button inside the dialog closes it; so does a click on the backdrop. No inline script (CSP). */
(function () {
  "use strict";

  var opener = null;

  function togglers(id) {
    return document.querySelectorAll('[data-opens="' + id + '"]');
  }

  function setExpanded(id, value) {
    togglers(id).forEach(function (b) { b.setAttribute("aria-expanded", value ? "true" : "false"); });
  }

  function open(dialog, button) {
    if (!dialog || typeof dialog.showModal !== "function") { return false; }
    if (dialog.open) { dialog.close(); return true; }
    opener = button;
    dialog.showModal();
    document.documentElement.classList.add("dialog-open");
    setExpanded(dialog.id, true);
    var first = dialog.querySelector("[aria-current=page]") || dialog.querySelector("a[href], button:not([disabled])");
    if (first) { first.focus(); }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-opens]");
    if (button) {
      if (open(document.getElementById(button.dataset.opens), button)) { event.preventDefault(); }
      return;
    }
    var closer = event.target.closest("[data-closes]");
    if (closer) {
      var d = closer.closest("dialog");
      if (d) { d.close(); }
      return;
    }
    // A click on the backdrop (outside the dialog's box) closes it.
    if (event.target.tagName === "DIALOG" && event.target.open) {
      var r = event.target.getBoundingClientRect();
      var inside = event.clientX >= r.left && event.clientX <= r.right && event.clientY >= r.top && event.clientY <= r.bottom;
      if (!inside) { event.target.close(); }
    }
  });

  // Escape closes a modal dialog natively (the "cancel" event); every way of closing ends here.
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!dialog || dialog.tagName !== "DIALOG") { return; }
    document.documentElement.classList.remove("dialog-open");
    setExpanded(dialog.id, false);
    if (opener && document.contains(opener) && opener.offsetParent !== null) { opener.focus(); }
    opener = null;
  }, true);

  // A window grown to the desktop layout shows the sidebar: an open drawer would only repeat it.
  var wide = window.matchMedia("(min-width: 900px)");
  function onWide() {
    if (wide.matches) {
      document.querySelectorAll("dialog.drawer[open]").forEach(function (d) { d.close(); });
    }
  }
  if (wide.addEventListener) { wide.addEventListener("change", onWide); }
})();
