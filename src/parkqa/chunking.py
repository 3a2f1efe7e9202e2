"""Split repaired articles into sentences and overlapping passages, each mapped to raw offsets.

Sentences are what answers quote; passages (a few sentences, overlapping by one) are what
retrieval ranks and what evaluation checks for the gold evidence.

Example::

    >>> from parkqa.chunking import split_sentences
    >>> [text[a:b] for text in ["他说：“好。”我们走。"] for a, b in split_sentences(text)]
    ['他说：“好。”', '我们走。']
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .corpus import CLOSERS, SENTENCE_END, Article

_OPEN_CLOSE = {"“": "”", "‘": "’", "「": "」", "『": "』", "（": "）", "《": "》", "【": "】"}
CLAUSE_END = set("，；：、,;:")


@dataclass
class Sentence:
    id: int
    doc: str
    start: int               # offsets into Article.text
    end: int
    text: str                # normalized text (for matching)
    quote: str               # raw characters (for display and citations)
    spans: list[tuple[int, int]]  # raw [start, end) pieces
    heading: bool = False
    park: str = ""           # park the sentence itself names, else its article's


@dataclass
class Passage:
    id: int
    doc: str
    sentence_ids: list[int]
    text: str
    start: int               # smallest raw offset of its pieces
    end: int                 # largest raw end offset of its pieces
    park: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ``(start, end)`` offsets in ``text``: split after 。！？!?… (and any closing quotes
    or brackets that follow), never inside quotes or brackets, and at every line break."""
    out: list[tuple[int, int]] = []
    start, stack = 0, []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            _push(text, out, start, i)
            start, stack = i + 1, []
        elif c in _OPEN_CLOSE:
            stack.append(_OPEN_CLOSE[c])
        elif stack and c == stack[-1]:
            stack.pop()
        elif c in SENTENCE_END:
            j = i + 1
            while j < n and (text[j] in SENTENCE_END):
                j += 1
            while j < n and text[j] in CLOSERS:
                if stack and text[j] == stack[-1]:
                    stack.pop()
                j += 1
            if not stack:
                _push(text, out, start, j)
                start = j
            i = j
            continue
        i += 1
    _push(text, out, start, n)
    return out


def _push(text: str, out: list[tuple[int, int]], start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and any(ch.isalnum() for ch in text[start:end]):
        out.append((start, end))


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Clause ``(start, end)`` offsets inside one sentence (split after ，；：、 outside quotes)."""
    out, start, stack = [], 0, []
    for i, c in enumerate(text):
        if c in _OPEN_CLOSE:
            stack.append(_OPEN_CLOSE[c])
        elif stack and c == stack[-1]:
            stack.pop()
        elif c in CLAUSE_END and c != "、" and not stack:
            out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return [(a, b) for a, b in out if b > a]


def article_sentences(article: Article, first_id: int = 0, knowledge=None) -> list[Sentence]:
    """Sentences of ``article``; each is about the place it names most (``knowledge``, a
    ``parkqa.knowledge.Knowledge``), else the article's own place."""
    sentences = []
    line_starts = [0] + [i + 1 for i, c in enumerate(article.text) if c == "\n"]
    for a, b in split_sentences(article.text):
        line = sum(1 for s in line_starts if s <= a) - 1
        heading = (line < len(article.paragraph_kinds)
                   and article.paragraph_kinds[line] == "heading")
        text = article.text[a:b]
        park = (knowledge.subject(text, context=article.park) if knowledge else "") or article.park
        sentences.append(Sentence(
            id=first_id + len(sentences), doc=article.doc, start=a, end=b, text=text,
            quote=article.quote(a, b), spans=article.raw_spans(a, b), heading=heading,
            park=park))
    return sentences


def build_passages(sentences: list[Sentence], *, target_chars: int = 200, overlap: int = 1,
                   first_id: int = 0) -> list[Passage]:
    """Pack consecutive sentences of one article into passages of about ``target_chars``,
    each sharing ``overlap`` sentences with the previous one."""
    passages: list[Passage] = []
    i = 0
    while i < len(sentences):
        j, size = i, 0
        while j < len(sentences) and (j == i or size + len(sentences[j].text) <= target_chars):
            size += len(sentences[j].text)
            j += 1
        group = sentences[i:j]
        parks = [s.park for s in group if s.park]
        passages.append(Passage(
            id=first_id + len(passages), doc=group[0].doc, sentence_ids=[s.id for s in group],
            text="".join(s.text for s in group),
            start=min(a for s in group for a, _ in s.spans),
            end=max(b for s in group for _, b in s.spans),
            # the place most of its sentences are about; a tie goes to the first named (a set's
            # order changes from run to run, and with it the index)
            park=max(dict.fromkeys(parks), key=parks.count) if parks else ""))
        if j >= len(sentences):
            break
        i = max(j - overlap, i + 1)
    return passages
