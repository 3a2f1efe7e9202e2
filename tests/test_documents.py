"""The knowledge-base API and the admin page against a real two-worker server: upload a .docx,
a .pdf and an .html article, get exact citations into their stored text from both workers,
delete one and get a refusal; the admin page in Chromium."""
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from parkqa.corpus import squash
from parkqa.documents import DocumentError, check_name

from browser import ARTIFACTS, bearer, editor_server
from test_ingest import HTML_PAGE, make_docx, make_pdf

ADMIN_KEY = "admin-8c1f-secret"
PORTAL_KEY = "portal-public-3b7e"
CASES = {"碳纤维.docx": ("潞城碳纤维产业园今年引进了多少家企业？", "27家"),
         "屯留.pdf": ("屯留光伏储能基地2025年发电量是多少？", "9.6亿千瓦时"),
         "襄垣.html": ("襄垣数字经济产业园入驻了多少家软件企业？", "41家")}


@pytest.fixture(scope="module")
def kb_server(tmp_path_factory, qa, seeds_copy):
    with editor_server(tmp_path_factory.mktemp("kb"), qa.settings.index, seeds_copy,
                       portal_key=PORTAL_KEY, admin_key=ADMIN_KEY) as srv:
        yield srv


def _h(key: str = ADMIN_KEY) -> dict:
    return bearer(key)


def _wait(srv, job: dict, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        # any worker can report it: progress is kept beside the index
        job = httpx.get(f"{srv.url}/api/documents/jobs/{job['id']}", headers=_h(), timeout=30).json()
    assert job["state"] == "done", job
    return job


def _ask_many(srv, question: str, n: int = 12) -> list[dict]:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: httpx.post(
            srv.url + "/api/ask", json={"question": question}, headers=_h(PORTAL_KEY),
            timeout=60).json(), range(n)))


def _workers(srv) -> dict[int, str]:
    """worker pid -> the index generation it answers from (asked until both answered)."""
    seen: dict[int, str] = {}
    for _ in range(200):
        h = httpx.get(srv.url + "/api/health", timeout=30).json()
        seen[h["worker"]] = h["generation"]
        if len(seen) == 2:
            break
    return seen


@pytest.mark.parametrize("name", ["../x.txt", "a/b.txt", "a\\b.txt", ".hidden.txt", "", "x.exe",
                                  "x" * 130 + ".txt", "新\x00闻.txt"])
def test_unsafe_or_unsupported_names_are_refused(name):
    with pytest.raises(DocumentError):
        check_name(name)


def test_names_people_use_are_kept():
    assert check_name(" 长治 新闻（二）.DOCX ") == "长治 新闻（二）.DOCX"


def test_documents_need_the_admin_key(kb_server):
    for headers in ({}, _h(PORTAL_KEY), _h("wrong")):
        r = httpx.get(kb_server.url + "/api/documents", headers=headers, timeout=30)
        assert r.status_code == 403 and "管理员密钥" in r.json()["message"]
    r = httpx.post(kb_server.url + "/api/documents", headers=_h(PORTAL_KEY),
                   files={"files": ("x.txt", "园区新闻。".encode())}, timeout=30)
    assert r.status_code == 403
    assert not (kb_server.root / "seeds" / "x.txt").exists()


def test_upload_ask_both_workers_delete_refuse(kb_server, tmp_path):
    srv = kb_server
    make_docx(tmp_path / "碳纤维.docx")
    make_pdf(tmp_path / "屯留.pdf")
    files = [("files", ("碳纤维.docx", (tmp_path / "碳纤维.docx").read_bytes())),
             ("files", ("屯留.pdf", (tmp_path / "屯留.pdf").read_bytes())),
             ("files", ("襄垣.html", HTML_PAGE.encode("utf-8"))),
             ("files", ("空白.pdf", b"")),                       # refused, named
             ("files", ("../逃逸.txt", "园区新闻。".encode()))]   # never written outside seeds/
    before = _workers(srv)
    r = httpx.post(srv.url + "/api/documents", headers=_h(), files=files, timeout=120)
    assert r.status_code == 202, r.text
    body = r.json()
    assert sorted(s["doc"] for s in body["saved"]) == sorted(CASES)
    rejected = {x["doc"]: x["error"] for x in body["rejected"]}
    assert "空白.pdf" in rejected["空白.pdf"] and "空" in rejected["空白.pdf"]
    assert "文件名不可用" in rejected["../逃逸.txt"]
    assert not (srv.root / "逃逸.txt").exists()
    job = _wait(srv, body["job"])
    assert 0 < job["counts"]["embedded"] < job["counts"]["reused"]    # incremental

    listed = {d["doc"]: d for d in httpx.get(srv.url + "/api/documents", headers=_h(),
                                             timeout=30).json()["documents"]}
    for doc in CASES:
        assert listed[doc]["status"] == "indexed" and listed[doc]["passages"] > 0
        assert listed[doc]["format"] == doc.rsplit(".", 1)[1] and listed[doc]["title"]
    after = _workers(srv)
    assert set(after) == set(before) and len(set(after.values())) == 1
    assert set(after.values()) != set(before.values())    # both workers on the new generation

    for doc, (question, fact) in CASES.items():
        stored = httpx.get(srv.url + "/api/docs/" + doc, headers=_h(PORTAL_KEY), timeout=30).json()
        for ans in _ask_many(srv, question):
            assert ans["answered"] and fact in ans["text"], (question, ans["text"])
            cited = [c for c in ans["citations"] if c["doc"] == doc]
            assert cited, ans["citations"]
            for c in cited:
                assert squash(stored["text"][c["start"]:c["end"]]) == squash(c["quote"])

    hit = httpx.post(srv.url + "/api/hit-test", headers=_h(),
                     json={"question": CASES["碳纤维.docx"][0]}, timeout=60).json()
    assert hit["passages"][0]["doc"] == "碳纤维.docx" and "27家" in hit["answer"]["text"]
    assert hit["passages"][0]["score"] >= hit["passages"][-1]["score"]

    r = httpx.delete(srv.url + "/api/documents/屯留.pdf", headers=_h(), timeout=30)
    assert r.status_code == 202, r.text
    _wait(srv, r.json()["job"])
    assert not (srv.root / "seeds" / "屯留.pdf").exists()
    for ans in _ask_many(srv, CASES["屯留.pdf"][0]):
        assert not ans["answered"] and not ans["citations"], ans["text"]
    assert "27家" in _ask_many(srv, CASES["碳纤维.docx"][0], 2)[0]["text"]

    r = httpx.delete(srv.url + "/api/documents/没有这篇.txt", headers=_h(), timeout=30)
    assert r.status_code == 404 and "没有这篇文章" in r.json()["message"]
    r = httpx.post(srv.url + "/api/documents", headers=_h(),
                   files={"files": ("notes.exe", b"MZ\x90\x00")}, timeout=30)
    assert r.status_code == 422 and "不支持的文件类型" in r.json()["message"]


@pytest.mark.browser
def test_admin_page_in_chromium(kb_server, browser, tmp_path):
    srv = kb_server
    make_docx(tmp_path / "碳纤维二期.docx")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(srv.url + "/admin")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.wait_for_selector("#key-status.error", timeout=30_000)   # no key yet: told so
        page.fill("#key", ADMIN_KEY)
        page.click("#save-key")
        page.wait_for_selector("#docs tr", timeout=30_000)
        assert page.locator("#key-status").inner_text() == "已连接"
        assert page.locator("#docs tr").count() >= 5

        page.set_input_files("#files", str(tmp_path / "碳纤维二期.docx"))
        page.click("#upload")
        page.wait_for_selector("#upload-result .ok", timeout=60_000)
        assert "已上传：碳纤维二期.docx" in page.locator("#upload-result").inner_text()
        page.wait_for_function(
            "document.querySelector('#job-status').textContent.startsWith('索引已更新')",
            timeout=300_000)
        row = page.locator('#docs tr[data-doc="碳纤维二期.docx"]')
        row.wait_for(timeout=30_000)
        assert "已索引" in row.inner_text()

        page.fill("#q", "潞城碳纤维产业园今年引进了多少家企业？")
        page.click("#hit")
        page.wait_for_selector("#hit-passages tr", timeout=60_000)
        assert page.locator("#hit-answer").inner_text().startswith("回答：")
        assert "27家" in page.locator("#hit-answer").inner_text()
        assert "碳纤维" in page.locator("#hit-passages tr").first.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin.png"), full_page=True)

        page.once("dialog", lambda d: d.accept())
        row.locator("button.danger").click()
        page.wait_for_function(
            "!document.querySelector('#docs tr[data-doc=\"碳纤维二期.docx\"]')", timeout=300_000)
        assert not (srv.root / "seeds" / "碳纤维二期.docx").exists()
        english = page.evaluate("document.body.innerText.match(/[A-Za-z]{5,}/g) || []")
        assert not [w for w in english if w not in ("BM25", "PARKQA_ADMIN_KEYS")], english
    finally:
        context.close()
