"""Importing curated answers from an editor's file: the reader on hostile bytes, the upload API of a
real two-worker server (good rows imported and answering from both workers, bad rows listed with
their line numbers in Chinese, nothing stored lost, a re-import changing nothing; wrong encodings,
empty, oversized, binary and broken JSON files refused whole), the command line, and the admin
page's 导入 button in Chromium."""
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from parkqa.faq_import import MAX_FILE_BYTES, FaqFileError, read_faq_file

from browser import ARTIFACTS, ROOT, admin_page, bearer, editor_server

ADMIN_KEY = "admin-faq-import-41c2"
PORTAL_KEY = "portal-faq-import-9e07"
DOC = "004_2753236d94621c3d.txt"
QUOTE = "长治经开区党工委书记、管委会主任高鹏说"
STORED = {"question": "园区企业服务热线是多少？", "answer": "园区企业服务热线：0355-5111111。",
          "source": "园区管委会，2026年"}

# An editor's spreadsheet, as Excel writes it: Chinese headers, an unknown column, a quoted cell
# holding two paraphrases on two lines, and some rows that are wrong.
CSV = (
    "标准问题,答案,相似问法,来源文章,引用原文,来源说明,备注\n"
    "长治高新区的咨询电话是多少？,长治高新区管委会咨询电话：0355-5000000。,高新区管委会的电话是多少？|高新区咨询电话,"
    ",,高新区管委会办公室，2026年11月,已核对\n"                                          # 2 good
    f"长治经开区党工委书记是谁？,长治经开区党工委书记、管委会主任是高鹏。,经开区的一把手是谁？,{DOC},{QUOTE},,\n"  # 3 good
    "没有答案的问题？,,,,,管委会,\n"                                                       # 4 no answer
    f"引用不在文章里的问题？,某个答案,,{DOC},这句话不在文章里,,\n"                            # 5 bad quote
    "没有来源的问题？,某个答案,,,,,\n"                                                      # 6 no source
    "长治高新区的咨询电话是多少？,另一个答案,,,,管委会,\n"                                    # 7 duplicate of 2
    '"长治高新区的邮政编码\n是多少？",长治高新区邮政编码：046000。,"高新区邮编是多少？\n高新区的邮编",,,邮政局,\n'  # 8-10 good
    "a,b,c,d,e,f,g,h,i\n"                                                                  # 11 too many cells
)
BAD = {4: "答案不能为空", 5: "找不到", 6: "来源", 7: "与第 2 行的标准问题重复", 11: "比表头多"}


@pytest.fixture(scope="module")
def ed_server(tmp_path_factory, qa, seeds_copy):
    with editor_server(tmp_path_factory.mktemp("faq-import"), qa.settings.index, seeds_copy,
                       portal_key=PORTAL_KEY, admin_key=ADMIN_KEY) as srv:
        yield srv


def _upload(srv, content: bytes, name: str = "faq.csv", source: str = "", key: str = ADMIN_KEY):
    return httpx.post(srv.url + "/api/faq/upload", headers=bearer(key), timeout=60,
                      files={"file": (name, content, "application/octet-stream")},
                      data={"source": source})


def _entries(srv) -> list[dict]:
    r = httpx.get(srv.url + "/api/faq", headers=bearer(ADMIN_KEY), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["entries"]


def _ask_all(srv, question: str, n: int = 6) -> list[dict]:
    """Asked ``n`` times at once, so that both workers answer."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: httpx.post(
            srv.url + "/api/ask", json={"question": question}, headers=bearer(PORTAL_KEY),
            timeout=60).json(), range(n)))


# ------------------------------------------------------------------ the reader, no server
@pytest.mark.parametrize("raw, said", [
    (b"", "文件是空的"), (b" \r\n\n", "文件是空的"),
    ("question,answer\n园区电话？,0355\n".encode("utf-16-le"), "不是文本文件"),     # UTF-16, no BOM
    ("question,answer\ncafé,naïve\n".encode("cp1252"), "无法识别文件编码（第 2 行"),
    (bytes(range(256)) * 40, "不是文本文件"),
    (b"\x89PNG\r\n\x1a\n" + b"\x01\x02\x03" * 300, "不是文本文件"),
    (b'{\n "entries": [\n  {"question": "q", "answer": "a",}\n ]\n}', "JSON 格式错误（第 3 行"),
    (b"foo,bar\n1,2\n", "第 1 行应为表头"), (b"question,answer\n", "文件里没有问答"),
    (b'{"entries": {"question": "q"}}', "导出的格式"),
])
def test_unreadable_files_are_refused_whole_in_chinese(raw, said):
    with pytest.raises(FaqFileError, match=re.escape(said)):
        read_faq_file(raw)


def test_rows_keep_their_line_numbers_in_every_shape():
    f = read_faq_file(CSV.encode("utf-8-sig"))          # Excel's "CSV UTF-8" has a BOM
    assert f.format == "csv" and f.ignored == ["备注"]
    assert [r.line for r in f.rows] == [2, 3, 4, 5, 6, 7, 8] and f.bad[0]["line"] == 11
    assert f.rows[0].data["paraphrases"] == ["高新区管委会的电话是多少？", "高新区咨询电话"]
    assert f.rows[-1].data["paraphrases"] == ["高新区邮编是多少？", "高新区的邮编"]

    gbk = read_faq_file("标准问题,答案,来源说明\n园区电话？,0355,管委会\n".encode("gbk"))
    assert gbk.encoding == "GB18030" and gbk.rows[0].data["question"] == "园区电话？"

    jsonl = read_faq_file(b'{"question": broken\n\n{"question": "q2", "answer": "b"}\n[1]\n')
    assert jsonl.format == "jsonl" and [r.line for r in jsonl.rows] == [3]
    assert [b["line"] for b in jsonl.bad] == [1, 4] and "不是有效的 JSON" in jsonl.bad[0]["error"]

    export = {"entries": [{"question": "q1", "answer": "a", "source": "s"},
                          {"question": "q2", "answer": "b", "source": "s"}]}
    f = read_faq_file(json.dumps(export, ensure_ascii=False, indent=1).encode())
    assert f.format == "json" and [r.line for r in f.rows] == [3, 8]

    many = ("question,answer\n" + "".join(f"问题{i},答案\n" for i in range(2100))).encode()
    f = read_faq_file(many)
    assert len(f.rows) == 2000 and f.bad == [{"line": 2002, "error": "文件超过 2000 条问答：从第 2002 行起未读取。"}]

    # U+2028 is a line break to str.splitlines, not to an editor: it stays inside its cell
    f = read_faq_file("question,answer,source\r\n问\u2028题,答,源\r\nq2,a,s\r\n".encode())
    assert [r.line for r in f.rows] == [2, 3] and f.rows[0].data["question"] == "问\u2028题"

    f = read_faq_file(b'question,answer,source\n"an open quote,x,y\nq,a,s\n')
    assert not f.rows and "双引号没有配对" in f.bad[0]["error"] and f.bad[0]["line"] == 2


# ------------------------------------------------------------------ the API
def test_upload_imports_the_good_rows_lists_the_bad_and_keeps_the_rest(ed_server):
    srv = ed_server
    assert _upload(srv, CSV.encode(), key=PORTAL_KEY).status_code == 403    # a portal's key
    r = httpx.post(srv.url + "/api/faq", json=STORED, headers=bearer(ADMIN_KEY), timeout=30)
    assert r.status_code == 201, r.text
    stored = r.json()["entry"]

    r = _upload(srv, CSV.encode("utf-8-sig"), "常见问题.csv")
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["added"], out["updated"], out["unchanged"], out["total"]) == (3, 0, 0, 4), out
    assert out["ignored_columns"] == ["备注"] and out["format"] == "csv"
    assert [b["line"] for b in out["rejected"]] == sorted(BAD)
    for b in out["rejected"]:
        assert BAD[b["line"]] in b["error"], b
    entries = _entries(srv)
    assert entries[0] == stored                        # untouched
    by_q = {e["question"]: e for e in entries}
    assert by_q["长治高新区的邮政编码 是多少？"]["paraphrases"] == ["高新区邮编是多少？", "高新区的邮编"]
    assert by_q["长治经开区党工委书记是谁？"]["doc"] == DOC

    for ans in _ask_all(srv, "高新区管委会的电话是多少？"):      # both workers, at once
        assert ans.get("curated") and "0355-5000000" in ans["text"], ans
    ans = _ask_all(srv, "经开区的一把手是谁？", 1)[0]
    assert ans.get("curated") and ans["citations"][0]["doc"] == DOC

    # the same file again changes nothing; an edited answer updates its entry in place
    again = _upload(srv, CSV.encode()).json()
    assert (again["added"], again["updated"], again["unchanged"], again["total"]) == (0, 0, 3, 4)
    assert _entries(srv) == entries
    edited = CSV.replace("0355-5000000", "0355-5000001")
    out = _upload(srv, edited.encode()).json()
    assert (out["added"], out["updated"], out["total"]) == (0, 1, 4)
    phone = next(e for e in _entries(srv) if e["question"] == "长治高新区的咨询电话是多少？")
    assert phone["id"] == by_q["长治高新区的咨询电话是多少？"]["id"] and "5000001" in phone["answer"]

    # JSONL, with a default source for rows that give none
    jsonl = ('{"question": "高新区管委会在哪里办公？", "answer": "在长治高新区管委会大楼。"}\n'
             '{"question": "这一行坏了", "answer": \n').encode()
    out = _upload(srv, jsonl, "faq.jsonl", source="管委会办公室").json()
    assert out["added"] == 1 and out["rejected"] == [
        {"line": 2, "error": out["rejected"][0]["error"]}] and "JSON" in out["rejected"][0]["error"]
    assert next(e for e in _entries(srv) if e["question"] == "高新区管委会在哪里办公？")["source"] \
        == "管委会办公室"

    # what the page exports imports back unchanged
    export = json.dumps({"entries": _entries(srv)}, ensure_ascii=False, indent=1).encode()
    out = _upload(srv, export, "faq.json").json()
    assert (out["format"], out["unchanged"], out["added"], out["rejected"]) == ("json", 5, 0, [])


HOSTILE = {
    "gbk-is-read": None,         # not hostile: Excel's Chinese CSV, imported below
    "utf16-no-bom": ("question,answer,source\n园区电话？,0355,管委会\n".encode("utf-16-le"), 422, "不是文本文件"),
    "latin1": ("question,answer,source\ncafé,naïve,x\n".encode("cp1252"), 422, "无法识别文件编码"),
    "empty": (b"", 422, "文件是空的"),
    "blank": (b"\n\n   \n", 422, "文件是空的"),
    "binary": (os.urandom(64 * 1024), 422, "不是文本文件"),
    "broken-json": (b'{\n "entries": [\n  {"question": "q", "answer": "a"\n ]\n}', 422, "JSON 格式错误（第 4 行"),
    "all-rows-bad": (b'{"question": "q"}\n{"answer": "a"}\nnot json\n', 422, "没有可导入的问答"),
    "no-header": ("园区电话？,0355,管委会\n".encode(), 422, "应为表头"),
    "over-4mb": (b"question,answer,source\n" + b"q,a,s\n" * ((MAX_FILE_BYTES + 10_000) // 6), 413,
                 "文件太大（上限 4 MB）"),
    "huge": (b"x" * (12 * 1024 * 1024), 413, "请求内容过大"),       # stopped before it is read
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_and_nothing_stored_changes(ed_server, case):
    srv = ed_server
    before = _entries(srv)
    if HOSTILE[case] is None:
        r = _upload(srv, "标准问题,答案,来源说明\n高新区的传真号码是多少？,0355-5000002,管委会\n".encode("gbk"))
        assert r.status_code == 200 and r.json()["encoding"] == "GB18030", r.text
        assert any(e["question"] == "高新区的传真号码是多少？" for e in _entries(srv))
        return
    content, status, said = HOSTILE[case]
    r = _upload(srv, content)
    assert r.status_code == status and said in r.json()["message"], (case, r.status_code, r.text[:300])
    if case == "all-rows-bad":
        assert [b["line"] for b in r.json()["rejected"]] == [1, 2, 3]
    assert _entries(srv) == before


def test_a_request_without_a_file_is_told_what_to_send(ed_server):
    r = httpx.post(ed_server.url + "/api/faq/upload", headers=bearer(ADMIN_KEY), timeout=30,
                   data={"source": "x"})
    assert r.status_code == 422 and "字段 file" in r.json()["message"]


def test_command_line_import_reads_the_same_files(tmp_path, qa):
    path = tmp_path / "常见问题.csv"
    path.write_text(CSV, encoding="utf-8")
    env = dict(os.environ, PARKQA_SEEDS=str(qa.settings.seeds), PARKQA_INDEX=str(qa.settings.index),
               PARKQA_CURATED=str(tmp_path / "curated"), PARKQA_PROGRESS="0")
    run = subprocess.run([sys.executable, "-m", "parkqa.cli", "faq", "import", str(path)],
                         env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 1, run.stderr          # some rows were wrong
    assert "added 3" in run.stdout and f"{path}:4: 答案不能为空" in run.stderr, run
    assert "Traceback" not in run.stderr
    faq = json.loads((tmp_path / "curated" / "faq.json").read_text(encoding="utf-8"))
    assert len(faq["entries"]) == 3
    run = subprocess.run([sys.executable, "-m", "parkqa.cli", "faq", "import", str(path),
                          "--replace"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "nothing replaced" in run.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "parkqa.cli", "faq", "import", str(empty)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "文件是空的" in run.stderr and "Traceback" not in run.stderr


# ------------------------------------------------------------------ the admin page
@pytest.mark.browser
def test_admin_page_imports_a_faq_file_and_lists_the_bad_rows(ed_server, browser, tmp_path):
    srv = ed_server
    sheet = tmp_path / "园区常见问题.csv"
    sheet.write_text("question,answer,paraphrases,source\n"
                     "高新区的办事大厅几点开门？,工作日 8:30 开门。,办事大厅几点上班,政务服务中心\n"
                     "这一行没有答案？,,,政务服务中心\n"
                     "高新区的停车场收费吗？,高新区管委会停车场免费。,,\n", encoding="utf-8-sig")
    broken = tmp_path / "坏文件.json"
    broken.write_text('{"entries": [{"question": "q", "answer": "a"}', encoding="utf-8")
    big = tmp_path / "太大.csv"
    big.write_bytes(b"question,answer\n" + b"q,a\n" * (MAX_FILE_BYTES // 4 + 10))
    with admin_page(browser, srv.url, ADMIN_KEY, height=1000) as page:
        page.wait_for_selector("#faq-status:has-text('共')", timeout=30_000)
        before = page.locator("#faq tr").count()

        page.click("#faq-import")                           # nothing chosen yet
        assert page.locator("#faq-import-result").inner_text() == "请先选择 FAQ 文件。"

        page.set_input_files("#faq-file", str(sheet))
        assert page.locator("#faq-file-chosen").inner_text() == sheet.name
        page.fill("#faq-import-source", "")
        page.click("#faq-import")
        page.wait_for_selector("#faq-import-result .ok", timeout=30_000)
        result = page.locator("#faq-import-result").inner_text()
        assert "新增 1 条" in result and "以下 2 行未导入" in result, result
        rows = page.locator("#faq-rejected li").all_inner_texts()
        assert rows[0] == "第 3 行：答案不能为空。" and rows[1].startswith("第 4 行：没有注明来源"), rows
        page.wait_for_function(f"document.querySelectorAll('#faq tr').length === {before + 1}",
                               timeout=30_000)
        assert page.locator("#faq tr", has_text="办事大厅").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-faq-import.png"), full_page=True)

        # with a default source the row that had none imports too; the others are unchanged
        page.set_input_files("#faq-file", str(sheet))
        page.fill("#faq-import-source", "高新区管委会，2026年11月")
        page.click("#faq-import")
        page.wait_for_selector("#faq-import-result .ok", timeout=30_000)
        result = page.locator("#faq-import-result").inner_text()
        assert "新增 1 条" in result and "未变 1 条" in result and "以下 1 行未导入" in result, result

        page.set_input_files("#faq-file", str(broken))
        page.click("#faq-import")
        page.wait_for_selector("#faq-import-result .error", timeout=30_000)
        assert "JSON 格式错误（第 1 行" in page.locator("#faq-import-result").inner_text()

        page.set_input_files("#faq-file", str(big))
        page.click("#faq-import")
        page.wait_for_selector("#faq-import-result .error", timeout=30_000)
        assert "文件太大（上限 4 MB）" in page.locator("#faq-import-result").inner_text()
        assert page.locator("#faq tr").count() == before + 2

        page.fill("#q", "办事大厅几点上班？")
        page.click("#hit")
        page.wait_for_function(
            "document.querySelector('#hit-answer').textContent.startsWith('人工审核答案')",
            timeout=60_000)
        assert "8:30" in page.locator("#hit-answer").inner_text()
