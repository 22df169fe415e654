/* PropDesk — what the live screens share (the intercom post screens, reception.js; the rotation
   console and TV board, rotation.js): the link-status badge, the toast line and the refresh of
   a page's live part, which never runs twice at once and re-runs once if asked meanwhile.
   Plain JavaScript, loaded before the screen's own script. */
(function () {
  "use strict";
  var LIVE = { "X-PropDesk-Live": "1" };

  function statusBadge(element) {
    return function (online) {
      if (!element) { return; }
      element.textContent = element.getAttribute(online ? "data-online" : "data-offline");
      element.classList.toggle("online", online);
    };
  }

  // say(message, isError): shows the toast for okMs (errors for errorMs), then hides it.
  function toast(element, okMs, errorMs) {
    var timer = null;
    return function (message, isError) {
      if (!element || !message) { return; }
      element.textContent = message;
      element.classList.toggle("error", !!isError);
      element.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(function () { element.hidden = true; }, isError ? errorMs : okMs);
    };
  }

  // refresh(): GET url (marked as a live request) and put the HTML into target, then after().
  function refresher(url, target, after) {
    var running = null;
    var again = false;
    function refresh() {
      if (!url || !target) { return null; }
      if (running) { again = true; return running; }
      running = fetch(url, { credentials: "same-origin", headers: LIVE })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null) {
            target.innerHTML = html;
            if (after) { after(); }
          }
        })
        .catch(function () { /* offline: the next event or poll refreshes */ })
        .then(function () {
          running = null;
          if (again) { again = false; refresh(); }
        });
      return running;
    }
    return refresh;
  }

  window.PropDeskLive = { LIVE: LIVE, statusBadge: statusBadge, toast: toast, refresher: refresher };
})();
