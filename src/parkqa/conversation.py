"""Follow-up questions read in the light of the conversation so far: its questions *and* answers.

A question is a follow-up only on an explicit signal: a short "那…呢？" / "what about …?" that
swaps one slot (place, year or topic) of the last question, a pronoun ("它", "这家企业") standing
for the thing the last answer named, or a bare place/year with no topic of its own ("全市一共多少？").
Anything else stands on its own, so a new topic never inherits an old one. Places come from the
index's ``Knowledge`` (found in the articles), never from this module.

Example::

    >>> from parkqa.conversation import resolve_followup
    >>> resolve_followup("那2024年呢？", "高新区2025年新认定高新技术企业多少家？")
    '高新区2024年新认定高新技术企业多少家?'
    >>> resolve_followup("它是哪年投产的？", "哪个项目总投资10亿元？",
    ...                  previous_answer="特瓦时一期项目总投资10亿元[1]", names=["特瓦时一期项目"])
    '特瓦时一期项目是哪年投产的?'
"""
from __future__ import annotations

import re

from .cues import CLAUSE_BREAK
from .knowledge import Knowledge
from .question import YEAR, clean, is_english, key_terms, opens_english
from .slots import entity_names, is_given
from .tokens import pos_cut

_SWAP = re.compile(r"^(?:那么|那|那在|在|换成|如果是|还有)?\s*(?P<x>[^，,。？?]{1,20}?)\s*(?:呢|怎么样|如何|的呢)"
                   r"\s*[？?]?$|^(?:and|what about|how about)\s+(?:the\s+|for\s+|in\s+)?"
                   r"(?!(?:what|how|which|who|when|where|why|is|are|was|were|do|does|did|can)\b)"
                   r"(?P<en>.{1,40}?)\s*\??$", re.I)
# "那中兵长智呢，建了个啥？": a new subject and its own question
_NEW_SUBJECT = re.compile(r"^(?:那么|那|还有)?\s*(?P<x>[^，,。？?]{2,20}?)\s*呢\s*[，,]\s*(?P<rest>.+)$")
_PRONOUN = re.compile(r"它们|它|(?:该|这家|那家|这个|那个|这些|这一|此)(?P<noun>公司|企业|项目|园区|基地|产品|"
                      r"中心|平台|工程|产业园)|这家|那家|这个|他们|其|\b(?:its|it|they|"
                      r"(?:this|that)\s+(?!is\b|was\b|one\b)[a-z]+)\b", re.I)
# what a pronoun's noun can stand for ("这家企业" -> a company's name)
_KIND_OF = {"公司": r"公司|集团|企业|药业|制药|科技", "企业": r"公司|集团|企业|药业|制药|科技"}
# where the subject a question opens with ends: a verb, a time word or the question word
_PREDICATE = re.compile(r"是|有(?!限)|的|在|从|于|将|已|要|能|会|被|把|和|与|跟|对|向|现在|目前|今年|去年|"
                        r"每天|每年|一年|一共|累计|总投资|投资|什么|哪|多少|几|为什么|为何|怎么|如何|啥|谁|"
                        r"[，,。？?！!：:\s]")
# words that point back at what was just talked about without naming it
# ("以上" only as a pointer: "以上这些", not the "以上" of "规模以上工业")
_CONTEXT_REF = re.compile(r"这里面|里面|其中|这些|那些|这样的|上述|以上(?=这|那|的|提到|所说|几)|^都是|"
                          r"\b(?:its|there|them|those|these|their)\b", re.I)
_ASKS_NAME = re.compile(r"哪家|哪个|哪些|什么(?:企业|公司|项目)|谁|which|who", re.I)
MAX_FOLLOWUP_CHARS = 30
MAX_FOLLOWUP_WORDS = 12   # the same for an English question
ELLIPSIS_CHARS = 12


def subject_of(question: str) -> str:
    """The noun phrase a question opens with ("特瓦时一期项目总投资多少？" -> "特瓦时一期项目"),
    up to its verb ("中科潞安建成了全球首条…" -> "中科潞安")."""
    q = re.sub(r"^(请问|我想问|想问一下|问一下)", "", question.strip())
    cut = _PREDICATE.search(q)
    subject = q[: cut.start()] if cut else q
    at = 0
    words = pos_cut(subject)
    for k, word in enumerate(words):
        # a verb of two characters or more, not a verbal noun ("服务基地"); a single-character
        # "verb" is often part of a name jieba was not taught ("正来制药"), unless 了 marks it
        # done ("特瓦时一期项目建了…"); a preposition opens what the subject did ("…给天安门广场供了")
        done = word.flag == "ul" and k and words[k - 1].flag == "v"
        if at >= 2 and done:
            at -= len(words[k - 1].word)
        if at >= 2 and (done or word.flag == "v" and len(word.word) >= 2
                        or word.flag == "p" and word.word in ("给", "为")):
            subject = subject[:at]
            break
        at += len(word.word)
    return subject if 2 <= len(subject) <= 20 else ""


def _ends_in_noun(phrase: str) -> bool:
    """Whether jieba tags the last word of ``phrase`` a noun: "经开区盘活了" is no subject."""
    words = pos_cut(phrase)
    return bool(words) and words[-1].flag.startswith(("n", "eng"))


# an English noun phrase: "the LMFP cathode project in Changzhi Hi-tech Zone", up to a verb,
# a clause break or the end
_EN_PHRASE = re.compile(r"\bthe\s+((?:(?!\b(?:is|are|was|were|did|does|do|has|have|had|and|or|"
                        r"that|which|who|when|to|will|can|set|reach|made)\b)[^,;?!.，。？])+)", re.I)


def english_subject(question: str) -> str:
    """The longest "the …" noun phrase of an English question, without a measure it opens with
    ("the capacity of the X" -> "the X"): what its "it" stands for."""
    found = [m.group(1).strip() for m in _EN_PHRASE.finditer(question)]
    if not found:
        return ""
    phrase = max(found, key=len)
    head, of, rest = phrase.partition(" of ")
    return "the " + (rest.removeprefix("the ") if of and rest else phrase)


def _slots(text: str, knowledge: Knowledge | None) -> dict[str, tuple[int, int]]:
    """Where the place, the year and the topic (its content words) sit in ``text``."""
    out: dict[str, tuple[int, int]] = {}
    if knowledge is not None:
        spans = knowledge.mention_spans(text)
        if spans:
            out["place"] = (spans[0][0], spans[0][1])
    m = YEAR.search(text)
    if m:
        out["year"] = m.span(1)[0], m.end()
    taken = [out[k] for k in out]
    topic = [(text.find(t), text.find(t) + len(t)) for t in key_terms(text) if t in text]
    topic = [(a, b) for a, b in topic if not any(a < e and s < b for s, e in taken)]
    if topic:
        out["topic"] = (min(a for a, _ in topic), max(b for _, b in topic))
    return out


def _swap(previous: str, x: str, knowledge: Knowledge | None) -> str:
    """``previous`` with each slot that ``x`` fills replaced by ``x``'s value."""
    have, new = _slots(previous, knowledge), _slots(x, knowledge)
    if not new:
        return f"{x}：{previous}"
    values = {}
    for slot, (a, b) in new.items():
        value = x[a:b] if slot != "year" else x[a:b].rstrip("年") + "年"
        if slot == "place" and knowledge is not None and "place" in have:
            # "经开区" after "长治高新区": the zone of that name in the same city
            named = knowledge.mentions(value, context=knowledge.mentions(previous)[0])
            value = named[0] if len(named) == 1 else value
        values[slot] = value
    # each slot the previous question has takes the new value in place, the widest first (a
    # topic running over the place it names replaces both); the others go in front
    replaced: list[tuple[int, int, str]] = []
    for slot in sorted((k for k in values if k in have),
                       key=lambda k: have[k][0] - have[k][1]):
        s, e = have[slot]
        if not any(s < e2 and s2 < e for s2, e2, _ in replaced):
            replaced.append((s, e, slot))
    out = previous
    for s, e, slot in sorted(replaced, reverse=True):     # right to left: offsets stay valid
        out = out[:s] + values[slot] + out[e:]
    done = {slot for _, _, slot in replaced}
    return "".join(values[k] for k in new if k not in done) + out


def _named_in_answer(answer: str, question: str, names, noun: str = "") -> str:
    """The first name the previous answer gives that its question did not (of the pronoun's
    kind, when it says one): what "它" or "这家企业" means."""
    kind = re.compile(_KIND_OF.get(noun, re.escape(noun))) if noun else None
    # the index's names, and what reads as a name in the answer itself (not every company or
    # project the articles name was taught to jieba: "特瓦时磷酸锰铁锂正极材料项目")
    shown = {(answer.find(n), -len(n), n) for n in names if n and n in answer}
    words = _words(answer)
    shown |= {(m.start(), -len(m.group()), m.group())
              for m in entity_names(answer, lambda m: _reads_as_name(m, words))}
    found = [x for x in shown if not is_given(x[2], question)   # it holds "n in question"
             and (kind is None or kind.search(x[2]))]
    # the answer to "光伏板块依托的是哪家企业" sits in the clause about 光伏板块, not in the
    # answer's first clause: the name whose clause shares most of the question's words first
    asked = key_terms(question)
    return min(found, key=lambda x: (-_shared(asked, _clause_at(answer, x[0])), x))[2] \
        if found else ""


def _clause_at(text: str, at: int) -> str:
    """The clause of ``text`` (between commas, semicolons or stops) around offset ``at``."""
    start = max((m.end() for m in CLAUSE_BREAK.finditer(text, 0, at)), default=0)
    end = CLAUSE_BREAK.search(text, at)
    return text[start:end.start() if end else len(text)]


def _shared(terms: list[str], clause: str) -> int:
    return sum(1 for t in terms if t in clause)


def _words(text: str) -> list[tuple[int, int, str]]:
    """jieba's words of ``text`` as (start, end, part of speech)."""
    out, at = [], 0
    for word in pos_cut(text):
        out.append((at, at + len(word.word), word.flag))
        at += len(word.word)
    return out


def _reads_as_name(match: re.Match, words: list[tuple[int, int, str]]) -> bool:
    """Whether a match of ``entity_names`` is a name, not a run of words that happens to end
    like one: it starts and ends where words do and holds no verb or pronoun ("这片涵盖科技" of
    "这片涵盖科技工业园", "…形成科技" of "形成科技型企业"). A quoted name counts as it is."""
    if match.group()[0] in "“《「":
        # a quoted name counts as it is; a quoted chain or slogan ("“半导体材料—芯片设计—封装
        # 测试”", "“技术自主+生态协同”") is no thing a pronoun stands for
        return not re.search(r"[—\-+＋、·～~]", match.group())
    start, end = match.span()
    bounds = {a for a, _, _ in words} | {b for _, b, _ in words}
    # a one-character "verb" is often part of a name jieba was not taught ("日盛达")
    return start in bounds and end in bounds and not any(
        flag == "v" and b - a >= 2 or flag.startswith("r") for a, b, flag in words
        if start <= a < end)


def resolve_followup(question: str, previous: str | None, *, previous_answer: str = "",
                     knowledge: Knowledge | None = None, names=()) -> str:
    """``question`` as a standalone question, using the last (already resolved) question and
    its answer only when ``question`` is plainly a follow-up."""
    q = clean(question)
    too_long = len(q.split()) > MAX_FOLLOWUP_WORDS if is_english(q) else len(q) > MAX_FOLLOWUP_CHARS
    if not previous or too_long:
        return question
    prev = clean(previous)
    swap = _SWAP.match(q)
    if swap and swap.group("en") and opens_english(prev) \
            and not {"place", "year"} & set(_slots(swap.group("en"), knowledge)):
        # "And the total investment?": a new measure of the same subject, not a slot's value
        subject = english_subject(prev)
        if subject:
            return f"What is the {swap.group('en').strip()} of {subject}?"
    if swap:
        return _swap(prev, (swap.group("x") or swap.group("en")).strip(), knowledge)
    new_subject = _NEW_SUBJECT.match(q)
    if new_subject:
        return new_subject.group("x") + new_subject.group("rest")
    have = _slots(prev, knowledge)
    lead = (" " if is_english(prev) else "").join(
        prev[a:b] for k in ("place", "topic") if k in have for a, b in [have[k]])
    pronoun = _PRONOUN.search(q)
    if pronoun:
        noun = pronoun.group("noun") or ""
        subject = english_subject(prev) if opens_english(prev) else subject_of(prev)
        # "that base" after "Which … hosts the X base?": the X base, not a name in the answer
        said = re.match(r"(?:this|that)\s+(\w+)", pronoun.group(), re.I)
        named = _named_in_answer(previous_answer, prev, names, noun) \
            if (_ASKS_NAME.search(prev) or (noun and noun not in subject)) \
            and not (said and said.group(1).lower() in subject.lower()) else ""
        subject = named or subject
        if subject:
            return q[:pronoun.start()] + subject + ("'s" if pronoun.group().lower() == "its"
                                                    else "") + q[pronoun.end():]
        return f"{lead}：{q}" if lead else question
    slots = _slots(q, knowledge)
    if _CONTEXT_REF.search(q) and not {"place", "topic"} <= set(slots):
        # "这里面…", "都是哪些…", "its …": about the last topic (a question naming its own
        # place and topic stands alone whatever words it uses)
        return f"{lead}：{q}" if lead else question
    if slots and "topic" not in slots:   # "全市一共多少？": a place or year, no topic of its own
        return _swap(prev, q, knowledge) if "topic" in have else question
    if not slots.get("place") and len(q) <= ELLIPSIS_CHARS and len(key_terms(q)) <= 1:
        # "最开始是多少家？" / "啥时候成立的？": too little of its own to stand alone; it asks
        # about the last question's subject ("经开区资本市场服务基地是跟谁共建的" -> the base),
        # or its place and topic when it opens with none
        subject = "" if is_english(prev) else subject_of(prev)
        if subject and 2 * len(key_terms(subject)) >= len(key_terms(prev)) > 0 \
                and _ends_in_noun(subject):
            return subject + q
        return f"{lead}：{q}" if lead else question
    return question


def without_carried_year(resolved: str, typed: str) -> str:
    """``resolved`` without the years a follow-up took over from the last question ("那经开区呢？"
    after "高新区2024年…多少家" -> "长治经开区…多少家"), or "" when it carries none. The other place
    may be reported for another year only: its figure then is what was asked for.

    >>> without_carried_year("长治经开区2024年高新技术企业有多少家？", "那经开区呢？")
    '长治经开区高新技术企业有多少家？'
    """
    typed_years = set(YEAR.findall(typed))
    carried = [m for m in YEAR.finditer(resolved) if m.group(1) not in typed_years]
    out = resolved
    for m in reversed(carried):
        out = out[:m.start()] + out[m.end():]
    return out if carried else ""


def resolve(question: str, history: list[dict] | None, *, knowledge: Knowledge | None = None,
            names=()) -> str:
    """The standalone question behind ``question`` after ``history`` (oldest first, each
    ``{"question": …, "answer": …}``); earlier follow-ups are resolved in turn."""
    previous, answer = None, ""
    for turn in history or []:
        asked = str(turn.get("question", ""))
        previous = resolve_followup(asked, previous, previous_answer=answer,
                                    knowledge=knowledge, names=names) if previous else asked
        answer = str(turn.get("answer", ""))
    return resolve_followup(question, previous, previous_answer=answer, knowledge=knowledge,
                            names=names)
