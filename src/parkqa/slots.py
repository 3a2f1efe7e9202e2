"""The slot a question asks to fill, and whether a sentence fills it.

A factoid question names a *focus* (the measure or thing asked about, next to its question word:
"注册资本是多少", "哪一年成立") and a *type* of value (a number with a unit, a year, a month, an
amount of money, a name). A sentence answers it only when it holds a value of that type close to
the focus; a sentence on the right topic without one is a near miss, the usual trap. The
features here only measure that; how much they count is fitted (``parkqa.scorer``).

Example::

    >>> focus_terms("振东国际肿瘤研究中心是哪一年成立的？", {"研究中心": 3.5, "成立": 3.4, "振东": 4.9})
    {'研究中心': 3.5, '成立': 3.4}
    >>> slot_value("date", {"成立": 1.0}, "联合科研机构成立“振东国际肿瘤研究中心”")
    -1.0
    >>> slot_value("number", {"入区企业": 1.0}, "入区企业从2021年的0.9万家增至1.2万家", unit="[个家]")
    1.0
"""
from __future__ import annotations

import re

from .cues import (CLAUSE_BREAK, DETAILS, HALF_YEARS, NUMBER, ORGANIZATION, TIME_WORDS,
                   person_names)
from .question import Question, opens_english

# question words: a focus term sits next to one of them
_WH = re.compile(r"多少|(?<!哪)几|哪|什么|啥|谁|何|如何|怎么|怎样|是否|是不是|有没有|吗|"
                 r"\b(?:how|what|which|who|whom|when|where|why)\b", re.I)
# characters that may stand between a focus and its question word ("的注册资本是多少")
_GLUE = set("的是了有为在约达共总一到过呢那这个家")
NEAR = 2        # a term this many characters (glue aside) from a question word is a focus
FAR = 6         # ...and the closest term before one, this far, when none is that near
WINDOW = 24     # a value this close to the focus fills the slot

_VALUES = {
    "date": re.compile(rf"(?:19|20)\d{{2}}\s*年|\d{{1,2}}\s*月|{TIME_WORDS}|{HALF_YEARS}"),
    # "多久": a span of time, or the two dates it lies between
    "duration": re.compile(r"\d[\d.]*\s*(?:个)?\s*(?:工作日|天|日|周|星期|个月|月|年|小时|分钟)|"
                           r"[一二两三四五六七八九十半]+\s*(?:个)?\s*(?:工作日|天|周|个月|年|小时)|"
                           r"(?:19|20)\d{2}\s*年"),
    "month": re.compile(r"\d{1,2}\s*月|月底|月初|年底"),
    "money": re.compile(r"\d[\d.,]*\s*(?:余|多)?\s*(?:万|亿)?\s*元|免费"),
    "percent": re.compile(r"\d[\d.]*\s*[%％]|百分之|\d+\s*成|[\d一二两三四五六七八九十]+\s*倍"),
    # "第几期" is answered by "三期" as well as by "第三期"
    "rank": re.compile(r"第\s*[\d一二三四五六七八九十]+|前\s*[\d一二三四五六七八九十百]+|首[个家批位期届]|唯一|"
                       r"[\d一二三四五六七八九十]+\s*[期届批代]"),
    # a whole number that is not a year
    "number": re.compile(r"(?<![\d.])\d[\d.,]*(?![\d.,])(?!\s*年)|[一二两三四五六七八九十百千]+[个家项所名条倍位台套种款]"),
    "place": re.compile(DETAILS["place"][1]),
    # a quoted name, or a name ending in what names a body or a product line ("百泰生物",
    # "成功汽车"), its front not running over a particle ("翟店工业园区内的…基地" holds two)
    "entity": re.compile(r"[“《「][^”》」]{2,30}[”》」]|(?:(?![的在于和与及是为将把被从对以])"
                         r"[\u4e00-\u9fff]){2,12}?(?:公司|集团|大学|学院|研究院|研究所|实验室|中心|"
                         r"基地|园区?|医院|银行|项目|科技|生物|药业|汽车)"),
}


def focus_terms(text: str, terms: dict[str, float]) -> dict[str, float]:
    """The question's terms that stand next to a question word (its weights kept); when none
    does ("立讯电子产业园一期当时投了多少钱": a verb of one character stands between), the term
    closest before a question word, within ``FAR`` characters."""
    cues = [(m.start(), m.end()) for m in _WH.finditer(text)]
    if not cues:
        return {}
    low = text.lower()
    out, closest = {}, (FAR + 1, "")
    for term, weight in terms.items():
        # every occurrence: "科技企业孵化器里目前孵化了多少家企业" asks about its second 企业
        for m in re.finditer(re.escape(term), low):
            at, end = m.start(), m.end()
            for a, b in cues:
                gap = low[end:a] if end <= a else low[b:at] if b <= at else ""
                if not (end <= a or b <= at):
                    continue
                apart = len([c for c in gap if c not in _GLUE])
                if apart <= NEAR:
                    out[term] = weight
                elif end <= a and apart < closest[0]:
                    closest = (apart, term)
    if not out and closest[1]:
        out[closest[1]] = terms[closest[1]]
    return out


def question_focus(q: Question) -> dict[str, float]:
    """What ``q`` asks the value of: its terms beside a question word, or for an English
    question the Chinese words of its measure (``Question.en_focus``). A word no article
    holds stands by no value: its longest part an article holds stands for it ("年发电量" ->
    "发电"), and one without such a part ("一年能省多少钱": jieba's 能省) is no focus."""
    if q.english:
        return q.en_focus
    terms = {q.absent.get(t, t): w for t, w in q.terms.items()}
    return focus_terms(q.text, {t: w for t, w in terms.items() if t})


# details a question asks for that are answer types of their own, in the order tried
_DETAIL_TYPES = ("money", "month", "percent", "rank", "someone", "person", "place")
# "哪家企业投资建设的", "是哪个单位": the name asked is an organization's, which a project's or
# a park's name ("智能家电生产基地项目") does not give
_ASKS_ORGANIZATION = re.compile(r"哪一?家|哪个(?:单位|机构|部门|企业|公司|高校|大学|团队|医院|银行)|"
                                r"什么(?:企业|公司|单位|机构|团队)|(?:企业|公司|单位|机构)(?:是|叫)(?:哪|什么|啥)|"
                                r"\b(?:which|what) (?:company|firm|enterprise|university|institute|"
                                r"organi[sz]ation)\b", re.I)
# words that ask for a count or an amount themselves (not a noun such as 规模 or 产值 that may
# only name what a "哪家" question is about)
_ASKS_COUNT = re.compile(r"多少|(?<!哪)几|多大|多高|多长|多快|\bhow (?:many|much|large|big)\b|"
                         r"\bwhat percentage\b", re.I)


# answer types by how surely a sentence shows a value of them: an amount of money, a month, a
# percentage, a rank, a date or a person's name has a shape a sentence either shows or lacks;
# a bare count or a name of a thing is often paraphrased ("八成", "百泰生物")
GROUPS = ("shaped", "number", "entity")


def type_group(kind: str) -> str:
    """The group of an answer type (``GROUPS``); refusal weighs an unfilled slot per group."""
    return kind if kind in GROUPS else "entity" if kind == "organization" else "shaped"


def asked_type(q: Question) -> str:
    """The one kind of value that would answer ``q``, or "" for open questions."""
    for detail in _DETAIL_TYPES:
        if detail in q.details:
            return detail
    if "duration" in q.kinds:
        return "duration"
    if "date" in q.kinds:
        return "date"
    if "entity" in q.kinds and not q.unit and not _ASKS_COUNT.search(q.text) \
            and not q.kinds & {"reason", "summary", "list"}:
        # "规模化培养…的是哪家企业": the question word asks for a name
        return "organization" if _ASKS_ORGANIZATION.search(q.text) else "entity"
    if q.unit or "number" in q.kinds:
        return "number"
    if "entity" in q.kinds and not q.kinds & {"reason", "summary", "list"}:
        return "organization" if _ASKS_ORGANIZATION.search(q.text) else "entity"
    return ""


def _values(kind: str, text: str, unit: str = "") -> list[tuple[int, str]]:
    """Start offsets and texts of the values of ``kind`` in ``text``."""
    if kind in ("person", "someone"):
        found = [(m.start(), name) for name in person_names(text)
                 for m in re.finditer(re.escape(name), text)]
        if kind == "someone":   # a person asked by role: an organization's name is no answer
            return found
        # "谁投的": a person or an organization
        return found + [(m.start(), m.group()) for m in ORGANIZATION.finditer(text)]
    if kind == "number" and unit:
        pattern = re.compile(NUMBER + unit)
    elif kind == "organization":
        pattern = ORGANIZATION
    else:
        pattern = _VALUES.get(kind)
    if pattern is None:
        return []
    return [(m.start(), m.group()) for m in pattern.finditer(text)]


def entity_names(text: str, accept=lambda match: True):
    """Matches of what reads as a name in ``text``: a quoted name, or one ending in what names
    a body, a product line or a project. A match ``accept`` turns down is looked for again one
    character further ("这片涵盖科技" turned down, "科技工业园" is found)."""
    pattern, at = _VALUES["entity"], 0
    while (match := pattern.search(text, at)) is not None:
        if accept(match):
            yield match
            at = match.end()
        else:
            at = match.start() + 1


def is_given(value: str, question: str) -> bool:
    """Whether the question itself states ``value``: "那6家企业分别叫什么" is not answered by
    "首批6家企业", nor "智能家电生产基地项目是哪家企业投资的" by "智能家电生产基地" — an answer
    is what the asker does not know yet. A name counts as stated when the question holds most
    of it ("专业镇专板" of "“光电装备专业镇专板”").

    >>> is_given("6家", "那6家企业分别叫什么？"), is_given("82家", "从37家涨到多少家？")
    (True, False)
    """
    value = re.sub(r"[\s“”《》「」]", "", value)
    question = re.sub(r"\s", "", question)
    if not value or not question:
        return False
    if value in question:
        return True
    size = max(4, (len(value) + 1) // 2)
    return any(value[i:i + size] in question for i in range(len(value) - size + 1))


def slot_value(kind: str, focus: dict[str, float], text: str, *, unit: str = "",
               question: str = "") -> float:
    """When ``text`` holds a value of ``kind`` near focus terms: the weight of the weightiest of
    them over the focus's weightiest (1 beside "注册资本", less beside a common "项目"); 0.5 when it
    holds one away from them, -0.5 when it holds one but no focus term, -1 when it holds none;
    0 when nothing typed is asked. Values ``question`` states itself are no answer (but a span
    may lie between two dates it names)."""
    if not kind:
        return 0.0
    found = [at for at, value in _values(kind, text, unit)
             if kind == "duration" or not is_given(value, question)]
    if not found:
        return -1.0
    if not focus:
        return 1.0
    low = text.lower()
    spots = [(m.start(), w) for t, w in focus.items() for m in re.finditer(re.escape(t), low)]
    near = [w for v in found for s, w in spots if abs(v - s) <= WINDOW]
    if near:
        # next to the question's weightiest focus ("注册资本"), not only to a common one ("项目")
        return max(near) / max(focus.values())
    # a value with the asked measure nowhere in sight is how a near miss looks
    return 0.5 if spots else -0.5



# what a question about the article itself asks for, and the metadata field that holds it
# (``parkqa.metadata`` reads the fields from the layout); the subtitle before the title, since
# "副标题" contains "标题"
_ROLES = (
    ("byline", r"摄影|拍的|拍摄|配图|照片|图片|作者|记者|谁写|哪位写|撰写|\b(?:photos?|pictures?|author|"
               r"wrote|written|writer|reporters?|byline)\b"),
    ("subtitle", r"副标题|副题|\bsubtitle\b"),
    ("title", r"(?<!副)标题|题目|\b(?:headline|title)\b"),
    ("source", r"第几版|哪一版|哪个版|版面|刊登|登在|发表在|上接|报纸|哪家报|哪份报|特刊|\b(?:page|edition|"
               r"newspaper|published|issue)\b"),
)
_ROLE_RE = [(field, re.compile(cue, re.I)) for field, cue in _ROLES]
# a question word for a person: "记者核实一下…哪个时间段" is a reporter asking, not for a byline
_ASKS_PERSON = re.compile(r"谁|哪位|哪几位|姓名|名字|叫什么|叫啥|署名|\b(?:who|whom|author|"
                          r"photographers?|took|wrote|written|byline)\b", re.I)
ROLE_FIELDS = tuple(field for field, _ in _ROLES)


def article_role(text: str) -> str:
    """The metadata field (``byline``, ``subtitle``, ``title``, ``source``) a question about an
    article asks for, or "".

    >>> article_role("这篇稿子是谁写的？"), article_role("副标题是“…”的文章，主标题叫啥？")
    ('byline', 'title')
    """
    # the asked field stands where the question word is: at the end of a Chinese question
    # ("有篇副标题是…的文章，主标题叫啥"), at the start of an English one
    found = [(m.start(), field) for field, cue in _ROLE_RE for m in cue.finditer(text)]
    if not found:
        return ""
    field = (min if opens_english(text) else max)(
        found, key=lambda x: (x[0], -ROLE_FIELDS.index(x[1])))[1]
    # "配图拍的是哪家公司" asks what a photo shows (its caption), "谁拍的" who took it
    if field == "byline" and not _ASKS_PERSON.search(text):
        return ""
    return field


def asked_article_field(q: Question) -> str:
    """The metadata field ``q`` asks for when it is about an article itself, else ""."""
    return article_role(q.text) if "article" in q.kinds else ""


def role_pieces(value: str) -> list[str]:
    """A metadata value as the pieces a line printing it holds ("常进/文 李宁/图" ->
    ["常进", "李宁"]): names and words of two characters or more, punctuation dropped."""
    return [p for p in re.split(r"[\s/／；;，,、·—\-]+|文$|图$", value) if len(p) >= 2]


# the months a figure covers: "1-5月", "1月至5月", "上半年", "全年" (a figure for January to
# November does not answer a question about the whole year, nor one for the first half)
_MONTH_RANGE = re.compile(r"(\d{1,2})\s*月?\s*(?:-|—|–|~|～|至|到)\s*(\d{1,2})\s*月")
_NAMED_PERIODS = {"上半年": (1, 6), "下半年": (7, 12), "前三季度": (1, 9), "一季度": (1, 3),
                  "第一季度": (1, 3), "全年": (1, 12)}
_NAMED_PERIOD = re.compile("|".join(sorted(_NAMED_PERIODS, key=len, reverse=True)))


def periods(text: str) -> set[tuple[int, int]]:
    """The month ranges ``text`` names.

    >>> sorted(periods("今年1至5月签约354个；上半年开工5个"))
    [(1, 5), (1, 6)]
    """
    found = {(int(a), int(b)) for a, b in _MONTH_RANGE.findall(text)
             if 1 <= int(a) <= int(b) <= 12}
    return found | {_NAMED_PERIODS[m] for m in _NAMED_PERIOD.findall(text)}


# a year named by where it lies from the article's own ("去年1到5月" is not "今年1月至5月")
_RELATIVE_YEAR = re.compile(r"前年|去年|今年|明年|本年|当年")
_SAME_YEAR = {"本年": "今年", "当年": "今年"}


def period_clash(question: str, quoted: str) -> bool:
    """Whether the quote gives its figures for other months, or another year counted from now,
    than the question asks about.

    >>> period_clash("去年1到5月签了多少项目", "今年1月至5月,全市签约项目354个"), period_clash(
    ...     "今年1到5月签了多少", "今年1月至5月签约354个")
    (True, False)
    """
    asked, shown = periods(question), periods(quoted)
    if asked and shown and not asked & shown:
        return True
    asked, shown = ({_SAME_YEAR.get(w, w) for w in _RELATIVE_YEAR.findall(t)}
                    for t in (question, quoted))
    return bool(asked and shown and not asked & shown)


def listed_count(quoted: str, question: str) -> int:
    """The most items one enumeration of ``quoted`` names ("A、B、C" in one clause) that the
    question does not name itself. What follows "等" closes the list ("…汽车制造等七大产业板块")
    and is no part of its last item."""
    most = 0
    for clause in CLAUSE_BREAK.split(quoted):
        items = clause.split("等")[0].split("、")
        if len(items) > 1:
            most = max(most, sum(not is_given(x.strip(), question) for x in items))
    return most
