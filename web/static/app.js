// Console behaviour that needs JavaScript. Everything here is an enhancement:
// every page works without it. No inline scripts (CSP), no eval.
(function () {
  "use strict";

  // Live counters in UTF-16 code units — JavaScript's String length counts
  // exactly what the platforms' Java services count.
  function updateCounter(input) {
    var out = document.getElementById(input.id + "-count");
    if (!out) return;
    var max = parseInt(input.getAttribute("data-max"), 10);
    var n = input.value.length;
    out.textContent = n + " / " + max;
    out.classList.toggle("over", n > max);
  }
  function initCounters(root) {
    root.querySelectorAll("[data-max]").forEach(updateCounter);
  }
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("[data-max]")) updateCounter(e.target);
  });

  // Copy buttons: data-copy holds the text, or data-copy-from an element id.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy],[data-copy-from]");
    if (!btn) return;
    e.preventDefault();
    var text = btn.getAttribute("data-copy");
    if (text === null) {
      var src = document.getElementById(btn.getAttribute("data-copy-from"));
      text = src ? src.textContent : "";
    }
    navigator.clipboard.writeText(text).then(function () {
      var old = btn.textContent;
      btn.textContent = btn.getAttribute("data-copied") || "✓";
      setTimeout(function () { btn.textContent = old; }, 1500);
    });
  });

  // Colour swatches: the colour comes from data attributes (CSP forbids
  // inline style attributes, but script may set styles).
  function paintSwatches(root) {
    root.querySelectorAll("[data-bg]").forEach(function (el) {
      el.style.backgroundColor = el.getAttribute("data-bg");
    });
    root.querySelectorAll("[data-fg]").forEach(function (el) {
      el.style.color = el.getAttribute("data-fg");
    });
  }

  // QR large views (<details class="cc-qr">): Esc or the close button closes
  // the open one and gives the focus back to its thumbnail. The button is
  // rendered hidden: without JS it could not work, and the thumbnail closes.
  function closeQR(details) {
    details.open = false;
    var summary = details.querySelector("summary");
    if (summary) summary.focus();
  }
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.cc-qr[open]").forEach(closeQR);
  });
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-qr-close]");
    if (!btn) return;
    var details = btn.closest("details");
    if (details) closeQR(details);
  });
  function showQRClose(root) {
    root.querySelectorAll("[data-qr-close]").forEach(function (b) { b.hidden = false; });
  }

  function init(root) {
    initCounters(root);
    paintSwatches(root);
    showQRClose(document); // an outerHTML swap's event target may be the element replaced
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (e) { init(e.target); });
})();
