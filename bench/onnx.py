"""The ONNX query path against torch: vector agreement, answer quality on a split, and the cost
of a cold `parkqa ask` (wall clock and peak memory of the whole process).

    .venv/bin/python bench/onnx.py [--split dev] [--runs 3]

Both backends read the same index (its passage vectors come from either: they agree to
cosine 0.99999); only the query encoder differs.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from common import ROOT, median, write_result

QUESTION = "长治高新区现在有多少家入区企业？"
METRICS = ("must_contain_all", "evidence_top1", "evidence_top5", "citation_precision",
           "unanswerable_refused", "answerable_refused")


def imports_torch(backend: str) -> bool:
    """Whether `parkqa ask` imports torch on this backend (read from -X importtime)."""
    env = dict(os.environ, PARKQA_BACKEND=backend, PARKQA_PROGRESS="0")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "parkqa.cli", "ask", QUESTION],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and "1.2万家" in proc.stdout, proc.stderr[-2000:]
    return any(line.rsplit("|", 1)[-1].strip() == "torch" for line in proc.stderr.splitlines())


def cold_ask_rss(backend: str, runs: int) -> tuple[list[float], list[float]]:
    """The same without -X importtime (which slows imports), peak RSS from wait4."""
    walls, peaks = [], []
    env = dict(os.environ, PARKQA_BACKEND=backend, PARKQA_PROGRESS="0")
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "parkqa.cli", "ask", QUESTION], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t)
        peaks.append(usage.ru_maxrss / 1024)
        proc.returncode = os.waitstatus_to_exitcode(status)
        assert proc.returncode == 0
    return walls, peaks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from parkqa.config import Settings
    from parkqa.embedding import Embedder
    from parkqa.evaluation import evaluate, load_qa, split_items
    from parkqa.pipeline import ParkQA
    from parkqa.tokens import normalize

    # 1. cold `parkqa ask`, before anything here warms the page cache for one side only
    subprocess.run([sys.executable, "-m", "parkqa.cli", "ask", QUESTION], cwd=ROOT,
                   env=dict(os.environ, PARKQA_PROGRESS="0"), capture_output=True)
    cold = {}
    for backend in ("onnx", "torch"):
        torch_seen = imports_torch(backend)
        walls, peaks = cold_ask_rss(backend, args.runs)
        cold[backend] = (median(walls), max(walls), median(peaks), torch_seen)

    # 2. vectors: every eval question as a query, every index text as a passage
    settings = Settings()
    items = load_qa(ROOT / "eval" / "qa.jsonl")
    onnx, torch = Embedder(backend="onnx"), Embedder(backend="torch")
    questions = [normalize(i["question"]) for i in items]
    qa_onnx = ParkQA(settings, onnx)
    texts = [p.text for p in qa_onnx.index.passages]
    cos_q = (onnx.encode_queries(questions) * torch.encode_queries(questions)).sum(axis=1)
    cos_p = (onnx.encode_passages(texts) * torch.encode_passages(texts)).sum(axis=1)
    english = np.array([not any("\u4e00" <= c <= "\u9fff" for c in q) for q in questions])
    top1 = []
    vecs = qa_onnx.index.passage_vectors
    for q in questions:
        a = vecs.search(onnx.encode_queries([q]), 1)[1][0][0]
        b = vecs.search(torch.encode_queries([q]), 1)[1][0][0]
        top1.append(a == b)

    # 3. answer quality on the split, same index, one query encoder each
    dev = split_items(items, args.split)
    quality = {}
    for name, emb in (("torch", torch), ("onnx", onnx)):
        qa = ParkQA(settings, emb)
        quality[name] = evaluate(qa, dev, baselines=False)["systems"]["parkqa"]["overall"]

    lines = ["## Cold `parkqa ask` (a fresh process: imports, index, encoder, one answer)", "",
             f"Median of {args.runs} runs of `python -m parkqa.cli ask \"{QUESTION}\"`; peak memory "
             "is the process's maximum RSS (wait4).", "",
             "| backend | wall p50 (s) | wall max (s) | peak RSS p50 (MiB) | imports torch |",
             "|---|---|---|---|---|"]
    for b, (w, wmax, peak, seen) in cold.items():
        lines.append(f"| {b} | {w:.2f} | {wmax:.2f} | {peak:.0f} | {'yes' if seen else 'no'} |")
    lines += ["", "## Vector agreement (cosine, ONNX vs torch)", "",
              "| vectors | n | min | 1st pct | mean |", "|---|---|---|---|---|"]
    for label, c in (("queries, int8 graph (all eval questions)", cos_q),
                     ("  of which English", cos_q[english]),
                     ("  of which Chinese", cos_q[~english]),
                     ("passages, float32 graph (all index passages)", cos_p)):
        lines.append(f"| {label} | {len(c)} | {c.min():.5f} | {np.percentile(c, 1):.5f} | "
                     f"{c.mean():.5f} |")
    lines += ["", f"Same top-1 dense passage for {np.mean(top1):.3f} of the eval questions.", "",
              f"## Answer quality on the {args.split} split ({len(dev)} items, same index)", "",
              "| metric | torch query encoder | ONNX int8 query encoder | difference |",
              "|---|---|---|---|"]
    for m in METRICS:
        a, b = quality["torch"].get(m), quality["onnx"].get(m)
        if a is None or b is None:
            continue
        lines.append(f"| {m} | {a:.3f} | {b:.3f} | {b - a:+.3f} |")
    write_result("onnx", "ONNX query encoder vs torch", "\n".join(lines),
                 f"python bench/onnx.py --split {args.split} --runs {args.runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
