"""Candidate sentences for a question and the general features the answer scorer weighs.

Every feature says something about any question and any article — how similar, how much of the
question a sentence holds, whether it carries the kind of value asked for, whether it agrees with
the question's place and year — so weights fitted on one corpus carry over to new articles.

Example::

    >>> reader, finder = QuestionReader(idx), CandidateFinder(idx, retriever)   # doctest: +SKIP
    >>> q = reader.read("长治高新区现在有多少家入区企业？")                       # doctest: +SKIP
    >>> cands = finder.candidates(q, qvec, hits)                               # doctest: +SKIP
    >>> cands[0].features["coverage"]                                          # doctest: +SKIP
    1.0
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .article_lines import ArticleLines, asks_picture, several
from .chunking import Sentence
from .cues import HALF_YEARS, NUMBER, STATES_PLAN, TIME_WORDS, shows_detail
from .question import Question
from .sentence_facts import SentenceFacts
from .slots import asked_article_field, asked_type, question_focus, slot_value
from .terms import CoverageMemo, Joined, absent_column, coverage_column

HAS = {
    "number": re.compile(r"\d|[一二三四五六七八九十百千万亿]+[个家项所名条倍]"),
    # a year or month, or a time written in words ("力争年底投产")
    "date": re.compile(rf"\d{{4}}\s*年|\d{{1,2}}\s*月|{TIME_WORDS}|月底|{HALF_YEARS}|十四五|十五五"),
    # items joined by "、", a chain "A—B—C", or parallel clauses joined by "；"
    "list": re.compile(r"、.*、|[^-—\s]+[-—][^-—\s]+[-—][^-—\s]+|[；;]"),
    "entity": re.compile(r"公司|集团|企业|研究院|实验室|中心|基地|项目|记者|主任|书记|局长|长|者"),
    "reason": re.compile(r"通过|为了|因为|由于|依托|坚持|聚焦|围绕|推动|实施|以.{1,12}为"),
}

# a sentence that states something checkable: a figure, a date, a name
SPECIFIC = re.compile(r"\d|[“《][^”》]{2,20}[”》]|[一二两三四五六七八九十百千]+[个家项名条支种]")

RARE_DF = 5   # a term at most this many sentences hold is rare, however large the corpus

FEATURES = ("dense", "dense_z", "dense_gap", "passage", "bm25", "coverage", "coverage_ctx",
            "missing", "number", "unit", "date", "list", "entity", "reason", "year_match",
            "year_clash", "place_match", "place_clash", "article_place_match", "heading",
            "length", "english_dense", "summary_pos", "detail", "article_heading",
            "article_lead", "article_byline", "specific", "novelty", "missing_rare", "focus",
            "slot", "title", "section", "interrogative", "lone_line", "article_role", "caption")


@dataclass
class Candidate:
    sentence: Sentence
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0          # fitted probability that it holds (part of) the answer
    start: int = 0              # quoted window inside the sentence text
    end: int = 0

    @property
    def text(self) -> str:
        return self.sentence.text[self.start:self.end]


class CandidateFinder:
    """Sentences of the top passages plus the nearest sentences by embedding and by BM25, with
    features."""

    def __init__(self, index, retriever, *, passages: int = 8, nearest: int = 12) -> None:
        self.index = index
        self.retriever = retriever
        self.n_passages = passages
        self.n_nearest = nearest
        self._by_passage = {p.id: p.sentence_ids for p in index.passages}
        sents = index.sentences
        # the lower-cased texts are the index's term look-up's own; the sentence before and the
        # paragraph are read only for the candidates, so no text is copied per sentence
        self._lowered = index.terms.texts
        # the question reader's IDF of a term held by RARE_DF sentences of this corpus
        self.rare_idf = math.log((len(sents) + 1) / (RARE_DF + 0.5))
        self.context = _Before(self._lowered, sents)
        self.paragraph_id = [(s.doc, self.index.articles[s.doc].text.rfind("\n", 0, s.start))
                             for s in sents]
        per_paragraph = Counter(self.paragraph_id)
        self._alone = [per_paragraph[pid] == 1 for pid in self.paragraph_id]
        self._of_doc: dict[str, list[int]] = {}
        for s in sents:
            self._of_doc.setdefault(s.doc, []).append(s.id)
        self.position = [s.id - self._of_doc[s.doc][0] for s in sents]
        self.lines = ArticleLines(index, self.position, self._alone, self._by_passage)
        self.facts = SentenceFacts(self)   # what each sentence shows, read once
        # the heading a sentence stands under
        self._section, self.section_id = [], []
        heading = ""
        for s in sents:
            heading = s.text.lower() if s.heading else ("" if self.position[s.id] == 0
                                                        else heading)
            self._section.append(heading)
            self.section_id.append(len(self.section_id) and self.section_id[-1]
                                   + (s.heading or self.position[s.id] == 0))

    def section(self, sid: int) -> list[int]:
        """Ids of the body sentences under the same heading as sentence ``sid``."""
        label, out = self.section_id[sid], []
        for step in (-1, 1):
            i = sid if step == 1 else sid - 1
            while 0 <= i < len(self.section_id) and self.section_id[i] == label:
                out.append(i)
                i += step
        return sorted(i for i in out if not self.index.sentences[i].heading)

    def doc_sentences(self, doc: str) -> list[int]:
        """Ids of the sentences of article ``doc``, in reading order."""
        return self._of_doc.get(doc, [])

    def section_heading(self, sid: int) -> str:
        """The lower-cased heading sentence ``sid`` stands under ("" before the first)."""
        return self._section[sid]

    def paragraph(self, sid: int) -> str:
        """The paragraph sentence ``sid`` stands in."""
        s = self.index.sentences[sid]
        text = self.index.articles[s.doc].text
        a = self.paragraph_id[sid][1] + 1
        b = text.find("\n", s.end)
        return text[a: b if b >= 0 else len(text)]

    def _nearest(self, qvec: np.ndarray) -> tuple[list[int], _Sims]:
        """The sentences nearest the question by embedding, and the similarity of each: from the
        whole matrix while ``sentences.faiss`` is exact (one product, as cheap as a search),
        else from the approximate index, so the cost does not grow with the corpus."""
        idx = self.index
        if not len(idx.sentence_vectors):
            return [], _Sims(np.zeros(0, np.float32))
        approximate = any(hasattr(idx.sentence_index, a) for a in ("hnsw", "nprobe"))
        if not approximate:
            sims = idx.sentence_vectors @ qvec
            return [int(i) for i in np.argsort(-sims)[: self.n_nearest]], _Sims(sims)
        _, found = idx.sentence_index.search(qvec[None, :].astype(np.float32), self.n_nearest)
        return [int(i) for i in found[0] if i >= 0], _Sims(None, idx.sentence_vectors, qvec)

    def candidates(self, q: Question, qvec: np.ndarray, hits) -> list[Candidate]:
        idx = self.index
        passage_score: dict[int, float] = {}
        for rank, h in enumerate(hits[: self.n_passages]):
            for sid in self._by_passage[h.id]:
                passage_score[sid] = max(passage_score.get(sid, 0.0), 1.0 - rank / self.n_passages)
        nearest, sims = self._nearest(qvec)
        # the sentences sharing the question's rarest words, wherever their passage ranked: read
        # from the BM25 postings of its words, best first (the lower id first among equals)
        matched, scores = self.retriever.sentence_bm25.matching(q.tokens)
        lexical = [int(matched[i]) for i in _top(scores, self.n_nearest) if scores[i] > 0]
        ids = sorted(set(passage_score) | set(nearest) | set(lexical)
                     | set(self.lines.about_articles(q, hits)))
        if not ids:
            return []
        dense = sims.take(ids)
        at = np.minimum(np.searchsorted(matched, ids), max(len(matched) - 1, 0))
        lex = np.where(matched[at] == ids, scores[at], 0.0).astype(np.float32) \
            if len(matched) else np.zeros(len(ids), np.float32)
        lex_top = float(lex.max()) or 1.0
        role = asked_article_field(q)
        meant = self.lines.meant_articles(q, hits)[:several(q)] if role else []
        sents = [idx.sentences[i] for i in ids]
        roles = [role if s.doc in meant else "" for s in sents]
        passage = np.array([passage_score.get(i, 0.0) for i in ids])
        columns = self._columns(q, ids, sents, dense, passage, lex.astype(np.float64) / lex_top, roles)
        keys = FEATURES + ("plan",)
        return [Candidate(s, dict(zip(keys, row)), 0.0, 0, len(s.text))
                for s, row in zip(sents, np.column_stack([columns[k] for k in keys]).tolist())]

    def _columns(self, q: Question, ids: list[int], sents: list[Sentence], dense: np.ndarray,
                 passage: np.ndarray, bm25: np.ndarray, roles: list[str]) -> dict:
        """Each feature of the candidate sentences ``ids``, one column (a value per candidate)
        at a time: what depends on the question alone is worked out once, and the terms are
        looked for in all candidates' texts at once (``terms.Joined``)."""
        n, facts, lines = len(ids), [self.facts[i] for i in ids], self.lines
        zeros = np.zeros(n)
        mean, sd, top = float(dense.mean()), float(dense.std()) or 1.0, float(dense.max())
        dense = dense.astype(np.float64)
        c = {"dense": dense, "dense_z": (dense - mean) / sd, "dense_gap": top - dense,
             "passage": passage, "bm25": bm25}
        # "李茹" answers "写经开区的那篇文章是谁写的": its title is its context
        prints = [bool(r) and lines.prints(s, r) for s, r in zip(sents, roles)]
        ctx = [f"{self.context[i]} {lines.title[s.doc]}" if p else self.context[i]
               for i, s, p in zip(ids, sents, prints)]
        texts = Joined([self._lowered[i] for i in ids])
        c["coverage"] = coverage_column(q.terms, texts)
        c["coverage_ctx"] = coverage_column(
            q.terms, texts, Joined([x + self.paragraph(i) for x, i in zip(ctx, ids)]))
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
        places, parks = q.places, [self.index.articles[s.doc].park for s in sents]
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
        c["article_lead"] = about_article * _col(float(self.position[i] < 3) for i in ids)
        c["article_byline"] = about_article * _col(float(f.byline) for f in facts)
        c["specific"] = _col(float(f.specific) for f in facts)
        # what the sentence says beyond the question: a sentence that only echoes the question
        # ("…是这场绿色转型的直接受益者") rarely answers "为啥"
        c["novelty"] = _novelty([f.own for f in facts], q.chars)
        # rare terms of the question (a handful of sentences hold them) this sentence lacks
        rare = weight[:, None] >= self.rare_idf
        c["missing_rare"] = (absent & rare).sum(axis=0).astype(np.float64)
        # the measure asked about ("注册资本是多少") and a value of the asked type next to it
        kind, focus = asked_type(q), question_focus(q)
        c["focus"] = coverage_column(focus, texts, Joined(ctx)) if focus else zeros
        c["slot"] = _col(slot_value(kind, focus, s.text, unit=q.unit, question=q.text)
                         for s in sents)
        # candidates share articles and sections: each title and heading is read once
        memo = CoverageMemo(q.terms)
        c["title"] = _col(memo(lines.title[s.doc]) for s in sents)
        c["section"] = _col(memo(self._section[i]) for i in ids)
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


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first, the earlier one first among equals
    (a stable sort of all of them, without sorting all of them)."""
    if len(scores) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        pool = np.flatnonzero(scores >= kth)
    else:
        pool = np.arange(len(scores))
    return pool[np.argsort(-scores[pool], kind="stable")][:k]


class _Before:
    """``finder.context[sid]``: the lower-cased sentence before ``sid`` in its article, or ""."""

    def __init__(self, lowered: list[str], sents: list[Sentence]) -> None:
        self._lowered, self._sents = lowered, sents

    def __getitem__(self, sid: int) -> str:
        s = self._sents
        return self._lowered[sid - 1] if sid and s[sid - 1].doc == s[sid].doc else ""


class _Sims:
    """Cosine similarities of the question to the sentences: all of them computed at once, or
    each candidate's own (from its vector) when the corpus is searched approximately."""

    def __init__(self, sims, vectors=None, qvec=None) -> None:
        self._sims, self._vectors, self._qvec = sims, vectors, qvec

    def take(self, ids: list[int]) -> np.ndarray:
        if self._sims is not None:
            return np.array([self._sims[i] for i in ids], dtype=np.float32)
        return np.asarray(self._vectors[ids] @ self._qvec, dtype=np.float32)


def feature_matrix(cands: list[Candidate]) -> np.ndarray:
    return np.array([[c.features[k] for k in FEATURES] for c in cands], dtype=np.float64)
