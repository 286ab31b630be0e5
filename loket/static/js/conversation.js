/* Loket staff pages: the conversation on a contact's page keeps itself up to date; the page
 * works without this file (its "fetch new messages" link reloads it). Every 2 s, while the
 * page is visible, it asks for the messages after the newest one shown and adds them to the
 * list, which screen readers hear as it grows (aria-live); an answer holds at most a page of
 * them (a long conversation), and the next poll, from the last, brings the rest. An earlier
 * page of a long conversation has no data-poll: it is not kept up to date. The close form's
 * "seen" follows the newest message shown, so closing is refused only for what never
 * reached the screen.
 * When the contact goes out of sight (another desk, an emergency access that ended), the
 * page says so at once instead of quietly showing no new messages. */
(function () {
  "use strict";
  var list = document.getElementById("conversation-list");
  var src = list && list.getAttribute("data-poll");
  if (!src || !window.fetch) {
    return;
  }
  var busy = false;

  function add(html, last) {
    var empty = list.querySelector("li.empty");
    if (empty) {
      empty.parentNode.removeChild(empty);
    }
    list.insertAdjacentHTML("beforeend", html);
    list.setAttribute("data-last", last);
    var seen = document.querySelectorAll("input[data-seen]");
    for (var i = 0; i < seen.length; i += 1) {
      seen[i].value = last;
    }
  }

  var stopped = false;
  function gone() {
    var notice = document.getElementById("conversation-gone");
    stopped = true;  // asking on would only be refused again
    if (notice && notice.hidden) {
      notice.hidden = false;
    }
  }
  function poll() {
    if (busy || stopped || document.hidden) {
      return;
    }
    busy = true;
    var url = src + "?after=" + encodeURIComponent(list.getAttribute("data-last") || "0");
    fetch(url, {headers: {"Accept": "text/html"}, credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (response.redirected || response.status === 401) {
          window.location.reload();  // the login ended: show the login page
          return;
        }
        if (response.status === 404) {  // moved to another desk, or the access ended
          gone();
          return;
        }
        var last = response.headers.get("X-Last-Message");
        if (response.status === 200 && last) {
          return response.text().then(function (html) { add(html, last); });
        }
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, 2000);
  document.addEventListener("visibilitychange", poll);
})();
