"""Pick the sentences that answer a question, quote them exactly, cite them — or refuse.

Candidates are the sentences of the top fused passages plus the nearest sentences by embedding.
Each is scored by how much of the question's key terms it holds (IDF-weighted, matched as
substrings so jieba's segmentation cannot hide a match), its embedding similarity, its passage's
rank, question-type cues (多少 wants a number, 哪一年 a date, 哪些 a list) and whether it is about
the park the question names. A long sentence is trimmed to the clauses that hold the answer.
When the best candidate holds too little of the question, the answer is a refusal that still shows
what came closest.

Example::

    >>> qa = parkqa.load()                                   # doctest: +SKIP
    >>> qa.ask("长治高新区现在有多少家入区企业？").text        # doctest: +SKIP
    '入区企业从2021年的0.9万家增至1.2万家[1]'
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .chunking import Sentence, split_clauses
from .index import Index
from .retrieval import Retriever, question_parks
from .tokens import normalize, nouns, tokenize

REFUSAL = "抱歉，现有文章中没有找到能回答这个问题的内容。"
MAX_QUOTE_CHARS = 100

_CUES = {
    "number": re.compile(r"多少|几[个家项所名条亿万台套种款宗倍年]|多大|多高|多长|多快|多少钱|比例|占比|"
                         r"百分|规模|金额|总额|产值|增速|增长了|how (many|much)|what percentage", re.I),
    "date": re.compile(r"何时|什么时候|哪一年|哪年|几月|哪个月|哪一天|时间|日期|when|what year|"
                       r"which year", re.I),
    "list": re.compile(r"哪些|哪几|包括|都有|有什么|列举|which .*s\b|what are", re.I),
    "why": re.compile(r"为什么|为何|怎么|如何|怎样|why|how", re.I),
}
# Words that frame a question rather than say what it is about.
_QUESTION_FRAME = re.compile(r"哪一年|哪年|几月|哪个月|什么时候|多少|几个|几家|哪些|哪几|是什么|有什么|什么")
_PARK_TERMS = {"长治", "高新", "新区", "高新区", "长治高新区", "经开", "经开区", "长治经开区", "长治市"}
_LATIN = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")

_HAS = {
    "number": re.compile(r"\d|[一二三四五六七八九十百千万亿]+[个家项所名条倍]"),
    "date": re.compile(r"\d{4}年|\d{1,2}月|今年|去年|十四五|十五五"),
    "list": re.compile(r"、.*、"),
    "why": re.compile(r"通过|为了|推动|依托|以|实施|建立|构建|推行"),
}


@dataclass
class Citation:
    n: int
    doc: str
    title: str
    quote: str
    start: int
    end: int
    score: float
    spans: list[list[int]] | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        if not self.spans or len(self.spans) < 2:
            out.pop("spans")
        return out


@dataclass
class Answer:
    question: str
    answered: bool
    text: str
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)   # closest passages when refused
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"question": self.question, "answered": self.answered, "text": self.text,
               "citations": [c.to_dict() for c in self.citations]}
        if self.related:
            out["related"] = [c.to_dict() for c in self.related]
        return out


@dataclass
class Candidate:
    sentence: Sentence
    score: float
    coverage: float
    dense: float
    start: int = 0        # trimmed window inside the sentence text
    end: int = 0


def question_types(question: str) -> list[str]:
    return [name for name, pat in _CUES.items() if pat.search(question)]


def is_english(question: str) -> bool:
    return len(_LATIN.findall(question)) > 2 * len(_HAN.findall(question))


def key_terms(tokens: list[str]) -> list[str]:
    """Maximal tokens: a search-mode token inside a longer one adds nothing but double counting."""
    uniq = list(dict.fromkeys(tokens))
    return [t for t in uniq if not any(t != u and t in u for u in uniq)]


class Answerer:
    def __init__(self, index: Index, retriever: Retriever, *, min_coverage: float = 0.4,
                 min_score: float = 0.42, passages: int = 8) -> None:
        self.index = index
        self.retriever = retriever
        self.min_coverage = min_coverage
        self.min_score = min_score
        self.n_passages = passages
        self._texts = [s.text for s in index.sentences]
        self._lowered = [t.lower() for t in self._texts]
        self._by_passage = {p.id: p.sentence_ids for p in index.passages}

    # ------------------------------------------------------------ scoring pieces
    def _idf(self, term: str) -> float:
        df = sum(1 for t in self._texts if term in t)
        return math.log((len(self._texts) + 1) / (df + 0.5))

    def _weights(self, terms: list[str]) -> dict[str, float]:
        return {t: self._idf(t) for t in terms}

    @staticmethod
    def _credit(term: str, text: str) -> float:
        if term in text:
            return 1.0
        for size in range(len(term) - 1, 1, -1):  # longest shared piece of at least 2 chars
            for i in range(len(term) - size + 1):
                if term[i:i + size] in text:
                    return 0.8 * size / len(term)
        return 0.0

    def coverage(self, weights: dict[str, float], text: str) -> float:
        total = sum(weights.values())
        if total <= 0:
            return 0.0
        return sum(w * self._credit(t, text) for t, w in weights.items()) / total

    # ------------------------------------------------------------ main entry
    def answer(self, question: str, *, k: int = 5) -> tuple[Answer, list]:
        t0 = time.perf_counter()
        norm_q = normalize(question)
        tokens = tokenize(norm_q)
        qvec = self.retriever.embed(norm_q)
        t1 = time.perf_counter()
        hits = self.retriever.passages(norm_q, k=max(k, self.n_passages), qvec=qvec,
                                       tokens=tokens)
        t2 = time.perf_counter()
        parks = question_parks(question)
        types = question_types(norm_q)
        terms = [t for t in key_terms(tokenize(_QUESTION_FRAME.sub(" ", norm_q)))
                 if t not in _PARK_TERMS and not (len(t) == 1 and _HAN.match(t))]
        weights = self._weights(terms)
        english = is_english(norm_q)
        # a thing the question names that no article mentions at all: the articles cannot know
        missing = [] if english else [w for w in nouns(norm_q) if w not in _PARK_TERMS
                                      and not any(w in t for t in self._lowered)]
        cands = self._candidates(qvec, hits, weights, parks, types, english)
        t3 = time.perf_counter()
        chosen = self._choose(cands, parks, types, weights)
        answered = bool(chosen) and not missing and chosen[0].coverage >= self.min_coverage \
            and chosen[0].score >= self.min_score
        if answered:
            citations = [self._cite(n, c) for n, c in enumerate(chosen, start=1)]
            text = "".join(f"{c.quote}[{c.n}]" for c in citations)
            ans = Answer(question, True, text, citations)
        else:
            related = [self._cite(n, c, trim=False) for n, c in enumerate(cands[:3], start=1)]
            ans = Answer(question, False, REFUSAL, [], related)
        t4 = time.perf_counter()
        ans.timings = {"embed": t1 - t0, "search": t2 - t1, "score": t3 - t2,
                       "compose": t4 - t3, "total": t4 - t0}
        return ans, hits[:k]

    def _candidates(self, qvec, hits, weights, parks, types, english) -> list[Candidate]:
        idx = self.index
        top = hits[0].score if hits else 1.0
        passage_score: dict[int, float] = {}
        for h in hits[: self.n_passages]:
            for sid in self._by_passage[h.id]:
                passage_score[sid] = max(passage_score.get(sid, 0.0), h.score / top)
        sims = idx.sentence_vectors @ qvec if len(idx.sentence_vectors) else np.zeros(0)
        nearest = np.argsort(-sims)[:10] if len(sims) else []
        ids = set(passage_score) | {int(i) for i in nearest}
        out = []
        for sid in ids:
            s = idx.sentences[sid]
            dense = float(sims[sid]) if len(sims) else 0.0
            dn = min(max((dense - 0.78) / 0.12, 0.0), 1.0)
            # an English question shares no words with Chinese articles: only the embedding
            # can judge how much of it a sentence covers
            cov = min(max((dense - 0.82) / 0.06, 0.0), 1.0) if english \
                else self.coverage(weights, s.text)
            score = 0.5 * cov + 0.3 * dn + 0.2 * passage_score.get(sid, 0.0)
            for t in types:
                if t in ("number", "date", "list"):
                    score += 0.1 if _HAS[t].search(s.text) else -0.1
            if parks and s.park and s.park not in parks:
                score -= 0.2
            if s.heading:
                score -= 0.15
            out.append(Candidate(s, score, cov, dense, 0, len(s.text)))
        out.sort(key=lambda c: -c.score)
        return out

    def _trim(self, cand: Candidate, weights: dict[str, float], types: list[str]) -> Candidate:
        text = cand.sentence.text
        if len(text) <= MAX_QUOTE_CHARS:
            return cand
        clauses = split_clauses(text)
        best, best_key = (0, len(text)), None
        for i in range(len(clauses)):
            for j in range(i, len(clauses)):
                a, b = clauses[i][0], clauses[j][1]
                if b - a > MAX_QUOTE_CHARS and j > i:
                    break
                piece = text[a:b]
                cov = self.coverage(weights, piece)
                cue = sum(1 for t in types if t in _HAS and _HAS[t].search(piece))
                key = (round(cov + 0.3 * cue, 3), -(b - a))
                if best_key is None or key > best_key:
                    best, best_key = (a, b), key
        a, b = best
        while b > a and text[b - 1] in "，；：、,;:":
            b -= 1
        return Candidate(cand.sentence, cand.score, cand.coverage, cand.dense, a, b)

    def _choose(self, cands, parks, types, weights) -> list[Candidate]:
        if not cands:
            return []
        first = self._trim(cands[0], weights, types)
        chosen = [first]
        if len(parks) >= 2:  # one answer per park the question compares
            for park in parks:
                if any(c.sentence.park == park for c in chosen):
                    continue
                other = next((c for c in cands if c.sentence.park == park
                              and c.score >= 0.6 * first.score), None)
                if other:
                    chosen.append(self._trim(other, weights, types))
        elif first.coverage < 0.75 or ("list" in types and not _HAS["list"].search(
                first.sentence.text[first.start:first.end])):
            # a second sentence when it holds key terms the first one lacks
            have = {t for t in weights if self._credit(t, first.sentence.text) >= 1}
            for c in cands[1:6]:
                new = {t for t in weights if self._credit(t, c.sentence.text) >= 1} - have
                if c.score >= 0.8 * first.score and (new or "list" in types) \
                        and c.sentence.id != first.sentence.id:
                    chosen.append(self._trim(c, weights, types))
                    break
        return chosen

    def _cite(self, n: int, cand: Candidate, *, trim: bool = True) -> Citation:
        s = cand.sentence
        art = self.index.articles[s.doc]
        a, b = (s.start + cand.start, s.start + cand.end) if trim else (s.start, s.end)
        spans = art.raw_spans(a, b)
        return Citation(n=n, doc=s.doc, title=art.title, quote=art.quote(a, b),
                        start=spans[0][0], end=spans[-1][1], score=round(cand.score, 4),
                        spans=[list(x) for x in spans])
