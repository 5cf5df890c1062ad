// The backup codes page's "Print" button: shown only when scripts run (no inline script: a
// Content-Security-Policy of script-src 'self' allows this file).
"use strict";
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
