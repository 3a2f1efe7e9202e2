"""What a sentence shows whatever the question: the regex hits, years and person names the
answer features read (``parkqa.features``). Read for every sentence when the index is built and
saved beside it (``sentence_facts.json``), so a question never scans a sentence for them; an
index saved without them (or by other rules: the file carries a fingerprint of the patterns and
code that read it) has each sentence read the first time it is a candidate and kept for the
loaded index, as before.

Example::

    >>> facts = SentenceFacts(finder)                          # doctest: +SKIP
    >>> facts[12].years, "number" in facts[12].has             # doctest: +SKIP
    (frozenset({'2024'}), True)
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from types import CodeType, SimpleNamespace
from typing import NamedTuple

from .article_lines import BYLINE, LONE_CHARS
from .cues import STATES_PLAN, remember_names, tag_person_names

log = logging.getLogger(__name__)

FILE = "sentence_facts.json"
_FLAGS = ("byline", "specific", "interrogative", "lone_line", "plan")   # bits after the kinds
# what is not a letter or a digit: removing it keeps what str.isalnum keeps (the same test,
# checked on every code point), quicker than filtering character by character
_NOT_ALNUM = re.compile(r"[\W_]+")


class Facts(NamedTuple):   # small, and quick to make: kept for every sentence ever read
    has: frozenset          # the kinds of features.HAS it shows: number, date, list, entity…
    years: frozenset        # the years the sentence names
    near_years: frozenset   # ...or, when it names none, the years of its paragraph
    byline: bool
    specific: bool          # a figure, a date or a name (features.SPECIFIC)
    own: str                # its letters, digits and Han characters
    interrogative: bool
    lone_line: bool         # a short line that is a paragraph by itself
    plan: bool              # it, or the sentence before, states a plan


class SentenceFacts:
    """``facts[sid]``: the ``Facts`` of sentence ``sid`` of the finder's index."""

    def __init__(self, finder) -> None:
        self._finder = finder
        self._facts: list[Facts | None] = [None] * len(finder.index.sentences)
        self._lock = threading.Lock()
        self._unpacked: dict[int, tuple[frozenset, dict[str, bool]]] = {}   # see _unpack
        self._saved = _usable(getattr(finder.index, "sentence_facts", None),
                              len(self._facts))

    def __getitem__(self, sid: int) -> Facts:
        facts = self._facts[sid]
        if facts is None:
            facts = self._from_saved(sid) if self._saved else self._read(sid)
            with self._lock:
                self._facts[sid] = facts
        return facts

    def _read(self, sid: int) -> Facts:
        from .features import HAS, SPECIFIC
        from .question import YEAR

        finder = self._finder
        text = finder.index.sentences[sid].text
        para = finder.paragraph(sid)
        years = frozenset(YEAR.findall(text))
        return Facts(
            has=frozenset(kind for kind, pattern in HAS.items() if pattern.search(text)),
            years=years,
            near_years=years or frozenset(YEAR.findall(para)),
            byline=bool(BYLINE.search(text)), specific=bool(SPECIFIC.search(text)),
            own="".join(ch for ch in text if ch.isalnum()),
            interrogative=text.rstrip()[-1:] in "？?",
            lone_line=finder._alone[sid] and len(text) <= LONE_CHARS,
            plan=bool(STATES_PLAN.search(text) or STATES_PLAN.search(finder.context[sid])))

    def _from_saved(self, sid: int) -> Facts:
        saved, key = self._saved, str(sid)
        flags, kinds = saved["flags"][sid], saved["kinds"]
        text = self._finder.index.sentences[sid].text
        # the person names tagged at build time stand in for tagging the sentence again
        remember_names(text, tuple(saved["names"].get(key, ())))
        years = frozenset(saved["years"].get(key, ()))
        has, bit = self._unpacked.get(flags) or self._unpack(flags, kinds)
        return Facts(has=has, years=years,
                     near_years=years or frozenset(saved["near"].get(key, ())),
                     own=_NOT_ALNUM.sub("", text), **bit)

    def _unpack(self, flags: int, kinds: list[str]) -> tuple[frozenset, dict[str, bool]]:
        """The kinds and flags one saved bit field stands for (a few dozen distinct fields
        cover a corpus: each is unpacked once)."""
        bit = {name: bool(flags >> (len(kinds) + n) & 1) for n, name in enumerate(_FLAGS)}
        out = self._unpacked[flags] = (
            frozenset(k for n, k in enumerate(kinds) if flags >> n & 1), bit)
        return out


def fingerprint() -> str:
    """The patterns and the code that read the facts: saved facts read by others are not used."""
    from .features import HAS, SPECIFIC
    from .knowledge import ZONE_SUFFIXES
    from .question import YEAR

    parts = [p.pattern for p in (*HAS.values(), SPECIFIC, YEAR, BYLINE, STATES_PLAN)]
    parts += [repr(list(HAS)), str(LONE_CHARS), repr(sorted(ZONE_SUFFIXES)), repr(_FLAGS)]
    parts += [_code(f.__code__) for f in (SentenceFacts._read, tag_person_names)]
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()


def _code(code: CodeType) -> str:
    """A function's bytecode, names and constants (nested code objects too, not their address)."""
    consts = [_code(c) if isinstance(c, CodeType) else repr(c) for c in code.co_consts]
    return f"{code.co_code.hex()}|{code.co_names}|{consts}"


def _usable(saved: dict | None, count: int) -> dict | None:
    if not saved:
        return None
    if saved.get("fingerprint") != fingerprint() or len(saved.get("flags", ())) != count:
        log.info("the index's saved sentence facts were read by other rules: each sentence is "
                 "read afresh (`parkqa index` saves them anew)")
        return None
    return saved


def build(articles: dict, sentences: list, tokenizer) -> dict:
    """The facts of every sentence, as saved in ``FILE``: read by the answer features' own
    reader (a candidate finder over the articles and sentences) and, for person names, by the
    index's tokenizer."""
    from .features import HAS, CandidateFinder
    from .tokens import using

    index = SimpleNamespace(articles=articles, sentences=sentences, passages=[],
                            terms=SimpleNamespace(texts=[s.text.lower() for s in sentences]))
    reader = CandidateFinder(index, None).facts
    kinds = list(HAS)
    flags, years, near, names = [], {}, {}, {}
    with using(tokenizer):
        for s in sentences:
            f = reader._read(s.id)
            flags.append(sum(1 << n for n, k in enumerate(kinds) if k in f.has)
                         + sum(1 << (len(kinds) + n) for n, b in enumerate(_FLAGS)
                               if getattr(f, b)))
            if f.years:
                years[str(s.id)] = sorted(f.years)
            elif f.near_years:
                near[str(s.id)] = sorted(f.near_years)
            found = tag_person_names(s.text)   # this tokenizer's, not a memo's
            if found:
                names[str(s.id)] = list(found)
    return {"version": 1, "fingerprint": fingerprint(), "kinds": kinds, "flags": flags,
            "years": years, "near": near, "names": names}
