"""Which sentences hold a term, without reading every sentence: an inverted index from each
character and each pair of adjacent characters of the lower-cased sentences to the ids of the
sentences holding it.

A question's terms are matched as substrings (a term need not be a jieba token of the sentence:
"入区企业" is in "…家入区企业…" however jieba cuts it), so a term's sentences are those holding
all of its character pairs, checked for the whole term. The cost of a look-up grows with the
sentences holding its rarest pair, not with the corpus. Built once per loaded index (see
``Index.terms``) and kept in compact numpy arrays: about 5 bytes per distinct pair in a sentence.

``credit`` and ``coverage`` say how much of a question's terms a text holds.

Example::

    >>> t = TermIndex(["长治高新区入区企业", "经开区", "高新区"])
    >>> t.df("高新区"), t.holding("入区").tolist(), t.df("区")
    (2, [0], 3)
"""
from __future__ import annotations

import numpy as np

_CACHE_LIMIT = 50_000   # memoized counts: terms repeat across questions


class TermIndex:
    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self._df: dict[str, int] = {}
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        # a pair never spans two sentences: its second character must have the same owner
        same = owner[1:] == owner[:-1] if len(owner) > 1 else np.zeros(0, bool)
        pairs = (codes[:-1] << 21 | codes[1:])[same] if len(codes) > 1 else codes[:0]
        self._chars = _postings(codes, owner)
        self._pairs = _postings(pairs, owner[1:][same] if len(owner) > 1 else owner[:0])

    def holding(self, term: str) -> np.ndarray:
        """Ids of the sentences holding ``term`` (already lower-cased), ascending."""
        if len(term) <= 1:
            return (np.arange(len(self.texts)) if not term
                    else _lookup(self._chars, ord(term)))
        codes = [ord(c) for c in term]
        lists = sorted((_lookup(self._pairs, a << 21 | b) for a, b in zip(codes, codes[1:])),
                       key=len)
        found = lists[0]
        for other in lists[1:3]:   # two more pairs narrow it enough; the text check decides
            if not len(found):
                break
            found = np.intersect1d(found, other, assume_unique=True)
        if len(term) == 2:
            return found
        return np.array([i for i in found if term in self.texts[i]], dtype=np.int64)

    def df(self, term: str) -> int:
        """Sentences holding ``term`` as a substring."""
        n = self._df.get(term)
        if n is None:
            if len(self._df) > _CACHE_LIMIT:
                self._df.clear()
            n = self._df[term] = len(self.holding(term))
        return n

    def nbytes(self) -> int:
        """Memory of the postings (the texts are the index's own)."""
        return sum(a.nbytes for table in (self._chars, self._pairs) for a in table)


def _postings(keys: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct keys, offsets, sentence ids): the ids of key ``keys[j]`` are
    ``ids[offsets[j]:offsets[j + 1]]``, ascending and each once."""
    order = np.lexsort((owner, keys))
    k, ids = keys[order], owner[order]
    keep = np.ones(len(k), bool)
    keep[1:] = (k[1:] != k[:-1]) | (ids[1:] != ids[:-1])
    k, ids = k[keep], ids[keep]
    distinct, starts = np.unique(k, return_index=True)
    offsets = np.append(starts, len(k)).astype(np.int64)
    return distinct, offsets, ids.astype(np.int32)


def _lookup(table, key: int) -> np.ndarray:
    distinct, offsets, ids = table
    j = int(np.searchsorted(distinct, key))
    if j >= len(distinct) or distinct[j] != key:
        return ids[:0]
    return ids[offsets[j]:offsets[j + 1]]


def credit(term: str, text: str) -> float:
    """1 when ``term`` is in ``text``; partial credit for its longest shared piece (≥ 2 chars)."""
    if term in text:
        return 1.0
    pairs, pieces = _SHAPES.get(term) or _shape(term)
    # every shared piece holds a shared pair: without one there is none (the usual case,
    # checked in len(term) - 1 look-ups instead of all pieces of every size)
    for pair in pairs:   # a loop, not any(generator): this runs per term and text
        if pair in text:
            break
    else:
        return 0.0
    for value, group in pieces:   # longest first
        for piece in group:
            if piece in text:
                return value
    return 0.0


_SHAPES: dict[str, tuple] = {}


def _shape(term: str) -> tuple[tuple[str, ...], tuple[tuple[float, tuple[str, ...]], ...]]:
    """``term``'s character pairs, and its pieces of each size (longest first) with the credit
    one gives, kept in ``_SHAPES``: cut once per term, not once per term and text (terms repeat
    across candidates and questions)."""
    if len(_SHAPES) > _CACHE_LIMIT:
        _SHAPES.clear()
    n = len(term)
    shape = _SHAPES[term] = (
        tuple(term[i:i + 2] for i in range(n - 1)),
        tuple((0.8 * size / n, tuple(term[i:i + size] for i in range(n - size + 1)))
              for size in range(n - 1, 1, -1)))
    return shape


def coverage(terms: dict[str, float], text: str, context: str = "", *,
             known: dict[str, float] | None = None) -> float:
    """Share of the terms' weight that ``text`` holds; a term only in ``context`` counts half.
    ``known``: credits in ``text`` already worked out (term -> credit), read instead of again."""
    total = sum(terms.values())
    if total <= 0:
        return 0.0
    out = 0   # summed in the terms' order, as sum() would: the same float
    for t, w in terms.items():
        own = known.get(t) if known else None
        out += w * _credit_in(t, text, context, own)
    return out / total


class CoverageMemo:
    """``coverage(terms, text)`` of one question's terms, each text worked out once: the
    candidate sentences of a question share article titles and section headings."""

    def __init__(self, terms: dict[str, float]) -> None:
        self.terms, self._done = terms, {}

    def __call__(self, text: str) -> float:
        c = self._done.get(text)
        if c is None:
            c = self._done[text] = coverage(self.terms, text)
        return c


def sentence_terms(terms: dict[str, float], text: str, context: str,
                   near: str) -> tuple[float, float, dict[str, float], dict[str, float]]:
    """What the answer features read of one sentence, in one pass over the terms:
    ``coverage(terms, text)``, ``coverage(terms, text, context)``, the terms whose credit in
    ``near`` (a text holding ``text``) is under half, and each term's credit in ``text``."""
    own, absent, cov, cov_ctx = {}, {}, 0, 0   # summed in the terms' order, as coverage does
    for t, w in terms.items():
        c = own[t] = credit(t, text)
        cov += w * c
        if c >= 0.5:   # _credit_in, inlined (this runs per term and candidate)
            cov_ctx += w * c
            continue
        cov_ctx += w * (max(c, 0.5 * credit(t, context)) if context else c)
        # credit only grows with the text: a term with half credit in ``text`` is not absent
        if credit(t, near) < 0.5:
            absent[t] = w
    total = sum(terms.values())
    if total <= 0:
        return 0.0, 0.0, absent, own
    return cov / total, cov_ctx / total, absent, own


def _credit_in(term: str, text: str, context: str, own: float | None = None) -> float:
    """A term's credit in ``text`` (``own`` when known), or half its credit in ``context`` when
    that is more (never when the text gives half or more: the context is then not read)."""
    if own is None:
        own = credit(term, text)
    return own if own >= 0.5 or not context else max(own, 0.5 * credit(term, context))
