"""What a sentence shows whatever the question: the regex hits and years the answer features
read (``parkqa.features``). Worked out the first time a sentence is a candidate and
kept for the loaded index, so a sentence read for many questions is scanned once; the cost
grows with the sentences ever read, not with the corpus.

Example::

    >>> facts = SentenceFacts(finder)                          # doctest: +SKIP
    >>> facts[12].years, "number" in facts[12].has             # doctest: +SKIP
    (frozenset({'2024'}), True)
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from .article_lines import BYLINE, LONE_CHARS
from .cues import STATES_PLAN


@dataclass(frozen=True, slots=True)   # small: kept for every sentence ever read
class Facts:
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
        return Facts(
            has=frozenset(kind for kind, pattern in HAS.items() if pattern.search(text)),
            years=years,
            near_years=years or frozenset(YEAR.findall(para)),
            byline=bool(BYLINE.search(text)), specific=bool(SPECIFIC.search(text)),
            own="".join(ch for ch in text if ch.isalnum()),
            interrogative=text.rstrip()[-1:] in "？?",
            lone_line=finder._alone[sid] and len(text) <= LONE_CHARS,
            plan=bool(STATES_PLAN.search(text) or STATES_PLAN.search(finder.context[sid])))
