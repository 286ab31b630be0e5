/* Loket staff pages: the end of a login. A login ends a fixed time after it began, however
 * active its user is; from 15 minutes before, the staff layout says when and what to do.
 * A page rendered in that window shows it from the server, in a role="status" region. A
 * page left open (the queue and a conversation refresh without reloading) has it rendered
 * hidden, with the seconds until it is due in data-shows-in (counted from the page's load,
 * not by this computer's clock, which may be off) and the end itself in data-ends-at. Here,
 * shortly before it is due, its region becomes a status region (a live region must exist
 * before its words change; not from the start, so that a page's own status line stays the
 * only one until then), and then the notice is shown: a screen reader says it once.
 * Checked at least once a minute and whenever the page is seen again (a laptop waking up).
 * No texts live here. */
(function () {
  "use strict";
  var ARM_MS = 2000; // the region is a status region this long before the notice shows
  var region = document.getElementById("login-end");
  var notice = region && region.querySelector("[hidden]");
  var showsIn = region ? parseInt(region.getAttribute("data-shows-in"), 10) : NaN;
  if (!notice || isNaN(showsIn)) {
    return;
  }
  var due = Date.now() + showsIn * 1000;
  var timer = null;

  function show() {
    notice.hidden = false;
  }

  function check() {
    window.clearTimeout(timer);
    var left = due - Date.now();
    if (left > ARM_MS) {
      timer = window.setTimeout(check, Math.min(left - ARM_MS, 60000));
      return;
    }
    document.removeEventListener("visibilitychange", check);
    region.setAttribute("role", "status");
    timer = window.setTimeout(show, Math.max(left, ARM_MS / 2));
  }

  document.addEventListener("visibilitychange", check);
  check();
}());
