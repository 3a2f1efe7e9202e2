"""Fit when a question is close enough to a curated one (``parkqa faq fit``), on the eval set.

Every answerable train question plays a curated entry whose vetted answer is its gold answer and evidence.
A pair (asked question, entry) is a right match when that answer holds every ``must_contain``
string of the asked question; unanswerable questions have no right match. A logistic
regression over ``faq.FEATURES`` is fitted on train x train pairs (a question never against
itself). On dev, each question is matched to its best entry and the threshold is the lowest
probability at which wrong matches stay at or under ``max_false`` of all dev questions; the
answers it then gives from the FAQ are counted as right or wrong. The test split is not read.
The model and these numbers are written to ``src/parkqa/faq_model.json``.

Example::

    $ parkqa faq fit --max-false 0.01
    threshold 0.93: dev 12 right, 3 wrong matches of 313 questions (0.96%) …
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from . import faq
from .tokens import using

DEFAULT_OUT = Path(__file__).with_name("faq_model.json")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def right_match(entry: dict, asked: dict) -> bool:
    """``entry``'s gold answer and evidence, as a curated answer, answer ``asked``."""
    held = _squash(entry["answer"] + "".join(e["quote"] for e in entry["evidence"]))
    return bool(asked["must_contain"]) and all(_squash(m) in held for m in asked["must_contain"])


def fit(qa, items: list[dict], *, max_false: float = 0.01) -> dict:
    from sklearn.linear_model import LogisticRegression

    loaded = qa.current()
    with using(loaded.index.tokenizer):
        asked_train = [(r, faq.read(loaded, r["question"])) for r in items
                       if r.get("split") == "train"]
        dev = [(r, faq.read(loaded, r["question"])) for r in items if r.get("split") == "dev"]
    # an editor stores answers: a trap (no gold answer) is asked, but is never an entry
    train = [(r, read) for r, read in asked_train if r["must_contain"]]
    x, y = [], []
    for asked, a in asked_train:
        for entry, b in train:
            if entry is not asked and faq.same_constraints(a, b):
                x.append(faq.features(a, b))
                y.append(right_match(entry, asked))
    lr = LogisticRegression(max_iter=1000).fit(np.array(x), np.array(y))
    model = faq.Model(lr.coef_[0], float(lr.intercept_[0]), 0.0)

    best = []      # per dev question: (probability of its best entry, right?)
    for asked, a in dev:
        scored = [(model.probability(faq.features(a, b)), right_match(entry, asked))
                  for entry, b in train if faq.same_constraints(a, b)]
        best.append(max(scored, default=(0.0, False)))
    answerable = sum(1 for asked, _ in dev if any(right_match(e, asked) for e, _ in train))
    # lower the threshold through the probabilities seen while wrong matches stay in budget
    threshold, chosen = 1.0, {"right": 0, "wrong": 0}
    for t in sorted({p for p, _ in best}, reverse=True):
        wrong = sum(1 for p, ok in best if p >= t and not ok)
        if wrong > max_false * len(dev):
            break
        threshold = round(float(t), 4)
        chosen = {"right": sum(1 for p, ok in best if p >= t and ok), "wrong": wrong}
    return {"features": list(faq.FEATURES), "weights": [round(float(w), 6) for w in lr.coef_[0]],
            "bias": round(float(lr.intercept_[0]), 6), "threshold": threshold,
            "fitted_on": {"train_pairs": len(y), "right_pairs": int(sum(y)),
                          "dev_questions": len(dev), "dev_with_a_right_entry": answerable,
                          "dev_right_matches": chosen["right"], "dev_wrong_matches": chosen["wrong"],
                          "max_false": max_false}}


def report(result: dict) -> str:
    f = result["fitted_on"]
    return (f"threshold {result['threshold']:.4f}: dev {f['dev_right_matches']} right and "
            f"{f['dev_wrong_matches']} wrong matches of {f['dev_questions']} questions "
            f"({f['dev_wrong_matches'] / max(1, f['dev_questions']):.2%} wrong; "
            f"{f['dev_with_a_right_entry']} had a right entry); weights "
            + ", ".join(f"{n}={w:+.2f}" for n, w in zip(result["features"], result["weights"])))


def main(qa, qa_file: str, *, max_false: float, out: Path = DEFAULT_OUT) -> str:
    with open(qa_file, encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    result = fit(qa, items, max_false=max_false)
    Path(out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return report(result)
