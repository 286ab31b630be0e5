// Drafts: what a counsellor types on a contact's page is saved as they type, so a lost
// connection or a closed tab loses nothing; a canned reply fills an empty reply box.
// A save counts only when the server answers it as saved (204): without an answer (the
// connection is gone), or with a refusal (the page's login expired), the box says it is not
// kept and the save is tried again every few seconds and as soon as the browser is back
// online, until it is kept or sent. Sending the form cancels a save still waiting, so a
// late save cannot bring back what was just sent.
// The page works without this script (the server then sends a chosen canned reply).
// No texts live here: the box's status line carries them (data-saved, data-unsaved).
(function () {
  "use strict";
  var WAIT_MS = 800;
  var RETRY_MS = 5000;
  function draftUrl(form) {
    return form.getAttribute("action").replace(/\/[a-z_]+$/, "/draft");
  }
  function say(area, key) {
    var line = document.getElementById(area.id + "-saved");
    var text = line && line.getAttribute("data-" + key);
    if (text && line.textContent !== text) {
      line.textContent = text;
    }
  }
  function watch(area) {
    var timer = null;
    var retry = null;
    var sent = false; // the form is on its way: what it holds is no draft any more
    function failed() {
      say(area, "unsaved");
      if (retry === null) {
        retry = window.setTimeout(function () { retry = null; save(); }, RETRY_MS);
      }
    }
    function save(keepalive) {
      window.clearTimeout(timer);
      timer = null;
      if (sent) {
        return;
      }
      var form = area.form;
      var data = new FormData();
      data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
      data.append("kind", area.getAttribute("data-draft"));
      data.append("body", area.value);
      var body = area.value;
      fetch(draftUrl(form), {
        method: "POST", body: data, credentials: "same-origin", redirect: "manual",
        keepalive: Boolean(keepalive)
      }).then(function (response) {
        if (response.status !== 204) {
          failed();
        } else if (area.value === body) {
          say(area, "saved");
        }
      }, failed);
    }
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, WAIT_MS);
    });
    area.addEventListener("blur", function () {
      if (timer !== null) {
        save();
      }
    });
    area.form.addEventListener("submit", function () {
      sent = true;
      window.clearTimeout(timer);
      window.clearTimeout(retry);
    });
    window.addEventListener("online", function () {
      if (retry !== null) {
        window.clearTimeout(retry);
        retry = null;
        save();
      }
    });
    window.addEventListener("pagehide", function () {
      if (timer !== null) {
        save(true); // the tab closes before the pause after typing: save what is there
      }
    });
  }
  document.querySelectorAll("textarea[data-draft]").forEach(watch);
  var canned = document.getElementById("reply-canned");
  var reply = document.getElementById("reply-text");
  if (canned && reply) {
    // The box shows the chosen reply while it is empty or still holds the one chosen before,
    // unedited: arrowing through the list (each step is a change) shows each in turn, and
    // what the counsellor typed is never replaced. Focus stays on the list (WCAG 3.2.2).
    var shown = "";
    canned.addEventListener("change", function () {
      var option = canned.options[canned.selectedIndex];
      var text = option.getAttribute("data-text") || "";
      if (reply.value.trim() && reply.value !== shown) {
        return; // the counsellor's own words: the server sends them, not the choice
      }
      reply.value = shown = text;
      reply.dispatchEvent(new Event("input"));
    });
  }
})();
