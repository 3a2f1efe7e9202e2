"""Find the passages and sentences that may answer a question: dense (FAISS) and BM25 (jieba
tokens) scores fused as a weighted sum of z-scores, with a preference for the place the question
names (places are the index's ``Knowledge``, found in the articles).

Example::

    >>> import numpy as np
    >>> from parkqa.retrieval import fuse_scores
    >>> fuse_scores(np.array([0.9, 0.8, 0.7]), np.array([0.0, 5.0, 1.0]), dense_weight=0.45).argmax()
    1
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .index import Index
from .tokens import normalize, tokenize

def _zscore(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x, dtype=np.float32)


def fuse_scores(dense: np.ndarray, lexical: np.ndarray, *, dense_weight: float) -> np.ndarray:
    """``w * z(dense) + (1 - w) * z(bm25)`` over all passages.

    z-scores put cosine similarities (all near 0.85) and BM25 scores (0 to 20+) on one scale while
    keeping how far ahead the best passage is, which rank fusion throws away. On eval/qa.jsonl
    this beat reciprocal rank fusion at every weight tried (evidence in top 5: 0.966 vs 0.959 at
    best; see eval/report)."""
    return dense_weight * _zscore(dense) + (1.0 - dense_weight) * _zscore(lexical)


class BM25:
    """Okapi BM25 over pre-tokenized texts (bm25s when available, which scales to millions)."""

    def __init__(self, corpus_tokens: list[list[str]]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
        self.n = len(corpus_tokens)
        self.model = bm25s.BM25(k1=1.2, b=0.75)
        # an empty document would make bm25s drop it; a private token keeps ids aligned
        self.model.index([t or ["\u0000"] for t in corpus_tokens], show_progress=False)
        self.vocab = self.model.vocab_dict

    def scores(self, tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.model.get_scores(known), dtype=np.float32)

    def matching(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of the documents holding any of ``tokens``, ascending ids: the same
        scores as ``scores`` (summed in the same order), read from bm25s' own postings only."""
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        m = self.model.scores
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        indptr, indices, data = m["indptr"], m["indices"], m["data"]
        # added token by token into one row over all documents, in bm25s' dtype: each
        # document's sum in the tokens' order, as bm25s sums it, without sorting the postings
        # (a token's postings name each document once). Every posting's score is positive
        # (bm25s' idf and term weight are), so the documents held are those with a sum.
        sums = np.zeros(self.n, dtype=np.dtype(self.model.dtype))
        for i in ids:
            a, b = indptr[i], indptr[i + 1]
            sums[indices[a:b]] += data[a:b]
        found = np.flatnonzero(sums)
        return found.astype(np.int64), sums[found].astype(np.float32)


@dataclass
class Hit:
    id: int            # passage id
    score: float       # fused score (z-score units)
    dense: float       # cosine similarity
    bm25: float


class Retriever:
    """Rank passages (and sentences) for a question with one shared query embedding."""

    def __init__(self, index: Index, embedder, *, park_penalty: float = 1.0,
                 dense_weight: float = 0.45):
        self.index = index
        self.embedder = embedder
        # in standard deviations of the fused score: a passage about the other park must be
        # clearly better to stay ahead
        self.park_penalty = park_penalty
        # BM25 over jieba tokens is the stronger ranker on these entity-heavy questions; the
        # embedding breaks ties and rescues paraphrases and English questions
        self.dense_weight = dense_weight
        self.dense_depth = 200   # FAISS neighbours fetched per question (all, on small corpora)
        self._park_masks: dict[tuple[str, ...], np.ndarray] = {}
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()
        self.passage_bm25 = BM25(index.passage_tokens)
        self.sentence_bm25 = BM25(index.sentence_tokens)

    def embed(self, question: str) -> np.ndarray:
        """The question's vector; the last few are kept, so the curated-answer check and the
        answer that follows it embed a question once."""
        text = normalize(question)
        with self._recent_lock:
            vec = self._recent.get(text)
        if vec is None:
            vec = self.embedder.encode_queries([text])[0]
            with self._recent_lock:
                self._recent[text] = vec
                while len(self._recent) > 64:
                    self._recent.popitem(last=False)
        return vec

    def passages(self, question: str, *, k: int = 5, mode: str = "hybrid",
                 qvec: np.ndarray | None = None, tokens: list[str] | None = None,
                 places: list[str] | None = None, timings: dict | None = None) -> list[Hit]:
        """Top-``k`` passages. ``mode`` is "hybrid" (default), "dense" or "bm25"; passages about
        a place the question does not name (``places``, found in it when not given) are pushed
        down. Seconds spent on the dense search, BM25 and fusion are added to ``timings``."""
        idx = self.index
        n = len(idx.passages)
        tokens = tokenize(question, words=idx.tokenizer) if tokens is None else tokens
        t0 = time.perf_counter()
        dense = np.zeros(n, dtype=np.float32)
        if mode in ("hybrid", "dense") and n:
            qvec = self.embed(question) if qvec is None else qvec
            depth = min(n, max(k, self.dense_depth))
            sims, ids = idx.passage_vectors.search(qvec[None, :].astype(np.float32), depth)
            found = ids[0] >= 0
            # passages beyond the searched depth count as the least similar one found
            dense[:] = sims[0][found].min() if found.any() else 0.0
            dense[ids[0][found]] = sims[0][found]
        t1 = time.perf_counter()
        lexical = self.passage_bm25.scores(tokens) if mode in ("hybrid", "bm25") \
            else np.zeros(n, dtype=np.float32)
        t2 = time.perf_counter()
        if mode == "hybrid":
            fused = fuse_scores(dense, lexical, dense_weight=self.dense_weight)
        else:
            fused = _zscore(dense if mode == "dense" else lexical)
        parks = self.index.knowledge.mentions(question) if places is None else places
        if parks:
            fused = fused - self.park_penalty * self._other_park(tuple(parks))
        order = np.argsort(-fused, kind="stable")[:k]
        hits = [Hit(int(i), float(fused[i]), float(dense[i]), float(lexical[i])) for i in order]
        if timings is not None:
            for name, seconds in (("dense", t1 - t0), ("bm25", t2 - t1),
                                  ("fusion", time.perf_counter() - t2)):
                timings[name] = timings.get(name, 0.0) + seconds
        return hits

    def _other_park(self, parks: tuple[str, ...]) -> np.ndarray:
        """1.0 for passages about a park the question does not name (cached per park set)."""
        if parks not in self._park_masks:
            self._park_masks[parks] = np.array(
                [bool(p.park) and p.park not in parks for p in self.index.passages], np.float32)
        return self._park_masks[parks]
