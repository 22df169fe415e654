/* PropDesk — the rotation queue's console and TV board (SPEC §5).
   Listens to the rotation channel (EventSource, `?post=ROTA`): every decision made anywhere
   re-reads the live part of the page, so the board and every open console show who is next at
   once. Buttons marked `data-live-form` post without a reload and show the engine's one-sentence
   explanation. Without EventSource the page polls every 5 s; everything also works as plain
   forms without JavaScript. */
(function () {
  "use strict";
  var root = document.getElementById("rota");
  if (!root) { return; }
  var liveUrl = root.getAttribute("data-live");
  var streamUrl = root.getAttribute("data-stream");
  var live = document.getElementById("rota-live");
  var status = document.getElementById("link-status");
  var toast = document.getElementById("toast");
  var shared = window.PropDeskLive;
  var LIVE = shared.LIVE;
  var setStatus = shared.statusBadge(status);
  var say = shared.toast(toast, 5000, 8000);
  var refresh = shared.refresher(liveUrl, live);

  // A day opened or closed changes the whole page, not only its live part.
  function onEvent(event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { /* keep {} */ }
    if (!data.board && !root.hasAttribute("data-tv-only")) { window.location.reload(); return; }
    refresh();
  }

  if (window.EventSource && streamUrl) {
    var source = new EventSource(streamUrl);
    source.addEventListener("hello", function () { setStatus(true); refresh(); });
    source.addEventListener("rota", onEvent);
    source.onerror = function () { setStatus(false); };
    setInterval(refresh, 30000);
  } else {
    setStatus(false);
    setInterval(refresh, 5000);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-live-form")) { return; }
    event.preventDefault();
    var body = new FormData(form);
    if (event.submitter && event.submitter.name) {
      body.append(event.submitter.name, event.submitter.value);
    }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: LIVE })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        say(answer.message, !answer.ok);
        if (answer.ok) {
          form.querySelectorAll("select").forEach(function (s) { s.value = ""; });
          form.querySelectorAll("input[type=text], input:not([type])").forEach(function (i) { i.value = ""; });
          form.querySelectorAll("input[type=checkbox]").forEach(function (i) { i.checked = false; });
        }
        return refresh();
      })
      .catch(function () { say(root.getAttribute("data-offline") || "网络异常,请重试", true); })
      .then(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  });
})();
