"""Build, save and load the search index: FAISS vectors, BM25 over jieba tokens, passages,
sentences, articles and a manifest that says exactly what the index was built from.

A stale or mismatched index (other articles, model, chunking settings or format) is detected by
comparing the manifest with the present state, never silently used. Each build is a new
generation, written in a folder of its own and published with one atomic switch
(``parkqa.generations``), so a crash mid-build leaves the old index intact and a reader sees the
old index or the new one, never a mix. Vectors of unchanged texts are reused, so adding one
article re-embeds only that article. Each index has its own jieba tokenizer (``tokens.Words``).

Example::

    >>> from parkqa.index import build_index, load_index
    >>> build_index(settings)            # doctest: +SKIP
    >>> idx = load_index(settings)       # raises IndexStale when the articles changed
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import __version__, generations, progress
from .chunking import Passage, Sentence, article_sentences, build_passages
from .config import Settings
from .corpus import (ARTICLE_SUFFIXES, Article, article_paths, file_sha256, ignored_paths,
                     load_corpus)
from .knowledge import Knowledge
from .lexicon import Lexicon
from .metadata import ArticleMeta
from .scorer import AnswerModel, default_model_path, model_fingerprint
from .store import Generation, StoreError, open_store
from .tokens import Words, corpus_names, tokenize, using

log = logging.getLogger(__name__)

FORMAT_VERSION = 4   # 4: articles carry their metadata (title, source, date, byline)

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
    knowledge: Knowledge
    lexicon: Lexicon
    answer_model: dict          # fitted answer scorer and refusal (see parkqa.scorer)
    tokenizer: Words            # jieba with this index's words, never the global one
    generation: str = ""        # the folder it was read from (see parkqa.generations)

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


def _text_key(model: str, text: str) -> str:
    return hashlib.sha1(f"{model}\0{text}".encode("utf-8")).hexdigest()


def corpus_state(seeds: Path) -> dict[str, str]:
    """File name -> sha256 of every article file now in ``seeds``."""
    return {p.name: file_sha256(p) for p in article_paths(seeds)}


def _versions() -> dict:
    import importlib.metadata as md

    out = {"parkqa": __version__}
    for pkg in ("faiss-cpu", "sentence-transformers", "jieba", "bm25s"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[pkg] = md.version(pkg)
    return out


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _old_vectors(index_dir: Path) -> dict[str, np.ndarray]:
    try:
        data = np.load(index_dir / "vectors.npz")
        return dict(zip(data["keys"].tolist(), data["vectors"]))
    except Exception:  # no cache or unreadable cache: embed everything
        return {}


def vector_index(vectors: np.ndarray, *, exact_limit: int):
    """Exact inner-product search up to ``exact_limit`` vectors, HNSW beyond. Measured in
    bench/results/scale.md on 2 cores: exact search grows linearly (7 ms at 10^4 vectors, 29 ms
    at 10^5, 470 ms at 10^6) while HNSW stays at 1-2 ms; its recall@10 against exact is 0.99 at
    10^4, 0.96 at 10^5 and 0.84 at 10^6 with efSearch 128, so a corpus near 10^6 passages
    wants a larger efSearch."""
    faiss = _faiss()
    n, dim = vectors.shape
    if n <= exact_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 128


# ------------------------------------------------------------------ build

Report = Callable[[str, int, int], None]    # (stage, done, total): progress for a web page


def build_index(settings: Settings, embedder=None, *, report: Report | None = None) -> dict:
    """Build the index for ``settings.seeds`` and publish it as the current generation of
    ``settings.index``; return the manifest. ``report`` is called with each stage's progress:
    "reading", "embedding" (texts), "saving", "published"."""
    from .embedding import Embedder, encode_with_progress

    report = report or (lambda stage, done, total: None)
    report("reading", 0, 0)

    started = time.perf_counter()
    seeds, index_dir = Path(settings.seeds), Path(settings.index)
    articles, errors = load_corpus(seeds)
    if not articles:
        detail = "; ".join(errors) if errors else f"no {' '.join(ARTICLE_SUFFIXES)} files"
        raise IndexUnavailable(f"no usable articles in {seeds}: {detail}")
    embedder = embedder or Embedder(settings.model)

    # what the articles are about is found in them, never written in code
    knowledge = Knowledge.from_texts(a.text for a in articles)
    for art in articles:
        art.park = knowledge.subject(art.text)
    words = sorted(set(corpus_names(a.text for a in articles)) | set(knowledge.words()))
    tokenizer = Words(words)
    sentences: list[Sentence] = []
    passages: list[Passage] = []
    for art in progress.bar(articles, desc="读取文章 / reading articles", unit="article"):
        sents = article_sentences(art, first_id=len(sentences), knowledge=knowledge)
        passages += build_passages(sents, target_chars=settings.passage_chars,
                                   overlap=settings.passage_overlap, first_id=len(passages))
        sentences += sents

    texts = [p.text for p in passages] + [s.text for s in sentences]
    cache = _old_vectors(index_dir)
    keys = [_text_key(embedder.name, t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
    report("embedding", 0, len(missing))
    if missing:
        fresh = encode_with_progress(embedder, [t for _, t in missing],
                                     on_progress=lambda done: report("embedding", done,
                                                                     len(missing)))
        cache.update({k: v for (k, _), v in zip(missing, fresh)})
    vectors = np.stack([cache[k] for k in keys]).astype(np.float32)
    p_vecs, s_vecs = vectors[: len(passages)], vectors[len(passages):]

    manifest = {
        "format": FORMAT_VERSION,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": embedder.name,
        "dimension": int(vectors.shape[1]),
        "settings": settings.index_fingerprint(),
        "corpus": {a.doc: a.sha256 for a in articles},
        "files": {p.name: file_sha256(p) for p in article_paths(seeds)},
        "skipped": errors,
        "ignored": [p.name for p in ignored_paths(seeds)],   # not an article format
        "counts": {"articles": len(articles), "passages": len(passages),
                   "sentences": len(sentences), "embedded": len(missing),
                   "reused": len(texts) - len(missing)},
        "faiss_index": None,        # filled in below: chosen by size
        "versions": _versions(),
        "answer_model": model_fingerprint(),
        "build_seconds": 0.0,
    }

    report("saving", 0, 0)
    with generations.build_lock(index_dir):
        tmp = generations.new_build_folder(index_dir)
        steps = progress.Stages(["分词 tokens", "向量 vectors", "词典 lexicon", "保存 saving"],
                                desc="建立索引 / building the index")
        try:
            faiss = _faiss()
            _write_jsonl(tmp / "articles.jsonl", (
                {"doc": a.doc, "title": a.title, "park": a.park, "sha256": a.sha256,
                 "raw": a.raw, "text": a.text, "offsets": a.offsets,
                 "paragraph_kinds": a.paragraph_kinds, "meta": a.meta.to_dict()}
                for a in articles))
            # a passage is whole sentences, and no token crosses a sentence end: tokenize once
            s_tokens = [tokenize(x.text, words=tokenizer) for x in sentences]
            _write_jsonl(tmp / "sentences.jsonl", (
                dict(asdict(x), tokens=t) for x, t in zip(sentences, s_tokens)))
            _write_jsonl(tmp / "passages.jsonl", (
                dict(p.to_dict(), tokens=[t for i in p.sentence_ids for t in s_tokens[i]])
                for p in passages))
            steps.next()
            p_index = vector_index(p_vecs, exact_limit=settings.exact_search_limit)
            manifest["faiss_index"] = type(p_index).__name__
            faiss.write_index(p_index, str(tmp / "passages.faiss"))
            faiss.write_index(vector_index(s_vecs, exact_limit=settings.exact_search_limit),
                              str(tmp / "sentences.faiss"))
            live = set(keys)
            kept = [k for k in cache if k in live]
            np.savez(tmp / "vectors.npz", keys=np.array(kept),
                     vectors=np.stack([cache[k] for k in kept]))
            steps.next()
            (tmp / "words.txt").write_text("\n".join(words), encoding="utf-8")
            _write_json(tmp / "knowledge.json", knowledge.to_dict())
            vocabulary = set(words) | {t for ts in s_tokens for t in ts}
            with using(tokenizer):
                _write_json(tmp / "lexicon.json", Lexicon.build(vocabulary).to_dict())
            steps.next()
            AnswerModel.load(default_model_path()).save(tmp / "answer_model.json")
            manifest["build_seconds"] = round(time.perf_counter() - started, 2)
            (tmp / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            open_store(settings).publish(tmp)
            steps.next()
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            steps.close()
    report("published", 1, 1)
    log.info("index built in %.1fs: %s", manifest["build_seconds"], manifest["counts"])
    return manifest


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
        current = "knowledge.json"
        knowledge = Knowledge.from_dict(json.loads(gen.read_text("knowledge.json")))
        current = "lexicon.json"
        lexicon = Lexicon.from_dict(json.loads(gen.read_text("lexicon.json")))
        current = "answer_model.json"
        answer_model = json.loads(gen.read_text("answer_model.json"))
    except Exception as exc:
        raise IndexCorrupt(f"{where}: {current} is corrupt or unreadable ({exc}); "
                           "run `parkqa index` to rebuild it") from exc
    dim = manifest.get("dimension")
    if (p_index.ntotal != len(passages) or s_index.ntotal != len(sentences)
            or p_index.d != dim or s_index.d != dim or len(s_vecs) != len(sentences)):
        raise IndexCorrupt(f"{where}: vectors do not match passages/sentences or the "
                           "manifest's dimension; run `parkqa index` to rebuild it")
    if any(s.doc not in articles for s in sentences):
        raise IndexCorrupt(f"{where}: sentences refer to unknown articles")
    return Index(manifest=manifest, articles=articles, sentences=sentences, passages=passages,
                 passage_vectors=p_index, sentence_vectors=np.asarray(s_vecs, np.float32),
                 passage_tokens=[r["tokens"] for r in p_rows],
                 sentence_tokens=[r["tokens"] for r in s_rows], words=words,
                 knowledge=knowledge, lexicon=lexicon, answer_model=answer_model,
                 tokenizer=Words(words), generation=gen.name)
