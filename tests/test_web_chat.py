"""The web chat in a real Chromium against the real server (``python app.py``)."""
import json
import re
import threading
import time

import pytest

from browser import ask
from parkqa.answering import REFUSAL

pytestmark = pytest.mark.browser


def test_first_visit_explains_and_offers_examples(page, qa):
    about = page.locator("#pq-about")
    assert "我能回答什么" in about.inner_text()
    for article in qa.index.articles.values():          # every article is listed by title
        assert article.meta.full_title() in about.inner_text()
        assert article.meta.credits() in about.inner_text()  # with byline, source and date
    examples = page.locator("#pq-chat button.example")
    assert examples.count() >= 3
    first = examples.first.inner_text().strip()
    examples.first.click()                               # one click asks it
    page.wait_for_selector("#pq-chat .pq-sources-title", timeout=30_000)
    assert page.locator("#pq-chat .pq-user").first.inner_text() == first


def test_answer_shows_whole_with_citation_and_highlighted_source(page, qa):
    # record every answer text and "working" note the chat shows while the answer is made
    page.evaluate("""() => { window.__texts = []; window.__pending = 0;
        new MutationObserver(() => {
            document.querySelectorAll('#pq-chat .pq-text').forEach(e => window.__texts.push(e.innerText));
            window.__pending += document.querySelectorAll('#pq-chat .pq-pending').length; })
        .observe(document.querySelector('#pq-chat'), {subtree: true, childList: true,
                                                        characterData: true}); }""")
    answer = ask(page, "长治高新区现在有多少家入区企业？")
    texts = set(page.evaluate("window.__texts"))
    # no replayed typing of a finished answer: it is never shown cut short
    assert texts == {answer.locator(".pq-text").inner_text()}, texts
    assert page.evaluate("window.__pending") >= 1           # the wait said it was working
    assert page.locator("#pq-chat .pq-pending").count() == 0
    text = answer.locator(".pq-text").inner_text()
    assert "1.2万家" in text and "[1]" in text
    assert "1.2万家" in answer.locator(".pq-text strong").all_inner_texts()   # the eye lands on it
    source = answer.locator("details.pq-source").first
    meta = qa.index.articles["000_e7ffa1cc56d22445.txt"].meta
    title = meta.title
    summary = source.locator("summary").inner_text()
    assert title in summary and meta.credits() in summary and "本报记者 李洋" in summary
    assert ".txt" not in summary and "字" not in summary.replace(title, "")   # no file, offsets
    assert not source.locator("mark.pq-hit").is_visible()      # closed until asked for
    source.locator("summary").click()
    hit = source.locator("mark.pq-hit")
    assert hit.is_visible() and "1.2万家" in hit.inner_text()
    paragraph = source.locator(".pq-para").inner_text()
    assert len(paragraph) > len(hit.inner_text())                # shown inside its paragraph


def test_follow_up_carries_the_subject_over(page):
    ask(page, "高新区有多少家高新技术企业？")
    answer = ask(page, "那经开区呢？")
    assert "理解为" in answer.locator(".pq-resolved").inner_text()
    assert "经开区" in answer.locator(".pq-resolved").inner_text()
    assert "50家" in answer.locator(".pq-text").inner_text()
    ask(page, "特瓦时一期项目总投资多少？")
    answer = ask(page, "它是哪年投产的？")     # 它 = 特瓦时一期项目
    assert "特瓦时" in answer.locator(".pq-resolved").inner_text()
    assert "2025年5月" in answer.locator(".pq-text").inner_text()


def test_unanswerable_question_is_refused_with_related_passages(page):
    answer = ask(page, "巴黎今天的天气怎么样？")
    assert answer.locator(".pq-refusal").inner_text() == REFUSAL
    assert "可能相关" in answer.inner_text()
    assert answer.locator("details.pq-source").count() >= 1
    assert answer.locator(".pq-ref").count() == 0               # no citation markers


def test_feedback_click_is_logged(page, server):
    log = server.log_dir / "feedback.jsonl"

    def records() -> list[dict]:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        return [json.loads(line) for line in lines]

    before = len(records())     # other tests rate answers on the same server
    ask(page, "经开区全年新签约多少个项目？")
    page.locator("#pq-chat .pq-answer").last.hover()        # the buttons show on hover
    page.locator("#pq-chat button[aria-label='赞']").last.click()
    deadline = time.time() + 10
    while time.time() < deadline and len(records()) <= before:
        time.sleep(0.2)
    mine = [r for r in records()[before:] if r["question"] == "经开区全年新签约多少个项目？"]
    assert mine and mine[-1]["rating"] == "up" and "62个" in mine[-1]["answer"]
    assert mine[-1]["citations"][0]["doc"].startswith("004_")
    # and the review shows it
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "parkqa.cli", "feedback", "--format", "jsonl",
                          "--rating", "up", "--log-dir", str(server.log_dir)],
                         capture_output=True, text=True, timeout=120)
    listed = [json.loads(line) for line in out.stdout.splitlines()]
    assert any(r["question"] == "经开区全年新签约多少个项目？" and r["answer"] == mine[-1]["answer"]
               for r in listed)


def test_chinese_is_drawn_with_a_cjk_font(page):
    answer = ask(page, "经开区有多少家高新技术企业？")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    for selector in ("#pq-chat .pq-quote", "#pq-about p"):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        han = [f for f in fonts if f["glyphCount"] > 0]
        assert any(re.search(r"WenQuanYi|Noto Sans CJK|Source Han|Droid Sans Fallback",
                             f["familyName"]) for f in han), fonts
    assert answer.is_visible()


def test_html_in_a_question_is_shown_as_text_never_run(page):
    evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>高新区'
    ask(page, evil)
    assert page.evaluate("window.__pwned === undefined")
    assert page.dialogs == []
    assert "<img src=x" in page.locator("#pq-chat .pq-user").last.inner_text()


def test_empty_and_huge_input_get_a_polite_answer(page):
    answer = ask(page, "   ")
    assert "请输入一个问题" in answer.inner_text()
    answer = ask(page, "高新区" * 2000)
    assert "问题太长了" in answer.inner_text()


def test_clear_starts_a_new_conversation(page):
    ask(page, "高新区有多少家高新技术企业？")
    page.click("#pq-clear")
    page.wait_for_function("document.querySelectorAll('#pq-chat .pq-answer').length == 0")
    answer = ask(page, "那经开区呢？")        # no previous question to lean on any more
    assert answer.locator(".pq-resolved").count() == 0


def test_gradio_client_api_and_concurrent_users(server):
    from gradio_client import Client

    client = Client(server.url + "/", verbose=False)
    d = client.predict("长治高新区现在有多少家入区企业？", 5, api_name="/ask")
    assert d["answered"] and "1.2万家" in d["text"] and d["citations"][0]["doc"].startswith("000_")
    results, errors = [], []

    def user(q):
        try:
            results.append(Client(server.url + "/", verbose=False).predict(q, 3, api_name="/ask"))
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    questions = ["经开区有多少家高新技术企业？", "长治有多少名院士？", "巴黎今天的天气怎么样？",
                 "高新区绿电园区总投资多少？"] * 2
    threads = [threading.Thread(target=user, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and len(results) == len(questions)
    assert sum(r["answered"] for r in results) == 6        # the Paris question is refused twice
