"""Jieba tokens for BM25 and term matching, cut by the tokenizer of the index in use (``using``,
``current``: a ``words.Words`` that knows the corpus's own names), and the names worth keeping
whole that an index teaches its tokenizer (``corpus_names``).

Example::

    >>> from parkqa.tokens import tokenize
    >>> from parkqa.words import Words
    >>> tokenize("长治高新区现在有多少家入区企业？", words=Words(["长治高新区"]))
    ['长治', '高新', '新区', '高新区', '长治高新区', '家入', '区', '企业']
"""
from __future__ import annotations

import contextlib
import contextvars
import re
import threading
import unicodedata

from .knowledge import short_form
from .words import Words, base_pos, remembered

_LOCK = threading.Lock()   # current() makes the default tokenizer once
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")

# English names of zone types, written the Chinese way so the rest of the pipeline sees one form;
# which city a name such as "Changzhi" is, the index's lexicon finds by pinyin.
ENGLISH_ZONE_TYPES = [
    (r"(?i)(national\s+)?(hi|high)[\s-]*tech(nology)?\s+(industrial\s+)?(development\s+)?"
     r"(zone|park)", "高新区"),
    (r"(?i)economic(\s+and\s+technolog(ical|y))?\s+development\s+(zone|area)|\betdz\b|\bedz\b",
     "经开区"),
]

STOPWORDS = set("""
的 了 是 在 和 与 及 或 有 也 都 就 还 又 被 把 让 给 对 为 从 到 向 以 于 等 其 这 那 该 此 之 而 并 中 上 下 里 个 些
什么 哪些 哪个 哪家 哪里 哪儿 多少 几 几个 几家 怎么 怎样 如何 为什么 为何 是否 是不是 吗 呢 吧 啊 呀 请问 请 告诉 我 我们
你 你们 他们 它 它们 现在 目前 一下 知道 想 问 能 可以 会 要 多 情况 方面 具体 主要 一些 有没有 有哪些 多大 多高 哪 个
家 那么 那 呢 大概 包括 包含 涵盖 分别 哪一年 一年 哪 哪儿 多久 是多少 有多少
what is are was were the a an of in on at to for and or by with from how many much does do did which who
when where why it its there this that as be been has have had about into than
 大约 一共 总共 共 介绍 说说 讲讲 关于 相关 经过 一个 哪一年 哪年 何时 什么时候 时候 时间
""".split())


# Short forms officials use that the articles spell out.
ABBREVIATIONS = [("规上", "规模以上"), ("高企", "高新技术企业")]


def normalize(text: str, words: Words | None = None) -> str:
    """NFKC (full-width letters and digits to ASCII), short forms spelled out, zone types in
    their usual short form (高新技术产业开发区 -> 高新区, "high-tech zone" -> 高新区), and each
    of the index's synonyms in the spelling its articles use (``words``: the tokenizer whose
    synonyms apply; default the one in use)."""
    return (words or current()).canonical(plain_form(text))


def plain_form(text: str) -> str:
    """``normalize`` without any index's synonyms."""
    text = unicodedata.normalize("NFKC", text)
    for short, full in ABBREVIATIONS:
        text = re.sub(f"{short}(?!{full[len(short):len(short) + 1]})", full, text)
    for pattern, repl in ENGLISH_ZONE_TYPES:
        text = re.sub(pattern, repl, text)
    return short_form(text)


# The tokenizer in use: set by the pipeline around each answer (``using``), so a question read
# while a new index is swapped in is cut by its own index's tokenizer from start to end.
_current: contextvars.ContextVar[Words | None] = contextvars.ContextVar("parkqa_words",
                                                                       default=None)
_default: list[Words] = []    # for code that runs outside ``using`` (see ``set_default``)


@contextlib.contextmanager
def using(words: Words):
    """Cut text with ``words`` inside the block (in this thread or task)."""
    token = _current.set(words)
    try:
        yield words
    finally:
        _current.reset(token)


def set_default(words: Words) -> None:
    """The tokenizer outside any ``using`` block: the pipeline's current index, for scripts that
    call its answerer directly (``parkqa fit``)."""
    _default[:] = [words]


def current() -> Words:
    words = _current.get()
    if words is None:
        if not _default:
            with _LOCK:
                if not _default:
                    _default.append(Words())
        words = _default[0]
    return words


def tokenize(text: str, *, drop_stopwords: bool = True, words: Words | None = None) -> list[str]:
    """jieba search-mode tokens, lower-cased; tokens with no letter, digit or Han character
    (punctuation, spaces, a lone "？") are dropped because they match by accident. ``words``:
    the tokenizer to use (default: the one in use, see ``using``)."""
    words = words or current()
    memo = words.tokens[bool(drop_stopwords)]
    return list(remembered(memo, text, lambda t: _tokens(t, drop_stopwords, words)))


def _tokens(text: str, drop_stopwords: bool, words: Words) -> tuple[str, ...]:
    out = []
    for tok in words.jieba.lcut_for_search(normalize(text, words)):
        tok = tok.strip().lower()
        if not tok or not _WORD.search(tok):
            continue
        if drop_stopwords and tok in STOPWORDS:
            continue
        out.append(tok)
    return tuple(out)


def pos_cut(text: str):
    """jieba's (word, part-of-speech) pairs for ``text`` with the tokenizer in use."""
    return current().pos.lcut(text)


_NAME = re.compile(
    r"[\u4e00-\u9fff（）()A-Za-z0-9]{2,24}?(股份有限公司|有限责任公司|有限公司|集团|研究院|实验室|"
    r"产业园|工业园|物流园|产业基地|专业镇|示范区)")
_QUOTED = re.compile(r"“([\u4e00-\u9fffA-Za-z0-9]{2,8})”")


# jieba's tags for the words a name does not hold: verbs, pronouns and particles ("这片涵盖科技
# 工业园", "新材料板块推动中德集团"); a verb of one character may be part of a name jieba does
# not know (日盛达)
_NOT_IN_NAME = ("v", "r", "u")


def _after_last_clause_word(phrase: str, suffix: str) -> str:
    """What follows the last verb, pronoun or particle of ``phrase`` that leaves a name
    before ``suffix`` (the name-like match starts wherever Han text starts, so it may open with
    the clause before the name; "山西成功汽车制造有限公司" keeps its 制造)."""
    words = base_pos().lcut(phrase)   # jieba's own words: an index's names may hold the junk
    at, best = 0, 0
    for w in words[:-1]:
        at += len(w.word)
        if w.flag.startswith(_NOT_IN_NAME) \
                and (len(w.word) > 1 or not w.flag.startswith("v")) \
                and len(phrase) - at - len(suffix) >= 2:
            best = at
    return phrase[best:]


def corpus_names(texts) -> list[str]:
    """Names worth keeping whole: company, lab and park names, and short quoted terms."""
    names: set[str] = set()
    for text in texts:
        for m in _NAME.finditer(text):
            # the match starts wherever Han text starts: what follows the last function
            # character, then the last clause word, is the name
            name = re.split(r"[在由与和及是的为让对以从将把]", m.group(0))[-1]
            name = _after_last_clause_word(name, m.group(1))
            if 4 <= len(name) <= 16:
                names.add(name)
        names.update(_QUOTED.findall(text))
    return sorted(names)


def nouns(text: str) -> list[str]:
    """Nouns, names and Latin words of two or more characters (jieba part-of-speech tags)."""
    out = []
    for pair in pos_cut(normalize(text)):
        word, flag = pair.word.strip(), pair.flag
        if len(word) >= 2 and (flag.startswith("n") or flag in ("eng", "j", "nz")) \
                and word.lower() not in STOPWORDS:
            out.append(word.lower())
    return out
