/* Loket public pages: progressive enhancement only. Everything works without this file.
 * - Move focus to an error summary (the autofocus attribute does it too).
 * - Chat: show new messages and the queue line live (polling every 2 s while the page is
 *   visible, at once when it comes back), and send messages without reloading the page.
 *   Polling, not server-sent events: a stream would hold one of the server's few threads
 *   for as long as a chat is open, and calls and texts must never wait for a free one.
 * No texts live here: every text comes from the server in the page's language. */
(function () {
  "use strict";

  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }

  var list = document.getElementById("messages");
  if (!list || !window.fetch || !window.JSON) {
    return;
  }

  var after = parseInt(list.getAttribute("data-after") || "0", 10) || 0;
  var statusLine = document.getElementById("chat-status");
  var crisisNow = document.getElementById("crisis-now");
  var empty = document.getElementById("messages-empty");
  var refreshHint = document.getElementById("refresh-hint");
  var pollTimer = null;

  function addMessage(m) {
    if (document.getElementById("m-" + m.id)) {
      return;
    }
    var item = document.createElement("li");
    item.id = "m-" + m.id;
    item.className = "message message--" + (m.direction === "in" ? "in" : "out");
    var meta = document.createElement("p");
    meta.className = "message__meta";
    var who = document.createElement("span");
    who.className = "message__who";
    who.textContent = m.who;
    var time = document.createElement("time");
    time.setAttribute("datetime", m.at);
    time.textContent = m.time;
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    var body = document.createElement("p");
    body.className = "message__body";
    body.textContent = m.body;
    item.appendChild(meta);
    item.appendChild(body);
    // Keep the conversation in the order it was stored, whichever update arrives first.
    var later = null;
    for (var i = 0; i < list.children.length && later === null; i += 1) {
      if (parseInt(list.children[i].id.slice(2), 10) > m.id) {
        later = list.children[i];
      }
    }
    list.insertBefore(item, later);
  }

  function apply(update) {
    if (!update) {
      return;
    }
    (update.messages || []).forEach(addMessage);
    if (typeof update.last_id === "number" && update.last_id > after) {
      after = update.last_id;
    }
    if (empty && list.children.length > 0) {
      empty.parentNode.removeChild(empty);
      empty = null;
    }
    if (statusLine && typeof update.status_text === "string" &&
        statusLine.textContent !== update.status_text) {
      statusLine.textContent = update.status_text;
    }
    if (crisisNow && update.crisis && crisisNow.hidden) {
      crisisNow.hidden = false;
      crisisNow.scrollIntoView({block: "start"});
    }
  }

  function poll() {
    var url = list.getAttribute("data-poll") + "?after=" + after;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(apply)
      .catch(function () { /* the next poll tries again */ });
  }

  function startPolling() {
    if (pollTimer === null) {
      pollTimer = window.setInterval(function () {
        if (!document.hidden) {
          poll();
        }
      }, 2000);
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        poll();
      }
    });
  }

  var form = document.getElementById("send");
  var box = document.getElementById("body");
  var error = document.getElementById("body-error");
  var errorText = document.getElementById("body-error-text");

  function showError(message) {
    if (!error || !box) {
      return;
    }
    if (message) {
      errorText.textContent = message;
      error.hidden = false;
      box.setAttribute("aria-invalid", "true");
      box.setAttribute("aria-describedby", "body-error");
      box.focus({preventScroll: true});
    } else {
      error.hidden = true;
      box.removeAttribute("aria-invalid");
      box.removeAttribute("aria-describedby");
    }
  }

  if (form && box) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      data.append("after", String(after));
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: {"Accept": "application/json"}
      })
        .then(function (r) {
          return r.json().then(function (answer) { return answer; });
        })
        .then(function (answer) {
          if (answer.ok) {
            box.value = "";
            showError(null);
            apply(answer.update);
            box.focus({preventScroll: true}); // keep a just-shown crisis block in view
          } else {
            if (answer.csrf_token && form.elements.csrf_token) {
              form.elements.csrf_token.value = answer.csrf_token; // the page had expired
            }
            showError(answer.error);
          }
        })
        .catch(function () {
          form.submit(); // no answer from the script path: send it as a plain form
        });
    });
  }

  if (refreshHint) {
    refreshHint.hidden = true; // new messages now appear by themselves
  }
  startPolling();
}());
