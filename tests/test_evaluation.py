import json
import subprocess
import sys
from pathlib import Path

import pytest

from parkqa.dialogue_eval import evaluate_dialogues, load_dialogues
from parkqa.eval_report import render_markdown, write_chart
from parkqa.evaluation import TYPES, aggregate, evaluate, load_qa, refusal_curve, split_items

ROOT = Path(__file__).resolve().parent.parent


def test_hand_written_set_is_valid_and_spread_over_the_articles():
    items = load_qa(ROOT / "eval" / "qa.jsonl", seeds=ROOT / "seeds")
    assert len(items) >= 600
    assert {i["type"] for i in items} == set(TYPES)
    assert sum(i["type"] == "unanswerable" for i in items) >= 0.2 * len(items) - 20
    assert sum(not any("\u4e00" <= ch <= "\u9fff" for ch in i["question"]) for i in items) >= 60
    # split once: every item has a split, and test holds every type
    assert {i["split"] for i in items} == {"train", "dev", "test"}
    assert {i["type"] for i in split_items(items, "test")} == set(TYPES)
    dialogues = load_dialogues(ROOT / "eval" / "dialogues.jsonl")
    assert len(dialogues) >= 60 and all(d["split"] in ("train", "dev", "test") for d in dialogues)
    # every article gets questions roughly in proportion to its length
    sizes = {p.name: len(p.read_text(encoding="utf-8")) for p in (ROOT / "seeds").glob("*.txt")}
    answerable = [i for i in items if i["evidence"]]
    for doc, size in sizes.items():
        share = sum(i["evidence"][0]["doc"] == doc for i in answerable) / len(answerable)
        assert share >= 0.5 * size / sum(sizes.values()), doc


def test_validator_rejects_bad_evidence(tmp_path):
    bad = tmp_path / "qa.jsonl"
    bad.write_text(json.dumps({
        "id": "x1", "question": "？", "answer": "1", "must_contain": ["99家"], "type": "fact_number",
        "evidence": [{"doc": "000_e7ffa1cc56d22445.txt", "quote": "不存在的句子"}]},
        ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_qa(bad, seeds=ROOT / "seeds")
    assert "evidence quote not in" in str(err.value) and "must_contain" in str(err.value)


def test_small_evaluation_run(qa):
    """A fast evaluation on a fixed slice of the dev split (blind-written questions)."""
    every = load_qa(ROOT / "eval" / "qa.jsonl", seeds=ROOT / "seeds")
    items = split_items(every, "dev")
    sample = [i for i in items if i["type"] != "unanswerable"][:24] + \
        [i for i in items if i["type"] == "unanswerable"][:16]   # 8 were too few to judge by
    report = evaluate(qa, sample, train=[i["question"] for i in split_items(every, "train")])
    ours = report["systems"]["parkqa"]
    # the items with and without a near twin in train, aggregated apart
    assert all(0.0 < r["train_similarity"] <= 1.0 for r in ours["items"])
    halves = [ours["by_type"][n]["items"] for n in ("like_train", "unlike_train")
              if n in ours["by_type"]]
    assert sum(halves) == 40
    assert set(report["systems"]) == {"parkqa", "bm25_only", "dense_only"}
    assert len(ours["items"]) == 40 and ours["overall"]["items"] == 40
    row = ours["items"][0]
    assert {"must_contain_all", "evidence_rank", "citation_precision", "seconds"} <= set(row)
    # floors well under what the fitted pipeline reaches on dev: a broken scorer falls below
    assert ours["overall"]["must_contain_all"] >= 0.5
    assert ours["overall"]["answerable_refused"] <= 0.2
    assert ours["overall"]["unanswerable_refused"] >= 0.25
    assert ours["overall"]["must_contain_all"] > report["systems"]["dense_only"]["overall"][
        "must_contain_all"]
    # a chunk pipeline always answers with its top passage (BM25 only when no word matches)
    assert report["systems"]["dense_only"]["overall"]["unanswerable_refused"] == 0.0
    assert all(isinstance(r["confidence"], float) for r in ours["items"])
    md = render_markdown(report, qa_file="eval/qa.jsonl", manifest=qa.index.manifest,
                         default_threshold=qa.answerer.model.threshold, split="dev")
    assert "| must_contain_all |" in md and "## Failing items" in md
    assert "split: **dev**" in md and "chart.png" in md
    assert "Not listed" in render_markdown(report, qa_file="x", manifest={}, split="test",
                                           default_threshold=0.5)
    # an earlier run's metrics on the same items become a column of their own
    earlier = {"parkqa": {"overall": {**ours["overall"], "must_contain_all": 0.123}}}
    md = render_markdown(report, qa_file="x", manifest={}, split="dev", default_threshold=0.5,
                         sizes={"train": 3, "dev": 2}, compare=("start", earlier))
    assert "| metric | parkqa | bm25_only | dense_only | parkqa (start) |" in md
    row = next(line for line in md.splitlines() if line.startswith("| must_contain_all |"))
    assert row.endswith("| 0.123 |")
    assert "Splits of the file: train 3 · dev 2" in md


def test_dialogues_are_played_with_history(qa):
    dialogues = split_items(load_dialogues(ROOT / "eval" / "dialogues.jsonl"), "dev")[:4]
    report = evaluate_dialogues(qa, dialogues)
    turns = report["turns"]
    assert report["overall"]["turns"] == sum(len(d["turns"]) for d in dialogues)
    assert all(r["resolved_question"] for r in turns)
    assert report["overall"]["turn_accuracy"] >= 0.4


def test_refusal_curve_and_chart(tmp_path):
    rows = [{"answerable": True, "confidence": 0.9}, {"answerable": True, "confidence": 0.5},
            {"answerable": False, "confidence": 0.0}, {"answerable": False, "confidence": 0.4},
            {"answerable": True, "confidence": None}]          # never reached the pipeline
    curve = {r["threshold"]: r for r in refusal_curve(rows, [0.0, 0.45, 0.6, 1.0])}
    assert curve[0.0] == {"threshold": 0.0, "unanswerable_refused": 0.0, "answerable_refused": 0.0}
    assert curve[0.45]["unanswerable_refused"] == 1.0 and curve[0.45]["answerable_refused"] == 0.0
    assert curve[0.6]["answerable_refused"] == 0.5 and curve[1.0]["answerable_refused"] == 1.0
    by_type = {"fact_number": {"items": 2, "must_contain_all": 0.5, "unanswerable_refused": None},
               "unanswerable": {"items": 2, "must_contain_all": None, "unanswerable_refused": 1.0}}
    report = {"systems": {"parkqa": {"by_type": by_type}, "bm25_only": {"by_type": by_type}},
              "refusal_curve": list(curve.values())}
    png = tmp_path / "chart.png"
    assert write_chart(report, png, default_threshold=0.45)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_aggregate_counts_refusals_separately():
    rows = [
        {"answerable": True, "type": "fact_number", "must_contain_all": True,
         "must_contain_share": 1.0, "evidence_rank": 1, "citation_precision": 1.0,
         "refused": False, "answered": True, "answer_chars": 40, "seconds": 0.05},
        {"answerable": True, "type": "fact_number", "must_contain_all": False,
         "must_contain_share": 0.0, "evidence_rank": None, "citation_precision": None,
         "refused": True, "answered": False, "answer_chars": 0, "seconds": 0.07},
        {"answerable": False, "type": "unanswerable", "must_contain_all": None,
         "must_contain_share": None, "evidence_rank": None, "citation_precision": None,
         "refused": True, "answered": False, "answer_chars": 0, "seconds": 0.06},
    ]
    agg = aggregate(rows)
    assert agg["must_contain_all"] == 0.5 and agg["answerable_refused"] == 0.5
    assert agg["unanswerable_refused"] == 1.0 and agg["evidence_top5"] == 0.5
    assert agg["median_answer_chars"] == 40


def test_a_wrong_compare_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "metrics.json"
    bad.write_text("{not json", encoding="utf-8")
    for path in (str(bad), str(tmp_path / "missing.json")):
        out = subprocess.run([sys.executable, "-m", "parkqa.cli", "eval", "--qa",
                              str(ROOT / "eval" / "qa.jsonl"), "--limit", "3", "--compare", path,
                              "--out", str(tmp_path / "out")],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 2 and "--compare" in out.stderr
        assert "Traceback" not in out.stderr
