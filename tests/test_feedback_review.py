"""Feedback you can review: ``POST /api/feedback`` into the chat's log, ``parkqa feedback``
to summarise it, and ``GET /embed`` without the slash."""
import json
import subprocess
import sys

import httpx
import pytest

from parkqa.feedback import FeedbackLog
from parkqa.feedback_report import format_summary, summarize

QUESTION = "经开区全年新签约多少个项目？"


def parkqa_cli(*args, env_log_dir=None):
    import os

    env = dict(os.environ)
    if env_log_dir is not None:
        env["PARKQA_LOG_DIR"] = env_log_dir
    return subprocess.run([sys.executable, "-m", "parkqa.cli", *args], capture_output=True,
                          text=True, timeout=120, env=env)


def rate(server, answer: dict, rating: str, comment: str = ""):
    return httpx.post(server.url + "/api/feedback", timeout=30, json={
        "question": answer["question"], "answer": answer["text"], "answered": answer["answered"],
        "rating": rating, "comment": comment, "citations": answer["citations"]})


def test_api_feedback_lands_in_the_log_and_the_review(server):
    answer = httpx.post(server.url + "/api/ask", json={"question": QUESTION}, timeout=60).json()
    r = rate(server, answer, "down", "数字对，但想看到签约总金额")
    assert r.status_code == 201 and r.json()["status"] == "recorded"
    records = FeedbackLog(server.log_dir).read()
    mine = [x for x in records if x.get("comment") == "数字对，但想看到签约总金额"]
    assert len(mine) == 1 and mine[0]["source"] == "api" and mine[0]["rating"] == "down"
    assert mine[0]["answer"] == answer["text"] and mine[0]["citations"] == answer["citations"]
    out = parkqa_cli("feedback", "--json", "--log-dir", str(server.log_dir))
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["down"] >= 1 and summary["total"] == len(records)
    newest = summary["recent_down"][0]          # newest 👎 with a comment comes first
    assert newest["comment"] == "数字对，但想看到签约总金额" and newest["question"] == QUESTION


@pytest.mark.parametrize("body", [
    {},
    {"question": "高新区？", "answer": "…", "answered": True, "rating": "meh"},
    {"question": "高新区？", "answer": "…", "rating": "up"},                     # answered missing
    {"question": "", "answer": "…", "answered": True, "rating": "up"},
    {"question": "高新区？", "answer": "…", "answered": True, "rating": "up", "comment": "长" * 2001},
    {"question": "高新区？", "answer": "…", "answered": True, "rating": "up", "user": "x"},
])
def test_bad_feedback_is_422(server, body):
    before = len(FeedbackLog(server.log_dir).read())
    r = httpx.post(server.url + "/api/feedback", json=body, timeout=30)
    assert r.status_code == 422 and r.json()["message"].startswith("反馈格式不正确")
    assert len(FeedbackLog(server.log_dir).read()) == before


def test_feedback_needs_a_key_when_keys_are_set(portal_server):
    body = {"question": QUESTION, "answer": "…", "answered": True, "rating": "up"}
    r = httpx.post(portal_server.url + "/api/feedback", json=body, timeout=30)
    assert r.status_code == 401
    r = httpx.post(portal_server.url + "/api/feedback", json=body, timeout=30,
                   headers={"Authorization": f"Bearer {portal_server.keys[3]}"})
    assert r.status_code == 201


def test_summary_counts_share_and_recent_downs(tmp_path):
    log = FeedbackLog(tmp_path)
    log.append({"rating": "up", "question": "问一", "answer": "答一[1]", "answered": True})
    log.append({"rating": "down", "question": "问二", "answer": "答二[1]", "answered": True,
                "comment": "引用错了"})
    log.append({"source": "api", "rating": "down", "question": "问三", "answered": False,
                "answer": "抱歉，现有文章中没有找到能回答这个问题的内容。"})
    with open(log.path, "a", encoding="utf-8") as fh:
        fh.write('{"rating": "up", "question": "cut off by a full di\n')
    s = summarize(log.path)
    assert (s["total"], s["up"], s["down"], s["unreadable_lines"]) == (3, 1, 2, 1)
    assert s["down_share"] == pytest.approx(0.667, abs=1e-3)
    assert s["by_source"] == {"chat": 2, "api": 1} and s["refused_and_down"] == 1
    assert [r["question"] for r in s["recent_down"]] == ["问二", "问三"]   # commented first
    text = format_summary(s)
    assert "👎 2" in text and "67%" in text and "留言：引用错了" in text and "（拒答）" in text
    assert summarize(log.path, since="2999-01-01")["total"] == 0


def test_cli_text_output_and_logging_off(tmp_path):
    FeedbackLog(tmp_path).append({"rating": "down", "question": "那经开区呢？", "answer": "…",
                                  "resolved_question": "长治经开区有多少家入区企业？"})
    out = parkqa_cli("feedback", "--log-dir", str(tmp_path))
    assert out.returncode == 0 and "踩的比例 100%" in out.stdout
    assert "理解为：长治经开区有多少家入区企业？" in out.stdout
    empty = parkqa_cli("feedback", "--log-dir", str(tmp_path / "none"))
    assert empty.returncode == 0 and "还没有反馈记录" in empty.stdout
    off = parkqa_cli("feedback", env_log_dir="")
    assert off.returncode == 2 and "反馈记录已关闭" in off.stdout


def test_cli_lists_and_exports_records(tmp_path):
    import csv
    import io

    log = FeedbackLog(tmp_path)
    log.append({"rating": "up", "question": "问一", "answer": "答一[1]", "answered": True})
    log.append({"source": "widget", "rating": "down", "question": "问二，有逗号", "answered": True,
                "answer": "答二[1]", "comment": "引用错了"})
    table = parkqa_cli("feedback", "--log-dir", str(tmp_path), "--format", "table")
    assert table.returncode == 0 and len(table.stdout.splitlines()) == 2
    assert "踩  widget" in table.stdout and "留言：引用错了" in table.stdout
    downs = parkqa_cli("feedback", "--log-dir", str(tmp_path), "--format", "jsonl", "--rating", "down")
    assert [json.loads(x)["question"] for x in downs.stdout.splitlines()] == ["问二，有逗号"]
    out = parkqa_cli("feedback", "--log-dir", str(tmp_path), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout.lstrip("\ufeff"))))
    assert [r["question"] for r in rows] == ["问一", "问二，有逗号"] and rows[1]["comment"] == "引用错了"
    none = parkqa_cli("feedback", "--log-dir", str(tmp_path), "--format", "table", "--since", "2999")
    assert "没有符合条件的记录" in none.stdout


def test_downs_become_candidate_qa_items_to_edit(tmp_path):
    from parkqa.evaluation import load_qa

    log = FeedbackLog(tmp_path)
    log.append({"rating": "up", "question": "问一", "answer": "答一[1]", "answered": True})
    log.append({"rating": "down", "question": "那经开区呢？", "answered": True, "answer": "答二[1]",
                "resolved_question": "经开区有多少家高新技术企业？", "comment": "数字不对",
                "citations": [{"n": 1, "doc": "004_x.txt", "quote": "原句", "start": 0, "end": 2}]})
    out = parkqa_cli("feedback", "--log-dir", str(tmp_path), "--format", "qa")
    assert out.returncode == 0, out.stderr
    items = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(items) == 1 and items[0]["question"] == "经开区有多少家高新技术企业？"
    assert items[0]["feedback"]["comment"] == "数字不对"
    assert items[0]["feedback"]["cited"] == [{"doc": "004_x.txt", "quote": "原句"}]
    assert items[0]["type"].startswith("TODO")            # a person chooses it
    path = tmp_path / "candidates.jsonl"
    path.write_text(out.stdout, encoding="utf-8")
    assert load_qa(path)[0]["id"] == "fb001"               # the Q&A reader takes the file


def test_embed_without_the_slash_serves_the_iframe_chat(server):
    r = httpx.get(server.url + "/embed", follow_redirects=True, timeout=30)
    assert r.status_code == 200 and r.url.path == "/embed/"
    assert r.text == httpx.get(server.url + "/embed/", timeout=30).text
    assert r.history and r.history[0].headers["location"] == "embed/"


@pytest.mark.browser
def test_embed_without_the_slash_in_a_browser(browser, server):
    page = browser.new_page(locale="zh-CN")
    page.goto(server.url + "/embed")
    page.wait_for_selector("#pq-input textarea", timeout=60_000)
    assert page.locator("#pq-about").count() == 0            # the compact chat, not the full one
    page.close()


def test_feedback_list_needs_an_admin_key_not_a_portal_key(qa, settings, tmp_path):
    """A portal's key is readable by its visitors: with admin keys set, it neither reads the
    feedback log nor re-indexes; an admin key does."""
    from browser import Server, corpus_env

    with Server(corpus_env(settings, PARKQA_LOG_DIR=str(tmp_path), PARKQA_API_KEYS="portal-k1",
                           PARKQA_ADMIN_KEYS="admin-k9", PARKQA_RATE_LIMIT="0")) as srv:
        portal, admin = ({"Authorization": f"Bearer {k}"} for k in ("portal-k1", "admin-k9"))
        answer = httpx.post(srv.url + "/api/ask", json={"question": QUESTION}, headers=portal,
                            timeout=60).json()
        for rating in ("down", "up"):
            r = httpx.post(srv.url + "/api/feedback", headers=portal, timeout=30, json={
                "question": answer["question"], "answer": answer["text"],
                "answered": answer["answered"], "rating": rating, "comment": f"c-{rating}"})
            assert r.status_code == 201, r.text
        for headers in ({}, portal):
            r = httpx.get(srv.url + "/api/feedback", headers=headers, timeout=30)
            assert r.status_code == 403 and "管理员" in r.json()["message"]
            assert httpx.post(srv.url + "/api/reindex", headers=headers, timeout=30).status_code == 403
        r = httpx.get(srv.url + "/api/feedback", headers=admin, timeout=30)
        assert r.status_code == 200
        body = r.json()
        assert body["total"] == 2 and [x["comment"] for x in body["records"]] == ["c-up", "c-down"]
        down = httpx.get(srv.url + "/api/feedback", params={"rating": "down"}, headers=admin,
                         timeout=30).json()
        assert [x["comment"] for x in down["records"]] == ["c-down"]
        assert httpx.get(srv.url + "/api/feedback", params={"rating": "meh"}, headers=admin,
                         timeout=30).status_code == 422
