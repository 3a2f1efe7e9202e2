"""The question-answering pipeline, loaded once and shared: index + embedder + retriever +
answerer behind one ``ask()``.

Example::

    >>> import parkqa
    >>> qa = parkqa.load()                                      # doctest: +SKIP
    >>> qa.ask("长治经开区2025年规模以上工业增加值是多少？").answered  # doctest: +SKIP
    True
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

from . import faq, progress, tokens
from .answering import Answer, Answerer
from .config import Settings
from .conversation import resolve, without_carried_year
from .curated import Curated, CuratedError
from .embedding import Embedder, ready
from .index import (Index, IndexCorrupt, IndexMissing, IndexStale, IndexUnavailable,
                    check_manifest, load_index)
from .index_build import build_index
from .retrieval import Retriever
from .store import StoreError, open_store
from .tokens import using

log = logging.getLogger(__name__)

EMPTY_QUESTION = "请输入一个问题，例如：园区现在有多少家企业？"
TOO_LONG = "问题太长了（超过 {limit} 个字符），请精简后再问。"


# a terminal control sequence pasted with the text (ECMA-48 CSI, or ESC and one character)
_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")


def clean_question(question: object) -> str:
    """Make any input safe to process: str, no control characters or lone surrogates."""
    if question is None:
        return ""
    if not isinstance(question, str):
        question = str(question)
    question = question.encode("utf-8", "replace").decode("utf-8")
    question = _ESCAPE.sub(" ", question)   # "\x1b[2J" would leave "[2J" behind as a word
    question = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in question)
    return " ".join(question.split())


class Loaded(NamedTuple):
    """One index generation with the retriever and answerer over it: swapped as one."""
    index: Index
    retriever: Retriever
    answerer: Answerer
    source: str | None     # the generation id it was loaded from (parkqa.generations)


class ParkQA:
    """Loaded pipeline. Thread-safe for concurrent ``ask`` calls. Before each answer it checks
    which index generation is current and switches to a new one first, so every process that
    serves the same index answers from a new generation once it is published."""

    RETRY_SECONDS = 30.0   # a generation that failed to load is not tried again before this

    def __init__(self, settings: Settings, embedder: Embedder | None = None, *,
                 rebuild: bool = True) -> None:
        self.settings = settings
        self.embedder = embedder     # loaded after the index check, so a first start speaks first
        self._switching = threading.Lock()
        self._failed: dict[str, float] = {}   # generation -> when it may be tried again
        # answers computed at once: more than the cores only makes torch threads fight, so a
        # burst of users waits its turn instead (bench/results/load.md)
        self._slots = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
        self.curated = Curated(settings.curated_dir)
        self._faq: tuple[tuple, faq.FaqMatcher | None] = ((), None)
        self._faq_lock = threading.Lock()
        try:
            self._store = open_store(settings)     # where generations are published and read
        except StoreError as exc:
            raise IndexUnavailable(str(exc)) from exc
        self._pending = self._load_embedder_meanwhile()
        index, source = self._load_or_build(rebuild)
        self.embedder = self._embedder()
        self._loaded = self._prepare(index, source)
        tokens.set_default(index.tokenizer)

    def _load_embedder_meanwhile(self) -> Future | None:
        """Load the query encoder in a thread while the index loads, when it is ready on disk:
        SentencePiece and ONNX Runtime read their files without holding the GIL, so on two cores
        a cold ``parkqa ask`` overlaps them with jieba's dictionary. A first start (a model to
        prepare or export) keeps its order: the index is checked, and announced, first."""
        if self.embedder is not None or not ready(self.settings.model, self.settings.backend):
            return None
        import onnxruntime  # noqa: F401 - imported here, not by two threads at once
        import sentencepiece  # noqa: F401
        import tokenizers  # noqa: F401

        pool = ThreadPoolExecutor(1, thread_name_prefix="parkqa-encoder")
        pending = pool.submit(Embedder, self.settings.model, backend=self.settings.backend)
        pool.shutdown(wait=False)       # the thread ends when the encoder is loaded
        return pending

    def _embedder(self) -> Embedder:
        if self.embedder is None:
            pending, self._pending = self._pending, None
            self.embedder = pending.result() if pending else \
                Embedder(self.settings.model, backend=self.settings.backend)
        return self.embedder

    def _prepare(self, index: Index, source: str | None) -> Loaded:
        with using(index.tokenizer):
            retriever = Retriever(index, self.embedder)
            return Loaded(index, retriever, Answerer(index, retriever), source)

    def _source(self) -> str | None:
        return self._store.current_id()

    def _load_or_build(self, rebuild: bool) -> tuple[Index, str | None]:
        """The index and its generation id (read before loading: a generation published
        meanwhile is then noticed at the next question)."""
        try:
            source = self._source()
            return load_index(self.settings), source
        except (IndexMissing, IndexStale, IndexCorrupt) as exc:
            if not rebuild:
                raise
            where = self.settings.store or self.settings.index
            if isinstance(exc, IndexMissing):
                notice = "首次运行：正在建立索引，请稍候… / building the index for the first time"
            elif isinstance(exc, IndexStale):
                notice = f"文章或设置有变化，正在重建索引… / rebuilding the index: {exc}"
            else:
                notice = f"索引无法读取，正在重建… / rebuilding the index: {exc}"
            log.info("rebuilding %s: %s", where, exc)
            progress.say(notice)
            manifest = build_index(self.settings, self._embedder())
            progress.say(progress.index_summary(manifest, where))
            source = self._source()
            return load_index(self.settings), source

    def current(self) -> Loaded:
        """The loaded generation, after switching to a newer published one (one ``readlink``
        when nothing changed). A generation that cannot be used is logged and skipped: the
        one in use keeps answering."""
        loaded = self._loaded
        source = self._source()
        if source is None or source == loaded.source or \
                time.monotonic() < self._failed.get(source, 0.0):
            return loaded
        with self._switching:      # one load per process; others wait for it, then use it
            if self._loaded.source != source:
                self._switch(source)
            loaded = self._loaded
        tokens.set_default(loaded.index.tokenizer)
        return loaded

    def _switch(self, source: str) -> None:
        try:
            index = load_index(self.settings, check=False)
            reasons = check_manifest(index.manifest, self.settings, corpus=False)
            if reasons:
                raise IndexStale("; ".join(reasons))
        except (IndexUnavailable, OSError) as exc:
            log.error("index generation %s not used, still answering from %s: %s", source,
                      self._loaded.index.generation, exc)
            self._failed[source] = time.monotonic() + self.RETRY_SECONDS
            return
        self._loaded = self._prepare(index, source)
        log.info("switched to index generation %s", index.generation)

    @property
    def index(self) -> Index:
        return self.current().index

    @property
    def retriever(self) -> Retriever:
        return self.current().retriever

    @property
    def answerer(self) -> Answerer:
        return self.current().answerer

    def reindex(self, report=None) -> dict:
        """Rebuild the index from the articles, publish it, and switch to it."""
        manifest = build_index(self.settings, self.embedder, report=report)
        self.current()
        return manifest

    def ask(self, question: object, *, history: list[dict] | None = None,
            top_k: int | None = None) -> Answer:
        """Answer a question; never raises on odd input (it is answered politely instead).
        ``history`` (oldest first, ``{"question": …, "answer": …}``) resolves follow-ups such
        as "那经开区呢？"; the question actually answered is ``Answer.resolved_question``."""
        return self.ask_with_passages(question, history=history, top_k=top_k)[0]

    def resolve(self, question: object, history: list[dict] | None = None) -> str:
        """The standalone question behind a follow-up (the question itself when it stands alone)."""
        loaded = self.current()
        with using(loaded.index.tokenizer):
            return self._resolve(loaded.index, clean_question(question), history)

    def _resolve(self, index: Index, q: str, history: list[dict] | None) -> str:
        if not history or not q:
            return q
        return resolve(q, [{"question": clean_question(t.get("question")),
                            "answer": clean_question(t.get("answer"))} for t in history],
                       knowledge=index.knowledge, names=self._names(index))

    @staticmethod
    def _names(index) -> list[str]:
        """Names an answer can give that a pronoun may stand for: not the places."""
        places = set(index.knowledge.words())
        return [w for w in index.words if w and w not in places]

    def ask_with_passages(self, question: object, *, history: list[dict] | None = None,
                          top_k: int | None = None,
                          loaded: Loaded | None = None) -> tuple[Answer, list]:
        """``ask`` plus the ranked passages (``Hit``) it read, for evaluation and debugging;
        ``loaded``: the generation to answer from (default: the current one)."""
        q = clean_question(question)
        loaded = loaded or self.current()       # one generation for the whole answer
        with using(loaded.index.tokenizer):
            resolved = self._resolve(loaded.index, q, history)
            answer, hits = self._answer(loaded, q, resolved, top_k)
            # "那经开区呢？" after a question about 2024: the other place's figure for the year
            # the articles give it, when they give none for 2024
            relaxed = without_carried_year(resolved, q) \
                if not answer.answered and resolved != q else ""
            if relaxed:
                retry = self._answer(loaded, q, relaxed, top_k)
                if retry[0].answered:
                    (answer, hits), resolved = retry, relaxed
        answer.resolved_question = resolved
        return answer, hits

    def _answer(self, loaded: Loaded, q: str, resolved: str,
                top_k: int | None) -> tuple[Answer, list]:
        if not q or not any(ch.isalnum() for ch in q):
            return Answer(q, False, EMPTY_QUESTION), []
        limit = self.settings.max_question_chars
        if len(q) > limit:
            return Answer(q[:limit] + "…", False, TOO_LONG.format(limit=limit)), []
        with self._slots:
            matcher = self.faq_matcher(loaded)
            hit = matcher.match(faq.read(loaded, resolved)) if matcher else None
            if hit:
                answer, hits = faq.answer(hit, resolved, loaded.index), []
            else:
                answer, hits = loaded.answerer.answer(resolved, k=top_k or self.settings.top_k)
        answer.question = q
        return answer, hits

    def faq_matcher(self, loaded: Loaded) -> faq.FaqMatcher | None:
        """The curated answers read against ``loaded``'s index: read again when the FAQ file
        is replaced (one ``stat`` per question, so every worker sees an edit at once) or a new
        generation is in use; None without curated answers."""
        version = self.curated.faq_version()
        if version is None:
            return None
        key = (loaded.source, loaded.index.generation, version)
        if self._faq[0] == key:
            return self._faq[1]
        with self._faq_lock:
            if self._faq[0] != key:
                try:
                    entries = self.curated.faq()
                except CuratedError as exc:     # a hand-edited file gone wrong: answer anyway
                    log.error("curated answers not used: %s", exc)
                    entries = []
                with using(loaded.index.tokenizer):
                    self._faq = (key, faq.FaqMatcher(entries, loaded) if entries else None)
            return self._faq[1]

    def search(self, question: str, *, k: int = 5, mode: str = "hybrid"):
        return self.current().retriever.passages(clean_question(question), k=k, mode=mode)


def load(seeds: str | None = None, index: str | None = None, model: str | None = None,
         **settings) -> ParkQA:
    """Load the pipeline (building the index when it is missing or stale)."""
    return ParkQA(Settings(seeds=seeds, index=index, model=model, **settings))


__all__ = ["ParkQA", "load", "IndexUnavailable"]
