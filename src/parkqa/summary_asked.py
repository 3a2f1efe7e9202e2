"""Whether a question asks for an overview, learned from how people ask for one.

The cue words of ``parkqa.cues`` ("概括", "介绍", "summarize") catch most requests for a summary;
people also ask "经开区“十五五”有啥目标？", "这篇主要讲了啥？", "高新区装备制造产业集群现在发展成啥样了？",
"归纳一下". A logistic regression over the question's character uni- and bigrams (hashed, so
nothing but its weights is saved) learns them from the train split's summary items;
``parkqa fit`` chooses its regularization and threshold on dev, where the cues and the model
together tell summaries from other questions best (F1), and saves it with the answer model.

Example::

    >>> asked = SummaryAsked.fit(texts, labels)                   # doctest: +SKIP
    >>> asked.says(["经开区“十五五”有啥目标？", "经开区有多少家高新技术企业？"])  # doctest: +SKIP
    [True, False]
"""
from __future__ import annotations

import re
from collections import Counter

import mmh3
import numpy as np

N_FEATURES = 2 ** 12
_WHITE_SPACES = re.compile(r"\s\s+")   # as scikit-learn's analyzer squeezes them


def _vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char", ngram_range=(1, 2), n_features=N_FEATURES,
                             alternate_sign=False, norm="l2")


class SummaryAsked:
    """P(a question asks for an overview) from its characters, and the threshold above which
    it is read as one."""

    def __init__(self, coef: dict[int, float], intercept: float, threshold: float) -> None:
        self.coef, self.intercept, self.threshold = coef, intercept, threshold
        self._dense = np.zeros(N_FEATURES)
        for k, w in coef.items():
            self._dense[int(k)] = w

    @classmethod
    def fit(cls, texts: list[str], labels, *, C: float = 1.0,
            threshold: float = 0.5) -> "SummaryAsked":
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels, dtype=int)
        clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
        clf.fit(_vectorizer().transform(texts), y)
        coef = {int(k): round(float(w), 5) for k, w in enumerate(clf.coef_[0]) if w}
        return cls(coef, float(clf.intercept_[0]), threshold)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        z = np.array([self._dot(t) for t in texts]) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def _dot(self, text: str) -> float:
        """The weights times the text's vector as ``_vectorizer`` makes it (a test holds them
        equal), without its per-call input checks: a third of reading a question's cost."""
        counts = Counter(hashed_grams(text))
        norm = sum(n * n for n in counts.values()) ** 0.5
        return sum(self._dense[k] * n for k, n in counts.items()) / norm if norm else 0.0

    def says(self, texts: list[str]) -> list[bool]:
        return [bool(p >= self.threshold) for p in self.predict_proba(texts)]

    def to_dict(self) -> dict:
        return {"coef": {str(k): w for k, w in self.coef.items()},
                "intercept": self.intercept, "threshold": self.threshold}

    @classmethod
    def from_dict(cls, d: dict | None) -> "SummaryAsked | None":
        if not d:
            return None
        return cls({int(k): w for k, w in d["coef"].items()}, d["intercept"], d["threshold"])


def hashed_grams(text: str) -> list[int]:
    """The hashed columns of ``text``'s lower-cased character uni- and bigrams, as
    ``_vectorizer`` finds them."""
    text = _WHITE_SPACES.sub(" ", text.lower())
    grams = list(text) + [text[i:i + 2] for i in range(len(text) - 1)]
    # mmh3's hash is scikit-learn's murmurhash3_32 (signed, seed 0) without importing sklearn
    return [abs(mmh3.hash(g, 0)) % N_FEATURES for g in grams]


def fit_summary_asked(train: list[tuple[str, bool, bool]],
                      dev: list[tuple[str, bool, bool]]) -> tuple[SummaryAsked | None, dict]:
    """The model (regularization and threshold chosen on ``dev``) from (question, asks for a
    summary, the cue words already say so) triples; with its dev counts."""
    texts = [t for t, _, _ in train]
    labels = [s for _, s, _ in train]
    if len(set(labels)) < 2 or not dev:
        return None, {}
    truth = np.array([s for _, s, _ in dev])
    cued = np.array([c for _, _, c in dev])
    best, best_f1, report = None, _f1(cued, truth), {}
    for C in (0.3, 1.0, 3.0, 10.0):
        model = SummaryAsked.fit(texts, labels, C=C)
        p = model.predict_proba([t for t, _, _ in dev])
        for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
            said = cued | (p >= threshold)
            f1 = _f1(said, truth)
            if f1 > best_f1:
                best, best_f1 = SummaryAsked(model.coef, model.intercept, threshold), f1
                report = {"C": C, "threshold": threshold, "f1": round(f1, 4),
                          "cues_f1": round(_f1(cued, truth), 4),
                          "found": int((said & truth & ~cued).sum()),
                          "wrongly": int((said & ~truth & ~cued).sum())}
    return best, report


def _f1(said: np.ndarray, truth: np.ndarray) -> float:
    tp = float((said & truth).sum())
    return 2 * tp / max(1.0, float(said.sum() + truth.sum()))
