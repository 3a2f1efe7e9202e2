"""The refusal's out-of-fold predictions (parkqa.refusal_fit): folds hold out whole batches."""
import numpy as np

from parkqa.twins import batch_of
from parkqa.refusal_fit import _out_of_fold


class _Remembers:
    """A stand-in model whose prediction for a row says which batches it was fitted on."""

    def __init__(self, X):
        self.seen = set(X[:, 0].astype(int))

    def predict_proba(self, X):
        return np.array([float(int(b) in self.seen) for b in X[:, 0]])


def test_no_row_is_predicted_by_a_model_that_saw_its_batch():
    batches = np.array([f"b{k % 7}" for k in range(70)])
    X = np.array([[k % 7] for k in range(70)], dtype=float)
    y = np.array([k % 2 for k in range(70)])
    assert not _out_of_fold(lambda X, y: _Remembers(X), X, y, batches).any()


def test_with_fewer_batches_than_folds_rows_are_held_out_instead():
    X = np.arange(40, dtype=float).reshape(-1, 1)
    y = np.array([k % 2 for k in range(40)])
    # each row is its own "batch" to the stand-in: no row is predicted by a model that saw it
    assert not _out_of_fold(lambda X, y: _Remembers(X), X, y, np.array(["b1"] * 40)).any()


def test_an_items_batch_is_its_id_prefix():
    assert batch_of({"id": "b14-q178"}) == "b14"
    assert batch_of({"id": "w1-d01-2"}) == "w1"
    assert batch_of({"id": "q001"}) == "team"
