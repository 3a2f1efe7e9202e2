"""The Chinese web chat (Gradio Blocks): streamed, cited answers with the source paragraph one
click away, follow-up questions, 👍/👎 feedback, and help for a first visit.

The pipeline is loaded once by the caller and shared by every session; each browser tab keeps
its own conversation in ``gr.State``.

Example::

    >>> import parkqa
    >>> from parkqa.ui import build_chat
    >>> qa = parkqa.load()                                             # doctest: +SKIP
    >>> build_chat(qa).queue().launch(theme=THEME, css=CSS)            # doctest: +SKIP
"""
from __future__ import annotations

import html

from .answering import Answer
from .api_models import MAX_TOP_K, parse_history
from .feedback import FeedbackLog
from .pipeline import ParkQA
from .render import answer_html, user_html

try:
    import gradio as gr
except ImportError as exc:  # pragma: no cover - gradio is a core dependency
    raise ImportError("the web chat needs gradio: pip install 'gradio>=6.31,<7'") from exc

TITLE = "园区新闻问答"
# question shapes people ask most; the places come from the index, never from here
_EXAMPLE_SHAPES = ("{zone}现在有多少家入区企业？", "{zone}有哪些主导产业？",
                   "{zone}和{other}的高新技术企业分别有多少家？", "概括一下{city}的产业发展。",
                   "{other}的营商环境有什么举措？")


def examples(knowledge) -> list[str]:
    """Example questions about the places this index knows."""
    zones = [p.name for p in knowledge.zones] or ["园区"]
    cities = [p.name for p in knowledge.cities] or zones
    zone, other = zones[-1], zones[0]      # a comparison names two different places
    shapes = _EXAMPLE_SHAPES if len(zones) > 1 else [x for x in _EXAMPLE_SHAPES if "{zone}和" not in x]
    return [x.format(zone=zone, other=other, city=cities[0]) for x in shapes]
# shown while the pipeline works (~50 ms on 2 cores, longer under load); the answer replaces it
# whole as soon as it is composed: no replayed typing of a finished answer
PENDING_HTML = '<div class="pq-pending">正在查找原文…</div>'
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
             "Microsoft YaHei", "system-ui", "sans-serif")

CSS = """
.pq-answer { line-height: 1.7; }
.pq-text strong, .pq-para strong { color: #b42318; font-weight: 700; }
.pq-ref { color: #1d4ed8; font-weight: 600; margin: 0 2px; }
.pq-resolved { color: #64748b; font-size: .85em; margin-bottom: 4px; }
.pq-about { font-weight: 600; color: #334155; }
.pq-refusal { color: #92400e; }
.pq-curated { display: inline-block; font-size: .8em; color: #065f46; background: #d1fae5;
              border: 1px solid #6ee7b7; border-radius: 10px; padding: 0 8px; margin-bottom: 4px; }
.pq-sources-title { margin-top: 10px; color: #475569; font-size: .9em; }
.pq-source { border-left: 3px solid #94a3b8; margin: 6px 0; padding: 2px 10px;
             background: rgba(148, 163, 184, .08); }
.pq-source summary { cursor: pointer; }
.pq-n { color: #1d4ed8; font-weight: 600; }
.pq-where { color: #64748b; font-size: .85em; }
.pq-credit { color: #64748b; font-size: .85em; }
.pq-para { margin: 6px 0; font-size: .95em; }
mark.pq-hit { background: #fde68a; color: inherit; padding: 0 2px; border-radius: 2px; }
.pq-pending { color: #64748b; }
.pq-user { white-space: pre-wrap; word-break: break-word; }
footer { display: none !important; }
/* Gradio's own 🗑 floats over the messages (it covered their copy buttons at 390 px); 清空对话
   below the input does the same, so it is the one way to clear */
#pq-chat .top-panel { display: none !important; }
/* The conversation grows with each answer until it fills what the page leaves beside the title,
   the input and 清空对话 (the whole iframe when embedded), then scrolls. The limit is on the
   message list, the element Gradio scrolls to the newest answer. */
#pq-chat .bubble-wrap { max-height: calc(100dvh - 280px); }
#pq-chat.pq-compact .bubble-wrap { max-height: calc(100dvh - 150px); }
a.pq-cite { color: #1d4ed8; font-weight: 600; text-decoration: none; cursor: pointer;
            padding: 0 1px; border-radius: 3px; }
a.pq-cite:hover, a.pq-cite:focus-visible { background: #dbeafe; text-decoration: underline; }
#pq-chat .pq-answer, #pq-chat .pq-user { overflow-wrap: anywhere; }
#pq-chat button.example { border: 1px solid #14b8a6 !important; background: #f0fdfa !important;
                          color: #115e59 !important; border-radius: 18px !important;
                          padding: 8px 16px !important; cursor: pointer; font-weight: 500;
                          box-shadow: 0 1px 2px rgba(15, 118, 110, .25); text-align: left; }
#pq-chat button.example:hover { background: #ccfbf1 !important; transform: translateY(-1px); }
#pq-chat button.example:focus-visible { outline: 2px solid #0f766e; outline-offset: 2px; }
dialog.pq-viewer { width: min(860px, 96vw); height: min(86vh, 900px); padding: 0; border: 0;
                   border-radius: 10px; box-shadow: 0 10px 40px rgba(0, 0, 0, .3); }
dialog.pq-viewer::backdrop { background: rgba(15, 23, 42, .45); }
.pq-viewer-bar { display: flex; justify-content: space-between; align-items: center;
                 padding: 6px 12px; border-bottom: 1px solid #e2e8f0; font-size: .95em; }
.pq-viewer-title { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.pq-viewer-bar button { white-space: nowrap; flex: none; margin-left: 8px;
                        border: 1px solid #cbd5e1; border-radius: 6px; background: #fff;
                        padding: 2px 12px; cursor: pointer; }
dialog.pq-viewer iframe { width: 100%; height: calc(100% - 42px); border: 0; }
"""

# Runs in <head>, before Gradio's own scripts: Gradio picks its interface language from the
# browser, so it is told the browser is Chinese; the page says lang="zh-CN"; the few strings
# Gradio's Chinese table lacks (tooltips such as "Copy message") are replaced where they appear;
# a citation [n] opens its article in a dialog scrolled to the marked quote.
HEAD = r"""<script>
(() => {
  try {
    Object.defineProperty(navigator, "language", {get: () => "zh-CN"});
    Object.defineProperty(navigator, "languages", {get: () => ["zh-CN", "zh"]});
  } catch (e) {}
  const ZH = {"Copy message": "复制", "Copied message": "已复制", "Copy": "复制",
    "Copied": "已复制", "Like": "赞", "Dislike": "踩", "Clear": "清空对话", "Info": "提示",
    "Error": "出错了", "Warning": "注意", "Loading...": "加载中…", "Loading": "加载中",
    "Close": "关闭", "Retry": "重试", "Undo": "撤销", "Edit": "编辑", "Chatbot": "对话",
    "Share": "分享", "Download": "下载", "Submit": "发送", "Stop": "停止",
    "Scroll down": "滚动到底部", "Scroll to bottom": "滚动到底部"};
  const ATTRS = ["title", "aria-label", "placeholder", "alt"];
  const plain = (s) => s.replace(/<[^>]*>/g, "").replace(/\s+/g, " ").trim();
  function fix(root) {
    const els = root.querySelectorAll ? [root, ...root.querySelectorAll("*")] : [];
    for (const el of els) {
      for (const a of ATTRS) {
        const v = el.getAttribute && el.getAttribute(a);
        if (v == null) continue;
        let w = ZH[v.trim()] || v;
        if (a === "aria-label" && /[<>]/.test(w)) w = plain(w) || "消息";
        if (w !== v) el.setAttribute(a, w);
      }
      if (el.childNodes) for (const t of el.childNodes) {
        if (t.nodeType === 3 && ZH[t.nodeValue.trim()]) t.nodeValue = ZH[t.nodeValue.trim()];
      }
    }
  }
  function lang() {
    if (document.documentElement.lang !== "zh-CN") document.documentElement.lang = "zh-CN";
  }
  lang();
  new MutationObserver((records) => {
    lang();
    for (const r of records) {
      if (r.type === "attributes") fix(r.target);
      else if (r.type === "characterData") fix(r.target.parentNode || document);
      else r.addedNodes.forEach((n) => fix(n.nodeType === 1 ? n : (n.parentNode || document)));
    }
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true,
                                         attributes: true, attributeFilter: ATTRS.concat(["lang"])});
  document.addEventListener("DOMContentLoaded", () => fix(document));
  function viewer() {
    let d = document.getElementById("pq-viewer");
    if (d) return d;
    d = document.createElement("dialog");
    d.id = "pq-viewer"; d.className = "pq-viewer"; d.setAttribute("aria-label", "原文");
    d.innerHTML = '<div class="pq-viewer-bar"><span class="pq-viewer-title">原文</span>' +
      '<button type="button" class="pq-viewer-close">关闭</button></div><iframe title="原文"></iframe>';
    d.querySelector(".pq-viewer-close").addEventListener("click", () => d.close());
    d.addEventListener("click", (e) => { if (e.target === d) d.close(); });
    document.body.appendChild(d);
    return d;
  }
  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a.pq-cite");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault(); e.stopPropagation();
    const d = viewer();
    d.querySelector(".pq-viewer-title").textContent = (a.title || "原文");
    d.querySelector("iframe").src = a.href;
    if (!d.open) d.showModal();
  }, true);
})();
</script>"""


def theme():
    """A theme that uses fonts already on the machine: the stock ones fetch Google Fonts."""
    return gr.themes.Soft(primary_hue="teal", font=CJK_FONTS,
                          font_mono=("ui-monospace", "monospace"))


def about_markdown(qa: ParkQA) -> str:
    arts = sorted(qa.index.articles.values(), key=lambda a: a.doc)
    places = "、".join(f"**{p.name}**" for p in qa.index.knowledge.places) or "这些园区"
    lines = [
        "### 我能回答什么",
        f"我只根据下面 {len(arts)} 篇新闻报道，回答关于 {places} 产业发展的问题。"
        "每句回答都直接引用原文，并用 [1] [2] 标出出处；"
        "文章里没有的，我会直接说“没有找到”，并列出可能相关的段落。",
        "", "### 文章列表",
    ]
    lines += [f"{n}. {a.meta.full_title()}" + (f"（{a.park}）" if a.park else "")
              + (f"  \n   <small>{html.escape(a.meta.credits())}</small>" if a.meta.credits() else "")
              for n, a in enumerate(arts, 1)]
    lines += ["", "### 小提示",
              "- 可以接着追问，例如“那经开区呢？”“它是哪年投产的？”",
              "- 点回答里的编号 [1] [2]，可以看到整篇原文，引用的句子已高亮；点来源标题可以看原文段落。",
              "- 觉得回答有用或不对，请点回答下方的“赞 / 踩”按钮，帮助我们改进。"]
    return "\n".join(lines)


def _example_text(evt: gr.SelectData) -> str:
    return evt.value["text"]


def build_chat(qa: ParkQA, *, log_dir: str | None = None, compact: bool = False,
               api: bool = True) -> gr.Blocks:
    """The chat page. ``compact`` drops the title and side panel (for an iframe). Feedback goes
    to ``log_dir/feedback.jsonl``; without a ``log_dir`` the 👍/👎 buttons are not shown.
    ``api`` exposes the typed ``/ask`` endpoint for ``gradio_client``."""
    feedback = FeedbackLog(log_dir) if log_dir else None
    shown_examples = examples(qa.index.knowledge)
    max_chars = qa.settings.max_question_chars
    link_base = "../" if compact else ""   # /embed/ or / to the server root's /source/…

    def respond(message: str, history: list, turns: list):
        message = message or ""
        history = list(history or [])
        turns = list(turns or [])
        shown = message if len(message) <= 300 else message[:300] + "…"
        if message.strip():
            history.append({"role": "user", "content": user_html(shown)})
        history.append({"role": "assistant", "content": PENDING_HTML})
        yield history, turns, ""          # the question is on screen before the work starts
        past = [{"question": t["question"], "answer": t["answer"]["text"]} for t in turns]
        answer: Answer = qa.ask(message, history=past)
        resolved = answer.resolved_question or message
        history[-1] = {"role": "assistant",
                       "content": answer_html(answer, qa.index.articles, question=message,
                                              resolved=resolved, link_base=link_base)}
        if answer.citations or answer.related:  # a real question: it can be followed up
            turns.append({"message_index": len(history) - 1, "question": message[:max_chars],
                          "resolved": resolved[:max_chars], "answer": answer.to_dict()})
        yield history, turns, ""

    def record_feedback(turns: list, data: gr.LikeData):
        if feedback is None or data.liked not in (True, False, "Like", "Dislike"):
            return
        turn = next((t for t in turns or [] if t["message_index"] == data.index), None)
        if turn is None:
            return
        a = turn["answer"]
        feedback.append({"rating": "up" if data.liked in (True, "Like") else "down",
                         "question": turn["question"], "resolved_question": turn["resolved"],
                         "answered": a["answered"], "answer": a["text"],
                         "citations": a["citations"]})
        gr.Info("感谢反馈！", title="提示")

    def api_ask(question: str, top_k: int = 5, history: list | None = None) -> dict:
        """Answer one question; the JSON contract of parkqa (see README). ``history``: earlier
        turns, oldest first, ``[{"question": …, "answer": …}]``, as in ``POST /api/ask``."""
        top_k = min(max(int(top_k or 5), 1), MAX_TOP_K)
        try:
            past = parse_history(history)
        except ValueError as exc:
            raise gr.Error(str(exc)) from None    # shown to the client even with show_error off
        return qa.ask(question, top_k=top_k, history=past).to_dict()

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        turns = gr.State([])
        if not compact:
            gr.Markdown(f"## {TITLE}\n回答直接引用新闻原文，并标注出处；文章里没有的，会直说。")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    # no fixed height: it grows with the conversation (CSS: .bubble-wrap)
                    label="对话", show_label=False, height=None, min_height=200,
                    elem_classes=["pq-compact"] if compact else [],
                    elem_id="pq-chat",
                    placeholder="**你好！** 问我" + "、".join(
                        p.name for p in qa.index.knowledge.places) + "的产业发展情况吧。",
                    examples=[{"text": q} for q in shown_examples[:3 if compact else 5]],
                    feedback_options=("Like", "Dislike") if feedback else (),
                    buttons=["copy"], sanitize_html=True)
                with gr.Row():
                    box = gr.Textbox(placeholder=f"输入问题，例如：{shown_examples[0]}", show_label=False,
                                     scale=5, max_lines=4, elem_id="pq-input", autofocus=True)
                    send = gr.Button("发送", variant="primary", scale=1, min_width=80,
                                     elem_id="pq-send")
                clear = gr.Button("清空对话", size="sm", elem_id="pq-clear")
            if not compact:
                with gr.Column(scale=2):
                    gr.Markdown(about_markdown(qa), elem_id="pq-about")

        io = dict(fn=respond, inputs=[box, chatbot, turns], outputs=[chatbot, turns, box],
                  api_visibility="private")
        box.submit(**io)
        send.click(**io)
        chatbot.example_select(_example_text, None, box, api_visibility="private").then(**io)
        clear.click(lambda: ([], [], ""), None, [chatbot, turns, box], api_visibility="private")
        if feedback:
            chatbot.like(record_feedback, [turns], None, api_visibility="private")
        if api:
            gr.api(api_ask, api_name="ask")
    return demo
