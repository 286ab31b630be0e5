/* Loket public pages: progressive enhancement only. Everything works without this file.
 * - Move focus to an error summary, or to the 112/113 block above it when that has autofocus
 *   (the autofocus attribute does it too).
 * - Chat: show new messages and the queue line live (polling every 2 s while the page is
 *   visible, at once when it comes back; one poll on its way at a time), and say in the
 *   status line when polls keep failing that new messages are not coming in; and send
 *   messages without reloading the page. A poll answers at most a page of messages after
 *   the newest it has (a long conversation): the next one, from the last, brings the rest.
 *   A message is never lost: without an answer it stays in the box to send again (its key
 *   makes the server store it once), and what is typed while it is on its way stays too;
 *   refused only because the page's token expired, it is sent again at once with the new one.
 *   Polling, not server-sent events: a stream would hold one of the server's few threads
 *   for as long as a chat is open, and calls and texts must never wait for a free one.
 * No texts live here: every text comes from the server in the page's language. */
(function () {
  "use strict";

  // A form sent back to someone in crisis opens at the 112/113 block (autofocus on it), the
  // error summary right after it: focus is not taken from the block to the summary.
  var opening = document.getElementById("crisis-now");
  if (!opening || !opening.hasAttribute("autofocus")) {
    opening = document.getElementById("error-summary");
  }
  if (opening && document.activeElement !== opening) {
    opening.focus();
  }

  // An earlier page of a long conversation (no data-poll) is not kept up to date: its
  // messages after stay on the newest page, and a message sent from it goes there too.
  var list = document.getElementById("messages");
  if (!list || !list.getAttribute("data-poll") || !window.fetch || !window.JSON) {
    return;
  }

  var after = parseInt(list.getAttribute("data-after") || "0", 10) || 0;
  var statusLine = document.getElementById("chat-status");
  var crisisNow = document.getElementById("crisis-now");
  var empty = document.getElementById("messages-empty");
  var refreshHint = document.getElementById("refresh-hint");
  var pollTimer = null;
  var polling = false; // one poll on its way at a time: a slow connection is not flooded
  var failedPolls = 0; // polls in a row that got no usable answer
  var POLL_TIMEOUT_MS = 10000; // a poll without an answer by then counts as failed
  var FAILS_BEFORE_SAYING = 2; // one lost poll is a blip; two in a row, the person is told

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
    failedPolls = 0; // the server answered: the status line below is current again
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
    var referenceLine = document.querySelector(".reference-line");
    if (referenceLine && typeof update.reference_text === "string" &&
        referenceLine.textContent !== update.reference_text) {
      referenceLine.textContent = update.reference_text;
    }
    if (crisisNow && update.crisis && crisisNow.hidden) {
      crisisNow.hidden = false;
      crisisNow.scrollIntoView({block: "start"});
    }
  }

  function poll() {
    if (polling) {
      return;
    }
    polling = true;
    var url = list.getAttribute("data-poll") + "?after=" + after;
    var controller = window.AbortController ? new window.AbortController() : null;
    var timer = window.setTimeout(function () {
      if (controller) {
        controller.abort();
      }
    }, POLL_TIMEOUT_MS);
    fetch(url, {
      credentials: "same-origin",
      headers: {"Accept": "application/json"},
      signal: controller ? controller.signal : undefined
    })
      .then(function (r) {
        if (r.status === 404) { // closed in another tab, or idle too long: say so
          return r.json().then(gone);
        }
        if (!r.ok) {
          throw new Error("no usable answer");
        }
        return r.json().then(apply);
      })
      .catch(pollFailed)
      .then(function () {
        window.clearTimeout(timer);
        polling = false;
      });
  }

  // No answer, or an error page (a proxy, a restart): the next poll tries again, and after
  // a few in a row the status line says new messages are not coming in (a reply could be
  // waiting). The next answer puts the queue line back.
  function pollFailed() {
    failedPolls += 1;
    var offline = list.getAttribute("data-poll-offline");
    if (failedPolls >= FAILS_BEFORE_SAYING && statusLine && offline &&
        statusLine.textContent !== offline) {
      statusLine.textContent = offline;
    }
  }

  function gone(answer) {
    if (statusLine && answer && typeof answer.error === "string") {
      statusLine.textContent = answer.error;
    }
    // Left in another tab (or idle too long): what was written is no longer shown here, as
    // a reload would not show it, for whoever uses this computer next. Polling stops.
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    if (pollTimer !== null) {
      window.clearInterval(pollTimer);
      pollTimer = null;
    }
    return null;
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

  // What is left in the box once `sent` is stored: what they typed meanwhile stays.
  function unsentRest(now, sent) {
    if (now === sent) {
      return "";
    }
    if (now.indexOf(sent) === 0) {
      return now.slice(sent.length).replace(/^\s+/, "");
    }
    return now;
  }

  var sending = false; // one message on its way at a time: a double click sends it once
  var SEND_TIMEOUT_MS = 20000; // a send without an answer by then counts as not sent

  if (form && box) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) {
        return;
      }
      sending = true;
      post(box.value, false);
    });
  }

  // Send `sent`; `retried`: once already, after the page's token had expired.
  function post(sent, retried) {
    var data = new FormData(form);
    data.set("body", sent); // what was sent, not what has been typed since
    data.append("after", String(after));
    var controller = window.AbortController ? new window.AbortController() : null;
    var timer = window.setTimeout(function () {
      if (controller) {
        controller.abort();
      }
    }, SEND_TIMEOUT_MS);
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {"Accept": "application/json"},
      signal: controller ? controller.signal : undefined
    })
      .then(function (r) {
        window.clearTimeout(timer);
        return r.json(); // not JSON (a proxy's error page): handled as no answer below
      })
      .then(function (answer) {
        sending = false;
        if (answer.ok) {
          box.value = unsentRest(box.value, sent);
          if (answer.message_key && form.elements.message_key) {
            form.elements.message_key.value = answer.message_key; // the next message's
          }
          showError(null);
          apply(answer.update);
          box.focus({preventScroll: true}); // keep a just-shown crisis block in view
        } else if (answer.csrf_token && form.elements.csrf_token) {
          form.elements.csrf_token.value = answer.csrf_token; // the page had expired
          if (retried) {
            showError(answer.error);
          } else { // nothing was stored: send it again at once with the fresh token
            sending = true;
            post(sent, true);
          }
        } else {
          showError(answer.error);
        }
      })
      .catch(function () {
        // No answer (the connection dropped, or none came in time): the text stays in the
        // box and the key stays the same, so sending again stores it once if it did arrive.
        window.clearTimeout(timer);
        sending = false;
        showError(form.getAttribute("data-offline"));
      });
  }

  if (refreshHint) {
    refreshHint.hidden = true; // new messages now appear by themselves
  }
  startPolling();
}());
