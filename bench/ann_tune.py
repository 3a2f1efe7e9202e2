"""Tuning approximate search at 10^6 passages: recall@10 against exact search and time per query
for HNSW (efSearch sweep) and IVF-Flat (nprobe sweep), on the synthetic vectors of
bench/scale.py (random mixes of two real vectors plus noise; queries are the eval questions,
really embedded).

Built indexes are kept in ``--cache`` (default /tmp/parkqa_ann) and reused: an HNSW build at
10^6 takes about 14 minutes on 2 cores, so a sweep over search settings builds it once.

    .venv/bin/python bench/ann_tune.py [--n 1000000] [--cache /tmp/parkqa_ann]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from common import median, ms, pct, write_result
from scale import recall, synth_vectors, timed_search


def cached(path: Path, build):
    import faiss

    if path.exists():
        return faiss.read_index(str(path)), None
    t = time.perf_counter()
    index = build()
    took = time.perf_counter() - t
    faiss.write_index(index, str(path))
    return index, took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/parkqa_ann"))
    parser.add_argument("--ef", type=int, nargs="+", default=[128, 256, 384, 512, 768])
    parser.add_argument("--nprobe", type=int, nargs="*", default=[16, 32, 64, 128],
                        help="IVF-Flat probes to try; none skips IVF")
    args = parser.parse_args()
    import faiss

    import parkqa
    from parkqa.evaluation import load_qa
    from parkqa.index_build import HNSW_EF_CONSTRUCTION, HNSW_M
    from parkqa.tokens import normalize

    args.cache.mkdir(parents=True, exist_ok=True)
    base_file = args.cache / "base.npz"
    if not base_file.exists():
        qa = parkqa.load()
        idx = qa.index
        base = np.vstack([idx.passage_vectors.reconstruct_n(0, idx.passage_vectors.ntotal),
                          idx.sentence_vectors]).astype(np.float32)
        questions = [i["question"] for i in load_qa("eval/qa.jsonl")][: args.queries]
        queries = qa.embedder.encode_queries([normalize(q) for q in questions])
        np.savez(base_file, base=base, queries=np.asarray(queries, np.float32))
    data = np.load(base_file)
    base, queries = data["base"], data["queries"][: args.queries]
    rng = np.random.default_rng(7)
    vecs = synth_vectors(base, args.n, rng)
    dim = vecs.shape[1]
    flat = faiss.IndexFlatIP(dim)
    flat.add(vecs)
    _, truth = flat.search(queries, 10)
    del flat
    rows = []

    def sweep(label, index, knob, values, setter, build):
        for v in values:
            setter(index, v)
            timed_search(index, queries[:10])   # warm the caches
            times, ids = timed_search(index, queries)
            rows.append((label, f"{knob}={v}", build, times, recall(ids, truth)))
            print(rows[-1][:2], f"p50 {ms(median(times))} p95 {ms(pct(times, 95))} "
                  f"recall {rows[-1][-1]:.3f}", flush=True)

    def hnsw_build():
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.add(vecs)
        return index

    hnsw, took = cached(args.cache / f"hnsw_{args.n}_{HNSW_M}_{HNSW_EF_CONSTRUCTION}.faiss",
                        hnsw_build)
    sweep(f"HNSW (M={HNSW_M}, efConstruction={HNSW_EF_CONSTRUCTION})", hnsw, "efSearch",
          args.ef, lambda i, v: setattr(i.hnsw, "efSearch", v), took)
    del hnsw

    nlist = 4096

    def ivf_build():
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vecs[rng.choice(args.n, min(args.n, 40 * nlist), replace=False)])
        index.add(vecs)
        return index

    if args.nprobe:
        ivf, took = cached(args.cache / f"ivf_{args.n}_{nlist}.faiss", ivf_build)
        sweep(f"IVF-Flat (nlist={nlist})", ivf, "nprobe", args.nprobe,
              lambda i, v: setattr(i, "nprobe", v), took)

    body = [f"{args.n:,} synthetic passage vectors (384-d), {len(queries)} eval questions as "
            "queries, one query at a time, top 10; recall@10 against exact search "
            "(IndexFlatIP). Build time is blank where the index was read from the cache.", "",
            "| index | search setting | build (s) | query p50 (ms) | query p95 (ms) | recall@10 |",
            "|---|---|---|---|---|---|"]
    for label, setting, build, times, rec in rows:
        body.append(f"| {label} | {setting} | {'' if build is None else f'{build:.0f}'} | "
                    f"{ms(median(times))} | {ms(pct(times, 95))} | {rec:.3f} |")
    write_result("ann_tune", "Approximate search at scale: the recall/latency sweep",
                 "\n".join(body), f"python bench/ann_tune.py --n {args.n} --ef "
                 f"{' '.join(map(str, args.ef))} --nprobe {' '.join(map(str, args.nprobe))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
