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

  // A new version's upload (form[data-version-upload]) is sent by script: the server checks the CSRF token
  // of a multipart body in the X-CSRF-Token header only. Success ends on the page the
  // server redirects to; a refusal shows the error page's sentence in the form.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.hasAttribute || !f.hasAttribute("data-version-upload") || e.defaultPrevented) {
      return;
    }
    e.preventDefault();
    var error = f.querySelector("[data-version-error]");
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
  // The text of a failure page (its first paragraph), to show next to a file.
  function failureText(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var p = doc.querySelector("main p");
    return p ? p.textContent : "The server refused it.";
  }

  // Uploading into a folder: `[data-upload]` holds the endpoint; files come from a drop
  // or the file input. Each file is its own request with its own progress bar; when the
  // server asks for profile fields (422) its dialog is shown and the file sent again.
  function uploader(zone) {
    var url = zone.dataset.upload;
    var list = zone.querySelector(".uploads");
    var input = zone.querySelector("input[type=file]");
    var dialog = zone.querySelector("dialog");
    var running = 0;

    // Once every file has an answer, the folder's table is read again.
    function finished() {
      running -= 1;
      if (running === 0 && window.htmx) {
        window.htmx.ajax("GET", window.location.href, {
          target: "#folder-documents", select: "#folder-documents", swap: "outerHTML"
        });
      }
    }

    function ask(html, file, profile, item) {
      dialog.innerHTML = html;
      var form = dialog.querySelector("form");
      form.querySelector("[data-profile-file]").textContent = file.name;
      form.addEventListener("submit", function () {
        new FormData(form).forEach(function (v, k) { profile[k] = v; });
        item.status.textContent = "Sending again with its profile…";
        send(file, profile, item);
      });
      form.querySelector("[data-profile-cancel]").addEventListener("click", function () {
        dialog.close();
        item.status.textContent = "Not filed: its profile was not completed.";
        item.li.classList.add("failed");
        finished();
      });
      dialog.showModal();
      var first = form.querySelector("input");
      if (first) { first.focus(); }
    }

    function send(file, profile, item) {
      var form = new FormData();
      if (profile) { form.append("profile", JSON.stringify(profile)); }
      form.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRF-Token", document.body.dataset.csrf);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          item.bar.max = e.total;
          item.bar.value = e.loaded;
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 201) {
          item.bar.value = item.bar.max;
          // The server's own fragment: a link to the new document, names escaped.
          item.status.innerHTML = xhr.responseText;
          item.li.classList.add("done");
          finished();
        } else if (xhr.status === 422) {
          ask(xhr.responseText, file, profile || {}, item);
        } else {
          item.status.textContent = "Not filed: " + failureText(xhr.responseText);
          item.li.classList.add("failed");
          finished();
        }
      });
      xhr.addEventListener("error", function () {
        item.status.textContent = "Not filed: the connection failed.";
        item.li.classList.add("failed");
        finished();
      });
      xhr.send(form);
    }

    function start(files) {
      Array.prototype.forEach.call(files, function (file) {
        var li = document.createElement("li");
        var name = document.createElement("span");
        name.className = "file";
        name.textContent = file.name;
        var bar = document.createElement("progress");
        bar.max = 1;
        bar.value = 0;
        bar.setAttribute("aria-label", "Uploading " + file.name);
        var status = document.createElement("span");
        status.className = "status";
        status.setAttribute("role", "status");
        li.appendChild(name);
        li.appendChild(bar);
        li.appendChild(status);
        list.appendChild(li);
        running += 1;
        send(file, null, { li: li, bar: bar, status: status });
      });
    }

    zone.addEventListener("dragover", function (e) {
      e.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) { start(e.dataTransfer.files); }
    });
    input.addEventListener("change", function () {
      start(input.files);
      input.value = "";
    });
  }

  document.querySelectorAll("[data-upload]").forEach(uploader);
})();
