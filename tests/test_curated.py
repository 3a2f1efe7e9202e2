"""Curated answers and the editor's words and synonyms, against a real two-worker server: an FAQ
answers its paraphrase (cited, marked curated) from both workers and not an unrelated question or
the same question about another park; follow-ups still work; a lexicon edit re-indexes, its word
is a token of the new index's tokenizer and its synonym finds the article; the FAQ outlives the
new generation; the admin page adds an FAQ in Chromium and the chat shows it as curated."""
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from parkqa.config import Settings
from parkqa.corpus import squash
from parkqa.curated import CuratedError, check_lexicon
from parkqa.index import load_index
from parkqa.index_build import order_synonyms
from parkqa.tokens import normalize, tokenize
from parkqa.words import Words

from browser import ARTIFACTS, admin_page, ask, bearer, editor_server

ADMIN_KEY = "admin-curated-5d1e"
PORTAL_KEY = "portal-curated-77aa"
DOC = "004_2753236d94621c3d.txt"
QUOTE = "长治经开区党工委书记、管委会主任高鹏说"
FAQ = {"question": "长治经开区党工委书记是谁？", "paraphrases": ["经开区的一把手是谁？"],
       "answer": "长治经开区党工委书记、管委会主任是高鹏。", "doc": DOC, "quote": QUOTE}
SYNONYM_QUESTION = "ZKLA建成了什么？"      # ZKLA: an editor's short name for 中科潞安


@pytest.fixture(scope="module")
def ed_server(tmp_path_factory, qa, seeds_copy):
    with editor_server(tmp_path_factory.mktemp("curated"), qa.settings.index, seeds_copy,
                       portal_key=PORTAL_KEY, admin_key=ADMIN_KEY) as srv:
        yield srv


def _h(key: str = ADMIN_KEY) -> dict:
    return bearer(key)


def _ask(srv, question: str, n: int = 1, history=()) -> list[dict]:
    """Asked ``n`` times at once, so that both workers answer."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: httpx.post(
            srv.url + "/api/ask", json={"question": question, "history": list(history)},
            headers=_h(PORTAL_KEY), timeout=60).json(), range(n)))


def _wait(srv, job: dict) -> dict:
    import time

    deadline = time.monotonic() + 300
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = httpx.get(f"{srv.url}/api/documents/jobs/{job['id']}", headers=_h(), timeout=30).json()
    assert job["state"] == "done", job
    return job


def test_synonyms_are_written_as_the_articles_spell_them():
    texts = ["山西中科潞安紫外光电科技有限公司建成生产线。中科潞安的产品……"]
    groups = order_synonyms([["ZKLA", "中科潞安", "山西中科潞安紫外光电科技有限公司"]], texts)
    # most used first (a tie keeps the editor's order); the full name's 中科潞安 counts for it
    assert groups == [["中科潞安", "山西中科潞安紫外光电科技有限公司", "ZKLA"]]
    words = Words(groups[0], groups)
    # a full name holding the short one is one match: never expanded twice
    assert normalize("zkla和山西中科潞安紫外光电科技有限公司", words) == "中科潞安和中科潞安"
    assert normalize("ZKLA", Words()) == "ZKLA"          # another index: no synonyms


@pytest.mark.parametrize("words, synonyms, said", [
    (["a"], [], "词语不可用"), (["有 空格"], [], "词语不可用"), ([], [["中科潞安"]], "两个不同"),
    ([], [["甲乙", "丙丁"], ["丙丁", "戊己"]], "同时出现"), ("靶向招商", [], "格式不正确")])
def test_bad_lexicon_entries_are_refused_in_chinese(words, synonyms, said):
    with pytest.raises(CuratedError, match=said):
        check_lexicon(words, synonyms)


def test_faq_needs_the_admin_key_and_a_checked_source(ed_server):
    srv = ed_server
    for headers in ({}, _h(PORTAL_KEY)):
        assert httpx.get(srv.url + "/api/faq", headers=headers, timeout=30).status_code == 403
        assert httpx.post(srv.url + "/api/faq", json=FAQ, headers=headers,
                          timeout=30).status_code == 403
    for change, said in (({"doc": "", "quote": ""}, "来源"), ({"doc": "没有.txt"}, "没有这篇文章"),
                         ({"quote": "这句话不在文章里"}, "找不到"), ({"answer": " "}, "答案不能为空"),
                         ({"paraphrases": ["x" * 300]}, "太长")):
        r = httpx.post(srv.url + "/api/faq", json={**FAQ, **change}, headers=_h(), timeout=30)
        assert r.status_code == 422 and said in r.json()["message"], (change, r.text)
    r = httpx.post(srv.url + "/api/faq", json={"answer": 3}, headers=_h(), timeout=30)
    assert r.status_code == 422 and "标准问题" in r.json()["message"]
    assert not (srv.root / "curated" / "faq.json").exists()


def test_curated_answer_beats_retrieval_for_its_paraphrase_only(ed_server):
    srv = ed_server
    before = _ask(srv, "经开区的党工委书记叫什么名字？")[0]
    assert not before.get("curated")
    r = httpx.post(srv.url + "/api/faq", json=FAQ, headers=_h(), timeout=30)
    assert r.status_code == 201, r.text
    entry = r.json()["entry"]
    assert entry["id"].startswith("faq-") and (srv.root / "curated" / "faq.json").exists()

    stored = httpx.get(srv.url + "/api/docs/" + DOC, headers=_h(PORTAL_KEY), timeout=30).json()
    for ans in _ask(srv, "经开区的党工委书记叫什么名字？", 8):     # both workers, at once
        assert ans["curated"] is True and ans["faq_id"] == entry["id"], ans
        assert ans["text"] == FAQ["answer"] + "[1]" and ans["answered"]
        [c] = ans["citations"]
        assert c["doc"] == DOC and squash(stored["text"][c["start"]:c["end"]]) == squash(QUOTE)
    for other in ("长治高新区现在有多少家入区企业？", "高新区党工委书记是谁？"):   # another park
        assert "curated" not in _ask(srv, other)[0], other

    # follow-ups: read against the conversation first, then matched
    turn = {"question": "高新区党工委书记是谁？", "answer": "抱歉，现有文章中没有找到能回答这个问题的内容。"}
    follow = _ask(srv, "那经开区呢？", history=[turn])[0]
    assert follow.get("curated") and "经开区" in follow["resolved_question"], follow
    turn = {"question": FAQ["question"], "answer": FAQ["answer"] + "[1]"}
    assert not _ask(srv, "那高新区呢？", history=[turn])[0].get("curated")

    # export, then import it back in place of everything: the same entries
    exported = httpx.get(srv.url + "/api/faq", headers=_h(), timeout=30).json()
    assert [e["id"] for e in exported["entries"]] == [entry["id"]]
    r = httpx.post(srv.url + "/api/faq/import", headers=_h(), timeout=30,
                   json={"entries": exported["entries"], "replace": True})
    assert r.status_code == 200 and r.json()["total"] == 1, r.text


def test_lexicon_edit_reindexes_and_keeps_the_faq(ed_server):
    srv = ed_server
    lex = httpx.get(srv.url + "/api/lexicon", headers=_h(), timeout=30).json()
    assert lex["words"] == [] and lex["synonyms"] == [] and lex["applied"]
    before = _ask(srv, SYNONYM_QUESTION)[0]
    assert "深紫外" not in before["text"]
    r = httpx.put(srv.url + "/api/lexicon", headers=_h(), timeout=30,
                  json={"words": ["靶向招商"], "synonyms": [["中科潞安"]]})
    assert r.status_code == 422 and "两个不同的写法" in r.json()["message"]
    r = httpx.put(srv.url + "/api/lexicon", headers=_h(), timeout=30,
                  json={"words": ["靶向招商"], "synonyms": [["ZKLA", "中科潞安"]]})
    assert r.status_code == 202, r.text
    _wait(srv, r.json()["job"])
    lex = httpx.get(srv.url + "/api/lexicon", headers=_h(), timeout=30).json()
    assert lex["applied"] and ["中科潞安", "ZKLA"] in lex["index_synonyms"]   # the articles' first

    settings = Settings(seeds=srv.root / "seeds", index=srv.root / "index")
    index = load_index(settings)         # the new generation, checked against the editor's data
    assert "靶向招商" in index.tokenizer.jieba.lcut("全面推行靶向招商")
    assert "中科潞安" in tokenize(SYNONYM_QUESTION, words=index.tokenizer)
    for ans in _ask(srv, SYNONYM_QUESTION, 6):
        assert ans["answered"] and "深紫外" in ans["text"], ans["text"]
        assert ans["citations"][0]["doc"].startswith("001_")
    # the curated answers live beside the index: a new generation does not lose them
    assert len(httpx.get(srv.url + "/api/faq", headers=_h(), timeout=30).json()["entries"]) == 1
    assert _ask(srv, FAQ["paraphrases"][0])[0].get("curated")


@pytest.mark.browser
def test_admin_page_adds_a_curated_answer_the_chat_shows(ed_server, browser):
    srv = ed_server
    with admin_page(browser, srv.url, ADMIN_KEY) as page:
        page.wait_for_selector("#faq-doc option[value='%s']" % DOC, state="attached",
                               timeout=30_000)
        page.fill("#faq-question", "长治高新区的咨询电话是多少？")
        page.fill("#faq-paraphrases", "高新区管委会的电话是多少？")
        page.fill("#faq-answer", "长治高新区管委会咨询电话：0355-5000000。")
        page.click("#faq-save")
        page.wait_for_selector("#faq-status.error", timeout=30_000)      # no source given
        assert "来源" in page.locator("#faq-status").inner_text()
        page.fill("#faq-source", "高新区管委会办公室，2026年11月")
        page.click("#faq-save")
        page.wait_for_selector("#faq-status.ok", timeout=30_000)
        assert page.locator("#faq tr", has_text="咨询电话").count() == 1

        page.fill("#q", "高新区管委会电话是多少？")
        page.click("#hit")
        page.wait_for_function(
            "document.querySelector('#hit-answer').textContent.startsWith('人工审核答案')",
            timeout=60_000)
        assert "0355-5000000" in page.locator("#hit-answer").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-faq.png"), full_page=True)

        page.goto(srv.url + "/")
        page.wait_for_selector("#pq-input textarea", timeout=60_000)
        answer = ask(page, "高新区管委会电话是多少？")
        assert answer.locator(".pq-curated").inner_text() == "人工审核答案"
        assert "0355-5000000" in answer.locator(".pq-text").inner_text()
        assert "高新区管委会办公室" in answer.inner_text()
        page.screenshot(path=str(ARTIFACTS / "chat-curated.png"), full_page=True)
