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

  // A form with data-confirm asks before it is sent (deleting a version).
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.hasAttribute && f.hasAttribute("data-confirm") && !window.confirm(f.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });

  // A file upload (form[data-upload]) is sent by script: the server checks the CSRF token
  // of a multipart body in the X-CSRF-Token header only. Success ends on the page the
  // server redirects to; a refusal shows the error page's sentence in the form.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.hasAttribute || !f.hasAttribute("data-upload") || e.defaultPrevented) {
      return;
    }
    e.preventDefault();
    var error = f.querySelector("[data-upload-error]");
    var button = f.querySelector("button[type=submit]");
    if (error) { error.textContent = ""; }
    if (button) { button.disabled = true; }
    fetch(f.action, {
      method: "POST",
      body: new FormData(f),
      headers: { "X-CSRF-Token": document.body.dataset.csrf },
      credentials: "same-origin"
    }).then(function (r) {
      if (r.ok) {
        window.location.assign(r.url);
        return;
      }
      return r.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var said = page.querySelector("main.message h1 + p");
        if (error) { error.textContent = said ? said.textContent : "The upload did not work."; }
        if (button) { button.disabled = false; }
      });
    }).catch(function () {
      if (error) { error.textContent = "The upload did not reach the server. Try again."; }
      if (button) { button.disabled = false; }
    });
  });
})();
