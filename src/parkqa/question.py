"""Question analysis: what a question asks for and under which constraints, read the same way
whatever the wording (colloquial, traditional characters, homophone typos, pasted markup, English).

The question words themselves and what each asks for are in ``parkqa.cues``.

Example::

    >>> q = QuestionReader(index).read("长治高新区现在有多少家入区企业？")   # doctest: +SKIP
    >>> q.kinds, q.unit, q.places                                          # doctest: +SKIP
    ({'number'}, '家', ['长治高新区'])
"""
from __future__ import annotations

import functools
import html
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cues import ASPECT_SPLIT, FRAME, KIND_RE, answer_kinds, asked_details, asked_unit
from .knowledge import places_of
from .lexicon import words_of
from .tokens import STOPWORDS, normalize, nouns, pos_cut, tokenize

if TYPE_CHECKING:
    import numpy as np

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_LOWER_WORD = re.compile(r"(?<![A-Za-z'-])[a-z][a-z'-]*")
_MARKUP = re.compile(r"<[^<>\n]{0,200}>")
_CLAUSE = re.compile(r"[^，,。！!：:；;]+[，,。！!：:；;]*|[，,。！!：:；;]+")   # a clause and its marks
YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")
_SIMPLIFY = None


@dataclass
class Question:
    raw: str                       # as typed (shown back to the user)
    text: str                      # cleaned: markup gone, simplified, short forms, typos fixed
    english: bool
    tokens: list[str]              # BM25 tokens, English questions' Chinese terms included
    terms: dict[str, float]        # key terms -> IDF weight
    kinds: set[str]                # what is asked: number, date, list, entity, reason, ...
    unit: str                      # regex of the unit a number in the answer must carry, or ""
    years: list[str]
    places: list[str]              # canonical place names the question is about
    aspects: list[dict[str, float]] = field(default_factory=list)   # terms of each sub-question
    parts: list[str] = field(default_factory=list)   # ...and its words
    unknown: list[str] = field(default_factory=list)   # named things no article mentions
    # the proper names among them (a company, person or place jieba knows) that sound like no
    # article word either: not a slip ("康保" for 康宝) but a thing the articles lack ("比亚迪")
    strange_names: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)   # details asked: month, place, money, ...
    # an English question's measure ("the total investment"), in the articles' words: its
    # lower-case words, the capitalized ones being the names of what it is about
    en_focus: dict[str, float] = field(default_factory=dict)
    # terms no sentence of the articles holds -> their longest piece one does ("" if none)
    absent: dict[str, str] = field(default_factory=dict)
    # the question's embedding, once the answerer has it (a summary reads every sentence's
    # similarity to it, candidate or not)
    vec: np.ndarray | None = None
    # how many places it names: a bare "经开区" where the articles know two is one place meant
    # (either), not two compared
    place_mentions: int = 0
    # each part of a question of several parts ("经开区…多少家？全市一共多少？") read as a
    # question of its own: its candidates, scored (the answerer fills them)
    part_candidates: list[list] = field(default_factory=list)

    @property
    def asks_nothing(self) -> bool:
        """Whether it names only a place, a year or a name ("长治", "2025年"): no term and no
        kind of value a quote could answer."""
        return not self.terms and not self.kinds

    @property
    def sums_up_one_article(self) -> bool:
        """Whether it asks for a summary ("概括一下…") of one article, not of what several say."""
        return "summary" in self.kinds and "across" not in self.kinds

    @property
    def holds_no_article_term(self) -> bool:
        """Whether it has terms and no sentence of the articles holds any of them, even in
        part: "总面积" is no article's word but "面积" is, and such questions were answerable
        (train and dev: 6 of 7; of those with no piece held, 0 of 7)."""
        return bool(self.terms) and len(self.absent) == len(self.terms) \
            and not any(self.absent.values())

    @property
    def compares_places(self) -> bool:
        """Whether the question names two or more places, each in words of its own."""
        return len(self.places) >= 2 and self.place_mentions >= 2

    @functools.cached_property
    def chars(self) -> set[str]:
        return set(self.text.lower()) | set("".join(self.terms))


# what may follow "多少" as the asked unit when the fixed ones above do not apply ("多少兆瓦")
_UNIT_AFTER = re.compile(r"(?:多少|(?<!哪)几)(万|亿)?([\u4e00-\u9fffA-Za-z]{1,4})")
_UNIT_IN_TEXT = re.compile(r"\d\s*(?:余|多)?\s*(?:万|亿)?\s*([\u4e00-\u9fffA-Za-z]{1,4})")


def corpus_units(texts) -> set[str]:
    """Every word of one to four characters that follows a number somewhere in ``texts``:
    the units these articles measure in ("兆瓦", "平方米", "亩")."""
    out = set()
    for text in texts:
        for m in _UNIT_IN_TEXT.finditer(text):
            out.update(m.group(1)[:k] for k in range(1, len(m.group(1)) + 1))
    return out


def opens_english(text: str) -> bool:
    """An English question, even one quoting a Chinese title: it opens with a Latin letter."""
    return text[:1].isascii() and text[:1].isalpha()


def is_english(text: str) -> bool:
    return len(_LATIN.findall(text)) > 2 * len(_HAN.findall(text))


def clean(text: str) -> str:
    """Markup and entities out, NFKC, traditional characters simplified (OpenCC) — before any
    other step reads the question."""
    text = html.unescape(_MARKUP.sub(" ", text))
    return " ".join(normalize(_t2s().convert(text)).split())


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def key_terms(text: str) -> list[str]:
    """Content words: question-frame and function words out, a search-mode token inside a
    longer one dropped, runs of single characters jieba split from an unknown name joined."""
    framed = FRAME.sub(" ", text)
    merged, run = [], []
    for t in tokenize(framed) + [""]:
        if len(t) == 1 and _HAN.match(t) and "".join(run + [t]) in framed:
            run.append(t)
            continue
        if len(run) >= 2:
            merged.append("".join(run))
        run = [t] if len(t) == 1 and _HAN.match(t) else []
        if t:
            merged.append(t)
    uniq = [t for t in dict.fromkeys(merged) if not (len(t) == 1 and _HAN.match(t))]
    return [t for t in uniq if not any(t != u and t in u for u in uniq)]


PROPER = ("nr", "ns", "nt")   # jieba's tags for the names of people, places and organizations


class QuestionReader:
    """Reads questions against one index: its vocabulary, places and term statistics."""

    def __init__(self, index, summary_asked=None) -> None:
        self.index = index
        self.summary_asked = summary_asked   # parkqa.summary_asked.SummaryAsked, fitted
        self.knowledge = index.knowledge
        self.lexicon = index.lexicon
        self._texts = index.terms.texts
        self._units = corpus_units(self._texts)
        self._place_words = {t for p in self.knowledge.places for a in p.aliases
                             for t in tokenize(a)} | {w for w in self.knowledge.words()}

    def df(self, term: str) -> int:
        """Sentences holding ``term`` as a substring (the index's inverted look-up)."""
        return self.index.terms.df(term)

    def idf(self, term: str) -> float:
        return math.log((len(self._texts) + 1) / (self.df(term) + 0.5))

    def read(self, raw: str) -> Question:
        text = clean(raw)
        english = is_english(text)
        if not english:
            text = self._without_preamble(self.lexicon.fix_homophones(text))
        # the Chinese words of its English words, phrases and pinyin names, by what each
        # stands for
        senses = self.lexicon.english_groups(text) if english or _LATIN.search(text) else []
        extra = self._without_place_homophones(words_of(senses))
        # the question read without its frame too: "多少家入区企业" is cut "家入|区|企业" whole,
        # "入区|企业" without "多少"
        tokens = list(dict.fromkeys(tokenize(text) + tokenize(FRAME.sub(" ", text)))) \
            + [t.lower() for t in extra]
        # an unknown Latin word in a Chinese question ("GDP") is something asked about; in an
        # English question its Chinese terms stand for it
        content, noun_list = key_terms(text), nouns(text)
        names = {n for n in noun_list + content if not (english and _LATIN.search(n))
                 and (_LATIN.search(n) or n in noun_list)}
        terms = self._weights(content + extra, names=names)
        if english:   # the senses of one English word share its weight ("time": 一度, 及时)
            for group in senses:
                for word in group:
                    if word in terms:
                        terms[word] /= len(group)
        years = YEAR.findall(text)
        unknown = self.unknown_names(text, content, english=english)
        spans = self.knowledge.mention_spans(text)
        parts = [part for part in ASPECT_SPLIT.split(text) if len(part.strip()) >= 2]
        aspects = [self._weights(key_terms(part)) for part in parts]
        return Question(raw=raw, text=text, english=english, tokens=tokens, terms=terms,
                        kinds=self.kinds(text), unit=self.asked_unit(text), years=years,
                        places=places_of(spans), place_mentions=len(spans),
                        aspects=[a for a in aspects if a],
                        # a part with no word of its own still asks something ("…，是谁投的？")
                        parts=[p for p, a in zip(parts, aspects) if a or answer_kinds(p)],
                        details=asked_details(text),
                        unknown=unknown, strange_names=self._strange(text, unknown),
                        en_focus=self._english_focus(text, terms) if english else {},
                        absent={t: self._known_piece(t) for t in terms if not self.df(t)})

    def _without_preamble(self, text: str) -> str:
        """``text`` without its leading clauses that name nothing and ask nothing ("换个问题，",
        "另外问下，"): no term the articles hold or lack, no place, year or question word. They
        only blur what retrieval and the features read."""
        clauses = _CLAUSE.findall(text)
        k = 0
        while k < len(clauses) - 1 and not self._says_something(clauses[k]):
            k += 1
        return "".join(clauses[k:])

    def _says_something(self, clause: str) -> bool:
        terms = key_terms(clause)
        return bool(self._weights(terms) or answer_kinds(clause)
                    or self.unknown_names(clause, terms) or YEAR.search(clause)
                    or _LATIN.search(clause) or self.knowledge.mention_spans(clause))

    def kinds(self, text: str) -> set[str]:
        """``answer_kinds``, and a summary where the fitted model hears one the cues miss."""
        kinds = answer_kinds(text)
        if "summary" not in kinds and self.summary_asked and self.summary_asked.says([text])[0]:
            kinds.add("summary")
        return kinds

    def _strange(self, text: str, unknown: list[str]) -> list[str]:
        return [w for w in unknown if any(p.flag.startswith(PROPER) for p in pos_cut(w))
                and not self.lexicon.sounds_like_a_word(w) and not self._cut_from_known(text, w)]

    def _cut_from_known(self, text: str, word: str) -> bool:
        """Whether ``word`` shares characters with an article word written around it: jieba
        cut it across one ("报道里特瓦时" -> "里特"), or it holds one ("哪段时间" -> "段时间")."""
        at = text.find(word)
        if at < 0:
            return False
        end = at + len(word)
        return any(self.df(text[i:j]) for i in range(max(0, at - 5), end)
                   for j in range(max(i + 2, at + 1), min(len(text), i + 6) + 1)
                   if text[i:j] != word)

    def _known_piece(self, term: str) -> str:
        """The longest part of ``term`` (two characters or more) some sentence holds:
        "年发电量" -> "发电"."""
        for size in range(len(term) - 1, 1, -1):
            for i in range(len(term) - size + 1):
                if self.df(term[i:i + size]):
                    return term[i:i + size]
        return ""

    def _english_focus(self, text: str, terms: dict[str, float]) -> dict[str, float]:
        words = [w for w in _LOWER_WORD.findall(text) if w not in STOPWORDS]
        return {t: terms[t] for t in self.lexicon.english_terms(" ".join(words)) if t in terms}

    def asked_unit(self, text: str) -> str:
        """``asked_unit``, or the longest unit these articles use that follows "多少"."""
        # "把几篇报道合起来说说" asks what the articles say, not how many there are
        text = KIND_RE["across"].sub(" ", text)
        unit = asked_unit(text, known=lambda word: self.df(word) > 0)
        m = None if unit else _UNIT_AFTER.search(text)
        if m:
            word = m.group(2).lower()
            # scoped ignore-case: the units were collected lower-cased ("15GW" -> "gw")
            unit = next((f"(?i:{re.escape(word[:k])})" for k in range(len(word), 0, -1)
                         if word[:k] in self._units), "")
            unit = (m.group(1) or "") + unit if unit else ""
        return unit

    def _without_place_homophones(self, words: list[str]) -> list[str]:
        """"Changzhi" sounds like both a city and a company's short name (长治, 长智): when a
        place is among a pinyin name's readings, the place is what was meant."""
        from pypinyin import lazy_pinyin

        places = {tuple(lazy_pinyin(w)) for w in words if w in self._place_words}
        return [w for w in words if w in self._place_words or tuple(lazy_pinyin(w)) not in places]

    def _weights(self, terms: list[str], names: set[str] = frozenset()) -> dict[str, float]:
        """IDF weight of each content term. A term no article holds is kept only when it is a
        Chinese noun (a thing the articles may lack, so no sentence covers the whole question);
        other unknown words (an English word, a colloquial verb) would only dilute the rest.
        Place names are constraints, not content."""
        out = {}
        for t in terms:
            t = t.lower()
            if t in self._place_words or t in STOPWORDS or YEAR.fullmatch(t):
                continue
            if self.df(t) or (t in names and (_LATIN.search(t) or not self._composed_of_known(t))):
                out[t] = self.idf(t)
        return out

    def unknown_names(self, text: str, terms: list[str] = (), *,
                      english: bool = False) -> list[str]:
        """Nouns and content terms of the question that no article mentions, even as a compound
        of article words: the articles cannot know about them. A Latin word counts too in a
        Chinese question ("长治高新区的GDP是多少"), not in an English one (its words are
        read through the dictionary)."""
        out = []
        for w in dict.fromkeys(nouns(FRAME.sub(" ", text)) + [t.lower() for t in terms]):
            if len(w) < 2 or w in self._place_words or w in STOPWORDS \
                    or (english and _LATIN.search(w)) or YEAR.fullmatch(w) or self.df(w):
                continue
            if not self._composed_of_known(w):
                out.append(w)
        return out

    def _composed_of_known(self, word: str) -> bool:
        if not word:
            return True
        return any(self.df(word[:i]) and self._composed_of_known(word[i:])
                   for i in range(len(word), 1, -1))
