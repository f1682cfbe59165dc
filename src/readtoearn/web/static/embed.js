/* readtoearn on a publisher's page, from one script tag:
     <script src="https://REWARDS_HOST/static/embed.js" data-site="SITE_ID" data-sso="JWT" async></script>
   It asks readtoearn (and nobody else) for the article at the page's canonical URL, finds the
   paragraphs the server counted, measures the reading with the tracker protocol (the same rules
   as tracker.js) and draws its panel in a Shadow DOM, so the page's styles and ours stay apart. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !document.body || !document.body.attachShadow) return;
  var cfg = script.dataset;
  var api = new URL(script.src).origin + "/api/v1";
  var ACTIVE_WINDOW_MS = +(cfg.activeWindowMs || 30000);
  var FP = 32;
  var fr = (document.documentElement.lang || navigator.language || "").slice(0, 2) === "fr";
  var T = fr ? {
    offer: "%d points à gagner en lisant cet article.", reading: "Lecture en cours : continuez jusqu’à la fin.",
    join: "Rejoindre", login: "Se connecter", guest: "Rejoignez le programme pour gagner %d points avec cet article.",
    credited: "+%d points !", error: "La lecture n’a pas pu être mesurée.", points: "points", title: "Lire pour gagner",
    already: "Vous avez déjà gagné des points pour cet article.", review: "Votre lecture de cet article est en cours d’examen."
  } : {
    offer: "Earn %d points by reading this article.", reading: "Reading: keep going to the end.",
    join: "Join", login: "Sign in", guest: "Join the programme to earn %d points with this article.",
    credited: "+%d points!", error: "Reading could not be measured.", points: "points", title: "Read to earn",
    already: "You have already earned points for this article.", review: "Your read of this article is being reviewed."
  };

  function warn(text) {
    if (window.console) console.warn("readtoearn: " + text);
  }
  if (!cfg.site) { warn("the script tag needs data-site=\"SITE_ID\"."); return; }

  // The page's canonical URL, as the article was registered (no fragment).
  var link = document.querySelector("link[rel=canonical]");
  var pageUrl = (link && link.href) || location.href.split("#")[0];

  // The same fingerprint as the server's (sites/embed.py): letters and digits, lower-cased.
  function fingerprint(text) {
    return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "").slice(0, FP);
  }
  // Walk the page's paragraphs in order and keep those the server counted, in its order.
  function findParagraphs(prints) {
    var found = [], candidates = document.querySelectorAll(
      "p, [data-rte-lead], .lead, .standfirst, .chapo, .entry-summary, [itemprop=description]");
    var from = 0;
    for (var i = 0; i < prints.length; i++) {
      for (var j = from; j < candidates.length; j++) {
        if (fingerprint(candidates[j].textContent || "") === prints[i]) {
          found.push({index: i, el: candidates[j]});
          from = j + 1;
          break;
        }
      }
    }
    return found;
  }
  function bodyOf(found) {
    if (!found.length) return document.body;
    var first = found[0].el, last = found[found.length - 1].el;
    var box = first.closest("article, [itemprop=articleBody], main") || first.parentNode;
    while (box && box !== document.body && !box.contains(last)) box = box.parentNode;
    return box || document.body;
  }

  // -- the panel, in a Shadow DOM -------------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-readtoearn", "");
  var root = host.attachShadow({mode: "open"});
  root.innerHTML =
    "<style>" +
    ":host{all:initial}" +
    ".box{position:fixed;right:12px;bottom:12px;z-index:2147483000;max-width:260px;" +
    "font:14px/1.4 system-ui,sans-serif;color:#1a1a1a;background:#fff;border:1px solid #d0d0d0;" +
    "border-radius:8px;box-shadow:0 2px 10px rgba(0,0,0,.15);padding:10px 12px}" +
    "strong{display:block;font-size:13px;margin-bottom:4px}" +
    "progress{width:100%;height:8px;margin:4px 0}" +
    "p{margin:4px 0}" +
    "[data-kind=credited]{color:#17663a}[data-kind=held]{color:#8a5a00}" +
    "[data-kind=rejected],[data-kind=error]{color:#a1262d}" +
    "a{display:inline-block;margin:4px 8px 0 0;padding:4px 10px;border-radius:4px;" +
    "background:#1f4f99;color:#fff;text-decoration:none;font-size:13px}" +
    "a+a{background:#e8ecf3;color:#1f4f99}" +
    "</style><div class=box role=region><strong></strong>" +
    "<progress max=100 value=0></progress><p role=status></p><div class=links></div></div>";
  var bar = root.querySelector("progress"), label = root.querySelector("p");
  root.querySelector("strong").textContent = T.title;

  function say(text, kind) {
    label.textContent = text;
    label.setAttribute("data-kind", kind || "info");
    host.setAttribute("data-kind", kind || "info");
  }
  function show(progress) {
    bar.value = Math.round(progress * 100);
  }
  function links(info) {
    var box = root.querySelector(".links");
    [[info.join_url, T.join], [info.login_url, T.login]].forEach(function (pair) {
      var a = document.createElement("a");
      a.href = pair[0];
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = pair[1];
      box.appendChild(a);
    });
  }

  // -- the tracker protocol (as tracker.js) ------------------------------------------------------
  var bearer = null, articleId = null, viewToken = null, article = document.body, found = [];
  var read = null, token = null, seq = 0, timer = null, done = false, busy = false, resumed = false;
  var lastInput = 0, activeMs = 0, lastTick = Date.now(), scrollMax = 0;
  var seen = {}, pending = [], events = {scroll: 0, wheel: 0, key: 0, pointer: 0, touch: 0};
  var io = null, indexOf = new Map();

  function post(url, body, auth) {
    var headers = {"Content-Type": "application/json", "Accept": "application/json"};
    if (auth) headers.Authorization = "Bearer " + auth;
    return fetch(url, {method: "POST", credentials: "omit", keepalive: true, headers: headers,
                       body: body}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        return {status: r.status, body: j, retryAfter: +r.headers.get("Retry-After") || 1};
      });
    });
  }
  // A 503 did nothing: the very same body again after Retry-After, with jittered back-off.
  function send(url, body, again, tries) {
    tries = tries || 0;
    if (typeof body !== "string") body = JSON.stringify(body);
    var retry = function (after) {
      var ms = Math.min(30000, after * 1000 * Math.pow(2, tries)) * (0.5 + Math.random());
      return new Promise(function (ok) { setTimeout(ok, ms); }).then(function () {
        return send(url, body, again, tries + 1);
      });
    };
    return post(url, body, bearer).then(function (res) {
      return res.status === 503 && tries < 6 ? retry(res.retryAfter) : res;
    }, function (err) {
      if (again && tries < 6) return retry(1);
      throw err;
    });
  }
  function errorOf(res) {
    return (res.body && res.body.error) || {code: "", message: T.error};
  }

  function input(kind) {
    return function (e) {
      if (e && e.isTrusted === false) return;
      lastInput = Date.now();
      events[kind] += 1;
      if (kind === "scroll") measureScroll();
    };
  }
  function measureScroll() {
    var rect = article.getBoundingClientRect();
    var reached = (window.innerHeight - rect.top) / (rect.height || 1);
    if (reached > scrollMax) scrollMax = Math.min(1, Math.max(0, reached));
  }
  function tick() {
    var now = Date.now(), step = Math.min(now - lastTick, 2000);
    lastTick = now;
    if (document.visibilityState === "visible" && document.hasFocus() &&
        now - lastInput <= ACTIVE_WINDOW_MS) activeMs += step;
  }
  function observe() {
    if (!("IntersectionObserver" in window)) return;
    io = new IntersectionObserver(function (entries) {
      entries.forEach(function (en) {
        var tall = en.boundingClientRect.height > window.innerHeight * 0.8;
        if (en.isIntersecting && (en.intersectionRatio >= 0.5 || tall)) {
          var i = indexOf.get(en.target);
          if (!seen[i]) { seen[i] = true; pending.push(i); }
          io.unobserve(en.target);
        }
      });
    }, {threshold: [0, 0.5, 1]});
    found.forEach(function (f) { io.observe(f.el); });
  }

  function start() {
    send(api + "/reads", {article_id: articleId, view_token: viewToken,
                          webdriver: !!navigator.webdriver}, true).then(function (res) {
      if (res.status !== 201 && res.status !== 200) {
        done = true;
        say(errorOf(res).message, res.status === 409 ? "done" : "error");
        if (res.status === 409) show(1);
        return;
      }
      read = res.body.read_id;
      token = res.body.token;
      seq = res.body.seq || 1;
      show(res.body.progress || 0);
      say(T.reading, "info");
      timer = setInterval(beat, (res.body.beat_interval_s || 12) * 1000);
    }, function () { say(T.error, "error"); });
  }
  function beat() {
    if (!read || done || busy) return;
    busy = true;
    measureScroll();
    var body = {
      token: token, seq: seq, active_ms: activeMs, scroll_max: +scrollMax.toFixed(4),
      paragraphs_seen: pending.slice(0, 500), visible: document.visibilityState === "visible",
      focused: document.hasFocus(), viewport_h: window.innerHeight,
      document_h: Math.round(article.getBoundingClientRect().height), webdriver: !!navigator.webdriver,
      events: {scroll: events.scroll, wheel: events.wheel, key: events.key, pointer: events.pointer,
               touch: events.touch}
    };
    send(api + "/reads/" + read + "/beats", body, false).then(function (res) {
      busy = false;
      if (res.status === 200) {
        // Take off what this beat carried: what was read while it was on its way goes next.
        activeMs = Math.max(0, activeMs - body.active_ms);
        pending = pending.slice(body.paragraphs_seen.length);
        for (var k in events) events[k] = Math.max(0, events[k] - (body.events[k] || 0));
        token = res.body.token;
        seq += 1;
        show(res.body.progress || 0);
        if (res.body.progress >= 1 && res.body.end_reached) complete();
      } else if (res.status === 409 && !resumed && errorOf(res).code === "out_of_order") {
        // The server lost the chain: take the read up again, once.
        resumed = true;
        clearInterval(timer);
        seen = {};
        pending = [];
        found.forEach(function (f) { if (io) io.observe(f.el); });
        start();
      } else if (res.status === 409 || res.status === 401) {
        stop();
        say(errorOf(res).message, "error");
      }
    }, function () { busy = false; });
  }
  function complete() {
    if (done) return;
    send(api + "/reads/" + read + "/complete", {token: token}, true).then(function (res) {
      var v = res.body && res.body.verdict;
      if (!v) { say(errorOf(res).message, "error"); return; }
      if (v === "incomplete") return;
      stop();
      show(1);
      var text = (res.body.messages || []).join(" ");
      if (v === "credited") text = T.credited.replace("%d", res.body.points) + " " + text;
      say(text.trim(), v);
    });
  }
  function stop() {
    done = true;
    if (timer) clearInterval(timer);
  }

  // -- off we go -----------------------------------------------------------------------------------
  fetch(api + "/sites/" + encodeURIComponent(cfg.site) + "/embed", {
    method: "POST", credentials: "omit", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({url: pageUrl, sso: cfg.sso || null})
  }).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (j) { return {status: r.status, body: j}; });
  }).then(function (res) {
    if (res.status !== 200) {
      warn(errorOf(res).message + " (" + (errorOf(res).code || res.status) + ")");
      return;
    }
    var info = res.body;
    found = findParagraphs(info.article.paragraphs);
    found.forEach(function (f) { indexOf.set(f.el, f.index); });
    article = bodyOf(found);
    if (found.length < info.article.paragraphs.length) {
      warn("found " + found.length + " of the article's " + info.article.paragraphs.length +
           " paragraphs on this page: does it show the text that was registered?");
    }
    document.body.appendChild(host);
    if (!info.token) {
      say(T.guest.replace("%d", info.article.points), "info");
      links(info);
      return;
    }
    if (info.rewarded === "credited" || info.rewarded === "held") {
      // Read before: nothing more to measure on this page.
      say(info.rewarded === "credited" ? T.already : T.review, "done");
      show(1);
      return;
    }
    bearer = info.token;
    articleId = info.article.id;
    viewToken = info.view_token;
    say(T.offer.replace("%d", info.article.points), "info");
    observe();
    addEventListener("scroll", input("scroll"), {passive: true});
    addEventListener("wheel", input("wheel"), {passive: true});
    addEventListener("keydown", input("key"));
    addEventListener("pointerdown", input("pointer"));
    addEventListener("pointermove", input("pointer"), {passive: true});
    addEventListener("touchstart", input("touch"), {passive: true});
    addEventListener("touchmove", input("touch"), {passive: true});
    setInterval(tick, 1000);
    lastInput = Date.now();
    start();
  }, function () {
    // A refused CORS preflight looks like a network failure to the page: say what it may be.
    warn("the rewards server at " + api + " refused this page or could not be reached: is " +
         location.origin + " among the allowed origins of site " + cfg.site + "?");
  });
})();
