"""Jieba tokens for BM25 and term matching, taught the corpus's own names.

Example::

    >>> from parkqa.tokens import tokenize
    >>> tokenize("长治高新区现在有多少家入区企业？")
    ['长治', '高新', '高新区', '长治高新区', '现在', '多少', '入区', '企业']
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata

from .knowledge import short_form

_LOCK = threading.Lock()
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
_added: set[str] = set()
_general: dict[str, int] = {}   # jieba's own frequency of each word we taught it

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


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), short forms spelled out, zone types in
    their usual short form (高新技术产业开发区 -> 高新区, "high-tech zone" -> 高新区)."""
    text = unicodedata.normalize("NFKC", text)
    for short, full in ABBREVIATIONS:
        text = re.sub(f"{short}(?!{full[len(short):len(short) + 1]})", full, text)
    for pattern, repl in ENGLISH_ZONE_TYPES:
        text = re.sub(pattern, repl, text)
    return short_form(text)


def add_words(words) -> None:
    """Teach jieba words that must stay whole (company and park names)."""
    jieba = _jieba()
    with _LOCK:
        for w in words:
            if w and w not in _added:
                _general.setdefault(w, jieba.dt.FREQ.get(w) or 0)
                jieba.add_word(w, freq=20000)
                _added.add(w)


def _jieba():
    import jieba

    if not getattr(_jieba, "ready", False):
        with _LOCK:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba.ready = True
    return jieba


def general_frequency(word: str) -> int:
    """How common ``word`` is in general Chinese: jieba's own dictionary, as it was before the
    articles' words were taught to it."""
    jieba = _jieba()
    return _general[word] if word in _general else jieba.dt.FREQ.get(word) or 0


def tokenize(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """jieba search-mode tokens, lower-cased; tokens with no letter, digit or Han character
    (punctuation, spaces, a lone "？") are dropped because they match by accident."""
    jieba = _jieba()
    out = []
    for tok in jieba.lcut_for_search(normalize(text)):
        tok = tok.strip().lower()
        if not tok or not _WORD.search(tok):
            continue
        if drop_stopwords and tok in STOPWORDS:
            continue
        out.append(tok)
    return out


_NAME = re.compile(
    r"[\u4e00-\u9fff（）()A-Za-z0-9]{2,24}?(?:股份有限公司|有限责任公司|有限公司|集团|研究院|实验室|"
    r"产业园|工业园|物流园|产业基地|专业镇|示范区)")
_QUOTED = re.compile(r"“([\u4e00-\u9fffA-Za-z0-9]{2,8})”")


def corpus_names(texts) -> list[str]:
    """Names worth keeping whole: company, lab and park names, and short quoted terms."""
    names: set[str] = set()
    for text in texts:
        for m in _NAME.finditer(text):
            # the match starts wherever Han text starts; keep what follows the last function word
            name = re.split(r"[在由与和及是的为让对以从将把]", m.group(0))[-1]
            if 4 <= len(name) <= 16:
                names.add(name)
        names.update(_QUOTED.findall(text))
    return sorted(names)


def nouns(text: str) -> list[str]:
    """Nouns, names and Latin words of two or more characters (jieba part-of-speech tags)."""
    import jieba.posseg as posseg

    _jieba()
    out = []
    for pair in posseg.lcut(normalize(text)):
        word, flag = pair.word.strip(), pair.flag
        if len(word) >= 2 and (flag.startswith("n") or flag in ("eng", "j", "nz")) \
                and word.lower() not in STOPWORDS:
            out.append(word.lower())
    return out
