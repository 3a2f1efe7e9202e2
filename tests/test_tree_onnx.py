"""LightGBM's trees run by ONNX Runtime give LightGBM's own scores, bit for bit."""
from __future__ import annotations

import lightgbm
import numpy as np
import pytest

from parkqa.boosted import Boosted, Corrected
from parkqa.tree_onnx import Trees


def _data(n=600, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, 2] = rng.integers(0, 3, n)            # a few distinct values: ties on thresholds
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=n) > 0.5).astype(int)
    return X, y


def _booster(X, y, **params):
    params = {"objective": "binary", "num_leaves": 64, "min_data_in_leaf": 5, "verbose": -1,
              "deterministic": True, "num_threads": 1, **params}
    return lightgbm.train(params, lightgbm.Dataset(X, y), num_boost_round=40)


def test_raw_scores_equal_lightgbm_bit_for_bit():
    X, y = _data()
    booster = _booster(X, y)
    trees = Trees.from_lightgbm(booster.model_to_string())
    probe = np.vstack([X, X[:50] + 1e-12, np.full((1, X.shape[1]), np.inf), -X[:20]])
    assert np.array_equal(trees.raw(probe), booster.predict(probe, raw_score=True))


def test_missing_values_are_read_as_zero_like_lightgbm():
    X, y = _data(seed=1)
    booster = _booster(X, y)
    trees = Trees.from_lightgbm(booster.model_to_string())
    probe = X[:30].copy()
    probe[::2, 0] = np.nan
    probe[1::3, 2] = np.nan
    assert np.array_equal(trees.raw(probe), booster.predict(probe, raw_score=True))


def test_trees_of_one_leaf():
    X = np.random.default_rng(2).normal(size=(100, 3))
    y = np.array([0, 1] * 50)
    booster = _booster(np.zeros_like(X), y)     # nothing to split on: every tree is one leaf
    assert "num_leaves=1" in booster.model_to_string()
    trees = Trees.from_lightgbm(booster.model_to_string())
    assert np.array_equal(trees.raw(X), booster.predict(X, raw_score=True))


def test_gain_is_lightgbms_feature_importance():
    X, y = _data(seed=3)
    booster = _booster(X, y)
    trees = Trees.from_lightgbm(booster.model_to_string())
    assert np.allclose(trees.gain, booster.feature_importance(importance_type="gain"), rtol=1e-6)


def test_other_objectives_are_refused():
    X, y = _data(seed=4)
    booster = _booster(X, y.astype(float), objective="regression")
    with pytest.raises(ValueError, match="objective"):
        Trees.from_lightgbm(booster.model_to_string())


def test_saved_models_predict_the_same_after_loading():
    X, y = _data(seed=5)
    names = [f"f{i}" for i in range(X.shape[1])]
    boosted = Boosted(names).fit(X, y, n_estimators=30, min_child_samples=5)
    corrected = Corrected(names).fit(X, y, seeds=3, n_estimators=30, min_child_samples=5)
    for model in (boosted, corrected):
        again = type(model).from_dict(model.to_dict())
        assert np.array_equal(again.predict_proba(X), model.predict_proba(X))
    p = boosted.predict_proba(X)
    assert ((p > 0.5) == y).mean() > 0.8          # the trees learned something
    assert np.array_equal(Boosted(names).predict_proba(X), np.zeros(len(X)))   # unfitted
    assert boosted.predict_proba(X[:0]).shape == (0,)
