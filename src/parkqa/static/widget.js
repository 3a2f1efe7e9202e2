/* parkqa chat widget: one script tag on any portal page adds a chat bubble (bottom right) that
 * opens a small chat talking to this server's POST /api/ask, with the conversation so far as
 * history. Everything lives in a shadow root with its own reset styles, so the host page's CSS
 * cannot reach it and its CSS cannot reach the page. No external assets.
 *
 *   <script src="https://HOST/widget.js" data-title="园区问答" async></script>
 *   optional: data-key="<browser key>" (when the server sets PARKQA_API_KEYS; visible to
 *   every visitor of the page), data-open="true" (start opened)
 *
 * The server answers only pages whose origin is in PARKQA_ALLOWED_ORIGINS (CORS); elsewhere
 * the widget says it is not allowed on this site.
 */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[src$="/widget.js"], script[src*="/widget.js?"]');
  if (!script || window.__parkqaWidget) return;
  window.__parkqaWidget = true;
  var base = new URL(".", script.src).href;          // the server, with any path prefix
  var title = script.getAttribute("data-title") || "园区问答";
  var key = script.getAttribute("data-key") || "";
  var MAX_TURNS = 20;                                  // the server's bound on history

  var CSS = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC',",
    "  'PingFang SC', 'Microsoft YaHei', system-ui, sans-serif; }",
    ".bubble { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px;",
    "  height: 56px; border-radius: 50%; border: 0; background: #0f766e; color: #fff;",
    "  display: flex; align-items: center; justify-content: center; cursor: pointer;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".bubble:focus-visible, button:focus-visible, textarea:focus-visible {",
    "  outline: 3px solid #f59e0b; outline-offset: 2px; }",
    ".panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: 360px;",
    "  max-width: calc(100vw - 40px); height: 520px; max-height: calc(100vh - 110px);",
    "  display: flex; flex-direction: column; background: #fff; color: #1f2937;",
    "  border: 1px solid #d1d5db; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.2);",
    "  font-size: 14px; line-height: 1.6; }",
    ".panel[hidden] { display: none; }",
    ".head { display: flex; align-items: center; justify-content: space-between;",
    "  padding: 10px 14px; background: #0f766e; color: #fff; border-radius: 12px 12px 0 0; }",
    ".head h2 { margin: 0; font-size: 16px; font-weight: 600; }",
    ".head button { background: transparent; border: 0; color: #fff; font-size: 18px;",
    "  cursor: pointer; }",
    ".log { flex: 1; overflow-y: auto; padding: 10px 12px; }",
    ".msg { margin: 8px 0; padding: 8px 10px; border-radius: 8px; white-space: pre-wrap;",
    "  word-break: break-word; }",
    ".user { background: #ccfbf1; margin-left: 40px; }",
    ".bot { background: #f3f4f6; margin-right: 20px; }",
    ".refusal { color: #92400e; }",
    ".curated { display: inline-block; font-size: 12px; color: #065f46; background: #d1fae5;" +
      " border-radius: 10px; padding: 0 8px; margin-bottom: 4px; }",
    ".resolved, .note { color: #6b7280; font-size: 12px; }",
    ".ref { border: 0; background: none; color: #1d4ed8; font-weight: 600; cursor: pointer;",
    "  padding: 0 2px; font-size: inherit; }",
    ".sources { margin-top: 6px; font-size: 12px; color: #374151; }",
    ".sources details { border-left: 3px solid #94a3b8; margin: 4px 0; padding: 2px 8px; }",
    ".sources details.flash { background: #fef3c7; }",
    ".sources summary { cursor: pointer; font-weight: 600; }",
    ".sources .quote { margin: 4px 0 2px; color: #111827; }",
    ".sources .credit { display: block; font-weight: 400; color: #6b7280; }",
    ".rate { margin-top: 4px; }",
    ".rate button { border: 1px solid #d1d5db; background: #fff; border-radius: 6px;",
    "  cursor: pointer; margin-right: 4px; font-size: 12px; color: #374151; }",
    ".form { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #e5e7eb; }",
    ".form textarea { flex: 1; resize: none; height: 40px; padding: 8px; font-size: 14px;",
    "  border: 1px solid #d1d5db; border-radius: 8px; color: #111827; background: #fff; }",
    ".form button { border: 0; border-radius: 8px; background: #0f766e; color: #fff;",
    "  padding: 0 14px; font-size: 14px; cursor: pointer; }",
    ".form button:disabled { background: #9ca3af; cursor: wait; }"
  ].join("\n");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  var host = el("div");
  host.id = "parkqa-widget";
  var root = host.attachShadow({ mode: "open" });
  var style = el("style");
  style.textContent = CSS;
  var bubble = el("button", "bubble");
  bubble.type = "button";
  bubble.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">' +
    '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 ' +
    '1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 ' +
    '0 1 0 0 .01z"/></svg>';
  bubble.setAttribute("aria-label", "打开" + title);
  bubble.setAttribute("aria-expanded", "false");
  var panel = el("section", "panel");
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var head = el("div", "head");
  var h = el("h2", null, title);
  var close = el("button", null, "✕");
  close.type = "button";
  close.setAttribute("aria-label", "关闭");
  head.append(h, close);
  var log = el("div", "log");
  log.setAttribute("aria-live", "polite");
  log.append(el("div", "msg bot", "你好！我根据新闻原文回答园区产业发展的问题，每句都注明出处。" +
    "可以接着追问，例如“那经开区呢？”"));
  var form = el("form", "form");
  var input = el("textarea");
  input.placeholder = "输入问题，按 Enter 发送";
  input.setAttribute("aria-label", "问题");
  input.maxLength = 1000;
  var send = el("button", null, "发送");
  send.type = "submit";
  form.append(input, send);
  panel.append(head, log, form);
  root.append(style, panel, bubble);

  var history = [];                                    // this page view only, never stored

  function toggle(open) {
    panel.hidden = !open;
    bubble.setAttribute("aria-expanded", String(open));
    bubble.setAttribute("aria-label", (open ? "关闭" : "打开") + title);
    if (open) input.focus(); else bubble.focus();
  }
  bubble.addEventListener("click", function () { toggle(panel.hidden); });
  close.addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(false); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });

  function post(path, body) {
    var headers = { "Content-Type": "application/json" };
    if (key) headers.Authorization = "Bearer " + key;
    return fetch(base + path, { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (d) {
          if (!r.ok) throw new Error(d.message || ("请求失败（" + r.status + "）"));
          return d;
        });
      }, function () {
        throw new Error("无法连接问答服务：本网站可能未获授权使用它，请联系管理员。");
      });
  }

  // the same words as the chat's sources (parkqa.metadata.credits)
  function dateZh(c) {
    if (!c.date) return "";
    var text = c.date.split("-").map(function (v, i) {
      return parseInt(v, 10) + "年月日"[i];
    }).join("");
    return c.date_from === "file time" ? "文件日期 " + text : text;
  }

  function sources(list, heading) {
    var box = el("div", "sources");
    box.append(el("div", null, heading));
    list.forEach(function (c) {
      var d = el("details");
      d.dataset.n = c.n;
      var s = el("summary", null, "[" + c.n + "] " + c.title + (c.subtitle ? "——" + c.subtitle : ""));
      var credit = [c.byline, c.source, dateZh(c)].filter(Boolean).join(" · ");
      if (credit) s.append(el("span", "credit", credit));
      d.append(s);
      d.append(el("div", "quote", c.quote));
      box.append(d);
    });
    return box;
  }

  function answerText(text, box) {
    var out = el("div", "text");
    text.split(/(\[\d+\])/).forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      if (!m) { out.append(document.createTextNode(part)); return; }
      var b = el("button", "ref", part);
      b.type = "button";
      b.setAttribute("aria-label", "查看来源 " + m[1]);
      b.addEventListener("click", function () {
        var d = box && box.querySelector('details[data-n="' + m[1] + '"]');
        if (!d) return;
        d.open = true;
        d.classList.add("flash");
        d.scrollIntoView({ block: "nearest" });
        d.querySelector("summary").focus();
      });
      out.append(b);
    });
    return out;
  }

  function rating(question, d) {
    var row = el("div", "rate");
    [["up", "赞：有用"], ["down", "踩：不对"]].forEach(function (r) {
      var b = el("button", null, r[1]);
      b.type = "button";
      b.addEventListener("click", function () {
        var comment = r[0] === "down" ? (window.prompt("哪里不对？（可不填）") || "") : "";
        post("api/feedback", { question: question, answer: d.text, answered: d.answered,
          rating: r[0], comment: comment.slice(0, 2000), citations: d.citations,
          resolved_question: d.resolved_question || "", source: "widget" })
          .then(function () { row.textContent = "感谢反馈！"; },
                function (e) { row.textContent = e.message; })
          .then(function () { input.focus(); });        // its button is gone: keep focus inside
      });
      row.append(b);
    });
    return row;
  }

  function show(question, d) {
    var msg = el("div", "msg bot");
    if (d.resolved_question && d.resolved_question !== d.question) {
      msg.append(el("div", "resolved", "理解为：" + d.resolved_question));
    }
    var box = null;
    if (d.curated) msg.append(el("div", "curated", "人工审核答案"));
    if (d.answered) {
      box = sources(d.citations, "来源：");
      msg.append(answerText(d.text, box), box);
    } else {
      msg.append(el("div", "text refusal", d.text));
      if (d.related && d.related.length) msg.append(sources(d.related, "可能相关（不一定回答了问题）："));
    }
    msg.append(rating(question, d));
    log.append(msg);
    msg.scrollIntoView({ block: "nearest" });
  }

  function submit() {
    var question = input.value.trim();
    if (!question || send.disabled) return;
    log.append(el("div", "msg user", question));
    var wait = el("div", "note", "正在查找原文…");
    log.append(wait);
    input.value = "";
    send.disabled = true;
    post("api/ask", { question: question, history: history.slice(-MAX_TURNS) })
      .then(function (d) {
        wait.remove();
        show(question, d);
        if (d.curated || (d.citations && d.citations.length) || (d.related && d.related.length)) {
          history.push({ question: question.slice(0, 4000), answer: d.text.slice(0, 4000) });
        }
      }, function (e) {
        wait.className = "msg bot refusal";
        wait.textContent = e.message;
      })
      .then(function () { send.disabled = false; input.focus(); });
  }

  function mount() {
    document.body.append(host);
    if (script.getAttribute("data-open") === "true") toggle(true);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
