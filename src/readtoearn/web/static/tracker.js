/* readtoearn reading tracker: measures engaged reading and reports it to the server, which decides.
   No framework, no third-party requests. Configuration comes from data-* attributes of the
   #rte-tracker element (or of this script tag when an integrator embeds it). */
(function () {
  "use strict";
  var script = document.currentScript;
  var box = document.getElementById("rte-tracker");
  var cfg = (box && box.dataset.articleId) ? box.dataset : (script ? script.dataset : {});
  if (!cfg.articleId || !window.fetch) return;

  var api = (cfg.api || "") + "/api/v1/reads";
  // A tick is active when the page is visible, focused, and a trusted input happened within this
  // window. 30 s, not the 5 s of ad-viewability tools: a screenful of text takes 30-60 s to read
  // without touching anything (see docs/reading.md).
  var ACTIVE_WINDOW_MS = +(cfg.activeWindowMs || 30000);
  var bar = document.getElementById("rte-progress");
  var label = document.getElementById("rte-status");
  var article = document.querySelector(cfg.body || "[data-rte-body]") || document.body;
  var paragraphs = Array.prototype.slice.call(article.querySelectorAll("[data-p]"));
  // The lead sits above the body (image and boxes between) but is read: it is paragraph 0.
  var lead = document.querySelector("[data-rte-lead][data-p]");
  if (lead && !article.contains(lead)) paragraphs.unshift(lead);

  var read = null, token = null, seq = 0, timer = null, done = false, busy = false, resumed = false;
  var lastInput = 0, activeMs = 0, lastTick = Date.now(), scrollMax = 0;
  var seen = {}, pending = [], events = {scroll: 0, wheel: 0, key: 0, pointer: 0, touch: 0};

  function say(text, kind) {
    if (!label) return;
    label.textContent = text;
    label.setAttribute("data-kind", kind || "info");
  }
  function show(progress) {
    if (!bar) return;
    bar.value = Math.round(progress * 100);
    bar.setAttribute("aria-valuenow", bar.value);
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
    var height = rect.height || 1;
    var reached = (window.innerHeight - rect.top) / height;
    if (reached > scrollMax) scrollMax = Math.min(1, Math.max(0, reached));
  }
  function tick() {
    var now = Date.now();
    var step = Math.min(now - lastTick, 2000);
    lastTick = now;
    if (document.visibilityState === "visible" && document.hasFocus() &&
        now - lastInput <= ACTIVE_WINDOW_MS) activeMs += step;
  }

  function post(url, body) {
    var headers = {"Content-Type": "application/json", "Accept": "application/json"};
    // An integrator's page signs the reader in with a bearer token; ours uses the session cookie.
    if (cfg.token) headers.Authorization = "Bearer " + cfg.token;
    return fetch(url, {
      method: "POST", credentials: cfg.token ? "omit" : "same-origin", keepalive: true,
      headers: headers, body: body
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        return {status: r.status, body: j, retryAfter: +r.headers.get("Retry-After") || 1};
      });
    });
  }
  // A busy server (503) did nothing with the request: send the very same body again after
  // Retry-After, backing off with jitter so a crowd does not come back all at once. `again`
  // also retries when the connection failed (only for calls that are safe to repeat).
  function send(url, body, again, tries) {
    tries = tries || 0;
    if (typeof body !== "string") body = JSON.stringify(body);  // frozen: retried as it was
    var retry = function (after) {
      var ms = Math.min(30000, after * 1000 * Math.pow(2, tries)) * (0.5 + Math.random());
      return new Promise(function (ok) { setTimeout(ok, ms); }).then(function () {
        return send(url, body, again, tries + 1);
      });
    };
    return post(url, body).then(function (res) {
      return res.status === 503 && tries < 6 ? retry(res.retryAfter) : res;
    }, function (err) {
      if (again && tries < 6) return retry(1);
      throw err;
    });
  }
  function code(res) {
    return res.body && res.body.error ? res.body.error.code : "";
  }

  function errorText(res) {
    return (res.body && res.body.error && res.body.error.message) || cfg.msgError || "Reading could not be measured.";
  }

  function payload() {
    measureScroll();
    var body = {
      token: token, seq: seq, active_ms: activeMs, scroll_max: +scrollMax.toFixed(4),
      paragraphs_seen: pending.slice(0, 500), visible: document.visibilityState === "visible",
      focused: document.hasFocus(), events: copy(events), viewport_h: window.innerHeight,
      document_h: Math.round(article.getBoundingClientRect().height),
      webdriver: !!navigator.webdriver
    };
    return body;
  }
  function copy(o) {
    var c = {};
    for (var k in o) c[k] = o[k];
    return c;
  }
  // Take off what a beat carried, not everything: what was read while it was on its way (or
  // waiting to be sent again after a 503) goes with the next beat.
  function sent(body) {
    activeMs = Math.max(0, activeMs - body.active_ms);
    pending = pending.slice(body.paragraphs_seen.length);
    for (var k in events) events[k] = Math.max(0, events[k] - (body.events[k] || 0));
  }

  function start() {
    send(api, {article_id: cfg.articleId, view_token: cfg.viewToken || null,
               webdriver: !!navigator.webdriver}, true).then(function (res) {
      if (res.status !== 201 && res.status !== 200) {
        done = true;
        say(errorText(res), res.status === 409 ? "done" : "error");
        if (res.status === 409) show(1);
        return;
      }
      read = res.body.read_id;
      token = res.body.token;
      seq = res.body.seq || 1;
      show(res.body.progress || 0);
      if (cfg.msgStart) say(cfg.msgStart, "info");
      timer = setInterval(beat, (res.body.beat_interval_s || 12) * 1000);
    }, function () { say(cfg.msgError || "Reading could not be measured.", "error"); });
  }

  function beat() {
    if (!read || done || busy) return;
    busy = true;
    var body = payload();
    send(api + "/" + read + "/beats", body, false).then(function (res) {
      busy = false;
      if (res.status === 200) {
        sent(body);
        token = res.body.token;
        seq += 1;
        show(res.body.progress || 0);
        if (res.body.progress >= 1 && res.body.end_reached) complete();
      } else if (res.status === 409 && !resumed && code(res) === "out_of_order") {
        // The server lost the chain (a crash, another tab): take the read up again, once, and
        // report again the paragraphs that come into view (what it lost is not re-sent at once).
        resumed = true;
        clearInterval(timer);
        seen = {};
        pending = [];
        for (var k = 0; io && k < paragraphs.length; k++) io.observe(paragraphs[k]);
        start();
      } else if (res.status === 409 || res.status === 401) {
        stop();
        say(errorText(res), "error");
      }
    }, function () { busy = false; });
  }

  function complete() {
    if (done) return;
    send(api + "/" + read + "/complete", {token: token}, true).then(function (res) {
      var v = res.body && res.body.verdict;
      if (!v) { say(errorText(res), "error"); return; }
      if (v === "incomplete") return;
      stop();
      show(1);
      var text = (res.body.messages || []).join(" ");
      if (v === "credited") text = (cfg.msgCredited || "+%d points!").replace("%d", res.body.points) + " " + text;
      say(text, v);
      if (v === "credited" && cfg.msgQuiz && label) {
        var a = document.createElement("a");
        a.href = "/reads/" + read + "/quiz";
        a.className = "button";
        a.textContent = cfg.msgQuiz;
        label.parentNode.appendChild(a);
      }
    });
  }

  function stop() {
    done = true;
    if (timer) clearInterval(timer);
  }

  var io = null;
  if ("IntersectionObserver" in window) {
    io = new IntersectionObserver(function (entries) {
      entries.forEach(function (en) {
        var tall = en.boundingClientRect.height > window.innerHeight * 0.8;
        if (en.isIntersecting && (en.intersectionRatio >= 0.5 || tall)) {
          var i = +en.target.getAttribute("data-p");
          if (!seen[i]) { seen[i] = true; pending.push(i); }
          io.unobserve(en.target);
        }
      });
    }, {threshold: [0, 0.5, 1]});
    for (var k = 0; k < paragraphs.length; k++) io.observe(paragraphs[k]);
  }

  addEventListener("scroll", input("scroll"), {passive: true});
  addEventListener("wheel", input("wheel"), {passive: true});
  addEventListener("keydown", input("key"));
  addEventListener("pointerdown", input("pointer"));
  addEventListener("pointermove", input("pointer"), {passive: true});
  addEventListener("touchstart", input("touch"), {passive: true});
  addEventListener("touchmove", input("touch"), {passive: true});
  addEventListener("pagehide", function () {
    // sendBeacon cannot carry a bearer token: integrators' pages rely on the regular beats.
    if (!read || done || !navigator.sendBeacon || cfg.token) return;
    var blob = new Blob([JSON.stringify(payload())], {type: "application/json"});
    if (navigator.sendBeacon(api + "/" + read + "/beats", blob)) stop();
  });
  setInterval(tick, 1000);
  lastInput = Date.now();
  start();
})();
