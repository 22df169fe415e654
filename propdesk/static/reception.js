/* PropDesk — a post's screen on the sales-centre floor (SPEC §3–§4).
   Listens to the post's server-sent events (EventSource): an incoming call appears at once with
   its big 收到 button; acknowledgements, visits and rooms refresh the screen's live part. Buttons
   post without reloading the page. Without EventSource the page polls its live part every 3 s.
   Plain JavaScript, no framework; every button also works as a normal form without it. */
(function () {
  "use strict";
  var root = document.getElementById("floor");
  if (!root) { return; }
  var post = root.getAttribute("data-post");
  var liveUrl = root.getAttribute("data-live");
  var streamUrl = root.getAttribute("data-stream");
  var ackUrl = root.getAttribute("data-ack-url");
  var canOperate = root.getAttribute("data-can-operate") === "1";
  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var status = document.getElementById("link-status");
  var toast = document.getElementById("toast");
  var live = document.getElementById("live");
  var shared = window.PropDeskLive;
  var setStatus = shared.statusBadge(status);
  var say = shared.toast(toast, 2500, 6000);
  // markOverdue is a function declaration below (hoisted)
  var refresh = shared.refresher(liveUrl, live, function () { markOverdue(); });

  var soon = null;
  function refreshSoon() {
    if (soon) { return; }
    soon = setTimeout(function () { soon = null; refresh(); }, 120);
  }

  // --- call cards built from an event (same markup as reception/_call_card.html) ----------
  function incoming() { return document.getElementById("incoming"); }
  function cardOf(id) {
    var list = incoming();
    return list ? list.querySelector('[data-call="' + id + '"]') : null;
  }
  function updateEmpty() {
    var empty = document.getElementById("incoming-empty");
    var list = incoming();
    if (empty && list) { empty.hidden = list.children.length > 0; }
  }
  function buildCard(call) {
    var template = document.getElementById("call-card-template");
    var card = template.content.firstElementChild.cloneNode(true);
    card.setAttribute("data-call", call.id);
    if (call.due_at) { card.setAttribute("data-due", call.due_at); }
    card.querySelector(".from").textContent =
      call.caller_post_name + (call.caller_name ? " · " + call.caller_name : "");
    var time = card.querySelector("time");
    time.textContent = call.sent_time;
    time.setAttribute("datetime", call.sent_at);
    if (call.reannounced_count) {
      var badge = card.querySelector(".repeat");
      badge.textContent = document.getElementById("repeat-label").textContent + " ×" +
        call.reannounced_count;
      badge.hidden = false;
    }
    card.querySelector(".sentence").textContent = call.text;
    var form = card.querySelector("form");
    if (!canOperate) {
      form.remove();
    } else {
      form.setAttribute("action", ackUrl.replace("/0/", "/" + call.id + "/"));
      call.replies.forEach(function (reply, index) {
        var button = document.createElement("button");
        button.type = "submit";
        button.name = "reply";
        button.value = reply;
        button.className = "big ack" + (index === 0 ? " primary" : "");
        button.textContent = reply;
        form.appendChild(button);
      });
    }
    if (call.state === "unanswered") { card.classList.add("overdue"); }
    return card;
  }
  function alertArrival() {
    if (navigator.vibrate) { navigator.vibrate([180, 80, 180]); }
    root.classList.remove("flash");
    void root.offsetWidth; // restart the animation
    root.classList.add("flash");
  }

  function onCall(call) {
    var forMe = call.screens.indexOf(post) >= 0 && call.acked_posts.indexOf(post) < 0 &&
      call.state !== "done" && (call.state !== "acknowledged" || call.callee_post === "ALL");
    if (forMe) {
      var list = incoming();
      var existing = cardOf(call.id);
      var card = buildCard(call);
      if (existing) {
        existing.replaceWith(card);
      } else if (list) {
        list.appendChild(card);
      }
      updateEmpty();
      alertArrival();
    }
    if (call.caller_post === post) { refreshSoon(); }
  }
  function onAck(call) {
    var card = cardOf(call.id);
    var gone = call.by_post === post || call.callee_post !== "ALL";
    if (card && gone) { card.remove(); updateEmpty(); }
    if (call.caller_post === post || call.by_post === post) { refreshSoon(); }
  }
  function onDone(call) {
    var card = cardOf(call.id);
    if (card) { card.remove(); updateEmpty(); }
    refreshSoon();
  }
  function parse(handler) {
    return function (event) {
      try { handler(JSON.parse(event.data)); } catch (error) { refreshSoon(); }
    };
  }

  // --- overdue calls turn red after radio.ack_timeout, whoever runs the sweep -------------
  function markOverdue() {
    var now = Date.now();
    document.querySelectorAll(".call-card[data-due]").forEach(function (card) {
      var due = Date.parse(card.getAttribute("data-due"));
      if (!isNaN(due) && due <= now && !card.classList.contains("overdue")) {
        card.classList.add("overdue");
        alertArrival();
      }
    });
  }
  setInterval(markOverdue, 1000);

  // --- the push channel --------------------------------------------------------------------
  if (window.EventSource) {
    var opened = false;
    var source = new EventSource(streamUrl);
    source.addEventListener("open", function () {
      setStatus(true);
      // Subscribed now: catch up on what happened since the page was drawn (or offline).
      if (opened) { refresh(); } else { refreshSoon(); }
      opened = true;
    });
    source.addEventListener("error", function () { setStatus(false); });
    source.addEventListener("call", parse(onCall));
    source.addEventListener("ack", parse(onAck));
    source.addEventListener("done", parse(onDone));
    source.addEventListener("visit", refreshSoon);
    source.addEventListener("room", refreshSoon);
    setInterval(refresh, 30000); // a safety net for an event lost on the way
  } else {
    setStatus(true);
    setInterval(refresh, 3000); // long-poll fallback
  }

  // --- buttons post without a reload -------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-live-form]") || event.defaultPrevented) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    var headers = { "X-PropDesk-Live": "1", "X-CSRFToken": csrf };
    // getAttribute: a button named "action" would shadow form.action
    var url = form.getAttribute("action");
    fetch(url, { method: "POST", body: data, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return { ok: response.ok }; });
      })
      .then(function (body) {
        if (body.ok) {
          say(body.message, false);
          if (form.hasAttribute("data-reset")) { form.reset(); }
          var card = form.closest(".call-card");
          if (card && card.parentNode && card.parentNode.id === "incoming") {
            card.remove();
            updateEmpty();
          }
          return refresh();
        }
        say(body.message || "!", true);
        return null;
      })
      .catch(function () { say(status ? status.getAttribute("data-offline") : "", true); })
      .then(function () { buttons.forEach(function (button) { button.disabled = false; }); });
  });

  markOverdue();
})();
