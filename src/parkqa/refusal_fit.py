"""Choosing the refusal in ``parkqa fit``: a line of some regularization, or the best line with
trees correcting it where constraints combine (a year met but the place not, a target where a
result was asked), whichever refuses the most unanswerable questions at the threshold that
refuses at most ``max_wrong_refusals`` of answerable ones.

The threshold is a quantile of P(answerable) over answerable questions; dev alone holds too
few of them for a steady 5% quantile, so out-of-fold predictions on the blind-written train
items join it (the team's own items are easier than what users ask, so not those). Each fold
holds out whole batches: a writer words several questions alike, and a model that has seen
one of them scores the others as no fresh question is scored.

Example::

    >>> model, threshold, chosen = fit_refusal(Rt, lt, Rd, ld, blind, batches)   # doctest: +SKIP
    >>> chosen                                                           # doctest: +SKIP
    'trees'
"""
from __future__ import annotations

import numpy as np

from .boosted import Corrected
from .scorer import REFUSAL_FEATURES, Linear, choose_threshold

# the trees are grown on this many samples and averaged: one question's answer or refusal then
# hangs less on which rows one set of trees happened to see (its threshold moved traps refused
# by two points between seeds)
SEEDS = 5
TREES = 100   # a seed's trees (300 added corrections that overruled the line outright)
# what the trees may only count against: quotes that leave a constraint unmet, a question that
# names something no article holds, another kind of value than asked
UNMET = tuple(n for n in REFUSAL_FEATURES if n.endswith(("_unmet", "_clash", "_unlisted"))
              or n.startswith(("unfilled_", "unknown")) or n in ("missing", "missing_rare"))


def fit_refusal(Rt: np.ndarray, lt: np.ndarray, Rd: np.ndarray, ld: np.ndarray,
                blind: np.ndarray, batches: np.ndarray, *, max_wrong_refusals: float = 0.05):
    """The refusal fitted on train rows ``Rt`` (answerable: ``lt``), its threshold chosen on
    dev rows ``Rd`` plus out-of-fold predictions (folds by ``batches``, ``batch_of`` each
    row's item) for the train rows ``blind`` marks; with the name of what was chosen (a
    regularization C, or "trees")."""
    labels = np.concatenate([lt[blind], ld])
    best = (None, 0.5, None)
    best_refused = -1.0

    def consider(name, make) -> None:
        nonlocal best, best_refused
        model = make(Rt, lt)
        p = np.concatenate([_out_of_fold(make, Rt, lt, batches)[blind], model.predict_proba(Rd)])
        threshold = choose_threshold(p, labels, max_wrong_refusals=max_wrong_refusals)
        refused = float(np.mean(p[labels == 0] < threshold))
        if refused > best_refused:
            best, best_refused = (model, threshold, name), refused

    for C in (0.01, 0.03, 0.1, 0.3, 1.0):
        consider(C, lambda X, y, C=C: Linear(REFUSAL_FEATURES).fit(X, y, C=C))
    consider("trees", lambda X, y, C=best[2]: Corrected(REFUSAL_FEATURES).fit(
        X, y, C=C, seeds=SEEDS, lowering=UNMET, n_estimators=TREES))
    return best


def _out_of_fold(make, X: np.ndarray, y: np.ndarray, batches: np.ndarray,
                 folds: int = 5) -> np.ndarray:
    """P(answerable) for each train row from a refusal model (``make(X, y)``) fitted without
    its fold, a fold being whole batches (rows, shuffled, when there are fewer batches than
    folds: a small data set of one writer's)."""
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    out = np.zeros(len(y))
    splits = GroupKFold(folds).split(X, y, batches) if len(set(batches)) >= folds \
        else StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y)
    for fit_rows, held in splits:
        out[held] = make(X[fit_rows], y[fit_rows]).predict_proba(X[held])
    return out
