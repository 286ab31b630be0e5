/* Loket staff pages: progressive enhancement only; every page works without this file.
 * The queue refreshes its rows every 2 s while the page is visible, asking with the last
 * ETag so that an unchanged queue costs a 304 and no rendering. No texts live here. */
(function () {
  "use strict";
  var rows = document.getElementById("queue-rows");
  if (!rows || !window.fetch) {
    return;
  }
  var src = rows.getAttribute("data-src");
  var etag = null;
  var busy = false;

  function poll() {
    if (busy || document.hidden) {
      return;
    }
    busy = true;
    var headers = {"Accept": "text/html"};
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    fetch(src, {headers: headers, credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (response.redirected || response.status === 401) {
          window.location.reload();  // the login ended: show the login page
          return;
        }
        if (response.status === 200) {
          etag = response.headers.get("ETag");
          return response.text().then(function (html) { rows.innerHTML = html; });
        }
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, 2000);
  document.addEventListener("visibilitychange", poll);
})();
