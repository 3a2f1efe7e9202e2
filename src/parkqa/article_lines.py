"""An article's lines about itself (title, subtitle, byline, page, picture captions) and which
articles a question about an article means: what "这篇稿子是谁写的", "标题叫什么" and
"图②拍的是哪家公司" are answered by. Everything is read from the articles' metadata and layout
(``parkqa.metadata``), nothing here knows a newspaper.

Example::

    >>> lines = ArticleLines(index, position, alone, by_passage)          # doctest: +SKIP
    >>> [index.sentences[i].text for i in lines.about_articles(q, hits)]  # doctest: +SKIP
    ['勇立潮头显担当 奋楫扬帆谱新篇', '李茹']
"""
from __future__ import annotations

import functools
import re
import unicodedata

from .chunking import Sentence
from .question import Question
from .terms import TermIndex, coverage
from .slots import ROLE_FIELDS, role_pieces

BYLINE = re.compile(r"记者|通讯员|/文|/图|摄影|供图|^[（(]?上接|^[（(]?下转")
LONE_CHARS = 40   # a caption or a signature, not a paragraph of text
# a question about a picture ("图②拍的是哪家公司", "配图说明写的啥") is answered by its caption: a
# short line of its own, or one opening with a picture's number or arrow. The picture word must
# be what is asked about, followed by what it shows or says: "图②那家中兵长智建了什么生产线" only
# points at a company with its picture
PICTURE = re.compile(r"(?:配图|图片|照片|图注|图\s*\d|[几两三四]张图)[，,]?(?:上|中|里)?(?:说明)?"
                     r"(?:拍|是|写|显示|展示|分别|都|的是)|\b(?:photos?|pictures?|captions?|images?)\b"
                     r"\s*(?:\S+\s+)?(?:shows?|depicts?|says?)|"
                     r"\b(?:shown )?in the (?:\w+\s+)?(?:photos?|pictures?|images?)\b", re.I)


@functools.lru_cache(maxsize=1024)
def asks_picture(question: str) -> bool:
    """Whether ``question`` asks about a picture (``PICTURE``): read once per question, not once
    per candidate sentence."""
    return bool(PICTURE.search(question))


_PICTURE_NUMBER = re.compile(r"图\s*(\d)|(?:photo|picture)\s*(?:no\.?\s*)?(\d)", re.I)
CAPTION_MARKS = "①②③④⑤⑥⑦⑧⑨⑩←↓→↑▶"
TITLE_NAMED = 0.5   # a question holding this share of a title's words names that article


class ArticleLines:
    """Built once per index: each article's title and the lines printing its metadata."""

    def __init__(self, index, position: list[int], alone: list[bool],
                 by_passage: dict[int, list[int]]) -> None:
        self.index = index
        self._alone = alone
        self._by_passage = by_passage
        self.title = {d: a.title.lower() for d, a in index.articles.items()}
        self._roles = {d: {f: role_pieces(getattr(a.meta, f)) for f in ROLE_FIELDS}
                       for d, a in index.articles.items()}
        # the lines an article says about itself: its opening lines, bylines, the lines printing
        # a metadata field, a signature closing it
        self._about: dict[str, list[int]] = {}
        for s in index.sentences:
            if position[s.id] < 3 or BYLINE.search(s.text) or any(
                    self.prints(s, f) for f in ROLE_FIELDS) or (
                    s.heading and len(s.text) <= 40 and self._is_last_words(s)):
                self._about.setdefault(s.doc, []).append(s.id)
        # look-ups that keep a question about an article from reading every title: the titles
        # by character pair, and the first article (in ``_about`` order) about each place
        self._docs = list(self._about)
        self._titles = TermIndex([self.title[d] for d in self._docs])
        self._first_about: dict[str, str] = {}
        for d in self._docs:
            self._first_about.setdefault(index.articles[d].park, d)

    def prints(self, s: Sentence, field: str) -> bool:
        """Whether ``s`` prints its article's metadata ``field`` ("……迈进。 常珍珍 徐姗": byline)."""
        return any(p in s.text for p in self._roles[s.doc].get(field, []))

    def caption(self, q: Question, s: Sentence) -> float:
        """1 for a caption line (2 for the one numbered as asked: "图②", "photo 2"), -1 for any
        other line."""
        mark = s.text.lstrip()[:1]
        if not (mark in CAPTION_MARKS or self._alone[s.id] and len(s.text) <= LONE_CHARS):
            return -1.0
        asked = _PICTURE_NUMBER.search(q.text)
        number = asked and (asked.group(1) or asked.group(2))
        return 2.0 if number and unicodedata.normalize("NFKC", mark) == number else 1.0

    def _is_last_words(self, s: Sentence) -> bool:
        """A short line closing an article (a signature like "李茹")."""
        sents = self.index.sentences
        return s.id + 1 >= len(sents) or sents[s.id + 1].doc != s.doc

    def about_articles(self, q: Question, hits) -> list[int]:
        """For a question about an article itself: the title, subtitle and byline lines of the
        articles it most likely means (by title, then by the passages found)."""
        if "article" not in q.kinds:
            return []
        return [sid for d in self.meant_articles(q, hits) for sid in self._about.get(d, [])]

    def meant_articles(self, q: Question, hits) -> list[str]:
        """The articles a question about an article most likely means, likeliest first: the
        one its words name in a title, else the one holding the best passage found; for a
        question naming two places ("经开区那篇和高新区那篇分别是谁写的"), an article about each."""
        by_title, cov = self._best_titles(q.terms)
        named = [d for d in by_title[:1] if cov[d] >= TITLE_NAMED]
        found = [self.index.sentences[self._by_passage[h.id][0]].doc
                 for h in hits[:2] if self._by_passage[h.id]]
        placed = [d for p in q.places for d in [self._first_about.get(p, "")] if d]
        order = placed + found if len(placed) >= 2 else found + placed
        return list(dict.fromkeys(named + order + by_title[:2]))

    def _best_titles(self, terms: dict[str, float]) -> tuple[list[str], dict[str, float]]:
        """The two articles whose titles hold most of ``terms`` (the earlier one first among
        equals, as a stable sort of all of them gives) and the coverage of each. Only a title
        sharing a character pair with a term (a character, for a term of one) holds any of it,
        so only those are read."""
        held: set[int] = set()
        for t in terms:
            for piece in ([t] if len(t) <= 1 else [t[i:i + 2] for i in range(len(t) - 1)]):
                held.update(self._titles.holding(piece).tolist())
        cov = {i: coverage(terms, self._titles.texts[i]) for i in held}
        best = sorted((i for i in cov if cov[i] > 0), key=lambda i: (-cov[i], i))[:2]
        best += [i for i in range(min(len(self._docs), 2 + len(best)))
                 if cov.get(i, 0.0) <= 0][: 2 - len(best)]
        docs = [self._docs[i] for i in best]
        return docs, {d: cov.get(i, 0.0) for d, i in zip(docs, best)}


def several(q: Question) -> int:
    """How many articles a question about articles means: two for "这两篇分别是谁写的" or a
    question naming two places, else one."""
    return 2 if "across" in q.kinds or q.compares_places else 1
