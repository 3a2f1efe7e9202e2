import json
from pathlib import Path

import pytest

from parkqa.evaluation import aggregate, evaluate, load_qa, render_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_hand_written_set_is_valid():
    items = load_qa(ROOT / "eval" / "qa.jsonl", seeds=ROOT / "seeds")
    assert len(items) >= 50
    types = {i["type"] for i in items}
    assert {"fact_number", "temporal", "unanswerable", "cross_doc"} <= types
    assert sum(i["type"] == "unanswerable" for i in items) >= 10


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
    items = load_qa(ROOT / "eval" / "qa.jsonl", seeds=ROOT / "seeds")
    sample = [i for i in items if i["type"] != "unanswerable"][:6] + \
        [i for i in items if i["type"] == "unanswerable"][:3]
    report = evaluate(qa, sample)
    ours = report["systems"]["parkqa"]
    assert set(report["systems"]) == {"parkqa", "bm25_only", "dense_only"}
    assert len(ours["items"]) == 9 and ours["overall"]["items"] == 9
    row = ours["items"][0]
    assert {"must_contain_all", "evidence_rank", "citation_precision", "seconds"} <= set(row)
    # the first items are the easy headline facts: they must be answered with the evidence
    assert ours["overall"]["must_contain_all"] >= 0.5
    # a chunk pipeline always answers with its top passage (BM25 only when no word matches)
    assert report["systems"]["dense_only"]["overall"]["unanswerable_refused"] == 0.0
    md = render_markdown(report, qa_file="eval/qa.jsonl", manifest=qa.index.manifest)
    assert "| must_contain_all |" in md and "## Failing items" in md


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
