"""The general features of a question's candidate sentences (``features.FEATURES``), worked
out one column (a value per candidate) at a time: what depends on the question alone — its
years, places, kinds, unit, focus — is read once, and its terms are looked for in all the
candidates' texts at once (``terms.Joined``). ``features.CandidateFinder`` finds the
candidates and turns the columns into each candidate's ``features``.

Example::

    >>> columns = feature_columns(finder, q, ids, sents, dense, passage, bm25, roles)  # doctest: +SKIP
    >>> columns["coverage"]                                                     # doctest: +SKIP
    array([1.  , 0.52, 0.  ])
"""
from __future__ import annotations

import math
import re

import numpy as np

from .article_lines import asks_picture
from .chunking import Sentence
from .cues import NUMBER, STATES_PLAN, shows_detail
from .question import Question
from .slots import asked_type, question_focus, slot_value
from .terms import CoverageMemo, Joined, absent_column, coverage_column


def feature_columns(finder, q: Question, ids: list[int], sents: list[Sentence],
                    dense: np.ndarray, passage: np.ndarray, bm25: np.ndarray,
                    roles: list[str]) -> dict[str, np.ndarray]:
    """Each feature of the candidate sentences ``ids``, one column (a value per candidate)
    at a time: what depends on the question alone is worked out once, and the terms are
    looked for in all candidates' texts at once (``terms.Joined``)."""
    n, facts, lines = len(ids), [finder.facts[i] for i in ids], finder.lines
    zeros = np.zeros(n)
    mean, sd, top = float(dense.mean()), float(dense.std()) or 1.0, float(dense.max())
    dense = dense.astype(np.float64)
    c = {"dense": dense, "dense_z": (dense - mean) / sd, "dense_gap": top - dense,
         "passage": passage, "bm25": bm25}
    # "李茹" answers "写经开区的那篇文章是谁写的": its title is its context
    prints = [bool(r) and lines.prints(s, r) for s, r in zip(sents, roles)]
    ctx = [f"{finder.context[i]} {lines.title[s.doc]}" if p else finder.context[i]
           for i, s, p in zip(ids, sents, prints)]
    texts = Joined([finder._lowered[i] for i in ids])
    c["coverage"] = coverage_column(q.terms, texts)
    c["coverage_ctx"] = coverage_column(
        q.terms, texts, Joined([x + finder.paragraph(i) for x, i in zip(ctx, ids)]))
    # the question's terms the sentence lacks, also with the sentence before it
    absent = absent_column(q.terms, texts, Joined([t + x for t, x in zip(texts.texts, ctx)]))
    weight = np.array(list(q.terms.values()), dtype=np.float64)
    total = sum(q.terms.values()) or 1.0
    c["missing"] = np.where(absent.any(axis=0), np.where(
        absent, weight[:, None], -np.inf).max(axis=0), 0.0) / max(total, 1.0) \
        if q.terms else zeros
    for kind in ("number", "date", "list", "entity", "reason"):
        c[kind] = float(kind in q.kinds) * _col(1.0 if kind in f.has else -1.0 for f in facts)
    if "duration" in q.kinds:
        c["date"] = _col(1.0 if "date" in f.has else -1.0 for f in facts)
    unit = re.compile(NUMBER + q.unit) if q.unit else None
    c["unit"] = _col(1.0 if unit.search(s.text) else -1.0 for s in sents) if unit else zeros
    # the sentence's own years say what it is about; its paragraph's only when it has none
    # ("2025年,新认定…26家" does not answer a 2024 question because 2024 is a line above)
    years = set(q.years)
    c["year_match"] = _col(float(bool(years & f.near_years)) for f in facts) \
        if years else zeros
    c["year_clash"] = _col(float(bool(f.years) and not years & f.near_years)
                           for f in facts) if years else zeros
    c["article_year"] = _col(float(bool(years & finder.article_years[s.doc])) for s in sents) \
        if years else zeros
    places, parks = q.places, [finder.index.articles[s.doc].park for s in sents]
    c["place_match"] = _col(float(s.park in places) for s in sents) if places else zeros
    c["place_clash"] = _col(float(bool(s.park) and s.park not in places)
                            for s in sents) if places else zeros
    c["article_place_match"] = _col(float(p in places) for p in parks) if places else zeros
    c["heading"] = heading = _col(float(s.heading) for s in sents)
    c["length"] = _col(math.log1p(len(s.text)) / 5.0 for s in sents)
    c["english_dense"] = float(q.english) * (dense - mean) / sd
    c["summary_pos"] = float("summary" in q.kinds) * passage
    c["detail"] = _col(sum(1.0 if shows_detail(d, s.text) else -1.0 for d in q.details)
                       / len(q.details) for s in sents) if q.details else zeros
    about_article = float("article" in q.kinds)
    c["article_heading"] = about_article * heading
    c["article_lead"] = about_article * _col(float(finder.position[i] < 3) for i in ids)
    c["article_byline"] = about_article * _col(float(f.byline) for f in facts)
    c["specific"] = _col(float(f.specific) for f in facts)
    # what the sentence says beyond the question: a sentence that only echoes the question
    # ("…是这场绿色转型的直接受益者") rarely answers "为啥"
    c["novelty"] = _novelty([f.own for f in facts], q.chars)
    # rare terms of the question (a handful of sentences hold them) this sentence lacks
    rare = weight[:, None] >= finder.rare_idf
    c["missing_rare"] = (absent & rare).sum(axis=0).astype(np.float64)
    # the measure asked about ("注册资本是多少") and a value of the asked type next to it
    kind, focus = asked_type(q), question_focus(q)
    c["focus"] = coverage_column(focus, texts, Joined(ctx)) if focus else zeros
    c["slot"] = _col(slot_value(kind, focus, s.text, unit=q.unit, question=q.text)
                     for s in sents)
    # candidates share articles and sections: each title and heading is read once
    memo = CoverageMemo(q.terms)
    c["title"] = _col(memo(lines.title[s.doc]) for s in sents)
    c["section"] = _col(memo(finder._section[i]) for i in ids)
    # a rhetorical question of the article ("如何破解…瓶颈？") states nothing
    c["interrogative"] = _col(float(f.interrogative) for f in facts)
    # a short line that is a paragraph by itself: a photo caption, a signature, a slogan
    c["lone_line"] = _col(float(f.lone_line) for f in facts)
    # "谁写的": 1 for the line printing the asked field of the meant article's metadata,
    # -1 for every other line (also when no field is asked: no line prints one)
    c["article_role"] = _col(1.0 if p else -1.0 for p in prints)
    c["caption"] = _col(lines.caption(q, s) for s in sents) if asks_picture(q.text) \
        else zeros
    # not weighed by the scorer: whether the sentence, or the one it follows, states a plan
    # ("长治经开区将…。…推动经营主体总量突破4000家。"), for the refusal's plan_clash
    c["plan"] = _col(float(f.plan if not p else bool(
        STATES_PLAN.search(s.text) or STATES_PLAN.search(x)))
        for f, p, s, x in zip(facts, prints, sents, ctx))
    return c


def _col(values) -> np.ndarray:
    return np.fromiter(values, dtype=np.float64)


def _novelty(texts: list[str], chars: set[str]) -> np.ndarray:
    """The share of each text's characters that are not in ``chars``: all texts' characters
    are looked up at once, as code points."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    asked = np.fromiter(map(ord, chars), dtype=np.uint32, count=len(chars))
    inside = np.concatenate(([0], np.cumsum(np.isin(codes, asked))))
    size = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    end = np.cumsum(size)
    return (size - (inside[end] - inside[end - size])) / np.maximum(size, 1)
