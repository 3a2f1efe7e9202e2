"""Build the search index and publish it as a new generation (``parkqa.generations``): FAISS
vectors, BM25 tokens, passages, sentences, articles, the index's words and synonyms, and a
manifest that says exactly what it was built from (``parkqa.index`` reads it back).

Vectors of unchanged texts are reused, so adding one article re-embeds only that article. The
words and synonyms an editor keeps (``parkqa.curated``) are added to the ones found in the
articles.

Example::

    >>> from parkqa.index_build import build_index
    >>> build_index(settings)["counts"]["articles"]       # doctest: +SKIP
    5
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from . import __version__, generations, progress, sentence_facts
from .chunking import Passage, Sentence, article_sentences, build_passages
from .config import Settings
from .curated import Curated
from .corpus import ARTICLE_SUFFIXES, article_paths, file_sha256, ignored_paths, load_corpus
from .index import FORMAT_VERSION, IndexUnavailable, _faiss
from .knowledge import Knowledge
from .lexicon import Lexicon
from .scorer import AnswerModel, default_model_path, model_fingerprint
from .store import open_store
from .tokens import corpus_names, plain_form, tokenize, using
from .words import Words

log = logging.getLogger(__name__)


def _text_key(model: str, text: str) -> str:
    return hashlib.sha1(f"{model}\0{text}".encode("utf-8")).hexdigest()


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


def vector_index(vectors: np.ndarray, *, exact_limit: int, ef_search: int = 0):
    """Exact inner-product search up to ``exact_limit`` vectors, HNSW beyond. Measured in
    bench/results/scale.md and ann_tune.md on 2 cores: exact search grows linearly (7 ms at
    10^4 vectors, 29 ms at 10^5, 470 ms at 10^6) while HNSW stays at a few ms; efSearch is
    chosen for recall@10 >= 0.95 against exact search at 10^6 (``HNSW_EF_SEARCH``, unless
    ``ef_search`` says otherwise)."""
    faiss = _faiss()
    n, dim = vectors.shape
    if n <= exact_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = ef_search or HNSW_EF_SEARCH
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


# efSearch 640: recall@10 0.967 against exact search at 10^6 passages, 4.0 ms p50 / 5.8 ms p95
# per query on 2 cores (bench/results/ann_tune.md); 128 found only 0.86
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 640
# sentences.faiss gives each question its 12 nearest sentences (features.CandidateFinder): up to
# 10^5 sentences, efSearch 256 finds 0.973 of exact search's 12 for the eval questions in 2 ms,
# where 640 took 5 of a 14 ms answer (bench/results/compose.md); larger ones keep 640
SENTENCE_EF_SEARCH, SENTENCE_EF_LIMIT = 256, 100_000


def sentence_ef_search(n: int) -> int:
    """The HNSW efSearch of a sentence index of ``n`` vectors."""
    return SENTENCE_EF_SEARCH if n <= SENTENCE_EF_LIMIT else HNSW_EF_SEARCH


def search_params(index) -> dict:
    """The approximate index's settings, as the manifest records them ({} for exact search)."""
    if not hasattr(index, "hnsw"):
        return {}
    return {"M": HNSW_M, "efConstruction": index.hnsw.efConstruction,
            "efSearch": index.hnsw.efSearch}


def order_synonyms(groups: list[list[str]], texts: list[str]) -> list[list[str]]:
    """Each group with the spelling the articles use most first (ties: the editor's order):
    questions are rewritten into it, so they meet the articles' own words. A spelling inside a
    longer one ("中科潞安" in its company's full name) counts for the longer one."""
    out = []
    for group in groups:
        spellings = list(dict.fromkeys(plain_form(v) for v in group))
        if len(spellings) < 2:
            continue
        found = re.compile("|".join(re.escape(v) for v in sorted(spellings, key=len,
                                                                  reverse=True)), re.IGNORECASE)
        counts = Counter(m.group(0).lower() for t in texts for m in found.finditer(plain_form(t)))
        out.append(sorted(spellings, key=lambda v: -counts[v.lower()]))
    return out


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
    editor = Curated(settings.curated_dir).lexicon()     # an editor's words add to these
    synonyms = order_synonyms(editor.synonyms, [a.text for a in articles])
    knowledge.add_synonyms(synonyms)
    for art in articles:
        art.park = knowledge.subject(art.text)
    words = sorted(set(corpus_names(a.text for a in articles)) | set(knowledge.words())
                   | {plain_form(w) for w in editor.words} | {v for g in synonyms for v in g})
    tokenizer = Words(words, synonyms)
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
        "curated_lexicon": editor.fingerprint(),
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
            manifest["faiss_params"] = search_params(p_index)
            faiss.write_index(p_index, str(tmp / "passages.faiss"))
            s_index = vector_index(s_vecs, exact_limit=settings.exact_search_limit,
                                   ef_search=sentence_ef_search(len(s_vecs)))
            manifest["sentence_faiss_params"] = search_params(s_index)
            faiss.write_index(s_index, str(tmp / "sentences.faiss"))
            live = set(keys)
            kept = [k for k in cache if k in live]
            np.savez(tmp / "vectors.npz", keys=np.array(kept),
                     vectors=np.stack([cache[k] for k in kept]))
            steps.next()
            (tmp / "words.txt").write_text("\n".join(words), encoding="utf-8")
            _write_json(tmp / "synonyms.json", {"synonyms": synonyms})
            _write_json(tmp / "knowledge.json", knowledge.to_dict())
            _write_json(tmp / sentence_facts.FILE, sentence_facts.build(
                {a.doc: a for a in articles}, sentences, tokenizer))
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

