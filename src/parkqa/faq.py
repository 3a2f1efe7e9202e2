"""Curated answers: a user question close enough to a question an editor answered (or one of its
paraphrases) is answered with the editor's vetted answer, cited and marked as curated.

"Close enough" is a fitted model, not a guess (``parkqa.faq_fit``, saved in ``faq_model.json``):
a logistic regression over the cosine of the two questions' embeddings, the overlap of their
IDF-weighted key terms and whether they ask for the same kind of thing, with the threshold
chosen on the dev split for few false matches. The places and years the two questions name must
be the same: an answer about 高新区 never answers a question about 经开区, whatever the wording.

The question is embedded once (the retriever reuses the vector when no curated answer fits) and
compared with the stored questions' vectors, computed when the FAQ or the index changes.

Example::

    >>> matcher = FaqMatcher(store.faq(), loaded)                # doctest: +SKIP
    >>> hit = matcher.match("长治高新区党工委书记是谁？")           # doctest: +SKIP
    >>> hit.entry.id, round(hit.probability, 2)                   # doctest: +SKIP
    ('faq-1a2b3c4d', 0.97)
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import NamedTuple

import numpy as np

from .answering import Answer, Citation
from .corpus import squash
from .curated import CuratedError, FaqEntry

MODEL = resources.files("parkqa").joinpath("faq_model.json")
FEATURES = ("cosine", "terms", "same_kind")
SHORTLIST = 20    # stored questions, nearest by cosine, scored in full


@dataclass
class CuratedAnswer(Answer):
    """An editor's answer: the JSON contract plus ``curated``, ``faq_id`` and the question it
    was stored under (and ``faq_source``, a source in words, when there is one)."""
    faq_id: str = ""
    faq_question: str = ""
    faq_source: str = ""
    curated: bool = field(default=True, init=False)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.update(curated=True, faq_id=self.faq_id, faq_question=self.faq_question)
        if self.faq_source:
            out["faq_source"] = self.faq_source
        return out


class Read(NamedTuple):
    """A question as the matcher compares it."""
    vector: np.ndarray
    terms: dict[str, float]
    kinds: frozenset
    places: frozenset
    years: frozenset


class Hit(NamedTuple):
    entry: FaqEntry
    probability: float
    matched: str          # the stored wording it matched


def features(a: Read, b: Read) -> list[float]:
    return [float(a.vector @ b.vector), weighted_jaccard(a.terms, b.terms),
            float(a.kinds == b.kinds)]


def weighted_jaccard(a: dict[str, float], b: dict[str, float]) -> float:
    keys = set(a) | set(b)
    top = sum(min(a.get(k, 0.0), b.get(k, 0.0)) for k in keys)
    bottom = sum(max(a.get(k, 0.0), b.get(k, 0.0)) for k in keys)
    return top / bottom if bottom else 0.0


def same_constraints(a: Read, b: Read) -> bool:
    return a.places == b.places and a.years == b.years


def read(loaded, text: str) -> Read:
    """Read ``text`` with the index's question reader and embed it (call it inside
    ``tokens.using(loaded.index.tokenizer)``)."""
    reader = loaded.answerer.reader
    q = reader.read(text)
    # words no article has count too: a curated question may be about what the articles are not
    # ("咨询电话"), and they tell it from the next one
    terms = {**{t: reader.idf(t) for t in q.unknown}, **q.terms}
    return Read(loaded.retriever.embed(q.text), terms, frozenset(q.kinds),
                frozenset(q.places), frozenset(q.years))


class Model(NamedTuple):
    weights: np.ndarray
    bias: float
    threshold: float

    @classmethod
    def load(cls) -> "Model":
        data = json.loads(MODEL.read_text(encoding="utf-8"))
        return cls(np.array(data["weights"], dtype=np.float64), float(data["bias"]),
                   float(data["threshold"]))

    def probability(self, x: list[float]) -> float:
        return float(1.0 / (1.0 + np.exp(-(self.weights @ np.array(x) + self.bias))))


class FaqMatcher:
    """The stored questions of one FAQ, read against one loaded index generation."""

    def __init__(self, entries: list[FaqEntry], loaded, model: Model | None = None) -> None:
        self.loaded = loaded
        self.model = model or Model.load()
        self.rows: list[tuple[FaqEntry, str, Read]] = [
            (e, text, read(loaded, text)) for e in entries for text in e.questions()]
        self.vectors = np.stack([r.vector for *_, r in self.rows]) if self.rows else None

    def match(self, question: Read) -> Hit | None:
        """The best stored question above the fitted threshold, or None."""
        if self.vectors is None:
            return None
        cosines = self.vectors @ question.vector
        best: Hit | None = None
        for i in np.argsort(-cosines)[:SHORTLIST]:
            entry, text, stored = self.rows[int(i)]
            if not same_constraints(question, stored):
                continue
            p = self.model.probability(features(question, stored))
            if p >= self.model.threshold and (best is None or p > best.probability):
                best = Hit(entry, p, text)
        return best


def answer(hit: Hit, question: str, index) -> CuratedAnswer:
    """The editor's answer, with its article cited when the index holds the quoted words."""
    e = hit.entry
    citation = cite(e, index)
    text = f"{e.answer}[1]" if citation else e.answer
    source = e.source or ("" if citation else e.doc)
    return CuratedAnswer(question, True, text, [citation] if citation else [],
                         confidence=round(hit.probability, 4), faq_id=e.id,
                         faq_question=e.question, faq_source=source)


def cite(entry: FaqEntry, index) -> Citation | None:
    """A citation of the entry's article (its quoted words marked when given and found)."""
    art = index.articles.get(entry.doc) if entry.doc else None
    if art is None:
        return None
    if entry.quote:
        spans = locate(art, entry.quote)
        if not spans:
            return None
    else:       # the article's title line stands for the whole article
        first = art.text.split("\n", 1)[0]
        spans = [x for x in art.raw_spans(0, len(first)) if x[0] < x[1]]
    quote = "".join("".join(art.raw[a:b].split()) for a, b in spans)
    return Citation(n=1, doc=art.doc, quote=quote, start=min(a for a, _ in spans),
                    end=max(b for _, b in spans), score=1.0,
                    spans=[list(x) for x in spans], **art.meta.citation_fields())


def locate(art, quote: str) -> list[tuple[int, int]]:
    """Raw pieces of ``quote`` in the article: as the file has it (layout whitespace aside),
    else as the repaired text has it (a quote joined across a column break)."""
    chars = squash(quote)
    if not chars:
        return []
    loose = re.compile(r"\s*".join(re.escape(c) for c in chars))
    m = loose.search(art.raw)
    if m:
        return [(m.start(), m.end())]
    m = loose.search(art.text)
    if m:
        return [x for x in art.raw_spans(m.start(), m.end()) if x[0] < x[1]]
    return []


def check_source(entry: FaqEntry, index) -> None:
    """The entry's article must be in the index, and its quote in the article."""
    if not entry.doc:
        return
    art = index.articles.get(entry.doc)
    if art is None:
        raise CuratedError(f"没有这篇文章：{entry.doc}（请从文章列表中选择）。")
    if entry.quote and not locate(art, entry.quote):
        raise CuratedError(f"在《{art.title or entry.doc}》里找不到这段引用原文，请从文章中原样复制。")
