// The daily check-in form sends the browser's time zone: the reader's calendar day until they
// choose one on their profile. Without JavaScript the form still works (the site's zone).
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  var inputs = document.querySelectorAll("input[data-browser-time-zone]");
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].value = zone;
  }
})();
