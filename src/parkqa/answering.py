"""Pick the sentences that answer a question, quote them exactly, cite them — or refuse.

Candidates are the sentences of the top fused passages plus the nearest sentences by embedding.
Each is scored by how much of the question's key terms it holds (IDF-weighted, matched as
substrings so jieba's segmentation cannot hide a match; a term found only in the sentence before
counts half), its embedding similarity, its passage's rank, question-type cues (多少 wants a
number, 哪一年 a date, 哪些 a list) and whether it is about the park the question names. A
question that asks for a count in a unit (多少家) or a date can only be answered by a sentence
that has one. A long sentence is trimmed to the clauses that hold the answer; a quote opening with
"这家企业" also quotes the clause that names it.

The answer is refused, still showing what came closest, when the question names something no
article mentions, when it names one park and the best sentence is about the other, or when the
best sentence holds less than ``min_confidence`` of the question.

Example::

    >>> qa = parkqa.load()                                   # doctest: +SKIP
    >>> qa.ask("长治高新区现在有多少家入区企业？").text        # doctest: +SKIP
    '入区企业从2021年的0.9万家增至1.2万家[1]'
"""
from __future__ import annotations

import functools
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
}
# Words that frame a question rather than say what it is about.
_QUESTION_FRAME = re.compile(r"哪一年|哪年|几月|哪个月|什么时候|多少|几个|几家|哪些|哪几|是什么|有什么|什么|"
                             r"意思|称号|名单|比例|情况|内容|具体")
# "多少家" / "几条" / "多少亿元": the unit the answer's number must carry.
_ASKED_UNIT = re.compile(r"(?:多少|(?<!哪)几)(万|亿)?([个家项所名位条台套种款宗件块支张天年次亩吨元人])")
# Questions that want a date: an answer without one is not an answer.
ASKED_DATE = re.compile(r"何时|什么时候|哪一年|哪年|哪一天|哪天|几月|哪个月|when|what year|which year", re.I)
_SAME_UNIT = {"个": "[个家项所名位条台套种款宗件块支张]", "名": "[名位人]", "位": "[名位人]",
              "人": "[名位人]"}
NUMBER = r"(?:\d[\d.,]*|[一二两三四五六七八九十百千]+)\s*(?:余|多)?\s*(?:万|亿)?\s*"
_PARK_TERMS = {"长治", "高新", "新区", "高新区", "长治高新区", "经开", "经开区", "长治经开区", "长治市"}
_ZONES = ("高新区", "经开区")
_MARKUP = re.compile(r"<[^<>\n]{0,200}>")
_ANAPHOR = re.compile(r"(这|该|此|其)(家|个|座|条|项|些|一|公司|企业|项目)")
_LATIN = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")

_HAS = {
    "number": re.compile(r"\d|[一二三四五六七八九十百千万亿]+[个家项所名条倍]"),
    "date": re.compile(r"\d{4}\s*年|\d{1,2}\s*月|今年|去年|十四五|十五五"),
    "list": re.compile(r"、.*、|[^-—\s]+[-—][^-—\s]+[-—][^-—\s]+"),
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
    confidence: float = 0.0   # share of the question the answer holds; refused below a threshold
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"question": self.question, "answered": self.answered, "text": self.text,
               "citations": [c.to_dict() for c in self.citations],
               "confidence": self.confidence}
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


def simplified(text: str, known: set[str]) -> str:
    """Traditional characters the articles never use turned simplified (長治高新區 -> 长治高新区).
    Character by character, and only for characters the articles lack, so a name the articles
    spell with a character that is also traditional (乾运) stays as written."""
    t2s = _t2s()
    return "".join(t2s.convert(c) if c not in known and _HAN.match(c) else c for c in text)


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def asked_unit(question: str) -> str:
    """Regex for the unit a number in the answer must carry ("多少家" -> "家"), or ""."""
    if "多少钱" in question:
        return "元"
    m = _ASKED_UNIT.search(question)
    return (m.group(1) or "") + _SAME_UNIT.get(m.group(2), m.group(2)) if m else ""


def wrong_kind(text: str, question: str, unit: str) -> bool:
    """The question wants a count of something or a date, and ``text`` holds none."""
    return bool(unit and not re.search(NUMBER + unit, text)
                or ASKED_DATE.search(question) and not _HAS["date"].search(text))


def function_words(text: str) -> set[str]:
    """Adverbs, pronouns, particles, conjunctions and prepositions ("正在", "那个"): they say how
    a question is asked, not what it is about."""
    import jieba.posseg as posseg

    return {p.word for p in posseg.lcut(text) if p.flag[:1] in ("d", "r", "u", "c", "p", "y", "e")}


def key_terms(tokens: list[str], question: str) -> list[str]:
    """Maximal tokens: a search-mode token inside a longer one adds nothing but double counting.
    Runs of single characters that sit side by side in the question are joined back: that is how
    jieba cuts a name it does not know ("正来" -> "正", "来")."""
    merged, run = [], []
    for t in tokens + [""]:
        if len(t) == 1 and _HAN.match(t) and "".join(run + [t]) in question:
            run.append(t)
            continue
        if len(run) >= 2:
            merged.append("".join(run))
        run = [t] if len(t) == 1 and _HAN.match(t) else []
        if t:
            merged.append(t)
    uniq = list(dict.fromkeys(merged))
    return [t for t in uniq if not any(t != u and t in u for u in uniq)]


class Answerer:
    def __init__(self, index: Index, retriever: Retriever, *, min_confidence: float = 0.45,
                 passages: int = 8) -> None:
        self.index = index
        self.retriever = retriever
        # tuned on eval/qa.jsonl; the trade-off curve is in eval/report/report.md
        self.min_confidence = min_confidence
        self.n_passages = passages
        self._texts = [s.text for s in index.sentences]
        self._lowered = [t.lower() for t in self._texts]
        self._chars = set("".join(self._texts))
        self._by_passage = {p.id: p.sentence_ids for p in index.passages}
        sents = index.sentences
        self._context = [sents[i - 1].text if i and sents[i - 1].doc == s.doc else ""
                         for i, s in enumerate(sents)]

    # ------------------------------------------------------------ scoring pieces
    def _weights(self, terms: list[str], named: set[str]) -> dict[str, float]:
        """IDF weights. A term no article contains is dropped unless it names a thing: such terms
        are the question's own filler ("那个", "投了") and would only sink every sentence."""
        out = {}
        for t in terms:
            df = self._df(t)
            if df or t in named or _LATIN.search(t):
                out[t] = math.log((len(self._texts) + 1) / (df + 0.5))
        return out

    def _df(self, term: str) -> int:
        return sum(1 for t in self._lowered if term in t)

    def unknown_names(self, question: str) -> list[str]:
        """Things the question names that no article mentions at all, so the articles cannot know.
        Only dictionary words count (jieba's guesses at unseen words are often half a phrase), and
        a compound made of words the articles do use ("工程项目") is not unknown."""
        import jieba

        out = []
        for w in nouns(_QUESTION_FRAME.sub(" ", question)):
            if w in _PARK_TERMS or any(w in t for t in self._lowered):
                continue
            if _HAN.search(w) and not jieba.dt.FREQ.get(w):
                continue
            if _HAN.search(w) and self._composed_of_known(w):
                continue
            out.append(w)
        return out

    def _composed_of_known(self, word: str) -> bool:
        if not word:
            return True
        return any(self._df(word[:i]) and self._composed_of_known(word[i:])
                   for i in range(len(word), 1, -1))

    @staticmethod
    def _credit(term: str, text: str) -> float:
        if term in text:
            return 1.0
        for size in range(len(term) - 1, 1, -1):  # longest shared piece of at least 2 chars
            for i in range(len(term) - size + 1):
                if term[i:i + size] in text:
                    return 0.8 * size / len(term)
        return 0.0

    def coverage(self, weights: dict[str, float], text: str, context: str = "") -> float:
        """Share of the key terms' weight that ``text`` holds. A term found only in ``context``
        (the sentence before, often a heading or the sentence naming the subject) counts half."""
        total = sum(weights.values())
        if total <= 0:
            return 0.0
        return sum(w * max(self._credit(t, text), 0.5 * self._credit(t, context) if context else 0)
                   for t, w in weights.items()) / total

    # ------------------------------------------------------------ main entry
    def answer(self, question: str, *, k: int = 5) -> tuple[Answer, list]:
        t0 = time.perf_counter()
        # markup in a question is not what it asks about (it is still shown as typed)
        norm_q = simplified(normalize(_MARKUP.sub(" ", question)), self._chars)
        tokens = tokenize(norm_q)
        qvec = self.retriever.embed(norm_q)
        t1 = time.perf_counter()
        retrieval: dict[str, float] = {}
        hits = self.retriever.passages(norm_q, k=max(k, self.n_passages), qvec=qvec,
                                       tokens=tokens, timings=retrieval)
        t2 = time.perf_counter()
        parks = question_parks(question)
        types = question_types(norm_q)
        framed = _QUESTION_FRAME.sub(" ", norm_q)
        filler = function_words(framed)
        terms = [t for t in key_terms(tokenize(framed), framed) if t not in _PARK_TERMS
                 and not (len(t) == 1 and _HAN.match(t)) and t not in filler]
        english = is_english(norm_q)
        missing = [] if english else self.unknown_names(norm_q)
        weights = self._weights(terms, set(nouns(norm_q)))
        unit = asked_unit(norm_q)
        cands = self._candidates(qvec, hits, weights, parks, types, english, unit)
        t3 = time.perf_counter()
        # only sentences of the kind asked for (a count in its unit, a date) may answer
        fitting = [c for c in cands if not wrong_kind(c.sentence.text, norm_q, unit)]
        chosen = self._choose(fitting, parks, types, weights)
        # one park named, and the best sentence is about the other one: a trap, not an answer
        other_park = bool(chosen) and len(parks) == 1 and parks[0] in _ZONES \
            and chosen[0].sentence.park in _ZONES and chosen[0].sentence.park != parks[0]
        # confidence: how much of the question the best fitting sentence holds; 0 when a hard
        # rule says the articles cannot answer
        confidence = 0.0 if not chosen or missing or other_park else chosen[0].coverage
        answered = confidence >= self.min_confidence
        if answered:
            chosen = self._with_antecedent(chosen)
            citations = [self._cite(n, c) for n, c in enumerate(chosen, start=1)]
            text = "".join(f"{c.quote}[{c.n}]" for c in citations)
            ans = Answer(question, True, text, citations)
        else:
            related = [self._cite(n, c, trim=False) for n, c in enumerate(cands[:3], start=1)]
            ans = Answer(question, False, REFUSAL, [], related)
        ans.confidence = round(confidence, 4)
        t4 = time.perf_counter()
        ans.timings = {"embed": t1 - t0, **retrieval, "search": t2 - t1, "score": t3 - t2,
                       "compose": t4 - t3, "total": t4 - t0}
        return ans, hits[:k]

    def _candidates(self, qvec, hits, weights, parks, types, english, unit) -> list[Candidate]:
        idx = self.index
        passage_score: dict[int, float] = {}   # 1 for the top passage's sentences, falling by rank
        for rank, h in enumerate(hits[: self.n_passages]):
            for sid in self._by_passage[h.id]:
                passage_score[sid] = max(passage_score.get(sid, 0.0), 1.0 - rank / self.n_passages)
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
                else self.coverage(weights, s.text, self._context[sid])
            score = 0.5 * cov + 0.3 * dn + 0.2 * passage_score.get(sid, 0.0)
            for t in types:
                score += 0.1 if _HAS[t].search(s.text) else -0.1
            if unit:  # a count of the thing asked about, not just any number
                score += 0.1 if re.search(NUMBER + unit, s.text) else -0.15
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
                cue = sum(1 for t in types if _HAS[t].search(piece))
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

    def _with_antecedent(self, chosen: list[Candidate]) -> list[Candidate]:
        """A quote that opens with "这家企业" or "该项目" names its subject in the sentence before:
        quote that sentence's first clause too, or the answer to "哪家企业" is lost."""
        first = chosen[0]
        s = first.sentence
        if first.start > 0 or not _ANAPHOR.match(s.text) or not self._context[s.id]:
            return chosen
        prev = self.index.sentences[s.id - 1]
        if prev.heading or any(c.sentence.id == prev.id for c in chosen):
            return chosen
        a, b = split_clauses(prev.text)[0]
        return [Candidate(prev, first.score, first.coverage, first.dense, a, b)] + chosen

    def _cite(self, n: int, cand: Candidate, *, trim: bool = True) -> Citation:
        s = cand.sentence
        art = self.index.articles[s.doc]
        a, b = (s.start + cand.start, s.start + cand.end) if trim else (s.start, s.end)
        spans = art.raw_spans(a, b)
        return Citation(n=n, doc=s.doc, title=art.title, quote=art.quote(a, b),
                        start=spans[0][0], end=spans[-1][1], score=round(cand.score, 4),
                        spans=[list(x) for x in spans])
