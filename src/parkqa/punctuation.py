"""Sentence ends, closing marks and whitespace: the few facts about Chinese punctuation that the
layout repair (``parkqa.corpus``), the sentence splitter and the metadata reader all use.

Example::

    >>> ends_complete("持续掀起项目建设新高潮。”"), ends_complete("这座投资总额"), squash("10 万吨")
    (True, False, '10万吨')
"""
from __future__ import annotations

SENTENCE_END = set("。！？!?…")
COMPLETE_END = SENTENCE_END | set("；;：:—")   # a lead-in (colon, dash) also ends a paragraph
CLOSERS = set("”’」』）)》】\"'")


def squash(text: str) -> str:
    """``text`` without any whitespace (how quotes are compared with the raw file)."""
    return "".join(text.split())


def ends_complete(text: str) -> bool:
    """True when ``text`` ends a sentence (or a lead-in such as a colon or a dash)."""
    text = text.rstrip()
    if not text:
        return True
    bare = text.rstrip("".join(CLOSERS))
    return bool(bare) and bare[-1] in COMPLETE_END
