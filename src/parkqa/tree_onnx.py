"""Boosted trees run by ONNX Runtime, the engine that already runs the query encoder.

LightGBM fits the trees (``parkqa fit``); ``Trees.from_lightgbm`` turns its model text into one
``TreeEnsemble`` node (``ai.onnx.ml`` opset 5) in double precision. Processes that only answer
then never import LightGBM, whose import pulls in scikit-learn, pandas and scipy: 1.2 s of a
cold ``parkqa ask``. A call also costs half of LightGBM's (0.66 vs 1.29 ms for 300 trees of 64
leaves on 60 rows, on this 2-core machine).

Why a conversion of our own: onnxmltools 1.16 converts LightGBM models for float32 input only
(it refuses ``DoubleTensorType``), and features rounded to float32 cross the trees' thresholds.
In double, the raw scores equal LightGBM's bit for bit (``tests/test_tree_onnx.py``).

Example::

    >>> import lightgbm, numpy as np
    >>> X = np.array([[0.0], [1.0]] * 60); y = np.array([0, 1] * 60)
    >>> params = {"objective": "binary", "min_data_in_leaf": 5, "verbose": -1}
    >>> booster = lightgbm.train(params, lightgbm.Dataset(X, y), num_boost_round=5)
    >>> trees = Trees.from_lightgbm(booster.model_to_string())
    >>> bool(np.array_equal(trees.raw(X[:2]), booster.predict(X[:2], raw_score=True)))
    True
"""
from __future__ import annotations

import base64

import numpy as np

_CATEGORICAL, _MISSING = 1, 12     # decision_type bits: categorical split; missing-value type


class Trees:
    """A sum of regression trees over a fixed number of features: ``raw(X)`` is LightGBM's
    ``predict(X, raw_score=True)``. ``gain`` is each feature's summed split gain."""

    def __init__(self, onnx: bytes, gain: list[float]) -> None:
        self.onnx = onnx
        self.gain = list(gain)
        self._session = None

    @classmethod
    def from_lightgbm(cls, text: str) -> "Trees":
        """From LightGBM's model text (``Booster.model_to_string()``); imports ``onnx``."""
        header, trees = _read_model_text(text)
        n_features = int(header["max_feature_idx"]) + 1
        gain = np.zeros(n_features)
        for tree in trees:
            np.add.at(gain, _ints(tree.get("split_feature", "")),
                      _floats(tree.get("split_gain", "")))
        return cls(_ensemble(trees, n_features), gain.tolist())

    def raw(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if len(X) == 0:
            return np.zeros(0)
        # the fits saw no missing values, so LightGBM reads a NaN as 0 (missing type None)
        X = np.ascontiguousarray(np.where(np.isnan(X), 0.0, X))
        if self._session is None:
            self._session = _session(self.onnx)
        return self._session.run(None, {"X": X})[0][:, 0]

    def to_dict(self) -> dict:
        return {"onnx": base64.b64encode(self.onnx).decode("ascii"), "gain": self.gain}

    @classmethod
    def from_dict(cls, d: dict) -> "Trees":
        """Loaded and checked: the session is built now, so a damaged file fails at load."""
        trees = cls(base64.b64decode(d["onnx"], validate=True), d["gain"])
        trees._session = _session(trees.onnx)
        return trees


def _session(onnx: bytes):
    import onnxruntime as ort

    options = ort.SessionOptions()
    # one thread: a few dozen rows cost less than waking a pool, and servers answer in parallel
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx, options, providers=["CPUExecutionProvider"])


def _read_model_text(text: str) -> tuple[dict, list[dict]]:
    header: dict[str, str] = {}
    trees: list[dict] = []
    for line in text.splitlines():
        if line.startswith("end of trees"):
            break
        if line.startswith("Tree="):
            trees.append({})
        elif "=" in line:
            key, value = line.split("=", 1)
            (trees[-1] if trees else header)[key] = value
    if not header.get("objective", "").startswith("binary sigmoid:1"):
        raise ValueError(f"unsupported LightGBM objective: {header.get('objective')!r}")
    return header, trees


def _ints(s: str) -> np.ndarray:
    return np.array(s.split(), dtype=np.int64)


def _floats(s: str) -> np.ndarray:
    return np.array(s.split(), dtype=np.float64)


def _ensemble(trees: list[dict], n_features: int) -> bytes:
    """One ``TreeEnsemble`` node summing every tree's leaf, all in double."""
    from onnx import TensorProto, helper, numpy_helper

    roots, features, splits, leaf_weights = [], [], [], []
    true_ids, true_leaf, false_ids, false_leaf = [], [], [], []
    n_nodes = n_leaves = 0
    for tree in trees:
        if int(tree.get("num_cat", "0")) or any(int(d) & (_CATEGORICAL | _MISSING)
                                                for d in tree.get("decision_type", "").split()):
            raise ValueError("only numerical splits without missing values are supported")
        leaves = _floats(tree["leaf_value"])
        roots.append(n_nodes)
        if len(leaves) == 1:   # a tree of one leaf: a split whose both branches reach it
            left = right = np.array([-1])
            feature, split = np.array([0]), np.array([0.0])
        else:
            left, right = _ints(tree["left_child"]), _ints(tree["right_child"])
            feature, split = _ints(tree["split_feature"]), _floats(tree["threshold"])
        features.append(feature)
        splits.append(split)
        # LightGBM numbers a tree's nodes from 0 and its leaves as ~k: both become global ids
        for child, ids, is_leaf in ((left, true_ids, true_leaf), (right, false_ids, false_leaf)):
            ids.append(np.where(child >= 0, n_nodes + child, n_leaves + ~child))
            is_leaf.append((child < 0).astype(np.int64))
        leaf_weights.append(leaves)
        n_nodes += len(left)
        n_leaves += len(leaves)

    def flat(parts, dtype=np.int64):
        return np.concatenate(parts).astype(dtype)

    node = helper.make_node(
        "TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", aggregate_function=1, n_targets=1,
        post_transform=0, tree_roots=roots, nodes_featureids=flat(features).tolist(),
        nodes_splits=numpy_helper.from_array(flat(splits, np.float64)),
        nodes_modes=numpy_helper.from_array(np.zeros(n_nodes, np.uint8)),  # BRANCH_LEQ
        nodes_truenodeids=flat(true_ids).tolist(), nodes_trueleafs=flat(true_leaf).tolist(),
        nodes_falsenodeids=flat(false_ids).tolist(), nodes_falseleafs=flat(false_leaf).tolist(),
        leaf_targetids=[0] * n_leaves,
        leaf_weights=numpy_helper.from_array(flat(leaf_weights, np.float64)))
    graph = helper.make_graph(
        [node], "trees",
        [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, n_features])],
        [helper.make_tensor_value_info("Y", TensorProto.DOUBLE, [None, 1])])
    # IR 10 and these opsets: what onnxruntime >= 1.20 (pyproject's floor) runs
    model = helper.make_model(graph, ir_version=10, opset_imports=[
        helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 5)])
    return model.SerializeToString()
