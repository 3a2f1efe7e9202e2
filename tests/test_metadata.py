"""Article metadata read from newspaper layout: on the real articles and on made-up pages that
print title, paper, date, page and byline the other ways Chinese newspapers do."""
import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from parkqa.corpus import load_article, repair
from parkqa.metadata import ArticleMeta, credits, date_zh

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
NEW = ROOT / "eval" / "new_articles"
BODY = "今年以来，园区坚持项目为王，新签约项目62个，总投资超过百亿元，规模以上工业增加值同比增长12%。"


def real(prefix: str):
    folder = NEW if prefix.startswith("1") else SEEDS
    return load_article(next(folder.glob(prefix + "_*.txt")))


@pytest.mark.parametrize("prefix, title, subtitle, byline", [
    ("000", "长治高新区五年蝶变 新兴产业集群创新促发展", "", "本报记者 李洋 特约通讯员 李晓杰"),
    # a kicker (引题) printed above a marked title; the byline closes the article
    ("001", "长治正向“新”“长”“绿”“智”转型", "打造一个千亿级八个百亿级产业集群",
     "常进/文 李宁 张国平 田雨/图"),
    ("002", "科创为核筑根基 以新为翼向高攀", "", ""),
    # the dash-led subtitle printed above the title; bare names after the last sentence
    ("003", "聚集高端产业 锻造发展引擎", "长治高新区加压奋进推动高质量发展蹄疾步稳", "常珍珍 徐姗"),
    ("004", "勇立潮头显担当 奋楫扬帆谱新篇", "长治经开区以实干实绩开创高质量发展新局面", "李茹"),
    # "晋城经开区供图" at the end credits photos to an organisation: not a byline
    ("100", "晋城经开区“十四五”答卷：光机电领跑 新动能聚势",
     "晋城经济技术开发区以项目为王推动高质量发展纪实", "本报记者 赵晓峰 通讯员 郭晓敏 申鹏"),
    ("101", "“盐湖之畔”崛起创新高地", "运城高新区营收首破千亿元",
     "本报记者 孙雅琴 通讯员 薛志强 王璐"),
])
def test_real_articles(prefix, title, subtitle, byline):
    meta = real(prefix).meta
    assert (meta.title, meta.subtitle, meta.byline) == (title, subtitle, byline)


def test_special_issue_continued_page_and_masthead_year():
    # 002 sits under a 两会特刊 masthead with "2026" on it and is "（上接第一版）"
    meta = real("002").meta
    assert (meta.issue, meta.page, meta.date, meta.date_from) == ("两会特刊", "上接第一版", "2026", "text")
    assert meta.source == "两会特刊 上接第一版"
    assert meta.credits() == "两会特刊 上接第一版 · 2026年"


def test_without_a_printed_date_the_file_time_is_used_and_said_to_be_one():
    art = real("000")
    mtime = datetime.fromtimestamp((SEEDS / art.doc).stat().st_mtime).strftime("%Y-%m-%d")
    assert (art.meta.date, art.meta.date_from) == (mtime, "file time")
    assert "文件日期" in art.meta.credits() and art.meta.newspaper == ""   # 本报 names no paper


def test_masthead_paper_date_and_page():
    raw = ("长治日报 2026年1月5日 星期一 第3版\n\n园区新签约项目62个 总投资超百亿元\n\n"
           "■ 本报记者 张三 实习生 李四\n\n" + BODY + "\n\n2025年7月5日，另一个项目开工。\n")
    meta = repair(raw).meta
    assert (meta.newspaper, meta.page, meta.date, meta.date_from) == ("长治日报", "第3版", "2026-01-05", "text")
    assert meta.title == "园区新签约项目62个 总投资超百亿元"
    assert meta.byline == "本报记者 张三 实习生 李四"
    assert meta.credits() == "本报记者 张三 实习生 李四 · 长治日报 第3版 · 2026年1月5日"


def test_dates_and_papers_inside_the_body_are_news_not_metadata():
    raw = ("园区新签约项目62个 总投资超百亿元\n\n"
           "2025年7月5日，据《山西日报》报道，" + BODY + "\n\n" + BODY + "\n")
    meta = repair(raw).meta
    assert meta.date == "" and meta.newspaper == "" and meta.byline == ""


@pytest.mark.parametrize("lead, paper, byline", [
    ("本报讯（记者 王五 通讯员 赵六）", "", "记者 王五 通讯员 赵六"),
    ("新华社太原1月5日电（记者 王五）", "新华社", "记者 王五"),
])
def test_dateline_at_the_head_of_the_first_paragraph(lead, paper, byline):
    meta = repair("园区新签约项目62个 总投资超百亿元\n\n" + lead + BODY + "\n").meta
    assert (meta.newspaper, meta.byline) == (paper, byline)


@pytest.mark.parametrize("tail, byline", [
    ("文/张三 图/李四", "文/张三 图/李四"),
    ("记者 张三 摄", "记者 张三 摄"),
    ("（作者：张三）", "作者：张三"),
    ("责任编辑：王五", ""),                 # an editor is not an author
    ("下转第三版", ""),                     # says where it goes on, not where it is
])
def test_bylines_and_credits_at_the_end(tail, byline):
    meta = repair("园区新签约项目62个 总投资超百亿元\n\n" + BODY + "\n\n" + BODY + "\n\n" + tail + "\n").meta
    assert meta.byline == byline and meta.page == ""


@pytest.mark.parametrize("tail, byline", [
    ("欧阳明 张国平", "欧阳明 张国平"),   # names, as jieba reads them
    ("谋好篇 布好局", ""),               # a slogan is not a name
    ("新征程", ""),
])
def test_bare_names_after_the_last_sentence(tail, byline):
    meta = repair("园区新签约项目62个 总投资超百亿元\n\n" + BODY + "\n\n" + BODY + " " + tail + "\n").meta
    assert meta.byline == byline


def test_issue_number_and_letter_page():
    meta = repair("上党晚报 总第12345期 A3版\n\n园区新签约项目62个 总投资超百亿元\n\n" + BODY + "\n").meta
    assert (meta.newspaper, meta.issue, meta.page) == ("上党晚报", "总第12345期", "A3版")


def test_an_article_without_a_title_line_is_named_by_its_opening_words():
    meta = repair(BODY + "\n\n" + BODY + "\n", doc="0a1b2c3d4e5f.txt").meta
    assert meta.title.startswith("今年以来，园区坚持项目为王") and "0a1b2c" not in meta.title


def test_date_from_the_file_name_before_the_file_time(tmp_path):
    for name, date in (("2026-01-05_园区.txt", "2026-01-05"), ("园区_20260105.txt", "2026-01-05"),
                       ("e7ffa20260105cc.txt", None)):      # digits inside a hash are no date
        path = tmp_path / name
        path.write_text("园区新签约项目62个 总投资超百亿元\n\n" + BODY + "\n", encoding="utf-8")
        os.utime(path, (0, datetime(2024, 3, 9, 12).timestamp()))
        meta = load_article(path).meta
        expected = (date, "file name") if date else ("2024-03-09", "file time")
        assert (meta.date, meta.date_from) == expected


def test_a_web_page_keeps_its_date_site_and_author(tmp_path):
    page = ('<html><head><meta charset="utf-8"><title>园区新签约项目62个</title>'
            '<meta property="og:site_name" content="长治新闻网">'
            '<meta property="article:published_time" content="2026-01-05T08:00:00+08:00"></head>'
            f"<body><article><h1>园区新签约项目62个</h1><p>{BODY}</p><p>{BODY}</p></article>"
            "</body></html>")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    meta = load_article(tmp_path / "page.html").meta
    assert (meta.title, meta.newspaper, meta.date, meta.date_from) == (
        "园区新签约项目62个", "长治新闻网", "2026-01-05", "page")


def test_metadata_round_trips_as_data():
    meta = real("002").meta
    assert ArticleMeta.from_dict(json.loads(json.dumps(meta.to_dict()))) == meta
    assert date_zh("2026-01", "text") == "2026年1月" and credits("", "", "", "") == ""


def test_the_index_saves_metadata_and_citations_carry_it(qa, settings):
    rows = [json.loads(line) for line in
            (settings.index / "articles.jsonl").read_text("utf-8").splitlines()]
    saved = {r["doc"]: r["meta"] for r in rows}
    assert saved["003_8bb848d12928b991.txt"]["byline"] == "常珍珍 徐姗"
    ans = qa.ask("长治高新区现在有多少家入区企业？").to_dict()
    c = ans["citations"][0]
    assert c["doc"].startswith("000_")
    assert (c["title"], c["byline"], c["date_from"]) == (
        "长治高新区五年蝶变 新兴产业集群创新促发展", "本报记者 李洋 特约通讯员 李晓杰", "file time")
    assert {"subtitle", "source", "date"} <= set(c)
