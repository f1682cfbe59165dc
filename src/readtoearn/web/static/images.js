// Images that fail to load become a plain placeholder box, never a broken-image icon with its
// alt text spilling over the page. One listener on the document, in the capture phase ('error'
// does not bubble), so no image needs an inline handler (the CSP forbids them). The alt text
// stays on the image, which stays in the accessibility tree: screen readers still read it.
(function () {
  "use strict";

  function markBroken(img) {
    if (img.classList.contains("img--broken")) return;
    img.classList.add("img--broken");
    var box = img.closest(".img-box");
    if (!box) {
      // An image of the body or of a card: it gets a box of its own, where it stood.
      box = document.createElement("span");
      box.className = "img-box img-box--made";
      img.parentNode.insertBefore(box, img);
      box.appendChild(img);
    }
    box.classList.add("img-box--broken");
  }

  document.addEventListener(
    "error",
    function (event) {
      var target = event.target;
      if (target && target.tagName === "IMG") markBroken(target);
    },
    true
  );

  // Images that failed before this (deferred) script ran: loaded yet with nothing to draw, and
  // refusing to decode (an image with no natural size, like some SVGs, decodes fine).
  function checkLoaded() {
    var images = document.querySelectorAll("img");
    Array.prototype.forEach.call(images, function (img) {
      if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) {
        img.decode().catch(function () {
          markBroken(img);
        });
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", checkLoaded);
  } else {
    checkLoaded();
  }
})();
