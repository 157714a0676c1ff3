// The associate app's only script besides HTMX.
(function () {
  "use strict";
  // Show refusals (4xx/5xx answers) in the feedback area instead of dropping them; the
  // server sends HX-Retarget with every refusal.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      // New content is wired up as soon as it is swapped in, not a settle delay later: a
      // scanner sends the next code and Enter within milliseconds, and a form htmx has not
      // taken over yet would be posted by the browser itself, leaving the screen.
      htmx.config.defaultSettleDelay = 0;
      htmx.config.responseHandling = [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "[45]..", swap: true, error: true },
      ];
    }
    // A refused scan leaves the form in place (the refusal goes to #feedback): select what
    // was scanned, so the scanner's next code replaces it instead of being typed after it.
    document.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) {
        return;
      }
      var form = event.detail.elt;
      var field = form && form.querySelector ? form.querySelector("input[autofocus]") : null;
      if (field && field.select) {
        field.focus();
        field.select();
      }
    });
    // Idle lock: a tablet left on the counter stops showing customers' orders. The server
    // ends the session after the same time; the page goes to the sign-in screen first.
    var seconds = parseInt(document.body.dataset.idleLock || "0", 10);
    if (seconds > 0) {
      var timer;
      var arm = function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          window.location.assign("/app/login?reason=locked");
        }, seconds * 1000);
      };
      ["pointerdown", "keydown", "htmx:afterRequest"].forEach(function (name) {
        document.addEventListener(name, arm, { passive: true });
      });
      arm();
    }
  });
})();
