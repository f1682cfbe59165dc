// "Copy link" under an article: shown only where the Clipboard API can do it (the share links
// work without this script). Loaded from 'self': the Content-Security-Policy allows no inline code.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-share-url]");
  if (!navigator.clipboard || !window.isSecureContext) return;
  Array.prototype.forEach.call(buttons, function (button) {
    var status = button.parentNode.querySelector(".share__status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-share-url")).then(
        function () { if (status) status.textContent = button.getAttribute("data-done"); },
        function () { if (status) status.textContent = button.getAttribute("data-failed"); }
      );
    });
  });
})();
