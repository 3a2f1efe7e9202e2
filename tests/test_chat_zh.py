"""The chat in Chromium: [n] opens the article with exactly the quote marked, no English Gradio
strings (even for an English browser), lang="zh-CN", and no sideways scrolling at 390 px.
Screenshots at both widths go to test-artifacts/."""
import re

import pytest

from browser import ARTIFACTS, ask

pytestmark = pytest.mark.browser

# Gradio's own English strings (text, tooltips, accessible names) that must not show
ENGLISH = re.compile(r"\b(Info|Like|Dislike|Copy message|Copied message|Copy|Copied|Clear|"
                     r"Chatbot|Loading|Error|Warning|Close|Retry|Undo|Submit|Share|Download|"
                     r"Built with Gradio|Use via API|Settings|Scroll)\b")

VISIBLE_STRINGS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const st = getComputedStyle(el);
    const shown = st.display !== 'none' && st.visibility !== 'hidden' && el.getClientRects().length;
    for (const a of ['title', 'aria-label', 'placeholder', 'alt']) {
      const v = el.getAttribute(a); if (v && shown) out.push(a + ': ' + v);
    }
    if (shown) for (const t of el.childNodes)
      if (t.nodeType === 3 && t.nodeValue.trim()) out.push('text: ' + t.nodeValue.trim());
  }
  return out;
}"""


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def open_chat(browser, server, *, width: int, height: int = 860, locale: str = "zh-CN"):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.goto(server.url + "/")
    page.wait_for_selector("#pq-input textarea", timeout=60_000)
    return context, page


def test_citation_opens_article_with_quote_marked(page, qa):
    question = "长治高新区现在有多少家入区企业？"
    expected = qa.ask(question).citations[0]
    answer = ask(page, question)
    link = answer.locator("a.pq-cite").first
    assert link.inner_text() == "[1]"
    assert answer.locator(".pq-ref").count() == answer.locator("a.pq-cite").count() >= 1
    link.click()
    dialog = page.locator("dialog#pq-viewer")
    dialog.wait_for(state="visible", timeout=10_000)
    frame = page.frame_locator("dialog#pq-viewer iframe")
    marks = frame.locator("mark.pq-mark")
    marks.first.wait_for(timeout=10_000)
    marked = "".join(marks.all_inner_texts())
    assert squeeze(marked) == squeeze(expected.quote)
    assert expected.title in frame.locator("h1").inner_text()
    assert expected.byline in frame.locator(".pq-meta").first.inner_text()   # who, when
    assert marks.first.is_visible()
    # scrolled to the quote: the first mark is inside the frame's viewport
    box = frame.locator("body").evaluate(
        "() => { const r = document.getElementById('pq-mark-1').getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight]; }")
    assert 0 <= box[0] and box[1] <= box[2], box
    page.screenshot(path=str(ARTIFACTS / "citation-dialog.png"))
    dialog.locator("button.pq-viewer-close").click()
    assert not dialog.is_visible()


def test_joined_quote_marks_every_piece(page, qa):
    """A quote joined across a column break: each raw piece is its own mark."""
    for q in ("这座投资总额多大？", "长治高新区五年来有什么变化？", "高新区规上工业企业这几年从多少家涨到了多少家？"):
        ans = qa.ask(q)
        joined = [c for c in ans.citations if c.spans and len(c.spans) > 1]
        if joined:
            break
    else:
        pytest.skip("no joined quote among these answers")
    c = joined[0]
    answer = ask(page, q)
    answer.locator("a.pq-cite").nth(ans.citations.index(c)).click()
    frame = page.frame_locator("dialog#pq-viewer iframe")
    frame.locator("mark.pq-mark").first.wait_for(timeout=10_000)
    assert frame.locator("mark.pq-mark").count() == len(c.spans)
    assert squeeze("".join(frame.locator("mark.pq-mark").all_inner_texts())) \
        == squeeze("".join(qa.index.articles[c.doc].raw[a:b] for a, b in sorted(c.spans)))


def test_chinese_page_even_for_an_english_browser(browser, server):
    context, page = open_chat(browser, server, width=1280, locale="en-US")
    try:
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        answer = ask(page, "长治高新区现在有多少家入区企业？")
        answer.hover()                                   # the message's buttons appear
        page.wait_for_timeout(300)
        strings = page.evaluate(VISIBLE_STRINGS)
        english = [s for s in strings if ENGLISH.search(s)]
        assert not english, english
        labels = [s for s in strings if s.startswith("aria-label") and "<" in s]
        assert not labels, labels                        # accessible names are plain text
        assert any("赞" in s for s in strings) and any("复制" in s for s in strings)
    finally:
        context.close()


def test_examples_look_like_buttons(page):
    example = page.locator("#pq-chat button.example").first
    style = example.evaluate("e => { const s = getComputedStyle(e);"
                             " return [s.borderTopWidth, s.borderTopStyle, s.cursor]; }")
    assert style[0] != "0px" and style[1] != "none" and style[2] == "pointer", style


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 900)])
def test_no_sideways_scrolling_and_readme_screenshots(browser, server, width, height):
    """The README's screenshots are these: test-artifacts/readme-{width}px.png."""
    context, page = open_chat(browser, server, width=width, height=height)
    try:
        answer = ask(page, "长治高新区和长治经开区的高新技术企业分别有多少家？")
        overflow = page.evaluate("() => [document.documentElement.scrollWidth,"
                                 " document.documentElement.clientWidth]")
        assert overflow[0] <= overflow[1], overflow
        body = page.evaluate("() => [document.body.scrollWidth, document.body.clientWidth]")
        assert body[0] <= body[1], body
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"chat-{width}px.png"), full_page=True)
        if width >= 1000:     # the sources, named by title, byline and date, one of them opened
            answer.locator("details.pq-source summary").first.click()
        else:                 # on a phone: a fact's [1] opened, the quote marked in its article
            ask(page, "长治高新区现在有多少家入区企业？").locator("a.pq-cite").first.click()
            page.frame_locator("dialog#pq-viewer iframe").locator("mark").first.wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"readme-{width}px.png"))
    finally:
        context.close()


CHAT_BOX = """() => {
  const wrap = document.querySelector('#pq-chat .bubble-wrap');
  const content = wrap.querySelector('.message-wrap');
  const clear = document.querySelector('#pq-clear').getBoundingClientRect();
  return {height: wrap.clientHeight, blank: wrap.clientHeight - content.offsetHeight,
          scrolled: wrap.scrollHeight - wrap.scrollTop - wrap.clientHeight,
          clearBottom: clear.bottom, viewport: window.innerHeight};
}"""

# every message's copy button, scrolled to the top of the list (where Gradio floats its own
# buttons), is the element found at its centre and its corners: nothing lies over any part
COPY_BUTTONS_FREE = """() => {
  window.scrollTo(0, 0);
  const wrap = document.querySelector('#pq-chat .bubble-wrap');
  return [...wrap.querySelectorAll('button[aria-label="复制"]')].filter(b => b.getClientRects().length)
    .map(b => {
      wrap.scrollTop += b.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
      const r = b.getBoundingClientRect();
      return [[.5, .5], [.1, .1], [.9, .1], [.1, .9], [.9, .9]].every(([x, y]) => {
        const top = document.elementFromPoint(r.left + x * r.width, r.top + y * r.height);
        return b === top || b.contains(top);
      });
    });
}"""


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 900)])
def test_chat_grows_with_the_conversation_and_fills_the_page(browser, server, width, height):
    context, page = open_chat(browser, server, width=width, height=height)
    try:
        seen = []
        for question in ("长治高新区现在有多少家入区企业？", "高新区有多少家高新技术企业？",
                         "那经开区呢？", "经开区全年新签约多少个项目？"):
            ask(page, question)
            page.wait_for_timeout(300)
            box = page.evaluate(CHAT_BOX)
            assert box["blank"] < 40, box                 # no fixed height with empty space
            assert box["scrolled"] < 4, box               # the newest answer is in view
            seen.append(box)
        assert seen[1]["height"] > seen[0]["height"]      # it grows with the conversation
        last = seen[-1]                                   # until it fills the page, input in view
        assert last["viewport"] - 80 < last["clearBottom"] <= last["viewport"], last
        free = page.evaluate(COPY_BUTTONS_FREE)
        assert free and all(free), free
        # the check sees an overlap: with Gradio's own 🗑 shown again, copy buttons are covered
        page.evaluate("document.querySelector('#pq-chat .top-panel')"
                      ".style.setProperty('display', 'flex', 'important')")
        assert not all(page.evaluate(COPY_BUTTONS_FREE))
    finally:
        context.close()
