// The console's import page: asks the import's status every second or two and writes
// "12 of 30 imported, 2 failed" as it goes; once finished, the page is loaded again to list
// each article. Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-import-job]");
  if (!box || box.getAttribute("data-running") !== "true") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var line = box.querySelector("[data-progress]");
  var template = line ? line.getAttribute("data-template") : null;

  function show(state) {
    if (!line || !template || state.total === null) {
      return;
    }
    line.textContent = template
      .replace("{done}", String(state.imported))
      .replace("{total}", String(state.total))
      .replace("{failed}", String(state.failed));
  }

  function ask() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("status " + answer.status);
        }
        return answer.json();
      })
      .then(function (state) {
        show(state);
        if (state.running) {
          window.setTimeout(ask, 1500);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(ask, 5000);
      });
  }

  window.setTimeout(ask, 1000);
})();
