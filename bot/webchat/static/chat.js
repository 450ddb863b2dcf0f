// The web chat (bot/channels/webchat.py). What is shown comes only from the conversation's numbered message log:
// after a dropped connection or a reload the page asks again from the last number it has, so nothing is lost or
// shown twice. A message being sent keeps its own id until the server has it, so a retry is stored once.
(function () {
  "use strict";
  var BASE = "/webhooks/webchat/";
  var KEY = "hotline-webchat";
  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var connection = document.getElementById("connection");
  var state = load();
  var after = 0;
  var shown = {};
  var composing = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save() { localStorage.setItem(KEY, JSON.stringify(state)); }
  function newId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function status(text) { connection.textContent = text; }
  function post(path, body) {
    return fetch(BASE + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) { var e = new Error(data.error || r.status); e.status = r.status; throw e; } return data; });
    });
  }

  function render(m) {
    if (m.seq !== undefined) {
      if (shown[m.seq]) { return; }
      shown[m.seq] = true;
      after = Math.max(after, m.seq);
    }
    // Our own message, now stored by the server: it replaces the copy shown while sending.
    var pending = m.id ? list.querySelector('.pending[data-id="' + m.id + '"]') : null;
    if (pending) { pending.remove(); }
    var div = document.createElement("div");
    div.className = "msg from-" + m.author;
    div.dataset.seq = m.seq;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = m.author === "agent" ? "人工客服 " + (m.agent || "") : (m.author === "bot" ? "智能助手" : "");
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    div.append(who, text);
    if (m.buttons && m.buttons.length) {
      var row = document.createElement("div");
      row.className = "buttons";
      m.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(button);
      });
      div.appendChild(row);
    }
    var pendings = list.querySelector(".pending");
    list.insertBefore(div, pendings);
    div.scrollIntoView({ block: "end" });
  }

  function showPending(item) {
    var div = document.createElement("div");
    div.className = "msg from-caller pending";
    div.dataset.id = item.id;
    div.textContent = item.shown || item.message;
    list.appendChild(div);
    div.scrollIntoView({ block: "end" });
  }

  function send(message, shownText) {
    var item = { id: newId(), message: message, shown: shownText || null };
    state.unsent = (state.unsent || []).concat([item]);
    save();
    showPending(item);
    flush();
  }

  var flushing = false;
  function flush() {
    if (flushing || !state.session || !(state.unsent || []).length) { return; }
    flushing = true;
    var item = state.unsent[0];
    post("webhook", { session: state.session, message: item.message, id: item.id, shown: item.shown })
      .then(function () {
        state.unsent.shift(); save(); flushing = false; flush();
      })
      .catch(function (error) {
        flushing = false;
        if (error.status === 429 || error.status === 400 || error.status === 413) {
          // Refused for good: say why, and drop it.
          state.unsent.shift(); save();
          var gone = list.querySelector('.pending[data-id="' + item.id + '"]');
          if (gone) { gone.remove(); }
          render({ author: "system", text: error.message });
          flush();
        } else if (error.status === 401) {
          start(true);
        } else {
          status("网络中断，正在重试…");
          setTimeout(flush, 2000);
        }
      });
  }

  var polling = false;
  function poll() {
    if (polling) { return; }
    polling = true;
    fetch(BASE + "events?session=" + encodeURIComponent(state.session) + "&after=" + after)
      .then(function (r) { if (r.status === 401) { var e = new Error("401"); e.status = 401; throw e; } if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (body) {
        status("");
        body.messages.forEach(render);
        polling = false;
        poll();
      })
      .catch(function (error) {
        polling = false;
        if (error.status === 401) { start(true); return; }
        status("网络中断，正在重连…");
        setTimeout(poll, 2000);
      });
  }

  function start(fresh) {
    var params = new URLSearchParams(location.search);
    var device = params.get("d");
    if (fresh) { state = { unsent: state.unsent || [] }; }
    post("session", { session: state.session || null, device: device })
      .then(function (body) {
        if (body.session !== state.session) {
          state = { session: body.session, unsent: [] };
          list.textContent = "";
          shown = {};
          after = 0;
        }
        save();
        if (device) { history.replaceState(null, "", location.pathname); }
        (state.unsent || []).forEach(showPending);
        poll();
        flush();
      })
      .catch(function () { status("无法连接，正在重试…"); setTimeout(function () { start(fresh); }, 3000); });
  }

  // Chinese input methods: Enter confirms the candidate while composing; only a plain Enter after it sends.
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { composing = false; });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !composing && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });
  window.addEventListener("online", function () { flush(); poll(); });
  start(false);
})();
