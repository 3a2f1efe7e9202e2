"""Index build: passages per second end to end against the model's raw encode throughput on
the same texts, and the incremental re-index after adding one article.

    .venv/bin/python bench/build.py
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from common import ROOT, write_result

NEW_ARTICLE = ROOT / "bench" / "sample_article.txt"


def main() -> int:
    from parkqa.config import Settings
    from parkqa.embedding import Embedder
    from parkqa.index import build_index, load_index

    t = time.perf_counter()
    embedder = Embedder()
    load_seconds = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        shutil.copytree(ROOT / "seeds", seeds)
        settings = Settings(seeds=seeds, index=Path(tmp) / "index")
        embedder.encode_passages(["预热"])                      # first-call overhead out of the way
        t = time.perf_counter()
        manifest = build_index(settings, embedder)
        build = time.perf_counter() - t
        index = load_index(settings)
        texts = [p.text for p in index.passages] + [s.text for s in index.sentences]
        t = time.perf_counter()
        embedder.encode_passages(texts)
        encode = time.perf_counter() - t
        shutil.copy(NEW_ARTICLE, seeds / "005_sample.txt")
        t = time.perf_counter()
        incremental = build_index(settings, embedder)
        again = time.perf_counter() - t
    c, ci = manifest["counts"], incremental["counts"]
    n = len(texts)
    body = f"""
| measure | value |
|---|---|
| model load (once per process) | {load_seconds:.1f} s |
| full build, {c['articles']} articles ({c['passages']} passages + {c['sentences']} sentences = {n} texts embedded) | {build:.1f} s |
| end-to-end throughput | {n / build:.1f} texts/s |
| raw encode of the same {n} texts | {encode:.1f} s ({n / encode:.1f} texts/s) |
| **build overhead over raw encoding** | **{(build / encode - 1) * 100:.1f}%** (target ≤ 15%) |
| add one article ({ci['articles'] - c['articles']} new, {ci['embedded']} texts embedded, {ci['reused']} reused) | {again:.1f} s |

The overhead is everything but the model: reading and repairing the articles, sentence and
passage splitting, jieba tokens, writing the files and swapping the folder in.
"""
    write_result("build", "Index build", body, "python bench/build.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
