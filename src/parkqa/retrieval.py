"""Find the passages and sentences that may answer a question: dense (FAISS) and BM25 (jieba
tokens) rankings fused by reciprocal rank, with a preference for the park the question names.

Example::

    >>> from parkqa.retrieval import fuse_rankings
    >>> fuse_rankings([[3, 1, 2], [1, 3]], k=60)[:2]
    [(1, 0.0325...), (3, 0.0325...)]
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from .index import Index
from .tokens import normalize, tokenize

PARK_PATTERNS = {
    "高新区": re.compile(r"高新区"),
    "经开区": re.compile(r"经开区"),
    "长治市": re.compile(r"长治市|全市|市里|全长治|整个长治|长治全市|长治的(?!高新|经开)"),
}


def question_parks(question: str) -> list[str]:
    """Parks a question names (after alias normalization), in the order it names them."""
    text = normalize(question)
    found = [(m.start(), park) for park, pat in PARK_PATTERNS.items()
             for m in [pat.search(text)] if m]
    return [park for _, park in sorted(found)]


def fuse_rankings(rankings: list[list[int]], *, k: int = 60,
                  weights: list[float] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d)), best first."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


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


@dataclass
class Hit:
    id: int            # passage id
    score: float       # fused score
    dense: float       # cosine similarity
    bm25: float


class Retriever:
    """Rank passages (and sentences) for a question with one shared query embedding."""

    def __init__(self, index: Index, embedder, *, rrf_k: int = 60, park_penalty: float = 0.5,
                 dense_weight: float = 0.6):
        self.index = index
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.park_penalty = park_penalty
        # BM25 over jieba tokens is the stronger ranker on these entity-heavy questions; the
        # embedding mostly breaks ties and rescues paraphrases and English questions
        self.dense_weight = dense_weight
        self.passage_bm25 = BM25(index.passage_tokens)
        self.sentence_bm25 = BM25(index.sentence_tokens)

    def embed(self, question: str) -> np.ndarray:
        return self.embedder.encode_queries([normalize(question)])[0]

    def passages(self, question: str, *, k: int = 5, mode: str = "hybrid",
                 qvec: np.ndarray | None = None, tokens: list[str] | None = None,
                 depth: int = 30) -> list[Hit]:
        """Top-``k`` passages. ``mode`` is "hybrid" (default), "dense" or "bm25"."""
        idx = self.index
        n = len(idx.passages)
        tokens = tokenize(question) if tokens is None else tokens
        dense = np.zeros(n, dtype=np.float32)
        if mode in ("hybrid", "dense"):
            qvec = self.embed(question) if qvec is None else qvec
            sims, ids = idx.passage_vectors.search(qvec[None, :].astype(np.float32), n)
            dense[ids[0]] = sims[0]
        lexical = self.passage_bm25.scores(tokens) if mode in ("hybrid", "bm25") else np.zeros(n)
        depth = min(depth, n)
        rankings, weights = [], []
        if mode in ("hybrid", "dense"):
            rankings.append(list(np.argsort(-dense, kind="stable")[:depth]))
            weights.append(self.dense_weight if mode == "hybrid" else 1.0)
        if mode in ("hybrid", "bm25") and lexical.max() > 0:
            order = [i for i in np.argsort(-lexical, kind="stable")[:depth] if lexical[i] > 0]
            rankings.append(order)
            weights.append(1.0)
        fused = fuse_rankings(rankings, k=self.rrf_k, weights=weights)
        parks = question_parks(question)
        hits = []
        for pid, score in fused:
            park = idx.passages[pid].park
            if parks and park and park not in parks:
                score *= self.park_penalty
            hits.append(Hit(int(pid), float(score), float(dense[pid]), float(lexical[pid])))
        hits.sort(key=lambda h: -h.score)
        return hits[:k]
