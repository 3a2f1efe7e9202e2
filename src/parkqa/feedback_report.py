"""Review the 👍/👎 log (``PARKQA_LOG_DIR/feedback.jsonl``): counts, the share of 👎, and the
most recent 👎 with what was asked, answered and said — as text or JSON (``parkqa feedback``);
or list and export the records (``--format table|csv|jsonl``, ``--rating``, ``--since``), or
turn the 👎 into candidate Q&A items to edit into an eval file (``--format qa``).

Lines that are not whole JSON records (a hand edit, a disk that filled up) are counted and
skipped, never fatal: the review of the rest still works.

Example::

    >>> from parkqa.feedback import FeedbackLog
    >>> from parkqa.feedback_report import summarize
    >>> log = FeedbackLog("/tmp/parkqa-doc-report")
    >>> _ = log.append({"rating": "down", "question": "经开区呢？", "answer": "…", "comment": "不对"})
    >>> summarize(log.path)["down"] >= 1
    True
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

RECENT = 10


def read_records(path: Path) -> tuple[list[dict], int]:
    """(records oldest first, number of unreadable lines)."""
    if not path.exists():
        return [], 0
    records, bad = [], 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                bad += 1
                continue
            if isinstance(record, dict):
                records.append(record)
            else:
                bad += 1
    return records, bad


def select(records: list[dict], *, since: str | None = None,
           rating: str | None = None) -> list[dict]:
    """The records from ``since`` (an ISO date or time, UTC) on, of one ``rating`` if given."""
    return [r for r in records if (not since or str(r.get("time", "")) >= since)
            and (not rating or r.get("rating") == rating)]


def summarize(path: Path, *, since: str | None = None, recent: int = RECENT) -> dict:
    """Counts by rating and source, the 👎 share, and the latest ``recent`` 👎 (newest first;
    those with a comment before those without). ``since``: an ISO date or time (UTC)."""
    records, bad = read_records(Path(path))
    records = select(records, since=since)
    ratings = Counter(r.get("rating") for r in records)
    up, down = ratings.get("up", 0), ratings.get("down", 0)
    downs = [r for r in records if r.get("rating") == "down"][::-1]
    downs.sort(key=lambda r: not str(r.get("comment") or "").strip())   # stable: newest first
    return {"path": str(path), "total": len(records), "up": up, "down": down,
            "down_share": round(down / (up + down), 3) if up + down else None,
            "refused_and_down": sum(1 for r in records
                                    if r.get("rating") == "down" and r.get("answered") is False),
            "by_source": dict(Counter(r.get("source", "chat") for r in records)),
            "unreadable_lines": bad, "first": records[0].get("time") if records else None,
            "last": records[-1].get("time") if records else None,
            "recent_down": [{k: r.get(k) for k in ("time", "source", "question",
                                                   "resolved_question", "answered", "answer",
                                                   "comment")} for r in downs[:recent]]}


def _clip(text, limit: int = 80) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def format_summary(s: dict) -> str:
    """The summary as a short Chinese report for a terminal."""
    if not s["total"]:
        return f"还没有反馈记录（{s['path']}）。"
    share = f"{s['down_share']:.0%}" if s["down_share"] is not None else "—"
    sources = "，".join(f"{k} {v}" for k, v in sorted(s["by_source"].items()))
    lines = [f"反馈记录：{s['path']}（{s['first']} 至 {s['last']}）",
             f"共 {s['total']} 条：👍 {s['up']}，👎 {s['down']}（踩的比例 {share}）；"
             f"来源：{sources}",
             f"其中拒答后被踩：{s['refused_and_down']} 条"]
    if s["unreadable_lines"]:
        lines.append(f"跳过了 {s['unreadable_lines']} 行无法读取的记录")
    if s["recent_down"]:
        lines += ["", "最近的 👎（有留言的在前）："]
    for n, r in enumerate(s["recent_down"], 1):
        lines.append(f"{n}. [{r['time']}] 问：{_clip(r['question'])}")
        if r.get("resolved_question") and r["resolved_question"] != r["question"]:
            lines.append(f"   理解为：{_clip(r['resolved_question'])}")
        lines.append(f"   答：{_clip(r['answer'])}" + ("" if r.get("answered", True) else "（拒答）"))
        if str(r.get("comment") or "").strip():
            lines.append(f"   留言：{_clip(r['comment'], 200)}")
    return "\n".join(lines)


EXPORT_FIELDS = ("time", "rating", "source", "answered", "question", "resolved_question",
                 "answer", "comment")


def export(records: list[dict], fmt: str) -> str:
    """``table`` (one line each, for reading), ``csv`` (for a spreadsheet, UTF-8 with BOM so
    Excel shows Chinese) or ``jsonl`` (the records as logged)."""
    import csv
    import io

    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, EXPORT_FIELDS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: r.get(k, "") for k in EXPORT_FIELDS} for r in records)
        return "\ufeff" + buf.getvalue()
    rows = [f"{str(r.get('time', ''))[:19]}  {'赞' if r.get('rating') == 'up' else '踩'}  "
            f"{str(r.get('source', 'chat')):6}  {_clip(r.get('question'), 40)}"
            + (f"  留言：{_clip(r.get('comment'), 60)}" if str(r.get("comment") or "").strip() else "")
            for r in records]
    return "\n".join(rows) + ("\n" if rows else "（没有符合条件的记录）\n")


def qa_candidates(records: list[dict]) -> str:
    """Each 👎 as a candidate item of a Q&A file (JSONL) for a person to finish: the standalone
    question, empty gold fields, ``type`` still to choose, and what the bot said and cited (and
    the user's comment) under ``feedback`` as a lead. Not an eval item until edited."""
    lines = []
    for n, r in enumerate((r for r in records if r.get("rating") == "down"), 1):
        cited = [{"doc": c.get("doc"), "quote": c.get("quote")} for c in r.get("citations") or []
                 if isinstance(c, dict)]
        item = {"id": f"fb{n:03d}", "question": r.get("resolved_question") or r.get("question"),
                "answer": "", "must_contain": [], "evidence": [],
                "type": "TODO: fact_number|fact_entity|list|why_how|cross_doc|temporal|yes_no|"
                        "summary|unanswerable",
                "feedback": {"time": r.get("time"), "asked": r.get("question"),
                             "answered": r.get("answered"), "answer": r.get("answer"),
                             "cited": cited, "comment": r.get("comment", "")}}
        lines.append(json.dumps(item, ensure_ascii=False) + "\n")
    return "".join(lines)


def run_cli(args, settings) -> int:
    folder = args.log_dir or settings.log_dir
    if not folder:
        print("parkqa: 反馈记录已关闭（PARKQA_LOG_DIR 为空）；用 --log-dir 指定记录所在的文件夹。")
        return 2
    path = Path(folder) / "feedback.jsonl"
    if args.format != "summary":
        records = select(read_records(path)[0], since=args.since, rating=args.rating)
        sys.stdout.write(qa_candidates(records) if args.format == "qa"
                         else export(records, args.format))
        return 0
    summary = summarize(path, since=args.since, recent=args.recent)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(format_summary(summary))
    return 0
