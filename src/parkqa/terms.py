"""Which sentences hold a term, without reading every sentence: an inverted index from each
character and each pair of adjacent characters of the lower-cased sentences to the ids of the
sentences holding it.

A question's terms are matched as substrings (a term need not be a jieba token of the sentence:
"入区企业" is in "…家入区企业…" however jieba cuts it), so a term's sentences are those holding
all of its character pairs, checked for the whole term. The cost of a look-up grows with the
sentences holding its rarest pair, not with the corpus. Built once per loaded index (see
``Index.terms``) and kept in compact numpy arrays: about 5 bytes per distinct pair in a sentence.

``credit`` and ``coverage`` say how much of a question's terms a text holds;
``coverage_column`` and ``absent_column`` say it of many texts at once (a question's candidate
sentences, joined into one string by ``Joined``).

Example::

    >>> t = TermIndex(["长治高新区入区企业", "经开区", "高新区"])
    >>> t.df("高新区"), t.holding("入区").tolist(), t.df("区")
    (2, [0], 3)
"""
from __future__ import annotations

import bisect

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


def coverage(terms: dict[str, float], text: str, context: str = "") -> float:
    """Share of the terms' weight that ``text`` holds; a term only in ``context`` counts half."""
    total = sum(terms.values())
    if total <= 0:
        return 0.0
    out = 0   # summed in the terms' order, as sum() would: the same float
    for t, w in terms.items():
        out += w * _credit_in(t, text, context)
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


def _credit_in(term: str, text: str, context: str) -> float:
    """A term's credit in ``text``, or half its credit in ``context`` when that is more (never
    when the text gives half or more: the context is then not read)."""
    own = credit(term, text)
    return own if own >= 0.5 or not context else max(own, 0.5 * credit(term, context))


_SEP = "\x00"
_FEW = 4   # matches of a piece found one by one in the joined texts


class Joined:
    """Many texts (a question's candidate sentences, or their contexts) joined into one string,
    so the texts holding a term are found by a few ``str.find`` scans of it, in C, instead of a
    Python loop over the texts: ``credit(term)`` is ``credit(term, text)`` of every text."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self._joined = _SEP.join(texts)
        self._starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]).tolist()
        self.empty = np.array([not t for t in texts], dtype=bool)
        self._credits: dict[str, np.ndarray] = {}
        self._held: dict[str, list[int]] = {}

    def holding(self, piece: str) -> list[int]:
        """Positions of the texts holding ``piece`` (not empty, without ``_SEP``), ascending. A
        match never spans two texts: the separator between them is in no piece."""
        out = self._held.get(piece)
        if out is not None:   # terms share pairs ("高新区", "高新")
            return out
        found = self._joined.count(piece)
        if found > _FEW:   # a common piece: asking each text is quicker than finding each
            out = [i for i, t in enumerate(self.texts) if piece in t]
        else:
            out, find, starts, last = [], self._joined.find, self._starts, len(self.texts) - 1
            at = find(piece) if found else -1
            while at >= 0:
                i = bisect.bisect_right(starts, at) - 1
                out.append(i)
                at = find(piece, starts[i + 1]) if i < last else -1   # on at the next text
        self._held[piece] = out
        return out

    def credit(self, term: str) -> np.ndarray:
        """``credit(term, text)`` of every text, worked out once per term."""
        c = self._credits.get(term)
        if c is None:
            c = self._credits[term] = self._credit(term)
        return c

    def _credit(self, term: str) -> np.ndarray:
        if not term or _SEP in term:
            return np.array([credit(term, t) for t in self.texts], dtype=np.float64)
        out = np.zeros(len(self.texts))
        whole = self.holding(term)
        if len(term) > 2:
            # a shorter piece of the term holds one of its pairs (a pair is a whole term of
            # two): only a text holding a pair and not the term gets partial credit. Which
            # pairs it holds, a bit per place in the term, says how much: no two side by side
            # means no shared piece longer than a pair, so the credit of a pair
            pairs, pieces = _SHAPES.get(term) or _shape(term)
            held: dict[int, int] = {}
            for k, pair in enumerate(pairs):
                for i in self.holding(pair):
                    held[i] = held.get(i, 0) | 1 << k
            for i in whole:
                del held[i]
            of_pair = pieces[-1][0]
            for i, bits in held.items():
                out[i] = of_pair if not bits & bits >> 1 else credit(term, self.texts[i])
        out[whole] = 1.0
        return out


def coverage_column(terms: dict[str, float], texts: Joined,
                    context: Joined | None = None) -> np.ndarray:
    """``coverage(terms, text, context)`` of each text and its context (the n-th of each)."""
    out = np.zeros(len(texts.texts))
    total = sum(terms.values())
    if total <= 0:
        return out
    for t, w in terms.items():   # summed in the terms' order, as coverage does: the same floats
        c = texts.credit(t)
        if context is not None:
            low = (c < 0.5) & ~context.empty
            if low.any():
                c = np.where(low, np.maximum(c, 0.5 * context.credit(t)), c)
        out += w * c
    return out / total


def absent_column(terms: dict[str, float], texts: Joined, near: Joined) -> np.ndarray:
    """(terms x texts) whether a term's credit is under half in a text and in ``near`` (the
    text with the sentence before it): it is missing from what the sentence says."""
    out = np.zeros((len(terms), len(texts.texts)), dtype=bool)
    for k, t in enumerate(terms):
        low = texts.credit(t) < 0.5
        # credit only grows with the text: a term with half credit in the text is not absent
        out[k] = low & (near.credit(t) < 0.5) if low.any() else low
    return out
