// Drafts: what a counsellor types on a contact's page is saved as they type, so a lost
// connection or a closed tab loses nothing; a canned reply fills an empty reply box.
// The page works without this script (the server then sends a chosen canned reply).
(function () {
  "use strict";
  var WAIT_MS = 800;

  function draftUrl(form) {
    return form.getAttribute("action").replace(/\/[a-z]+$/, "/draft");
  }

  function save(area) {
    var form = area.form;
    var data = new FormData();
    data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    data.append("kind", area.getAttribute("data-draft"));
    data.append("body", area.value);
    return fetch(draftUrl(form), {
      method: "POST", body: data, credentials: "same-origin", redirect: "manual",
    }).catch(function () { area.setAttribute("data-unsaved", "1"); });
  }

  document.querySelectorAll("textarea[data-draft]").forEach(function (area) {
    var timer = null;
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { save(area); }, WAIT_MS);
    });
    area.addEventListener("blur", function () {
      if (area.getAttribute("data-unsaved")) { area.removeAttribute("data-unsaved"); save(area); }
    });
  });

  var canned = document.getElementById("reply-canned");
  var reply = document.getElementById("reply-text");
  if (canned && reply) {
    canned.addEventListener("change", function () {
      var option = canned.options[canned.selectedIndex];
      var text = option.getAttribute("data-text");
      if (text && !reply.value.trim()) {
        reply.value = text;
        reply.dispatchEvent(new Event("input"));
        canned.value = "";
      }
      reply.focus();
    });
  }
})();
