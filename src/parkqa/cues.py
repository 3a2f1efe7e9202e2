"""The question words of the language and what each asks for: 多少 a number, 哪年 a date, 谁 a
name, 多少钱 an amount of money, "how many companies" a count in 家. Facts of Chinese and English,
not of any article; how much each matters is learned by the answer scorer (``parkqa.scorer``).

Example::

    >>> sorted(answer_kinds("高新区和经开区哪个企业多？各有多少家？"))
    ['compare', 'entity', 'number']
    >>> asked_unit("入区企业有多少个来着？")
    '[个家项所名位条台套种款宗件块支张]'
"""
from __future__ import annotations

import re
import weakref

from .knowledge import ZONE_SUFFIXES
from .tokens import current, pos_cut

_HAN = re.compile(r"[\u4e00-\u9fff]")
NUMBER = r"(?:\d[\d.,]*|[一二两三四五六七八九十百千]+)\s*(?:余|多)?\s*(?:万|亿)?\s*"

# nouns for a measure: they ask for a number, and they are also what is asked about ("合同金额",
# "年产值"), so they stay in the question's terms
MEASURES = r"比例|占比|规模|金额|总额|产值|增速|数目|数量"
KIND_CUES = {
    "number": r"多少|(?<!哪)几[个家项所名条亿万台套种款宗倍年位]|多大|多高|多长|多快|多少钱|百分|增长了|"
              r"how (many|much)|what percentage|how large|how big|" + MEASURES,
    "date": r"何时|什么时候|啥时候|啥时|几时|哪一年|哪年|几月|哪个月|哪一天|哪天|日期|when|what year|which year",
    "list": r"哪些|哪几|包括|都有|有什么|列举|列出|分别是|which .*s\b|what are|list",
    "entity": r"谁|哪家|哪个|什么名字|名字|名称|全称|姓名|叫什么|叫啥|头衔|职务|身份|who|which company|"
              r"what is the name|name of",
    "reason": r"为什么|为何|为啥|怎么|咋|如何|怎样|靠什么|通过什么|措施|举措|办法|做法|why|how did|how does|how do",
    "yesno": r"是不是|是否|有没有|能不能|可不可以|会不会|要不要|吗[？?]?$|^(is|are|does|do|did|can|has|have)\b",
    "summary": r"概括|介绍|总结|说说|讲讲|聊聊|简述|概述|都做了|都干了|主要内容|讲了什么|summar|overview|"
               r"describe|tell me about",
    "duration": r"多久|多长时间|几年时间|隔了|相隔|间隔|how long",
    # what several articles say about one thing: a quote from each
    "across": r"几篇|两篇|多篇|各篇|篇报道里|篇文章里|合起来|综合起来|in (?:both|all|several|the two) "
              r"(?:articles|reports|pieces)|across the articles",
    "compare": r"哪个.{0,8}?(?:更|多|大|高|强|快|少)|谁.{0,6}?更|相比|比较|对比|差多少|compare|versus|\bvs\b|more than",
    # about the article itself (who wrote it, its title, page or pictures), not what it says:
    # "X在这篇报道里怎么写的" asks about its content
    "article": r"作者|记者|谁写|哪位写|标题|题目|版面|第几版|哪一版|哪个版|哪家报|报纸|特刊|刊登|登在|发表在|"
               r"图片说明|图注|配图|照片|摄影|图\s*[①-⑩\d]|headline|title|author|wrote|written|"
               r"reporter|newspaper|caption|photo|published|edition",
}
# A detail the question asks for, and what a sentence must show to give it: without it, a
# sentence on the right topic still does not answer ("哪个月并网" needs a month).
DETAILS = {
    "month": (r"哪个月|几月|哪天|几号|哪一天|什么日子|which month|what date", r"\d{1,2}\s*月|月底|月初"),
    # an address: a road or street (not the 路 of 思路, 道路 or 路径), a house number, a county
    "place": (r"哪儿|哪里|在哪|什么地方|地址|哪条路|哪个县|哪个区|位于|where|address|location",
              r"[\u4e00-\u9fff](?<![思道之出一网])(?:路|街|大道)(?![径线况面子])|\d+\s*号|"
              r"[\u4e00-\u9fff](?:县|镇|乡|村)(?![级域])|位于|坐落|地处"),
    "money": (r"多少钱|价格|价钱|月租|租金|费用|售价|收费|多少元|金额|投资额|投资多少|投了多少|how much money|price|cost|rent",
              r"\d[\d.,]*\s*(?:万|亿)?\s*元|免费"),
    "rank": (r"第几|排名|排第|名次|rank", r"第[\d一二三四五六七八九十]+|前[\d一二三四五六七八九十百]+|首|唯一"),
    "percent": (r"百分之|百分比|比例|占比|增幅|增速|增长了多少|percentage|growth rate", r"%|％|百分|成|倍"),
    # a person is shown by a name, which jieba's part-of-speech tags find (see shows_detail)
    # ("叫什么名字" alone asks for the name of anything: a document, an event, a product)
    "person": (r"谁|姓名|哪位|负责人是|\bwho\b", r"(?!)"),
    # ... and when the one asked about is a person by role, an organization's name is no answer
    "someone": (r"(?:负责人|记者|作者|专家|院士|教授|企业家|董事长|总经理|书记|主任|市长|局长|区长|领导)"
                r"[^，,。？?]{0,6}(?:是谁|叫什么|叫啥|名字|姓名)|(?:哪位|谁)(?:记者|写|负责|担任)|"
                r"who wrote|which reporter|name of the (?:reporter|author|person)", r"(?!)"),
}
# a time written in words ("力争年底投产"): a date as much as "2025年" is
TIME_WORDS = r"今年|去年|明年|年底|年初"
HALF_YEARS = r"上半年|下半年"
CLAUSE_BREAK = re.compile(r"[，,；;。？?！!]")
_ASKING = re.compile(r"多少|几|哪|什么|啥|谁|何|怎么|如何|吗|是否|是不是|有没有|"
                     r"\b(?:what|which|who|when|where|why|how|is|are|does|did|do)\b", re.I)
ORGANIZATION = re.compile(r"[\u4e00-\u9fff]{2,}(?:公司|集团|大学|学院|研究院|研究所|实验室|团队|银行|医院)")
# plans and targets against results: "计划到2030年…" does not answer "已经完成了多少"
ASKS_PLAN = re.compile(r"计划|目标|预计|规划|打算|将来|未来|力争|will|plan|target|expect|goal", re.I)
ASKS_RESULT = re.compile(r"已经|实际|完成了|达到了|建成了|现在|目前|现有|去年|so far|already|actual", re.I)
# a value per unit ("每亩", "平均工资", "单独投资", "each project"): a total does not answer it
PER_UNIT = re.compile(r"每|平均|人均|单独|单个|\b(?:each|per|average)\b", re.I)
# "计划" ending a clause names a programme ("持续实施高企倍增计划，…总数达153家"), not a plan,
# and "将" of the disposal construction ("将招商引资列为…之首", "将…作为…抓手") states a fact
STATES_PLAN = re.compile(r"将(?![^，,。；;]{0,24}(?:作为|列为|视为|当作|当成|推向|变为|变成|纳入))|"
                         r"计划(?![，,。；;、”）)\s]|$)|目标|力争|预计|有望|规划|到20\d\d年|争取")
_DETAIL_RE = {k: (re.compile(a, re.I), re.compile(b)) for k, (a, b) in DETAILS.items()}
KIND_RE = {k: re.compile(v, re.I) for k, v in KIND_CUES.items()}
# "多少家" / "几条" / "多少亿元": the unit the answer's number must carry
_ASKED_UNIT = re.compile(r"(?:多少|(?<!哪)几)(万|亿)?(个月|[个家项所名位条台套种款宗件块支张天年次亩吨元人辆"
                         r"架艘座栋间户份册篇度])")
_SAME_UNIT = {"个": "[个家项所名位条台套种款宗件块支张]", "名": "[名位人]", "位": "[名位人]",
              "人": "[名位人]"}
# "how many companies": the Chinese measure word a count of those things carries
_EN_UNITS = (("[名位人个]", {"people", "persons", "employees", "workers", "staff", "jobs",
                            "academicians", "experts", "doctors", "talents"}),
             ("[家个]", {"companies", "enterprises", "firms", "businesses"}),
             ("[个项]", {"projects"}), ("辆", {"vehicles", "cars"}), ("吨", {"tons", "tonnes"}))
_EN_COUNTED = re.compile(r"\bhow many\s+(?:[a-z-]+\s+){0,2}?(" + "|".join(
    sorted(n for _, nouns in _EN_UNITS for n in nouns)) + r")\b", re.I)
# words that frame a question rather than say what it is about
FRAME = re.compile(r"(?:多少|(?<!哪)几)(?:万|亿)?[个家项所名位条台套种款宗件块支张天年次亩吨元人]?|" + "|".join(sorted({c for v in KIND_CUES.values() for c in v.split("|")
                                      if len(c) >= 2 and _HAN.search(c) and not re.search(r"[\\\[\].?^$(){}]", c)
                                      and c not in MEASURES.split("|")},
                                     key=len, reverse=True)) + r"|是什么|什么|啥|咋|谁|来着|呢|吗|请问|"
                    # turns of a conversation: "换个问题：…", "另外问一下，…"
                    r"换个问题|换个话题|另外问一下|另外|顺便问一下|顺便问|再问一下|还想问|想问一下|问一下|"
                    # the article itself, named while asking about its content or its byline
                    r"(?:这|那|该|此)(?:篇|份|则)?(?:文章|报道|稿子|新闻)|文章|报道|稿子|文中|原文|"
                    # and its parts: a picture, its end
                    r"图片|配图|文末|篇末|文首")
ASPECT_SPLIT = re.compile(r"[？?；;]|(?:，|,)(?=(?:那|还有|另外|以及|并且|同时)?[^，,]{0,12}"
                           r"(?:多少|哪|什么|谁|几|为什么|如何|怎么|吗|是否))")


# which of two events came first: both dates answer it
_ORDER = re.compile(r"哪个(?:在前|先|更早|早)|谁(?:在前|先|更早)|先后|\bwhich (?:came|happened|was) "
                    r"(?:first|earlier)\b", re.I)


def answer_kinds(text: str) -> set[str]:
    """What ``text`` asks for; a question asking two dates ("什么时候入驻的？啥时候投产的？",
    "哪个在前") wants both, as "多久" does."""
    kinds = {k for k, pat in KIND_RE.items() if pat.search(text)}
    if len(KIND_RE["date"].findall(text)) >= 2 or _ORDER.search(text):
        kinds |= {"date", "duration"}
    return kinds


def asked_details(text: str) -> list[str]:
    """The details asked: a cue counts in a clause that asks something (holds a question word,
    or ends the question), not in a preamble ("对产值增幅达标的企业奖励，依据的是哪份文件")."""
    parts = [c for c in CLAUSE_BREAK.split(text) if c.strip()]
    asking = [c for n, c in enumerate(parts) if n == len(parts) - 1 or _ASKING.search(c)]
    return [k for k, (ask, _) in _DETAIL_RE.items() if any(ask.search(c) for c in asking)]


def shows_detail(detail: str, text: str) -> bool:
    if detail == "person":   # "谁" is answered by a person's or an organization's name
        return bool(person_names(text) or ORGANIZATION.search(text))
    if detail == "someone":
        return bool(person_names(text))
    return bool(_DETAIL_RE[detail][1].search(text))


def person_names(text: str) -> tuple[str, ...]:
    """People's names in ``text`` (jieba tags them "nr"). Memoized per tokenizer (never across
    tokenizers: another index's words tag otherwise): the same candidate sentences are read
    question after question, and tagging is jieba's slowest cut."""
    memo = _names_memo()
    names = memo.get(text)
    if names is None:
        names = memo[text] = tag_person_names(text)
    return names


def tag_person_names(text: str) -> tuple[str, ...]:
    """``person_names`` without the memo: jieba's tagging with the tokenizer in use."""
    return tuple(p.word for p in pos_cut(text) if p.flag == "nr" and len(p.word) >= 2
                 and not any(z in p.word for z in ZONE_SUFFIXES))


_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # tokenizer -> text -> names
_NAMES_LIMIT = 20_000   # texts per tokenizer


def remember_names(text: str, names: tuple[str, ...]) -> None:
    """Let ``person_names(text)`` give ``names`` with the tokenizer in use, without tagging:
    the names of a sentence, tagged when its index was built (``parkqa.sentence_facts``)."""
    _names_memo()[text] = names


def _names_memo() -> dict[str, tuple[str, ...]]:
    """The tokenizer in use's text -> names memo, emptied when it is full."""
    memo = _NAMES.setdefault(current(), {})
    if len(memo) >= _NAMES_LIMIT:
        memo.clear()
    return memo


def _starts_known_word(text: str, at: int, known) -> bool:
    """Whether a ``known`` word of two or more characters starts at ``at`` in ``text``
    (jieba)."""
    return any(a == at and b - a > 1 and known(w) for w, a, b in current().jieba.tokenize(text))


def asked_unit(text: str, known=lambda word: True) -> str:
    """Regex for the unit a number in the answer must carry ("多少家" -> "家"), or "".
    ``known(word)``: whether ``word`` is one the articles use (a noun they count, "项目";
    "多少天能培育好" has jieba's "天能", a word no article holds, so 天 is the unit)."""
    if "多少钱" in text:
        return "元"
    if _ASKS_AREA.search(text) and not _ASKED_UNIT.search(text):
        return AREA_UNIT
    m = _ASKED_UNIT.search(text)
    if m:
        unit = m.group(2)
        # "多少项目", "多少人才": a noun counted, in 个 or 名
        if _starts_known_word(text, m.start(2), known):
            return _SAME_UNIT.get(unit, _SAME_UNIT["个"])
        return (m.group(1) or "") + _SAME_UNIT.get(unit, unit)
    m = _EN_COUNTED.search(text)
    return next(unit for unit, nouns in _EN_UNITS if m.group(1).lower() in nouns) if m else ""


# an area asked ("总面积有多大", "how large is its area"): the answer's number is in an area unit,
# whatever word the article uses for the area itself ("…104.31平方公里热土")
AREA_UNIT = "(?:万)?(?:平方公里|平方千米|平方米|亩|公顷)"
_ASKS_AREA = re.compile(r"面积|占地|\barea\b", re.I)


# a group the question counts ("那6家企业", "28名院士", "另外四个"): its size before a measure word
# "10余名", "30多家": a rough count still counts a group
_GROUP = re.compile(r"(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*[余多来]?[个家名位款项大条种所座支类]")
_DIGIT = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def _small_number(text: str) -> int:
    """``text`` (digits, or Chinese numerals up to 九十九) as an int; 0 when it is neither."""
    if text.isdigit():
        return int(text)
    tens, ten, ones = text.partition("十")
    if ten:
        return _DIGIT.get(tens, 1 if not tens else 0) * 10 + _DIGIT.get(ones, 0)
    return _DIGIT.get(text, 0)


def group_size(text: str) -> int:
    """The largest group ``text`` counts (0 when none).

    >>> group_size("经开区那17家研究院所分别叫什么名字？"), group_size("另外四个是啥"), group_size("有哪些")
    (17, 4, 0)
    >>> group_size("那10余名招商专员都叫什么名字？")
    10
    """
    return max((_small_number(m.group(1)) for m in _GROUP.finditer(text)), default=0)
