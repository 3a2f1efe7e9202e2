"""Articles in the formats people have: real .docx, .pdf, .html and GB18030 .txt files, written
here with the libraries that make such files, read back, indexed and quoted exactly."""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from parkqa.corpus import load_article, load_corpus, squash
from parkqa.ingest import IngestError, extract_text, max_file_bytes

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")   # scripts/setup.sh --test

DOCX_TITLE = "潞城碳纤维产业园建设提速"
DOCX_BODY = ["今年以来，潞城碳纤维产业园共引进企业27家，总投资58亿元。",
             "园区新建标准化厂房8万平方米，首批企业已经入驻投产。"]
DOCX_HEADING = "配套服务持续完善"
DOCX_LAST = "园区人才公寓200套已交付使用，企业开办实现一日办结。"

PDF_TEXT = ("屯留光伏储能基地建设纪实\n"
            "屯留光伏储能基地位于屯留区西部，规划面积3.2万亩，是全省重点新能源项目。"
            "基地2025年发电量达到9.6亿千瓦时，同比增长18%，可满足约40万户家庭一年的用电需求。"
            "下一步，基地将建设二期储能电站，总投资15亿元。")

HTML_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>襄垣数字经济产业园入驻软件企业41家_某某新闻网</title>
<meta property="og:title" content="襄垣数字经济产业园入驻软件企业41家"></head><body>
<nav><ul><li><a href="/">首页</a></li><li><a href="/news">新闻中心</a></li>
<li><a href="/gov">政务公开</a></li><li><a href="/about">联系我们</a></li></ul></nav>
<div class="sidebar"><h3>热点推荐</h3><ul><li><a href="/a">某地举办美食节吸引游客十万人次</a></li>
<li><a href="/b">天气预报：明日有小雨</a></li></ul></div>
<article><h1>襄垣数字经济产业园入驻软件企业41家</h1>
<p>今年以来，襄垣数字经济产业园聚焦软件和信息技术服务业，园区已入驻软件企业41家，从业人员超过3000人。</p>
<p>园区负责人介绍，2025年园区软件业务收入达到12.7亿元，同比增长21%，数据标注和工业软件两个方向增长最快。</p>
<p>为留住人才，园区建成人才公寓500套，并与本地高校共建实训基地，每年培养数字技能人才1000余名。</p>
<p>下一步，园区将加快建设算力中心，力争三年内软件企业数量突破百家，打造区域数字经济高地。</p>
</article>
<footer>版权所有 © 某某新闻网 | 备案号：晋ICP备00000000号 | 联系电话 0355-0000000</footer>
</body></html>"""

GB_TEXT = ("武乡红色文旅小镇游客创新高\n\n"
           "武乡红色文旅小镇依托八路军文化资源，打造沉浸式研学线路，全年接待游客320万人次。\n\n"
           "小镇新开业民宿60家，带动周边村民就业2000余人，旅游综合收入达到9亿元。\n")


# ---------------------------------------------------------------- real files

def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(DOCX_TITLE, 0)
    for text in DOCX_BODY:
        document.add_paragraph(text)
    document.add_heading(DOCX_HEADING, 1)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数值"
    table.cell(1, 0).text, table.cell(1, 1).text = "入驻企业", "27家"
    document.add_paragraph(DOCX_LAST)
    document.save(str(path))
    return path


def _fpdf():
    from fpdf import FPDF

    assert CJK_FONT.exists(), "install fonts-wqy-microhei (bash scripts/setup.sh --test)"
    pdf = FPDF()
    pdf.add_font("wqy", fname=str(CJK_FONT))
    pdf.set_font("wqy", size=12)
    return pdf


def make_pdf(path: Path) -> Path:
    """A PDF as Word or WPS exports it: an embedded font subset, lines wrapped by the writer."""
    pdf = _fpdf()
    pdf.add_page()
    title, body = PDF_TEXT.split("\n", 1)
    pdf.multi_cell(0, 10, title)
    pdf.ln(4)
    pdf.multi_cell(0, 8, body)
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A page that is only a picture, as a scanner makes it: no text layer."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (600, 800), 255)
    draw = ImageDraw.Draw(img)
    for y in range(60, 760, 30):
        draw.rectangle([40, y, 560 - (y % 90), y + 12], fill=0)   # lines of "print"
    pdf = _fpdf()
    pdf.add_page()
    pdf.image(img, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


def encrypt_pdf(source: Path, path: Path, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(source)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret",
                   algorithm="RC4-128")
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


# ---------------------------------------------------------------- reading each format

def test_utf8_articles_are_read_exactly_as_before():
    for path in sorted(SEEDS.glob("*.txt")):
        assert extract_text(path) == path.read_bytes().decode("utf-8-sig")


def test_gb18030_text_is_detected(tmp_path):
    path = tmp_path / "武乡.txt"
    path.write_bytes(GB_TEXT.encode("gb18030"))
    art = load_article(path)
    assert art.raw == GB_TEXT
    assert art.title == "武乡红色文旅小镇游客创新高"
    assert "全年接待游客320万人次。" in art.text


def test_utf16_text_with_a_bom_is_read(tmp_path):
    path = tmp_path / "notepad.txt"
    path.write_bytes(GB_TEXT.encode("utf-16"))       # Windows Notepad's "Unicode"
    assert extract_text(path) == GB_TEXT


def test_text_in_no_known_encoding_is_refused(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Le café de la gare, ouvert en été.".encode("latin-1"))
    with pytest.raises(IngestError, match=r"latin\.txt.*GB18030.*UTF-8"):
        extract_text(path)


def test_docx_paragraphs_in_order_with_headings(tmp_path):
    text = extract_text(make_docx(tmp_path / "碳纤维.docx"))
    lines = [line for line in text.split("\n") if line]
    assert lines == [f"# {DOCX_TITLE}", *DOCX_BODY, f"# {DOCX_HEADING}", "指标 | 数值",
                     "入驻企业 | 27家", DOCX_LAST]
    art = load_article(tmp_path / "碳纤维.docx")
    assert art.title == DOCX_TITLE
    assert DOCX_BODY[0] in art.text and art.paragraph_kinds[0] == "heading"


def test_html_main_text_without_navigation_or_footer(tmp_path):
    path = tmp_path / "襄垣.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    text = extract_text(path)
    for boilerplate in ("新闻中心", "政务公开", "美食节", "天气预报", "版权所有", "备案号"):
        assert boilerplate not in text, boilerplate
    assert text.startswith("# 襄垣数字经济产业园入驻软件企业41家\n\n")
    assert "园区已入驻软件企业41家，从业人员超过3000人。" in text
    assert "力争三年内软件企业数量突破百家" in text
    art = load_article(path)
    assert art.title == "襄垣数字经济产业园入驻软件企业41家"


def test_html_in_gb18030_is_decoded(tmp_path):
    path = tmp_path / "gb.htm"
    path.write_bytes(HTML_PAGE.replace('charset="utf-8"', 'charset="gb18030"').encode("gb18030"))
    assert "园区已入驻软件企业41家" in extract_text(path)


def test_pdf_text_layer_and_hard_wraps(tmp_path):
    path = make_pdf(tmp_path / "屯留.pdf")
    text = extract_text(path)
    assert squash(text) == squash(PDF_TEXT)
    assert len(text.strip().splitlines()) >= 3        # the writer wrapped the long paragraph
    art = load_article(path)
    assert art.title == "屯留光伏储能基地建设纪实"
    assert "基地2025年发电量达到9.6亿千瓦时，同比增长18%" in art.text   # wraps undone


def test_pdf_encrypted_only_against_editing_is_read(tmp_path):
    path = encrypt_pdf(make_pdf(tmp_path / "plain.pdf"), tmp_path / "open.pdf", "")
    assert squash(extract_text(path)) == squash(PDF_TEXT)


# ---------------------------------------------------------------- files that cannot be used

def _bad_files(folder: Path) -> dict[str, tuple[str, str]]:
    """name -> (a Chinese and an English fragment its error must have)"""
    make_scanned_pdf(folder / "扫描件.pdf")
    encrypt_pdf(make_pdf(folder / ".plain.pdf"), folder / "locked.pdf", "secret")
    (folder / ".plain.pdf").unlink()
    (folder / "fake.pdf").write_text("这其实是一个文本文件。", encoding="utf-8")
    (folder / "fake.docx").write_text("这其实是一个文本文件。", encoding="utf-8")
    (folder / "report.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (folder / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (folder / "empty.docx").write_bytes(b"")
    import docx

    docx.Document().save(str(folder / "blank.docx"))
    (folder / "nav.html").write_text("<html><body><nav><a href='/'>首页</a></nav></body></html>",
                                     encoding="utf-8")
    (folder / "huge.txt").write_text("园区" * 300_000, encoding="utf-8")   # 1.7 MB
    return {"扫描件.pdf": ("没有文字层", "no text layer"),
            "locked.pdf": ("已加密", "encrypted"),
            "fake.pdf": ("不是PDF", "not a PDF"),
            "fake.docx": ("不是Word", "not a Word"),
            "report.txt": ("内容是PDF", "a PDF file, not text"),
            "old.docx": ("加密的 Word", "encrypted Word file or the old .doc"),
            "empty.docx": ("空的", "empty"),
            "blank.docx": ("没有文字", "no text"),
            "nav.html": ("找不到正文", "no main text"),
            "huge.txt": ("文件太大", "too large")}


def test_each_bad_file_gets_a_clear_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PARKQA_MAX_FILE_MB", "1")
    for name, (zh, en) in _bad_files(tmp_path).items():
        with pytest.raises(IngestError) as err:
            extract_text(tmp_path / name)
        message = str(err.value)
        assert message.startswith(f"{name}：") and f"/ {name}: " in message, message
        assert zh in message and en in message, message


def test_the_size_limit_is_a_setting(tmp_path, monkeypatch):
    path = tmp_path / "big.txt"
    path.write_text("园区" * 300_000, encoding="utf-8")
    monkeypatch.delenv("PARKQA_MAX_FILE_MB", raising=False)
    assert max_file_bytes() == 20 * 1024 * 1024
    assert "园区" in extract_text(path)                  # 1.7 MB: under the default 20 MB
    monkeypatch.setenv("PARKQA_MAX_FILE_MB", "1.5")
    with pytest.raises(IngestError, match="1.5 MB"):
        extract_text(path)
    monkeypatch.setenv("PARKQA_MAX_FILE_MB", "lots")
    with pytest.raises(ValueError, match="PARKQA_MAX_FILE_MB"):
        max_file_bytes()


def test_bad_and_unknown_files_are_skipped_and_the_rest_kept(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PARKQA_MAX_FILE_MB", "1")
    bad = _bad_files(tmp_path)
    make_docx(tmp_path / "good.docx")
    (tmp_path / "notes.xyz").write_text("不是文章", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="parkqa.corpus"):
        articles, errors = load_corpus(tmp_path)
    assert [a.doc for a in articles] == ["good.docx"]
    assert len(errors) == len(bad) and all(any(e.startswith(n) for e in errors) for n in bad)
    assert "notes.xyz" not in " ".join(errors)
    assert any("notes.xyz" in r.getMessage() and "已忽略" in r.getMessage()
               for r in caplog.records)


# ---------------------------------------------------------------- indexed and quoted

@pytest.fixture()
def mixed(tmp_path, seeds_copy, qa):
    """The project's articles plus one of each new format and the bad files, with a copy of the
    built index (so only the new articles are embedded)."""
    from parkqa.config import Settings

    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_copy, seeds)
    shutil.copytree(qa.settings.index, tmp_path / "index")
    make_docx(seeds / "碳纤维.docx")
    make_pdf(seeds / "屯留.pdf")
    (seeds / "襄垣.html").write_text(HTML_PAGE, encoding="utf-8")
    (seeds / "武乡.txt").write_bytes(GB_TEXT.encode("gb18030"))
    return Settings(seeds=seeds, index=tmp_path / "index")


@pytest.mark.slow
def test_new_formats_are_indexed_and_quoted_exactly(mixed, embedder, qa, monkeypatch):
    from parkqa.pipeline import ParkQA

    monkeypatch.setenv("PARKQA_MAX_FILE_MB", "1")
    bad = _bad_files(mixed.seeds)
    (mixed.seeds / "notes.xyz").write_text("不是文章", encoding="utf-8")
    new = ParkQA(mixed, embedder)       # the folder changed: rebuilt, vectors of old texts reused
    manifest = new.index.manifest
    assert manifest["counts"]["articles"] == 5 + 4
    assert sorted(e.split("：")[0] for e in manifest["skipped"]) == sorted(bad)
    assert manifest["ignored"] == ["notes.xyz"]
    assert 0 < manifest["counts"]["embedded"] < manifest["counts"]["reused"]

    stored = {row["doc"]: row["raw"] for row in map(
        json.loads, (mixed.index / "articles.jsonl").read_text("utf-8").splitlines())}
    cases = [("碳纤维.docx", "潞城碳纤维产业园今年引进了多少家企业？", "27家"),
             ("屯留.pdf", "屯留光伏储能基地2025年发电量是多少？", "9.6亿千瓦时"),
             ("襄垣.html", "襄垣数字经济产业园入驻了多少家软件企业？", "41家"),
             ("武乡.txt", "武乡红色文旅小镇全年接待游客多少人次？", "320万人次")]
    for doc, question, fact in cases:
        raw = new.index.articles[doc].raw
        assert raw == stored[doc] == extract_text(mixed.seeds / doc)   # the index keeps the text
        ans = new.ask(question)
        assert ans.answered and fact in ans.text, (question, ans.text)
        cited = [c for c in ans.citations if c.doc == doc]
        assert cited, (question, [c.doc for c in ans.citations])
        for c in cited:
            assert squash(raw[c.start:c.end]) == squash(c.quote), (doc, c)
        assert any(fact in squash(c.quote) for c in cited), (question, cited)
    assert stored["武乡.txt"] == GB_TEXT

    # the project's own articles are answered exactly as before
    question = "长治高新区现在有多少家入区企业？"
    before, after = qa.ask(question), new.ask(question)
    assert [(c.doc, c.start, c.end) for c in after.citations] == \
        [(c.doc, c.start, c.end) for c in before.citations]
