"""Follow-up questions: "那经开区呢？" or "它是哪年投产的？" read in the light of the question before.

Only explicit signals make a question a follow-up (a short "…呢？", or a pronoun standing for a
subject); anything else is taken as it stands, so a new topic never inherits an old one.

Example::

    >>> from parkqa.conversation import resolve_followup
    >>> resolve_followup("那经开区呢？", "长治高新区现在有多少家高新技术企业？")
    '长治经开区现在有多少家高新技术企业？'
    >>> resolve_followup("它是哪年投产的？", "特瓦时一期项目总投资多少？")
    '特瓦时一期项目是哪年投产的？'
"""
from __future__ import annotations

import re

from .tokens import normalize

# "那经开区呢" / "经开区怎么样" / "2024年呢": a new value for one slot of the last question
_SWAP = re.compile(r"^(?:那么|那|那在|在|换成|如果是)?\s*(?P<x>[^，,。？?]{1,16}?)\s*(?:呢|怎么样|如何)\s*[？?]?$")
_PRONOUN = re.compile(r"它们|它|该(?:公司|企业|项目|园区|基地)|这家(?:公司|企业)?|这个(?:项目|园区|基地)?|"
                      r"这些(?:企业|项目)|他们|其")
_PARK = re.compile(r"长治高新区|长治经开区|长治市|高新区|经开区|全市")
_YEAR = re.compile(r"\d{4}\s*年")
# where the subject a question opens with ends: a verb, a time word or the question word
_PREDICATE = re.compile(r"是|有(?!限)|的|在|从|于|将|已|要|能|会|被|把|和|与|跟|对|向|现在|目前|今年|去年|"
                        r"每天|每年|一年|一共|累计|总投资|投资|什么|哪|多少|几|为什么|为何|怎么|如何|啥|"
                        r"[，,。？?！!：:\s]")
_MAX_FOLLOWUP_CHARS = 30


def subject_of(question: str) -> str:
    """The noun phrase a question opens with ("特瓦时一期项目总投资多少？" -> "特瓦时一期项目")."""
    q = re.sub(r"^(请问|我想问|想问一下|问一下)", "", question.strip())
    cut = _PREDICATE.search(q)
    subject = q[: cut.start()] if cut else q
    return subject if 2 <= len(subject) <= 20 else ""


def resolve_followup(question: str, previous: str | None) -> str:
    """``question`` rewritten as a standalone question, using ``previous`` (the last question,
    itself already resolved) only when ``question`` is plainly a follow-up."""
    q = question.strip()
    if not previous or len(q) > _MAX_FOLLOWUP_CHARS:
        return question
    prev = previous.strip()
    swap = _SWAP.match(normalize(q))
    if swap:
        x = swap.group("x").strip()
        for slot in (_PARK, _YEAR):
            found = slot.search(prev)
            if slot.fullmatch(x) and found:
                # keep the city's name in front of a zone: 长治高新区 -> 长治经开区
                new = "长治" + x if found.group(0).startswith("长治") and x in ("高新区", "经开区") \
                    else x
                return prev[:found.start()] + new + prev[found.end():]
        subject = subject_of(prev)
        if subject and subject != x:
            return prev.replace(subject, x, 1)
        return f"{x}：{prev}"
    pronoun = _PRONOUN.search(q)
    if pronoun:
        subject = subject_of(prev)
        if subject:
            return q[:pronoun.start()] + subject + q[pronoun.end():]
    return question
