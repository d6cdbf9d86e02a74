/* News pages: after HTMX swaps the comments section in, move the focus to its feedback message so that it is
   read out and the keyboard user stays in the section. No inline script (CSP). */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("#commentaires [data-focus]");
    if (target) {
      target.removeAttribute("data-focus");
      target.focus();
    }
  });
})();
