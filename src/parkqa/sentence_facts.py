"""What a sentence shows whatever the question: the regex hits, years and paragraph the answer
features read (``parkqa.features``). Worked out the first time a sentence is a candidate and
kept for the loaded index, so a sentence read for many questions is scanned once; the cost
grows with the sentences ever read, not with the corpus.

Example::

    >>> facts = SentenceFacts(finder)                          # doctest: +SKIP
    >>> facts[12].years, facts[12].has["number"]               # doctest: +SKIP
    ({'2024'}, True)
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from .article_lines import BYLINE, LONE_CHARS
from .cues import STATES_PLAN


@dataclass(frozen=True)
class Facts:
    has: dict[str, bool]    # features.HAS: a number, a date, a list, an entity, a reason
    paragraph: str          # the paragraph the sentence stands in
    years: frozenset        # the years the sentence names
    near_years: frozenset   # ...or, when it names none, the years of its paragraph
    byline: bool
    specific: bool          # a figure, a date or a name (features.SPECIFIC)
    own: tuple              # (character, count) of its letters, digits and Han characters
    own_len: int
    interrogative: bool
    lone_line: bool         # a short line that is a paragraph by itself
    plan: bool              # it, or the sentence before, states a plan


class SentenceFacts:
    """``facts[sid]``: the ``Facts`` of sentence ``sid`` of the finder's index."""

    def __init__(self, finder) -> None:
        self._finder = finder
        self._facts: list[Facts | None] = [None] * len(finder.index.sentences)
        self._lock = threading.Lock()

    def __getitem__(self, sid: int) -> Facts:
        facts = self._facts[sid]
        if facts is None:
            facts = self._read(sid)
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
        own = [ch for ch in text if ch.isalnum()]
        return Facts(
            has={kind: bool(pattern.search(text)) for kind, pattern in HAS.items()},
            paragraph=para, years=years,
            near_years=years or frozenset(YEAR.findall(para)),
            byline=bool(BYLINE.search(text)), specific=bool(SPECIFIC.search(text)),
            own=tuple(Counter(own).items()), own_len=len(own),
            interrogative=text.rstrip()[-1:] in "？?",
            lone_line=finder._alone[sid] and len(text) <= LONE_CHARS,
            plan=bool(STATES_PLAN.search(text) or STATES_PLAN.search(finder.context[sid])))
