"""parkqa fit: the scorer and refusal learn from train and are chosen on dev (a small slice)."""
from pathlib import Path

import numpy as np
import pytest

from parkqa.evaluation import load_qa, split_items
from parkqa.fitting import EXTRA_RATIOS, fit, sentence_data
from parkqa.scorer import AnswerModel

ROOT = Path(__file__).resolve().parent.parent


def test_fit_on_a_slice_learns_a_usable_model(qa, tmp_path):
    items = load_qa(ROOT / "eval" / "qa.jsonl")
    def some(split, answerable, unanswerable):
        rows = split_items(items, split)
        return [i for i in rows if i["evidence"]][:answerable] + \
            [i for i in rows if not i["evidence"]][:unanswerable]

    train, dev = some("train", 30, 10), some("dev", 15, 5)
    shipped = qa.answerer.model
    try:
        model, report = fit(qa, train, dev)
    finally:
        qa.answerer.model = shipped       # the session's pipeline keeps the shipped model
    assert model.meta["fitted"] and model.meta["train_items"] == 40
    assert 0.0 < model.threshold < 1.0 and model.extra_ratio in EXTRA_RATIOS
    # the threshold keeps wrong refusals on the data it was chosen on within the 5% asked for
    assert report["answerable_refused"] <= 0.1
    assert report["sentence_hit_at_1"] >= 0.5
    model.save(tmp_path / "m.json")
    again = AnswerModel.load(tmp_path / "m.json")
    X, y, _ = sentence_data(qa, dev[:5])
    assert np.allclose(again.sentence.predict_proba(X), model.sentence.predict_proba(X))
    assert y.sum() > 0 and (y == 0).any()


def test_fit_data_do_not_depend_on_the_model_loaded_before_it(qa):
    # the trees sample rows: rows in the old model's ranking made each refit depend on the last
    items = split_items(load_qa(ROOT / "eval" / "qa.jsonl"), "train")[:12]
    shipped = qa.answerer.model
    X1, y1, _ = sentence_data(qa, items)
    try:
        qa.answerer.model = AnswerModel.unfitted()
        X2, y2, _ = sentence_data(qa, items)
    finally:
        qa.answerer.model = shipped
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)


def test_fit_says_what_the_train_split_lacks(qa):
    items = [i for i in split_items(load_qa(ROOT / "eval" / "qa.jsonl"), "train") if i["evidence"]]
    with pytest.raises(ValueError, match="unanswerable"):
        fit(qa, items[:10], items[10:15])


def test_train_questions_are_scored_by_models_that_never_saw_them(qa):
    from parkqa.features import FEATURES
    from parkqa.fitting import _out_of_fold_scores
    from parkqa.scorer import Linear

    items = split_items(load_qa(ROOT / "eval" / "qa.jsonl"), "train")[:25]
    X, y, groups = sentence_data(qa, items)
    def make(X, y):
        return Linear(FEATURES).fit(X, y, C=0.3, balanced=False)
    held_out = _out_of_fold_scores(make, X, y, groups, items)
    in_sample = make(X, y).predict_proba(X)
    rows = np.asarray(groups)
    for n, item in enumerate(items):
        # one score per candidate, in the order the candidates were read
        assert len(held_out[item["question"]]) == int((rows == n).sum())
    got = np.concatenate([held_out[i["question"]] for i in items])
    assert np.all((got >= 0) & (got <= 1)) and not np.allclose(got, in_sample)


def test_follow_up_turns_become_items_the_refusal_learns_from(qa):
    from parkqa.dialogue_eval import follow_up_items

    dialogue = {"id": "d", "source": "blind-x", "turns": [
        {"question": "长治高新区2024年高新技术企业总数是多少？", "answer": "153家", "answerable": True,
         "must_contain": ["153家"], "evidence": [{"doc": "x", "quote": "153家"}]},
        {"question": "那经开区呢？", "answer": "突破50家", "answerable": True,
         "must_contain": ["50家"], "evidence": [{"doc": "y", "quote": "突破50家"}]},
        {"question": "那它的高企里有几家是上市公司？", "answer": "", "answerable": False,
         "must_contain": [], "evidence": []}]}
    items = follow_up_items(qa, [dialogue])
    assert [i["id"] for i in items] == ["d-1", "d-2"]   # the opening turn is an item already
    first, second = items
    # resolved from the turns before it: the place asked now, the measure asked before
    assert "经开区" in first["question"] and "高新技术企业" in first["question"]
    assert first["must_contain"] == ["50家"] and first["evidence"] and first["source"] == "blind-x"
    assert second["type"] == "unanswerable" and not second["evidence"] and not second["must_contain"]
