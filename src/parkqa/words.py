"""A jieba tokenizer per index (``Words``): jieba's dictionary plus the names one index's
articles taught it, with the cuts and part-of-speech tags of each run of text remembered.
Which one cuts text at a given moment is ``tokens.using`` / ``tokens.current``.

Example::

    >>> from parkqa.words import Words
    >>> Words(["长治高新区"]).jieba.lcut("长治高新区入区企业")
    ['长治高新区', '入区', '企业']
"""
from __future__ import annotations

import logging
import re
import threading

import jieba

from . import jieba_dict

_LOCK = threading.RLock()   # base_pos() holds it while _base() takes it too
# jieba sets its logger to DEBUG when imported and logs loading its dictionary: not for users
jieba.setLogLevel(logging.WARNING)


class Words:
    """A jieba tokenizer of its own: jieba's dictionary plus one index's words (company and park
    names that must stay whole) and synonyms (groups of spellings of one name, the articles'
    spelling first). Each index has one, so re-indexing never changes how another index, or
    jieba's global tokenizer (which parkqa never touches), cuts text."""

    def __init__(self, words=(), synonyms=()) -> None:
        import jieba.posseg as posseg

        base = _base()
        self.jieba = _RunMemo()
        # a copy of the loaded dictionary: ~30 ms, where loading it again takes ~0.6 s
        self.jieba.FREQ, self.jieba.total = dict(base.FREQ), base.total
        self.jieba.initialized = True
        self.words = sorted({w for w in words if w})
        for w in self.words:
            self.jieba.add_word(w, freq=20000)
        self.pos = _POSTokenizer(self.jieba, posseg.dt.word_tag_tab)
        # ``tokenize``'s tokens of a text, by whether stopwords are dropped: a question is cut
        # whole, without its question words and by its parts, and the same texts recur
        self.tokens: tuple[dict, dict] = ({}, {})
        self.synonyms = [list(g) for g in synonyms if len(g) > 1]
        self._canonical = {v.lower(): g[0] for g in self.synonyms for v in g}
        # longest first: a full name holding a short one is one match, left as it is
        self._synonym = re.compile("|".join(
            re.escape(v) for v in sorted(self._canonical, key=len, reverse=True)),
            re.IGNORECASE) if self._canonical else None

    def canonical(self, text: str) -> str:
        """Every synonym in ``text`` written as the first of its group."""
        if self._synonym is None:
            return text
        return self._synonym.sub(lambda m: self._canonical[m.group(0).lower()], text)

    @property
    def frequencies(self) -> dict[str, int]:
        """word -> count in this tokenizer's dictionary (0 marks a mere prefix)."""
        return self.jieba.FREQ


def _base():
    """jieba's own dictionary, loaded once and only read (never taught a word)."""
    if getattr(_base, "tokenizer", None) is None:
        with _LOCK:
            if getattr(_base, "tokenizer", None) is None:
                tok = jieba.Tokenizer()
                tok.FREQ, tok.total = jieba_dict.load()   # what initialize() loads, faster
                tok.initialized = True
                _base.tokenizer = tok
    return _base.tokenizer


# Runs of Han text whose cut each tokenizer remembers (about 1 KiB each at most)
_RUNS = 20_000
_UNKNOWN: dict[str, tuple] = {}   # stretches of unknown characters -> their tagged words


def remembered(memo: dict, key: str, work):
    """``work(key)``, from ``memo`` when it was worked out before (at most ``_RUNS`` kept)."""
    value = memo.get(key)
    if value is None:
        if len(memo) >= _RUNS:
            memo.clear()
        value = memo[key] = work(key)
    return value


def _remembered(memo: dict, run: str, cut) -> tuple:
    """``cut(run)`` as a tuple, from ``memo`` when the run was cut before."""
    return remembered(memo, run, lambda r: tuple(cut(r)))


class _RunMemo(jieba.Tokenizer):
    """jieba's tokenizer, remembering the cut of each run of Han text. jieba cuts the runs
    between punctuation and spaces one by one, so a run is cut the same way wherever it stands,
    and runs repeat: a question is cut whole and without its question words, its clauses and
    the sentences it is read against recur question after question. Only jieba's private
    per-run cut is wrapped; the words it gives are jieba's own."""

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[str, tuple] = {}

    def add_word(self, *args, **kwargs) -> None:
        self._runs.clear()   # a new word may change how a run is cut
        super().add_word(*args, **kwargs)

    def _Tokenizer__cut_DAG(self, run):   # noqa: N802 - jieba's name-mangled per-run cut
        return iter(_remembered(self._runs, run, super()._Tokenizer__cut_DAG))


def base_pos():
    """jieba's part-of-speech tagger over its own dictionary (``_base``), made once."""
    if getattr(base_pos, "tagger", None) is None:
        import jieba.posseg as posseg

        with _LOCK:
            if getattr(base_pos, "tagger", None) is None:
                base_pos.tagger = _POSTokenizer(_base(), posseg.dt.word_tag_tab)
    return base_pos.tagger


def _POSTokenizer(tokenizer, tags):
    """jieba's part-of-speech tagger over ``tokenizer``, sharing jieba's tag table: POSTokenizer's
    own constructor re-reads the 5 MB dictionary file for it, and no word we add has a tag. Like
    ``_RunMemo`` it remembers the tagged words of each run of Han text (tagging an unknown run
    runs jieba's pure-Python Viterbi: the slowest cut of all)."""
    import jieba.posseg as posseg

    class Shared(posseg.POSTokenizer):
        def __init__(self) -> None:   # noqa: D107 - see above
            self.tokenizer, self.word_tag_tab = tokenizer, tags
            self._runs: dict[str, tuple] = {}

        def _POSTokenizer__cut_DAG(self, run):   # noqa: N802 - jieba's per-run tagging
            return iter(_remembered(self._runs, run, super()._POSTokenizer__cut_DAG))

        def _POSTokenizer__cut(self, chars):   # noqa: N802 - jieba's Viterbi over unknown chars
            # the same stretches of unknown characters ("家入") recur inside different runs;
            # jieba's HMM tables are its own, the same for every tokenizer
            return iter(_remembered(_UNKNOWN, chars, super()._POSTokenizer__cut))

    return Shared()


def general_frequency(word: str) -> int:
    """How common ``word`` is in general Chinese: jieba's own dictionary, without the words any
    index taught its tokenizer."""
    return _base().FREQ.get(word) or 0
