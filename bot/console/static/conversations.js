// The 会话 view: the list reloads when the queue changes; a conversation page shows new messages as they come
// (long poll, by message number: none lost, none twice) and sends the agent's replies.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { watchQueue(); return; }
  var handoff = live.dataset.handoff;
  var after = Number(live.dataset.after);
  var csrf = live.dataset.csrf;
  var names = { caller: "来电人", bot: "智能助手", system: "系统", agent: "客服" };
  var seen = {};
  var leaving = false;  // a form (接入, 结束) is taking the page elsewhere: the poll must not reload over it
  window.addEventListener("beforeunload", function () { leaving = true; });
  live.querySelectorAll("li[data-seq]").forEach(function (li) { seen[li.dataset.seq] = true; });

  function show(m) {
    if (seen[m.seq]) { return; }
    seen[m.seq] = true;
    var li = document.createElement("li");
    li.className = "from-" + m.author;
    li.dataset.seq = m.seq;
    var who = document.createElement("span"); who.className = "who"; who.textContent = m.agent || names[m.author];
    var when = document.createElement("span"); when.className = "when"; when.textContent = m.at;
    var text = document.createElement("span"); text.className = "text"; text.textContent = m.text;
    li.append(who, " ", when, " ", text);
    live.appendChild(li);
    after = Math.max(after, m.seq);
    li.scrollIntoView({ block: "nearest" });
  }

  function poll() {
    fetch("/conversations/" + handoff + "/messages?after=" + after, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (body) {
        body.messages.forEach(show);
        var status = document.getElementById("handoff-status");
        if (leaving) { return; }
        if (status && body.status !== status.dataset.status) { location.reload(); return; }
        poll();
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();

  function post(path, fields) {
    var data = new URLSearchParams(fields);
    data.set("csrf_token", csrf);
    return fetch(path, { method: "POST", body: data, credentials: "same-origin" });
  }

  var form = document.getElementById("reply-form");
  if (form) {
    var box = document.getElementById("reply-text");
    var error = document.getElementById("reply-error");
    var composing = false;
    box.addEventListener("compositionstart", function () { composing = true; });
    box.addEventListener("compositionend", function () { composing = false; });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !composing && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = box.value.trim();
      if (!text) { return; }
      var bySms = document.getElementById("by-sms");
      post("/conversations/" + handoff + "/reply", { text: text, by_sms: bySms && bySms.checked ? "1" : "0" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (body.ok) { box.value = ""; error.textContent = ""; return; }
          error.textContent = body.error;
          if (body.sms) { document.getElementById("sms-option").hidden = false; }
        })
        .catch(function () { error.textContent = "发送失败，请重试。"; });
    });
  }

  var kb = document.getElementById("kb-form");
  if (kb) {
    kb.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = document.getElementById("kb-question").value.trim();
      var list = document.getElementById("kb-answers");
      fetch("/conversations/" + handoff + "/kb?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          list.textContent = "";
          if (!body.answers.length) { list.textContent = body.error; return; }
          body.answers.forEach(function (a) {
            var li = document.createElement("li");
            var use = document.createElement("button");
            use.type = "button"; use.className = "kb-insert"; use.textContent = "插入";
            use.addEventListener("click", function () { document.getElementById("reply-text").value = a.answer; });
            li.append(a.question + " ", use);
            list.appendChild(li);
          });
        });
    });
  }

  function watchQueue() {
    var known = null;
    function check() {
      fetch("/conversations/queue.json", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          var ids = body.ids.join(",");
          if (known !== null && ids !== known) { location.reload(); return; }
          known = ids;
          setTimeout(check, 2000);
        })
        .catch(function () { setTimeout(check, 5000); });
    }
    if (document.getElementById("queue-count")) { check(); }
  }
})();
