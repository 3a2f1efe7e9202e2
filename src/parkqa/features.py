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
from .terms import CoverageMemo, coverage, sentence_terms

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
        mean, sd, top = float(dense.mean()), float(dense.std()) or 1.0, float(dense.max())
        at = np.minimum(np.searchsorted(matched, ids), max(len(matched) - 1, 0))
        lex = np.where(matched[at] == ids, scores[at], 0.0).astype(np.float32) \
            if len(matched) else np.zeros(len(ids), np.float32)
        lex_top = float(lex.max()) or 1.0
        slot = (asked_type(q), question_focus(q))
        role = asked_article_field(q)
        meant = self.lines.meant_articles(q, hits)[:several(q)] if role else []
        out, memo = [], CoverageMemo(q.terms)
        for n, sid in enumerate(ids):
            s = idx.sentences[sid]
            f = self.features(q, s, float(dense[n]), mean, sd, top, passage_score.get(sid, 0.0),
                              float(lex[n]) / lex_top, slot, role if s.doc in meant else "",
                              memo)
            out.append(Candidate(s, f, 0.0, 0, len(s.text)))
        return out

    def features(self, q: Question, s: Sentence, dense: float, mean: float, sd: float,
                 top: float, passage: float, bm25: float,
                 slot: tuple[str, dict] = ("", {}), role: str = "",
                 memo: CoverageMemo | None = None) -> dict[str, float]:
        memo = memo or CoverageMemo(q.terms)   # one per question: candidates share titles
        facts = self.facts[s.id]
        text, ctx, para = self._lowered[s.id], self.context[s.id], self.paragraph(s.id)
        prints_role = bool(role) and self.lines.prints(s, role)
        if prints_role:   # "李茹" answers "写经开区的那篇文章是谁写的": its title is its context
            ctx = f"{ctx} {self.lines.title[s.doc]}"
        cov, cov_ctx, absent, own = sentence_terms(q.terms, text, ctx + para, text + ctx)
        total = sum(q.terms.values()) or 1.0
        missing = max(absent.values(), default=0.0)
        f = {"dense": dense, "dense_z": (dense - mean) / sd, "dense_gap": top - dense,
             "passage": passage, "bm25": bm25, "coverage": cov, "coverage_ctx": cov_ctx,
             "missing": missing / max(total, 1.0) if q.terms else 0.0}
        for kind in ("number", "date", "list", "entity", "reason"):
            f[kind] = float(kind in q.kinds) * (1.0 if kind in facts.has else -1.0)
        if "duration" in q.kinds:
            f["date"] = 1.0 if "date" in facts.has else -1.0
        f["unit"] = (1.0 if re.search(NUMBER + q.unit, s.text) else -1.0) if q.unit else 0.0
        # the sentence's own years say what it is about; its paragraph's only when it has none
        # ("2025年,新认定…26家" does not answer a 2024 question because 2024 is a line above)
        years, near = facts.years, facts.near_years
        f["year_match"] = float(bool(q.years) and bool(set(q.years) & near))
        f["year_clash"] = float(bool(q.years) and bool(years) and not set(q.years) & near)
        art_place = self.index.articles[s.doc].park
        f["place_match"] = float(bool(q.places) and s.park in q.places)
        f["place_clash"] = float(bool(q.places) and bool(s.park) and s.park not in q.places)
        f["article_place_match"] = float(bool(q.places) and art_place in q.places)
        f["heading"] = float(s.heading)
        f["length"] = math.log1p(len(s.text)) / 5.0
        f["english_dense"] = float(q.english) * (dense - mean) / sd
        f["summary_pos"] = float("summary" in q.kinds) * passage
        f["detail"] = (sum(1.0 if shows_detail(d, s.text) else -1.0 for d in q.details)
                       / len(q.details)) if q.details else 0.0
        about_article = float("article" in q.kinds)
        f["article_heading"] = about_article * float(s.heading)
        f["article_lead"] = about_article * float(self.position[s.id] < 3)
        f["article_byline"] = about_article * float(facts.byline)
        f["specific"] = float(facts.specific)
        # what the sentence says beyond the question: a sentence that only echoes the question
        # ("…是这场绿色转型的直接受益者") rarely answers "为啥"
        chars = q.chars
        f["novelty"] = sum(ch not in chars for ch in facts.own) / max(1, len(facts.own))
        # rare terms of the question (a handful of sentences hold them) this sentence lacks
        f["missing_rare"] = float(sum(1 for w in absent.values() if w >= self.rare_idf))
        # the measure asked about ("注册资本是多少") and a value of the asked type next to it
        kind, focus = slot
        f["focus"] = coverage(focus, text, ctx, known=own) if focus else 0.0
        f["slot"] = slot_value(kind, focus, s.text, unit=q.unit, question=q.text)
        # candidates share articles and sections: each title and heading is read once
        f["title"] = memo(self.lines.title[s.doc])
        f["section"] = memo(self._section[s.id])
        # a rhetorical question of the article ("如何破解…瓶颈？") states nothing
        f["interrogative"] = float(facts.interrogative)
        # a short line that is a paragraph by itself: a photo caption, a signature, a slogan
        f["lone_line"] = float(facts.lone_line)
        # "谁写的": 1 for the line printing the asked field of the meant article's metadata,
        # -1 for every other line (also when no field is asked: no line prints one)
        f["article_role"] = 1.0 if prints_role else -1.0
        f["caption"] = self.lines.caption(q, s) if asks_picture(q.text) else 0.0
        # not weighed by the scorer: whether the sentence, or the one it follows, states a plan
        # ("长治经开区将…。…推动经营主体总量突破4000家。"), for the refusal's plan_clash
        f["plan"] = float(facts.plan if not prints_role
                          else bool(STATES_PLAN.search(s.text) or STATES_PLAN.search(ctx)))
        return f


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
