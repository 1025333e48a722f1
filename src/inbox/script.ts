/**
 * The inbox page's script, served as /inbox.js (a file, so the page needs no inline script under
 * a Content-Security-Policy). It shows times in the reader's time zone, colours attachments,
 * filters by hook, keeps the newest message in view, polls /inbox/messages for changes (no
 * full-page reload), clears the inbox, and sends a pasted payload to the chosen hook.
 */
export const INBOX_JS = `"use strict";
(function () {
  var list = document.getElementById("list");
  var empty = document.getElementById("empty");
  var filter = document.getElementById("filter");
  var revision = Number(document.body.dataset.revision || 0);

  function atBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  }
  function toBottom() {
    list.scrollTop = list.scrollHeight;
  }
  function decorate() {
    var today = new Date().toDateString();
    list.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d)) return;
      t.textContent = d.toDateString() === today ? d.toLocaleTimeString() : d.toLocaleString();
    });
    list.querySelectorAll(".attachment[data-color]").forEach(function (a) {
      a.style.borderLeftColor = a.dataset.color;
    });
    applyFilter();
    empty.hidden = list.children.length > 0;
  }
  function applyFilter() {
    var hook = filter.value;
    list.querySelectorAll(".message").forEach(function (m) {
      m.hidden = hook !== "" && m.dataset.hook !== hook;
    });
  }
  function refresh(force) {
    return fetch("/inbox/messages?since=" + (force ? -1 : revision), { headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || data.revision === revision) return;
        var follow = atBottom();
        revision = data.revision;
        document.body.dataset.revision = String(revision);
        list.innerHTML = data.html;
        decorate();
        if (follow) toBottom();
      })
      .catch(function () {});
  }

  filter.addEventListener("change", function () {
    applyFilter();
    toBottom();
  });
  document.getElementById("clear").addEventListener("click", function () {
    fetch("/inbox/clear", { method: "POST", headers: { "x-slackline-inbox": "clear" } }).then(function () { return refresh(true); });
  });
  document.getElementById("send").addEventListener("submit", function (e) {
    e.preventDefault();
    var answer = document.getElementById("answer");
    var target = document.getElementById("target").value;
    answer.className = "";
    answer.textContent = "sending…";
    fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: document.getElementById("payload").value })
      .then(function (r) {
        return r.text().then(function (body) {
          answer.className = r.ok ? "" : "error";
          answer.textContent = r.status + " " + body;
          return refresh(false).then(toBottom);
        });
      })
      .catch(function (err) {
        answer.className = "error";
        answer.textContent = String(err);
      });
  });

  decorate();
  toBottom();
  setInterval(refresh, 2000);
})();
`;
