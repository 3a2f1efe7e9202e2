"""The sentences of a summary ("概括一下…", "介绍一下…"), chosen by a fitted model.

A summary is judged by the facts it carries: a reader asking for an overview wants the
figures, the named programmes and the results, not the article's topic sentences ("…持续深耕，
用务实举措筑牢高质量发展根基"). Every body sentence of the best quote's article is a
candidate; a logistic regression over general features (the answer scorer's score, figures and
quoted names, length, section, position) says how likely each is to hold a fact a summary
needs, and the likeliest are taken, up to ``SUMMARY_SENTENCES`` sentences and
``SUMMARY_CHARS`` characters, shown in reading order. ``parkqa fit`` learns the weights from
the train split's summaries and keeps the regularization whose choices on dev hold the most
of their facts.

Example::

    >>> chosen = choose_summary(q, ranked, finder, model.summary)   # doctest: +SKIP
    >>> [c.text for c in chosen]                                    # doctest: +SKIP
    ['一组组跳动的数字…入区企业从2021年的0.9万家增至1.2万家…', '工业投资从42.69亿元增加到2024年的70亿元…']
"""
from __future__ import annotations

import math
import re

import numpy as np

from .features import Candidate
from .terms import coverage

SUMMARY_SENTENCES = 4
# the article summed up is the one the best few candidates come from, weighed by their scores:
# one stray best sentence of another article then does not decide (train summaries in the
# right article: 33/44 by the best sentence, 37, 39, 38 of 44 by the best 3, 5, 10; dev 40, 41,
# 42, 41 of 46)
SUMMARY_VOTES = 5
SUMMARY_CHARS = 250
SUMMARY_FEATURES = ("score", "candidate", "facts", "numbers", "quoted", "length", "section",
                    "position", "interrogative", "distance", "section_coverage",
                    "paragraph_lead", "commas", "list", "coverage", "dense", "dense_below",
                    "paragraph_coverage", "paragraph_coverage_below", "paragraph_dense_below",
                    "paragraph_best_below")
# a figure, a quoted name or a counted thing: what a summary's sentences carry
_FACT = re.compile(r"\d[\d.,]*|[“《][^”》]{2,20}[”》]|[一二两三四五六七八九十百千]+[个家项名条支种]")
_NUMBER = re.compile(r"\d[\d.,]*")
_QUOTED = re.compile(r"[“《][^”》]{2,20}[”》]")


def prior_summary():
    """The weights used until ``parkqa fit`` has run: the answer scorer's score first, then
    the facts a sentence states."""
    from .scorer import Linear

    prior = {"score": 3.0, "facts": 1.0, "section": 0.5, "interrogative": -2.0}
    return Linear(SUMMARY_FEATURES, coef=[prior.get(n, 0.0) for n in SUMMARY_FEATURES])


def summary_anchor(ranked: list[Candidate]) -> Candidate:
    """The best candidate of the article the best ``SUMMARY_VOTES`` candidates point to."""
    votes: dict[str, float] = {}
    for c in ranked[:SUMMARY_VOTES]:
        votes[c.sentence.doc] = votes.get(c.sentence.doc, 0.0) + c.score
    doc = max(votes, key=votes.get)
    return next(c for c in ranked if c.sentence.doc == doc)


def summary_pool(best: Candidate, ranked: list[Candidate], finder) -> list[Candidate]:
    """Every body sentence of the best quote's article, with the answer scorer's score where
    the sentence was a candidate (0 where it was not: it borrows the best one's features,
    which the refusal reads)."""
    by_id = {c.sentence.id: c for c in ranked}
    sents = finder.index.sentences
    return [by_id.get(sid) or Candidate(sents[sid], dict(best.features), 0.0, 0,
                                        len(sents[sid].text))
            for sid in finder.doc_sentences(best.sentence.doc) if not sents[sid].heading]


def summary_rows(q, best: Candidate, pool: list[Candidate], finder) -> np.ndarray:
    """``SUMMARY_FEATURES`` of each sentence of ``pool``.

    The facts a reader wants often sit in sentences that do not name the topic asked about:
    the paragraph around them does ("营造活跃的创新生态…。…研究院所17家…"). So each sentence
    also carries its paragraph's coverage of the question terms and its paragraph's similarity
    to the question (mean and best), each also as the distance below the best paragraph of the
    article."""
    section = set(finder.section(best.sentence.id))
    size = max(1, len(pool))
    own = _paragraph_rows(q, pool, finder)
    rows = []
    for c, extra in zip(pool, own):
        text, sid = c.sentence.text, c.sentence.id
        rows.append([c.score, float(c.score > 0), min(len(_FACT.findall(text)), 4) / 4,
                     min(len(_NUMBER.findall(text)), 6) / 6,
                     min(len(_QUOTED.findall(text)), 3) / 3, math.log1p(len(text)) / 5,
                     float(sid in section), finder.position[sid] / size,
                     float(finder.facts[sid].interrogative),
                     math.log1p(abs(sid - best.sentence.id)) / 3,
                     coverage(q.terms, finder.section_heading(sid)),
                     float(finder.paragraph(sid).startswith(text[:10])), text.count("，") / 5,
                     float("、" in text), coverage(q.terms, text.lower()), *extra])
    return np.array(rows, dtype=np.float64).reshape(-1, len(SUMMARY_FEATURES))


def _paragraph_rows(q, pool: list[Candidate], finder) -> np.ndarray:
    """Per sentence of ``pool``: its similarity to the question, that less the pool's best,
    its paragraph's coverage of the question terms, that less the best paragraph's, and its
    paragraph's mean and best similarity less the best paragraph's."""
    ids = [c.sentence.id for c in pool]
    if not ids:
        return np.zeros((0, 6))
    vecs = finder.index.sentence_vectors
    dense = (vecs[ids] @ q.vec).astype(np.float64) if q.vec is not None and len(vecs) \
        else np.array([c.features.get("dense", 0.0) for c in pool], dtype=np.float64)
    members: dict = {}
    for k, sid in enumerate(ids):
        members.setdefault(finder.paragraph_id[sid], []).append(k)
    para_cov, para_mean, para_best = (np.zeros(len(ids)) for _ in range(3))
    for ks in members.values():
        para_cov[ks] = coverage(q.terms, finder.paragraph(ids[ks[0]]).lower())
        para_mean[ks] = dense[ks].mean()
        para_best[ks] = dense[ks].max()
    return np.column_stack([dense, dense - dense.max(), para_cov, para_cov - para_cov.max(),
                            para_mean - para_mean.max(), para_best - para_best.max()])


def choose_summary(q, ranked: list[Candidate], finder, model) -> list[Candidate]:
    """The likeliest sentences of the summary of ``q`` (``model``: a ``Linear`` over
    ``SUMMARY_FEATURES``), in reading order."""
    best = summary_anchor(ranked)
    pool = summary_pool(best, ranked, finder)
    if not pool:
        return [best]
    likely = model.predict_proba(summary_rows(q, best, pool, finder))
    chosen: list[Candidate] = []
    for n in np.argsort(-likely, kind="stable"):
        c = pool[int(n)]
        if len(chosen) >= SUMMARY_SENTENCES:
            break
        if chosen and sum(len(x.sentence.text) for x in chosen) + len(c.sentence.text) \
                > SUMMARY_CHARS:
            continue
        chosen.append(c)
    return sorted(chosen or [best], key=lambda c: c.sentence.id)
