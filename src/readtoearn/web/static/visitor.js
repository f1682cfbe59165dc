/* readtoearn, for a visitor (not signed in): the article page they see is shared by every
   visitor and cached, so what is theirs comes from one call: the page-view token bound to their
   browser (the call sets its device cookie) and the quest steps this article belongs to. */
(function () {
  "use strict";
  var visitor = document.getElementById("rte-visitor");
  if (!visitor || !window.fetch) return;
  fetch("/api/v1/articles/" + visitor.dataset.articleId + "/reader", {credentials: "same-origin"})
  .then(function (r) { return r.ok && r.json(); }).then(function (v) {
    if (!v) return;
    var m = document.head.appendChild(document.createElement("meta")), a = document.getElementById("rte-visitor-link");
    m.name = "rte-view-token";
    m.content = v.view_token;
    // Signed in after all (a copy kept from before logging in): their own page has the panel.
    if (v.signed_in && a) { a.href = a.dataset.hrefSignedIn; a.textContent = a.dataset.msgSignedIn; }
    questSteps(v.quest_steps || []);
  }, function () {});
  // "Step 2 of 4 of <quest>": the quests this article is a step of, from the reader call.
  function questSteps(steps) {
    var box = document.getElementById("rte-quest-steps");
    if (!box || !steps.length) return;
    steps.forEach(function (s) {
      var p = document.createElement("p"), link = document.createElement("a");
      p.className = "quest-steps__item";
      p.setAttribute("data-done", s.done ? "true" : "false");
      p.textContent = box.dataset.msgStep.replace("%(position)d", s.position).replace("%(total)d", s.total) + " ";
      link.href = s.path;
      link.textContent = s.title;
      p.appendChild(link);
      box.appendChild(p);
    });
    box.hidden = false;
  }
})();
