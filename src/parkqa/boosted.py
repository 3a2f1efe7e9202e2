"""Gradient-boosted trees with the ``parkqa.scorer.Linear`` interface: ``fit`` on data,
``predict_proba``, parameters saved and loaded as data (LightGBM's own model text inside the
answer model's JSON).

A summary's sentences are chosen by how their features combine (a sentence full of figures
counts in the paragraph the question is about, not elsewhere), which a linear score cannot
say; ``parkqa fit`` keeps this or the linear selector, whichever holds more facts on dev.

Example::

    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0]] * 60); y = np.array([0, 1] * 60)
    >>> model = Boosted(["facts"]).fit(X, y, n_estimators=20, min_child_samples=5)
    >>> [round(float(p), 2) for p in model.predict_proba(np.array([[0.0], [1.0]]))]
    [0.27, 0.73]
    >>> Boosted.from_dict(model.to_dict()).predict_proba(np.array([[1.0]])).round(2).tolist()
    [0.73]
"""
from __future__ import annotations

import numpy as np

KIND = "lightgbm"
# chosen by cross-validation over the train and dev summaries (their facts held, 6 seeds x 5
# folds): deeper trees than these did no better, shallower ones worse
PARAMS = dict(n_estimators=300, learning_rate=0.03, num_leaves=16, min_child_samples=50,
              subsample=0.8, subsample_freq=1, colsample_bytree=0.8)


def _lightgbm():
    try:
        import lightgbm
    except ImportError as exc:   # a runtime dependency: only a broken install lacks it
        raise ImportError("parkqa's summary selector needs LightGBM: pip install lightgbm "
                          "(or reinstall parkqa: pip install .)") from exc
    except OSError as exc:       # its library loads the system's OpenMP runtime
        raise ImportError("LightGBM needs the OpenMP runtime: apt-get install libgomp1 "
                          f"(Debian/Ubuntu) or your system's libgomp ({exc})") from exc
    return lightgbm


class Boosted:
    """A LightGBM binary classifier over named features."""

    def __init__(self, names, model: str = "") -> None:
        self.names = list(names)
        self.model = model
        self._booster = None

    def fit(self, X: np.ndarray, y: np.ndarray, **params) -> "Boosted":
        # one thread and a fixed seed: the same data give the same trees on any machine
        clf = _lightgbm().LGBMClassifier(**{**PARAMS, **params}, random_state=0, n_jobs=1,
                                         deterministic=True, force_row_wise=True, verbose=-1)
        clf.fit(np.asarray(X, dtype=np.float64), np.asarray(y))
        self.model, self._booster = clf.booster_.model_to_string(), None
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0 or not self.model:
            return np.zeros(len(X))
        if self._booster is None:
            self._booster = _lightgbm().Booster(model_str=self.model)
        return np.asarray(self._booster.predict(np.asarray(X, dtype=np.float64),
                                                num_threads=1), dtype=np.float64)

    def to_dict(self) -> dict:
        return {"kind": KIND, "names": self.names, "model": self.model}

    @classmethod
    def from_dict(cls, d: dict) -> "Boosted":
        return cls(d["names"], d["model"])

    def weights(self) -> dict[str, float]:
        """Each feature's share of the trees' total gain: what the fit leaned on, for the
        report."""
        if not self.model:
            return {}
        if self._booster is None:
            self._booster = _lightgbm().Booster(model_str=self.model)
        gain = self._booster.feature_importance(importance_type="gain")
        total = float(gain.sum()) or 1.0
        return {n: round(float(g) / total, 4) for n, g in zip(self.names, gain)}
