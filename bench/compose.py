"""How the cost of composing an answer grows with the corpus: question reading, candidate
sentences, features, scoring and composing (everything ``Answerer.answer`` does but the query
embedding and the passage search), at 10^4, 10^5 and 10^6 sentences.

The corpora are derived cheaply from the real index: its articles copied under new names until
there are N sentences (texts, tokens and layout are real, so term statistics and BM25 postings
grow as a real corpus's would), with the vectors of bench/scale.py (random mixes of two real
vectors plus noise). Sentence search is what the product builds at that size: exact up to
``PARKQA_EXACT_SEARCH_LIMIT`` (20,000), HNSW with the product's settings above it; an HNSW at
10^6 takes ~14 minutes on 2 cores and is read from ``--cache`` when bench/ann_tune.py built it
there. Queries are the eval questions, embedded once beforehand.

    .venv/bin/python bench/compose.py [--sizes 10000 100000 1000000] [--cache /tmp/parkqa_ann]
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import time
import tracemalloc
from pathlib import Path

import numpy as np

from common import median, ms, pct, write_result
from scale import synth_vectors


class Vectors:
    """An embedder that only looks up the question vectors computed beforehand."""

    def __init__(self, table: dict[str, np.ndarray]) -> None:
        self.table = table

    def encode_queries(self, texts):
        return np.stack([self.table[t] for t in texts])


def grown_index(idx, n: int, base: np.ndarray, cache: Path):
    """The real index's articles copied until it holds ``n`` sentences."""
    import faiss

    from parkqa.index_build import vector_index

    per_copy, copies = len(idx.sentences), -(-n // len(idx.sentences))
    articles, sentences, passages, s_tokens, p_tokens = {}, [], [], [], []
    for c in range(copies):
        name = {d: f"{c:06d}_{d}" for d in idx.articles}
        for d, a in idx.articles.items():
            articles[name[d]] = dataclasses.replace(a, doc=name[d])
        off = c * per_copy
        for s, toks in zip(idx.sentences, idx.sentence_tokens):
            if off + s.id < n:
                sentences.append(dataclasses.replace(s, id=off + s.id, doc=name[s.doc]))
                s_tokens.append(toks)
        for p, toks in zip(idx.passages, idx.passage_tokens):
            ids = [off + i for i in p.sentence_ids]
            if ids and ids[-1] < n:
                passages.append(dataclasses.replace(p, id=len(passages), doc=name[p.doc],
                                                    sentence_ids=ids))
                p_tokens.append(toks)
    rng = np.random.default_rng(7)
    s_vecs = synth_vectors(base, n, rng)   # the same vectors as bench/ann_tune.py at this n
    from parkqa.index_build import HNSW_EF_CONSTRUCTION, HNSW_M, sentence_ef_search

    cached = cache / f"hnsw_{n}_{HNSW_M}_{HNSW_EF_CONSTRUCTION}.faiss"
    if n > 20_000 and cached.exists():
        s_index = faiss.read_index(str(cached))
        s_index.hnsw.efSearch = sentence_ef_search(n)   # as a loaded index gets it
    else:
        t = time.perf_counter()
        s_index = vector_index(s_vecs, exact_limit=20_000, ef_search=sentence_ef_search(n))
        if n > 20_000:
            faiss.write_index(s_index, str(cached))
            print(f"built sentence HNSW at {n:,} in {time.perf_counter() - t:.0f} s", flush=True)
    p_index = faiss.IndexFlatIP(base.shape[1])   # passage search is not timed here
    p_index.add(synth_vectors(base, len(passages), rng))
    grown = dataclasses.replace(idx, articles=articles, sentences=sentences, passages=passages,
                                passage_vectors=p_index, sentence_vectors=s_vecs,
                                passage_tokens=p_tokens, sentence_tokens=s_tokens,
                                sentence_index=s_index)
    if getattr(idx, "sentence_facts", None):   # as the build saves them for its sentences
        grown = dataclasses.replace(grown, sentence_facts=tiled_facts(idx.sentence_facts,
                                                                      per_copy, n))
    return grown, s_index


def tiled_facts(saved: dict, per_copy: int, n: int) -> dict:
    """The saved sentence facts of the copies: each copy's sentences read as the original's
    (same text, paragraph and sentence before)."""
    out = dict(saved, flags=[saved["flags"][i % per_copy] for i in range(n)])
    for key in ("years", "near", "names"):
        rows = [(int(k), v) for k, v in saved[key].items()]
        out[key] = {str(off + k): v for off in range(0, n, per_copy) for k, v in rows
                    if off + k < n}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/parkqa_ann"))
    args = parser.parse_args()
    import parkqa   # first: it sets FAISS's OpenMP wait policy, read when FAISS is loaded
    import faiss
    from parkqa.answering import Answerer
    from parkqa.evaluation import load_qa
    from parkqa.question import QuestionReader
    from parkqa.retrieval import Retriever
    from parkqa.tokens import normalize

    args.cache.mkdir(parents=True, exist_ok=True)
    qa = parkqa.load()
    real = qa.index
    base = np.vstack([real.passage_vectors.reconstruct_n(0, real.passage_vectors.ntotal),
                      real.sentence_vectors]).astype(np.float32)
    questions = [i["question"] for i in load_qa("eval/qa.jsonl")][: args.queries]
    reader = QuestionReader(real)
    texts = sorted({normalize(reader.read(q).text) for q in questions})
    table = dict(zip(texts, qa.embedder.encode_queries(texts)))
    rows = []
    for n in args.sizes:
        gc.collect()
        tracemalloc.start()
        idx, s_index = grown_index(real, n, base, args.cache)
        corpus_bytes = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        retriever = Retriever(idx, Vectors(table))
        answerer = Answerer(idx, retriever)
        idx.terms.df("")   # build the term look-up now, as the first question would
        built = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        times, search, parts = [], [], {"embed": [], "score": [], "compose": []}
        for q in questions[:20]:   # warm-up: first look-ups of each term
            answerer.answer(q)
        for q in questions:
            ans, _ = answerer.answer(q)
            tm = ans.timings
            search.append(tm["search"])
            for k in parts:
                parts[k].append(tm[k])
            times.append(tm["total"] - tm["search"])
        hnsw = int(faiss.serialize_index(s_index).nbytes)
        rows.append((n, len(idx.articles), times, search, built, hnsw, idx.terms.nbytes(),
                     corpus_bytes, type(s_index).__name__, parts))
        print(n, f"compose p50 {ms(median(times))} p95 {ms(pct(times, 95))}", flush=True)
        del idx, retriever, answerer, s_index
    body = ["Per question, after a warm-up of 20: reading the question, candidate sentences "
            "(passage hits, `sentences.faiss`, BM25 postings, the term look-up), features, "
            "the fitted scorer, composing and refusal. Not included: the query embedding "
            "(looked up) and the passage search (shown apart; exact over synthetic passage "
            "vectors here).", "",
            "| sentences | articles | sentence search | compose p50 (ms) | compose p95 (ms) | "
            "of which reading / candidates + features + scorer / composing, p50 (ms) | "
            "passage search p50 (ms) | BM25 + finder + term look-up (MiB) | of which term "
            "postings (MiB) | sentences.faiss (MiB) | corpus in memory (MiB) |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for n, arts, times, search, built, hnsw, terms, corpus, kind, parts in rows:
        split = " / ".join(ms(median(parts[k])) for k in ("embed", "score", "compose"))
        body.append(f"| {n:,} | {arts:,} | {kind} | {ms(median(times))} | {ms(pct(times, 95))} "
                    f"| {split} | {ms(median(search))} | {built / 2**20:.0f} | "
                    f"{terms / 2**20:.0f} | {hnsw / 2**20:.0f} | {corpus / 2**20:.0f} |")
    body += ["", "Memory is what Python allocated (tracemalloc) for the structures built once "
             "per index: the retriever's BM25 models, the candidate finder's per-sentence "
             "tables and the term look-up; the corpus column is the copied articles, "
             "sentences, passages and vectors themselves."]
    write_result("compose", "Composition cost as the corpus grows", "\n".join(body),
                 f"python bench/compose.py --sizes {' '.join(map(str, args.sizes))} "
                 f"--queries {args.queries}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
