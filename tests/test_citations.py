"""Citations a reader can check: start < end, exact pieces, titles instead of file names, and the
article view (``/api/docs/{doc}?start=&end=``, ``/source/{doc}``) with the quote marked."""
import json
import re
from pathlib import Path

import httpx
import pytest

from parkqa.cli import format_answer
from parkqa.docview import marked_html, parse_spans
from parkqa.render import answer_html

ROOT = Path(__file__).resolve().parent.parent
WS = re.compile(r"\s+")


def squeeze(s: str) -> str:
    return WS.sub("", s)


def dev_questions() -> list[str]:
    items = [json.loads(line) for line in (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8")
             if line.strip()]
    return [x["question"] for x in items if x.get("split") == "dev"]


@pytest.fixture(scope="module")
def dev_answers(qa):
    questions = dev_questions()
    assert len(questions) >= 20
    return [qa.ask(q) for q in questions]


def test_every_citation_is_forward_and_its_pieces_are_exact(qa, dev_answers):
    cited = [c for a in dev_answers for c in a.citations + a.related]
    assert len(cited) >= 20
    joined = 0
    for c in cited:
        raw = qa.index.articles[c.doc].raw
        d = c.to_dict()
        assert d["start"] < d["end"], (c.doc, d["start"], d["end"], c.quote)
        spans = d.get("spans") or [[d["start"], d["end"]]]
        quote = squeeze(c.quote)
        for a, b in spans:
            assert 0 <= a < b <= len(raw)
            assert squeeze(raw[a:b]) and squeeze(raw[a:b]) in quote, (c.doc, a, b, c.quote)
            assert d["start"] <= a and b <= d["end"]         # start/end bound every piece
        assert "".join(squeeze(raw[a:b]) for a, b in spans) == quote
        if "spans" in d:
            joined += 1
            assert len(d["spans"]) >= 2
    print(f"{len(cited)} citations, {joined} joined across a break")


def test_a_quote_joined_backwards_gets_bounding_offsets(qa):
    """A column break continued *before* the cut (000's 这座投资总额 … 6亿元) gives a backwards
    pair of pieces: start/end must still be min/max, the pieces stay in reading order."""
    from parkqa.answering import Citation

    for art in qa.index.articles.values():
        for s in qa.index.sentences:
            if s.doc != art.doc or len(s.spans) < 2:
                continue
            if s.spans[0][0] > s.spans[-1][0]:
                break
        else:
            continue
        break
    else:
        pytest.skip("no backwards joined sentence in this corpus")
    spans = [list(x) for x in s.spans]
    c = Citation(1, s.doc, art.title, s.quote, min(a for a, _ in spans), max(b for _, b in spans),
                 0.0, spans)
    assert c.start < c.end and c.to_dict()["spans"][0][0] > c.to_dict()["spans"][-1][0]


def test_sources_are_named_by_title_not_file_name_or_offsets(qa, dev_answers):
    ans = next(a for a in dev_answers if a.answered)
    text = format_answer(ans)
    for c in ans.citations:
        assert c.title in text and c.byline in text    # named as printed: title, byline, date
        assert c.doc not in text
    assert not re.search(r"\.txt|第\s*\d+\s*[–-]\s*\d+\s*字", text)
    page = answer_html(ans, qa.index.articles)
    assert ".txt，" not in page and not re.search(r"第\s*\d+\s*[–-]\s*\d+\s*字", page)
    shown = re.sub(r'href="[^"]*"', "", page)                # file names only inside link targets
    assert not any(c.doc in shown for c in ans.citations)


def test_every_marker_is_a_link_to_the_marked_article(qa, dev_answers):
    ans = next(a for a in dev_answers if a.answered and len(a.citations) >= 1)
    page = answer_html(ans, qa.index.articles)
    links = re.findall(r'<a class="pq-cite" href="([^"]+)"[^>]*>\[(\d+)\]</a>', page)
    assert [int(n) for _, n in links] == [c.n for c in ans.citations]
    for (href, _), c in zip(links, ans.citations):
        assert href.startswith("source/") and "#pq-mark-1" in href
        spans = c.spans or [[c.start, c.end]]
        assert "spans=" + ",".join(f"{a}-{b}" for a, b in spans) in href.replace("&amp;", "&")


def test_marked_html_marks_each_piece_and_escapes():
    raw = "甲<b>乙丙丁"
    html = marked_html(raw, [[5, 6], [1, 4]])
    assert html.count("<mark") == 2 and "&lt;b&gt;" in html
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", html) == ["&lt;b&gt;", "丙"]
    assert 'id="pq-mark-1"' in html.split("</mark>")[0]          # the first piece in the text
    with pytest.raises(ValueError):
        parse_spans("5-5", None, None, 10)
    with pytest.raises(ValueError):
        parse_spans(None, 3, 11, 10)
    with pytest.raises(ValueError):
        parse_spans("x-1", None, None, 10)
    assert parse_spans(None, 2, 4, 10) == [[2, 4]]
    assert parse_spans(None, None, None, 10) == []


def test_docs_endpoint_returns_the_marked_view(server, qa):
    ans = qa.ask("长治高新区现在有多少家入区企业？")
    c = ans.citations[0]
    r = httpx.get(f"{server.url}/api/docs/{c.doc}", params={"start": c.start, "end": c.end},
                  timeout=10)
    assert r.status_code == 200
    d = r.json()
    assert d["marks"] == [[c.start, c.end]] and d["title"] == c.title
    marked = "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", d["html"], re.S))
    assert squeeze(marked) == squeeze(d["text"][c.start:c.end])
    page = httpx.get(f"{server.url}/api/docs/{c.doc}",
                     params={"start": c.start, "end": c.end, "format": "html"}, timeout=10)
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text and "<mark" in page.text
    bad = httpx.get(f"{server.url}/api/docs/{c.doc}", params={"start": c.end, "end": c.start},
                    timeout=10)
    assert bad.status_code == 422 and "引用位置" in bad.json()["message"]
    plain = httpx.get(f"{server.url}/api/docs/{c.doc}", timeout=10).json()
    assert "marks" not in plain and plain["text"] == d["text"]


@pytest.mark.parametrize("path", ["/source/../pyproject.toml", "/source/..%2fpyproject.toml",
                                  "/source//etc/passwd", "/source/nope.txt"])
def test_source_view_serves_indexed_articles_only(server, path):
    from browser import get_raw

    r = get_raw(server.url, path)
    assert r.status_code == 404
    assert "build-system" not in r.text and "root:" not in r.text
