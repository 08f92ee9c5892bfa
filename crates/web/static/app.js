// Dossier web client: small behaviours on top of htmx. No inline scripts (the pages'
// Content-Security-Policy forbids them); everything is wired here by data attributes.
(function () {
  "use strict";
  // After htmx swaps in new content, move focus to its first heading so keyboard and
  // screen-reader users land where the change is.
  document.addEventListener("htmx:afterSwap", function (e) {
    var h = e.target.querySelector("h1, h2, [autofocus]");
    if (h) {
      if (!h.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(h.tagName)) {
        h.setAttribute("tabindex", "-1");
      }
      h.focus();
    }
  });
})();
