"""The answer scorer and the refusal, scikit-learn style: ``fit`` on a train split, ``predict``,
parameters saved and loaded as plain JSON beside the index.

- Sentence scorer: probability that a candidate sentence holds (part of) the answer, over
  ``parkqa.features.FEATURES``: a logistic regression, or one whose log-odds boosted trees
  correct (``parkqa.boosted.Corrected``), whichever ranks gold sentences first more often on dev.
- ``Refusal``: probability that the question is answerable from the chosen sentences, a logistic
  regression over ``REFUSAL_FEATURES`` (or one trees correct, whichever refuses more
  unanswerable questions on dev); its threshold is chosen on the dev split so that at most
  ``max_wrong_refusals`` of answerable questions are refused.

Example::

    >>> from parkqa.scorer import AnswerModel
    >>> model = AnswerModel.load(default_model_path())                  # doctest: +SKIP
    >>> model.refusal.threshold                                         # doctest: +SKIP
    0.31
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from .boosted import CORRECTED, KIND as BOOSTED, Boosted, Corrected
from .completer import COMPLETER_FEATURES, NEVER
from .features import FEATURES
from .slots import GROUPS
from .summary import SUMMARY_FEATURES, prior_summary
from .summary_asked import SummaryAsked

REFUSAL_FEATURES = ("p1", "p2", "gap", "coverage", "coverage_ctx", "missing", "unknown",
                    "year_unmet", "year_clash", "place_unmet", "place_clash", "kind_unmet",
                    "dense", "dense_z", "english", "terms", "detail_unmet", "aspect_unmet",
                    "unknown_terms", "unknown_long", "novelty", "article", "plan_clash",
                    "list_unmet", "entity_unmet", "missing_rare", "focus", "slot", "slot_best", "role_unmet",
                    "unknown_proper", "period_clash", "members_unlisted", "per_unit_unmet",
                    "article_year_unmet") \
    + tuple(f"asks_{g}" for g in GROUPS) + tuple(f"unfilled_{g}" for g in GROUPS)
MODEL_FILE = "answer_model.json"
log = logging.getLogger(__name__)


def default_model_path() -> Path:
    """The fitted model shipped with the package (``parkqa fit`` writes it)."""
    return Path(__file__).with_name(MODEL_FILE)


def model_fingerprint() -> str:
    """sha256 of the packaged model ("unfitted" without one): an index built with another is
    stale."""
    import hashlib

    path = default_model_path()
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "unfitted"


class Linear:
    """Standardize, then a logistic regression; fitted with scikit-learn, applied with numpy."""

    def __init__(self, names, mean=None, scale=None, coef=None, intercept=0.0) -> None:
        self.names = list(names)
        n = len(self.names)
        self.mean = np.asarray(mean if mean is not None else np.zeros(n), dtype=np.float64)
        self.scale = np.asarray(scale if scale is not None else np.ones(n), dtype=np.float64)
        self.coef = np.asarray(coef if coef is not None else np.zeros(n), dtype=np.float64)
        self.intercept = float(intercept)

    def fit(self, X: np.ndarray, y: np.ndarray, *, C: float = 1.0,
            balanced: bool = True) -> "Linear":
        """``balanced`` weighs the rarer class up (a question's refusal); a sentence scorer
        ranks better without it: reweighting its few gold rows bends the weights toward
        telling any gold row from the many others, not the best sentence from its near misses."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(X)
        clf = LogisticRegression(C=C, class_weight="balanced" if balanced else None,
                                 max_iter=2000)
        clf.fit(scaler.transform(X), y)
        self.mean, self.scale = scaler.mean_, np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
        self.coef, self.intercept = clf.coef_[0], float(clf.intercept_[0])
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.zeros(0)
        z = ((X - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_dict(self) -> dict:
        return {"names": self.names, "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, d: dict) -> "Linear":
        return cls(d["names"], d["mean"], d["scale"], d["coef"], d["intercept"])

    def weights(self) -> dict[str, float]:
        """Each feature's weight in raw units: what the fit learned, for the report."""
        return {n: round(float(c / s), 4) for n, c, s in zip(self.names, self.coef, self.scale)}


class AnswerModel:
    """Sentence scorer + refusal + summary selector + completer + the composer's fitted knobs,
    saved as one JSON file."""

    def __init__(self, sentence: Linear | Corrected, refusal: Linear | Corrected,
                 threshold: float = 0.5, extra_ratio: float = 0.6, part_ratio: float = 0.1,
                 meta: dict | None = None, summary: Linear | Boosted | None = None,
                 completer: Linear | Boosted | None = None, completer_threshold: float = NEVER,
                 summary_asked: SummaryAsked | None = None) -> None:
        self.sentence = sentence
        self.refusal = refusal
        self.summary = summary or prior_summary()
        self.threshold = threshold        # refuse when P(answerable) is below it
        self.extra_ratio = extra_ratio    # a further quote must score this share of the best
        self.part_ratio = part_ratio      # ...and a quote for a part the best one leaves out
        self.completer = completer        # a further quote where the answer lacks a part
        self.completer_threshold = completer_threshold
        self.summary_asked = summary_asked   # a question the cue words miss asks for an overview
        self.meta = meta or {}

    @classmethod
    def unfitted(cls) -> "AnswerModel":
        """Priors used only until ``parkqa fit`` has run: coverage and similarity count, a
        constraint clash counts against; answer when most of the question is covered."""
        prior = dict(coverage=2.0, coverage_ctx=1.0, dense_z=0.8, passage=0.5, bm25=0.5,
                     number=0.5, unit=0.5, date=0.5, year_clash=-1.5, place_clash=-1.5,
                     heading=-1.0)
        rprior = dict(p1=3.0, coverage=2.0, unknown=-2.0, year_unmet=-1.5, place_clash=-1.5)
        return cls(Linear(FEATURES, coef=[prior.get(n, 0.0) for n in FEATURES], intercept=-2.0),
                   Linear(REFUSAL_FEATURES, coef=[rprior.get(n, 0.0) for n in REFUSAL_FEATURES],
                          intercept=-2.5), meta={"fitted": False})

    def to_dict(self) -> dict:
        return {"sentence": self.sentence.to_dict(), "refusal": self.refusal.to_dict(),
                "threshold": self.threshold, "extra_ratio": self.extra_ratio,
                "part_ratio": self.part_ratio, "summary": self.summary.to_dict(),
                "completer": self.completer.to_dict() if self.completer else None,
                "completer_threshold": self.completer_threshold,
                "summary_asked": self.summary_asked.to_dict() if self.summary_asked else None,
                "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict) -> "AnswerModel":
        if not d:
            return cls.unfitted()
        if list(d["sentence"]["names"]) != list(FEATURES) or \
                list(d["refusal"]["names"]) != list(REFUSAL_FEATURES):
            # a model from an older version: answer with the priors rather than not at all
            log.warning("the answer model was fitted on other features; using priors until "
                        "`parkqa fit` is run")
            return cls.unfitted()
        summary = d.get("summary")   # none in a model fitted before the summary selector
        completer = d.get("completer")   # ...nor the completer
        return cls(model_from_dict(d["sentence"]), model_from_dict(d["refusal"]),
                   d["threshold"], d["extra_ratio"], d.get("part_ratio", 0.1),
                   d.get("meta", {}),
                   model_from_dict(summary) if summary and list(summary["names"])
                   == list(SUMMARY_FEATURES) else None,
                   model_from_dict(completer) if completer and list(completer["names"])
                   == list(COMPLETER_FEATURES) else None, d.get("completer_threshold", NEVER),
                   SummaryAsked.from_dict(d.get("summary_asked")))

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1),
                              encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "AnswerModel":
        path = Path(path)
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() \
            else cls.unfitted()


def model_from_dict(d: dict) -> Linear | Boosted | Corrected:
    """A saved scorer or selector: a ``Linear``, or one with trees (``parkqa.boosted``)."""
    kinds = {BOOSTED: Boosted, CORRECTED: Corrected}
    return kinds[d["kind"]].from_dict(d) if d.get("kind") in kinds else Linear.from_dict(d)


def choose_threshold(p_answerable: np.ndarray, answerable: np.ndarray, *,
                     max_wrong_refusals: float = 0.05) -> float:
    """The highest threshold that refuses at most ``max_wrong_refusals`` of answerable items
    (refusing as many unanswerable ones as that allows)."""
    pos = np.sort(p_answerable[answerable.astype(bool)])
    if not len(pos):
        return 0.5
    allowed = int(np.floor(max_wrong_refusals * len(pos)))
    return float(pos[allowed]) - 1e-6 if allowed < len(pos) else float(pos[-1])
