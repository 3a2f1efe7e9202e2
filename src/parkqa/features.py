"""Candidate sentences for a question and the general features the answer scorer weighs.

Every feature says something about any question and any article — how similar, how much of the
question a sentence holds, whether it carries the kind of value asked for, whether it agrees with
the question's place and year — so weights fitted on one corpus carry over to new articles.
They are worked out a column at a time in ``parkqa.feature_columns``.

Example::

    >>> reader, finder = QuestionReader(idx), CandidateFinder(idx, retriever)   # doctest: +SKIP
    >>> q = reader.read("长治高新区现在有多少家入区企业？")                       # doctest: +SKIP
    >>> cands = finder.candidates(q, qvec, hits)                               # doctest: +SKIP
    >>> cands[0].features["coverage"]                                          # doctest: +SKIP
    1.0
"""
from __future__ import annotations

import math
import operator
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .article_lines import ArticleLines, several
from .chunking import Sentence
from .cues import AREA_UNIT, HALF_YEARS, NUMBER, TIME_WORDS
from .feature_columns import feature_columns
from .question import YEAR, Question
from .sentence_facts import SentenceFacts
from .slots import asked_article_field

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
# when an area is asked, the sentences holding a number in an area unit join the candidates:
# from the articles of the best few passages, the first few (the cost stays that of reading
# three articles); every unit's was measured too, with the same gain and more wrong refusals
UNIT_ARTICLES, UNIT_SENTENCES = 3, 8

FEATURES = ("dense", "dense_z", "dense_gap", "passage", "bm25", "coverage", "coverage_ctx",
            "missing", "number", "unit", "date", "list", "entity", "reason", "year_match",
            "year_clash", "place_match", "place_clash", "article_place_match", "heading",
            "length", "english_dense", "summary_pos", "detail", "article_heading",
            "article_lead", "article_byline", "specific", "novelty", "missing_rare", "focus",
            "slot", "title", "section", "interrogative", "lone_line", "article_role", "caption")
# read by the refusal, not the sentence scorer: whether the sentence states a plan, and whether
# its article prints a year the question asks about
EXTRA = ("plan", "article_year")


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
        # the years each article prints anywhere: a quote from an article that never names the
        # year asked is not about that year, whatever its own sentence says
        self.article_years = {doc: frozenset(YEAR.findall(art.text))
                              for doc, art in index.articles.items()}
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

    def _in_unit(self, q: Question, hits) -> list[int]:
        """Sentences of the best passages' articles holding a number in the unit asked: the
        answer to "总面积有多大" may share no word with it ("…104.31平方公里热土")."""
        if q.unit != AREA_UNIT:
            return []
        unit = re.compile(NUMBER + q.unit)
        docs = list(dict.fromkeys(self.index.passages[h.id].doc for h in hits))[:UNIT_ARTICLES]
        found = [sid for doc in docs for sid in self.doc_sentences(doc)
                 if unit.search(self.index.sentences[sid].text)]
        return found[:UNIT_SENTENCES]

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

    def nearest(self, qvec: np.ndarray) -> tuple[list[int], _Sims]:
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

    def candidates(self, q: Question, qvec: np.ndarray, hits, near=None) -> list[Candidate]:
        """Every sentence worth scoring for ``q``, with its features. ``near``: what
        ``nearest(qvec)`` gave, when the parts of one question are read with its vector (one
        search, not one per part)."""
        idx = self.index
        passage_score: dict[int, float] = {}
        for rank, h in enumerate(hits[: self.n_passages]):
            for sid in self._by_passage[h.id]:
                passage_score[sid] = max(passage_score.get(sid, 0.0), 1.0 - rank / self.n_passages)
        nearest, sims = near or self.nearest(qvec)
        # the sentences sharing the question's rarest words, wherever their passage ranked: read
        # from the BM25 postings of its words, best first (the lower id first among equals)
        matched, scores = self.retriever.sentence_bm25.matching(q.tokens)
        lexical = [int(matched[i]) for i in _top(scores, self.n_nearest) if scores[i] > 0]
        ids = sorted(set(passage_score) | set(nearest) | set(lexical)
                     | set(self.lines.about_articles(q, hits)) | set(self._in_unit(q, hits)))
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
        columns = feature_columns(self, q, ids, sents, dense, passage,
                                  lex.astype(np.float64) / lex_top, roles)
        keys = FEATURES + EXTRA
        return [Candidate(s, dict(zip(keys, row)), 0.0, 0, len(s.text))
                for s, row in zip(sents, np.column_stack([columns[k] for k in keys]).tolist())]


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


_IN_ORDER = operator.itemgetter(*FEATURES)


def feature_matrix(cands: list[Candidate]) -> np.ndarray:
    return np.array([_IN_ORDER(c.features) for c in cands], dtype=np.float64).reshape(
        len(cands), len(FEATURES))
