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
import threading
import unicodedata

from . import progress
from .answering import Answer, Answerer
from .config import Settings
from .conversation import resolve
from .embedding import Embedder
from .index import IndexMissing, IndexStale, IndexUnavailable, IndexCorrupt, build_index, load_index
from .retrieval import Retriever

log = logging.getLogger(__name__)

EMPTY_QUESTION = "请输入一个问题，例如：高新区现在有多少家入区企业？"
TOO_LONG = "问题太长了（超过 {limit} 个字符），请精简后再问。"


def clean_question(question: object) -> str:
    """Make any input safe to process: str, no control characters or lone surrogates."""
    if question is None:
        return ""
    if not isinstance(question, str):
        question = str(question)
    question = question.encode("utf-8", "replace").decode("utf-8")
    question = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in question)
    return " ".join(question.split())


class ParkQA:
    """Loaded pipeline. Thread-safe for concurrent ``ask`` calls."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, *,
                 rebuild: bool = True) -> None:
        self.settings = settings
        self.embedder = embedder     # loaded after the index check, so a first start speaks first
        self._lock = threading.Lock()
        # answers computed at once: more than the cores only makes torch threads fight, so a
        # burst of users waits its turn instead (bench/results/load.md)
        self._slots = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
        self.index = self._load_or_build(rebuild)
        self.embedder = self.embedder or Embedder(settings.model, backend=settings.backend)
        self.retriever = Retriever(self.index, self.embedder)
        self.answerer = Answerer(self.index, self.retriever)

    def _load_or_build(self, rebuild: bool):
        try:
            return load_index(self.settings)
        except (IndexMissing, IndexStale, IndexCorrupt) as exc:
            if not rebuild:
                raise
            where = self.settings.index
            if isinstance(exc, IndexMissing):
                notice = "首次运行：正在建立索引，请稍候… / building the index for the first time"
            elif isinstance(exc, IndexStale):
                notice = f"文章或设置有变化，正在重建索引… / rebuilding the index: {exc}"
            else:
                notice = f"索引无法读取，正在重建… / rebuilding the index: {exc}"
            log.info("rebuilding %s: %s", where, exc)
            progress.say(notice)
            self.embedder = self.embedder or Embedder(self.settings.model,
                                                        backend=self.settings.backend)
            manifest = build_index(self.settings, self.embedder)
            progress.say(progress.index_summary(manifest, where))
            return load_index(self.settings)

    def reindex(self) -> dict:
        """Rebuild the index from the articles and switch to it once complete."""
        manifest = build_index(self.settings, self.embedder)
        index = load_index(self.settings)
        retriever = Retriever(index, self.embedder)
        answerer = Answerer(index, retriever)
        with self._lock:  # readers see either the old trio or the new one, never a mix
            self.index, self.retriever, self.answerer = index, retriever, answerer
        return manifest

    def ask(self, question: object, *, history: list[dict] | None = None,
            top_k: int | None = None) -> Answer:
        """Answer a question; never raises on odd input (it is answered politely instead).
        ``history`` (oldest first, ``{"question": …, "answer": …}``) resolves follow-ups such
        as "那经开区呢？"; the question actually answered is ``Answer.resolved_question``."""
        return self.ask_with_passages(question, history=history, top_k=top_k)[0]

    def resolve(self, question: object, history: list[dict] | None = None) -> str:
        """The standalone question behind a follow-up (the question itself when it stands alone)."""
        q = clean_question(question)
        if not history or not q:
            return q
        with self._lock:
            index = self.index
        return resolve(q, [{"question": clean_question(t.get("question")),
                            "answer": clean_question(t.get("answer"))} for t in history],
                       knowledge=index.knowledge, names=self._names(index))

    @staticmethod
    def _names(index) -> list[str]:
        """Names an answer can give that a pronoun may stand for: not the places."""
        places = set(index.knowledge.words())
        return [w for w in index.words if w and w not in places]

    def ask_with_passages(self, question: object, *, history: list[dict] | None = None,
                          top_k: int | None = None) -> tuple[Answer, list]:
        """``ask`` plus the ranked passages (``Hit``) it read, for evaluation and debugging."""
        q = clean_question(question)
        resolved = self.resolve(q, history)
        answer, hits = self._answer(q, resolved, top_k)
        answer.resolved_question = resolved
        return answer, hits

    def _answer(self, q: str, resolved: str, top_k: int | None) -> tuple[Answer, list]:
        if not q or not any(ch.isalnum() for ch in q):
            return Answer(q, False, EMPTY_QUESTION), []
        limit = self.settings.max_question_chars
        if len(q) > limit:
            return Answer(q[:limit] + "…", False, TOO_LONG.format(limit=limit)), []
        with self._lock:
            answerer = self.answerer
        with self._slots:
            answer, hits = answerer.answer(resolved, k=top_k or self.settings.top_k)
        answer.question = q
        return answer, hits

    def search(self, question: str, *, k: int = 5, mode: str = "hybrid"):
        with self._lock:
            retriever = self.retriever
        return retriever.passages(clean_question(question), k=k, mode=mode)


def load(seeds: str | None = None, index: str | None = None, model: str | None = None,
         **settings) -> ParkQA:
    """Load the pipeline (building the index when it is missing or stale)."""
    s = Settings.from_env(seeds=seeds, index=index, model=model, **settings)
    return ParkQA(s)


__all__ = ["ParkQA", "load", "IndexUnavailable"]
