"""Load the search index and check it against the present state: FAISS vectors, BM25 over jieba
tokens, passages, sentences, articles and a manifest that says exactly what the index was built
from (``parkqa.index_build`` builds and publishes it).

A stale or mismatched index (other articles, editor's words or synonyms, model, chunking settings
or format) is detected by comparing the manifest with the present state, never silently used.
Each build is a generation in a folder of its own (``parkqa.generations``): a reader resolves the
current one once and reads every file from it, so it sees the old index or the new one, never a
mix. Each index has its own jieba tokenizer (``words.Words``) with its words and synonyms.

Example::

    >>> from parkqa.index import load_index
    >>> idx = load_index(settings)       # doctest: +SKIP  (IndexStale when the articles changed)
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import curated, sentence_facts
from .chunking import Passage, Sentence
from .config import Settings
from .corpus import Article, article_paths, file_sha256
from .knowledge import Knowledge
from .lexicon import Lexicon
from .metadata import ArticleMeta
from .scorer import AnswerModel, model_fingerprint
from .store import Generation, StoreError, open_store
from .terms import TermIndex
from .words import Words

log = logging.getLogger(__name__)

FORMAT_VERSION = 5   # 4: articles carry their metadata; 5: synonyms.json


class IndexUnavailable(RuntimeError):
    """The index is missing or unusable; the message says why and what to do."""


class IndexMissing(IndexUnavailable):
    pass


class IndexStale(IndexUnavailable):
    pass


class IndexCorrupt(IndexUnavailable):
    pass


@dataclass
class Index:
    """A loaded index: everything retrieval and answering need, in memory."""
    manifest: dict
    articles: dict[str, Article]
    sentences: list[Sentence]
    passages: list[Passage]
    passage_vectors: "object"   # faiss.Index over passage vectors
    sentence_vectors: np.ndarray
    passage_tokens: list[list[str]]
    sentence_tokens: list[list[str]]
    words: list[str]
    synonyms: list[list[str]]   # groups of names for one thing, the articles' spelling first
    knowledge: Knowledge
    lexicon: Lexicon
    answer_model: dict          # fitted answer scorer and refusal (see parkqa.scorer)
    tokenizer: Words            # jieba with this index's words, never the global one
    generation: str = ""        # the folder it was read from (see parkqa.generations)
    sentence_index: "object" = None   # faiss.Index over sentence vectors (sentences.faiss)
    sentence_facts: dict | None = None   # saved per-sentence facts (parkqa.sentence_facts)

    @cached_property
    def answer(self) -> AnswerModel:
        """The fitted answer model of ``answer_model``, built once (its trees' sessions too)."""
        return AnswerModel.from_dict(self.answer_model)

    @cached_property
    def terms(self) -> TermIndex:
        """Which sentences hold a term (substring of the lower-cased text), built once."""
        return TermIndex([s.text.lower() for s in self.sentences])

    @property
    def docs(self) -> list[str]:
        return sorted(self.articles)


# ------------------------------------------------------------------ helpers

def _faiss():
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover
        raise IndexUnavailable("install faiss-cpu: pip install faiss-cpu") from exc
    return faiss


def corpus_state(seeds: Path) -> dict[str, str]:
    """File name -> sha256 of every article file now in ``seeds``."""
    return {p.name: file_sha256(p) for p in article_paths(seeds)}


# ------------------------------------------------------------------ load

def check_manifest(manifest: dict, settings: Settings, *, corpus: bool = True) -> list[str]:
    """Reasons the index does not match the present articles and settings (empty: it does);
    ``corpus=False`` leaves out the articles (a generation just published by another process
    was built from the articles as they were then)."""
    reasons = []
    if manifest.get("format") != FORMAT_VERSION:
        reasons.append(f"index format {manifest.get('format')} != {FORMAT_VERSION}")
    if manifest.get("settings") != settings.index_fingerprint():
        reasons.append(f"settings changed: {manifest.get('settings')} -> "
                       f"{settings.index_fingerprint()}")
    if manifest.get("answer_model") != model_fingerprint():
        reasons.append("the packaged answer model changed (parkqa fit --save-default)")
    if not corpus:
        return reasons
    try:
        editor = curated.Curated(settings.curated_dir).lexicon().fingerprint()
    except curated.CuratedError as exc:
        editor = f"unreadable: {exc}"
    if manifest.get("curated_lexicon", "") != editor:
        reasons.append("the editor's words or synonyms changed")
    try:
        now = corpus_state(Path(settings.seeds))
    except Exception as exc:
        reasons.append(f"cannot read articles: {exc}")
        return reasons
    before = manifest.get("files", {})
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    changed = sorted(k for k in set(now) & set(before) if now[k] != before[k])
    for label, names in (("added", added), ("removed", removed), ("changed", changed)):
        if names:
            reasons.append(f"articles {label}: {', '.join(names)}")
    return reasons


def load_index(settings: Settings, *, check: bool = True) -> Index:
    """Load the current generation from the store (``PARKQA_STORE``; default the folder
    ``settings.index``). Raises IndexMissing, IndexStale or IndexCorrupt with a message that
    names the problem."""
    try:
        store = open_store(settings)
        gen = store.current()       # resolved once: every part comes from one generation
        where = f"{store.where} ({gen.name})"
        if not gen.exists("manifest.json"):
            raise IndexMissing(f"no index yet in {where} (it is built on first use, or by "
                               "`parkqa index`)")
    except StoreError as exc:
        raise IndexUnavailable(str(exc)) from exc
    try:
        manifest = json.loads(gen.read_text("manifest.json"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{where}: manifest.json is unreadable: {exc}") from exc
    if check:
        reasons = check_manifest(manifest, settings, corpus=store.checks_corpus())
        if reasons:
            raise IndexStale("index is stale: " + "; ".join(reasons))
    for name in store.required:
        if not gen.exists(name):
            raise IndexCorrupt(f"{where}: {name} is missing; run `parkqa index` to rebuild it")
    return _read_generation(gen, manifest, where)


def saved_ef_search(manifest: dict, *, sentences: bool = False) -> int | None:
    """The HNSW efSearch an index was saved with: the sentences' own, or the passages' (for
    passages, and for sentences of an index built before they had their own)."""
    key = "sentence_faiss_params" if sentences else "faiss_params"
    return manifest.get(key, manifest.get("faiss_params", {})).get("efSearch")


def _read_generation(gen: Generation, manifest: dict, where: str) -> Index:
    current = "articles.jsonl"
    try:
        articles = {}
        for row in gen.read_jsonl("articles.jsonl"):
            articles[row["doc"]] = Article(
                doc=row["doc"], raw=row["raw"], text=row["text"], offsets=row["offsets"],
                title=row["title"], park=row["park"], sha256=row["sha256"],
                paragraph_kinds=row["paragraph_kinds"], meta=ArticleMeta.from_dict(row["meta"]))
        current = "sentences.jsonl"
        s_rows = gen.read_jsonl("sentences.jsonl")
        sentences = [Sentence(**{k: v for k, v in r.items() if k != "tokens"}) for r in s_rows]
        for s in sentences:
            s.spans = [tuple(x) for x in s.spans]
        current = "passages.jsonl"
        p_rows = gen.read_jsonl("passages.jsonl")
        passages = [Passage(**{k: v for k, v in r.items() if k != "tokens"}) for r in p_rows]
        current = "passages.faiss"
        p_index = gen.read_vectors("passages.faiss")
        current = "sentences.faiss"
        s_index = gen.read_vectors("sentences.faiss")
        s_vecs = s_index.reconstruct_n(0, s_index.ntotal) if s_index.ntotal else np.zeros(
            (0, manifest["dimension"]), np.float32)
        current = "words.txt"
        words = gen.read_text("words.txt").split("\n")
        current = "synonyms.json"
        synonyms = json.loads(gen.read_text("synonyms.json"))["synonyms"]
        current = "knowledge.json"
        knowledge = Knowledge.from_dict(json.loads(gen.read_text("knowledge.json")))
        current = "lexicon.json"
        lexicon = Lexicon.from_dict(json.loads(gen.read_text("lexicon.json")))
        current = "answer_model.json"
        answer_model = json.loads(gen.read_text("answer_model.json"))
        current = sentence_facts.FILE   # optional: an index saved before it reads them afresh
        facts = json.loads(gen.read_text(current)) if gen.exists(current) else None
    except Exception as exc:
        raise IndexCorrupt(f"{where}: {current} is corrupt or unreadable ({exc}); "
                           "run `parkqa index` to rebuild it") from exc
    # the search effort the index was built and tuned for (an index built before sentences had
    # their own gives them the passages')
    for vectors, of_sentences in ((p_index, False), (s_index, True)):
        ef = saved_ef_search(manifest, sentences=of_sentences)
        if hasattr(vectors, "hnsw") and ef:
            vectors.hnsw.efSearch = int(ef)
    dim = manifest.get("dimension")
    if (p_index.ntotal != len(passages) or s_index.ntotal != len(sentences)
            or p_index.d != dim or s_index.d != dim or len(s_vecs) != len(sentences)):
        raise IndexCorrupt(f"{where}: vectors do not match passages/sentences or the "
                           "manifest's dimension; run `parkqa index` to rebuild it")
    if any(s.doc not in articles for s in sentences):
        raise IndexCorrupt(f"{where}: sentences refer to unknown articles")
    index = Index(manifest=manifest, articles=articles, sentences=sentences, passages=passages,
                 passage_vectors=p_index, sentence_vectors=np.asarray(s_vecs, np.float32),
                 passage_tokens=[r["tokens"] for r in p_rows],
                 sentence_tokens=[r["tokens"] for r in s_rows], words=words, synonyms=synonyms,
                 knowledge=knowledge, lexicon=lexicon, answer_model=answer_model,
                 tokenizer=Words(words, synonyms), generation=gen.name, sentence_index=s_index,
                 sentence_facts=facts)
    try:
        index.answer     # built once here: an unreadable model is a corrupt index, not a crash
    except Exception as exc:
        raise IndexCorrupt(f"{where}: answer_model.json is corrupt or unreadable ({exc}); "
                           "run `parkqa index` to rebuild it") from exc
    return index
