/* Loket staff pages: progressive enhancement only; every page works without this file.
 * The queue refreshes its rows every 2 s while the page is visible, asking with the last
 * ETag so that an unchanged queue costs a 304 and no rendering. New rows are said once in
 * the page's status line (their own text), not the whole table at every growing wait, and so
 * is a row waiting already that has just become a crisis; the link a keyboard user is on
 * keeps its focus when the rows are replaced. Waiting times count
 * on here each second from what the rows said when they came (the server's ETag leaves
 * them out, so a queue that only waits longer stays a 304). No texts live here: the wait's
 * wording comes from the table's data-seconds and data-minutes. */
(function () {
  "use strict";
  var rows = document.getElementById("queue-rows");
  if (!rows || !window.fetch) {
    return;
  }
  var news = document.getElementById("queue-news");
  var src = rows.getAttribute("data-src");
  var etag = null;
  var busy = false;
  var shownAt = Date.now();

  function tick() {
    var cells = rows.querySelectorAll("[data-waited]");
    var passed = Math.floor((Date.now() - shownAt) / 1000);
    for (var i = 0; i < cells.length; i += 1) {
      var waited = parseInt(cells[i].getAttribute("data-waited"), 10) + passed;
      var text = cells[i].hasAttribute("data-crisis") || waited < 120
        ? rows.getAttribute("data-seconds").replace("{n}", String(waited))
        : rows.getAttribute("data-minutes").replace("{n}", String(Math.floor(waited / 60)));
      if (cells[i].textContent !== text) {
        cells[i].textContent = text;
      }
    }
  }

  // The rows shown, by reference: whether each is a crisis.
  function references() {
    var seen = {};
    var all = rows.querySelectorAll("tr[data-reference]");
    for (var i = 0; i < all.length; i += 1) {
      seen[all[i].getAttribute("data-reference")] = all[i].classList.contains("crisis");
    }
    return seen;
  }

  function focusedHref() {
    var active = document.activeElement;
    return active && rows.contains(active) && active.getAttribute("href");
  }

  function refocus(href) {
    var links = rows.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i += 1) {
      if (links[i].getAttribute("href") === href) {
        links[i].focus({preventScroll: true});
        return;
      }
    }
  }

  function announce(before) {
    if (!news) {
      return;
    }
    var said = [];
    var all = rows.querySelectorAll("tr[data-reference]");
    for (var i = 0; i < all.length; i += 1) {
      var was = before[all[i].getAttribute("data-reference")];
      // A new row, or one waiting already that has just become a crisis.
      if (was === undefined || (!was && all[i].classList.contains("crisis"))) {
        said.push(all[i].textContent.replace(/\s+/g, " ").trim());
      }
    }
    if (said.length) {
      news.textContent = said.join(". ");
    }
  }

  function show(html, renderedAgo) {
    var before = references();
    var href = focusedHref();
    rows.innerHTML = html;
    // Rows rendered a while ago (shared by the desk's counsellors) count from then.
    shownAt = Date.now() - 1000 * renderedAgo;
    if (href) {
      refocus(href);
    }
    announce(before);
  }

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
          var ago = parseInt(response.headers.get("X-Rendered-Ago") || "0", 10) || 0;
          return response.text().then(function (html) { show(html, ago); });
        }
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, 2000);
  window.setInterval(tick, 1000);
  document.addEventListener("visibilitychange", poll);
})();
