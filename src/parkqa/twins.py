"""Questions written alike: the batch an item was written in, and how alike a question is to
the train split's, so ``parkqa eval`` reports the questions with a near twin in train apart
from those without, and folds of a fit hold out whole batches.

A writer words several questions alike, and writers of different batches converge on the same
traps: about half the dev questions share most of their character bigrams with some train
question, and those are answered far better than the rest (dev, 2026-11-27: full answers 0.92
against 0.75, traps refused 0.85 against 0.72). A fresh batch of questions looks like the second
half, so choices are read on it too.

Example::

    >>> train_similarity(["高新区有多少家企业？"], ["高新区有多少企业？", "经开区面积多大？"])
    [0.7]
    >>> batch_of({"id": "b14-q178"}), batch_of({"id": "q001"})
    ('b14', 'team')
"""
from __future__ import annotations

from collections import Counter, defaultdict

TWIN = 0.5   # Jaccard of character bigrams from which a question counts as a near twin


def bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text.lower() if not ch.isspace())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def train_similarity(questions: list[str], train: list[str]) -> list[float]:
    """For each question, the largest Jaccard similarity of its character bigrams with any
    ``train`` question's (0.0 when train is empty)."""
    grams = [bigrams(t) for t in train]
    holding: dict[str, list[int]] = defaultdict(list)
    for n, g in enumerate(grams):
        for gram in g:
            holding[gram].append(n)
    out = []
    for question in questions:
        mine = bigrams(question)
        shared = Counter(n for gram in mine for n in holding.get(gram, ()))
        out.append(round(max((k / (len(mine) + len(grams[n]) - k) for n, k in shared.items()),
                             default=0.0), 4))
    return out


def batch_of(item: dict) -> str:
    """The batch an item was written in: its id's prefix ("b14-q178" -> "b14"; a dialogue's
    turn "w1-d01-2" -> "w1"), or "team" for the team's own unprefixed items. A writer repeats
    a phrasing within a batch, so folds that hold out whole batches see questions as new as a
    fresh test batch's."""
    name = str(item.get("id", ""))
    return name.split("-", 1)[0] if "-" in name else "team"
