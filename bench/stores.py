"""The same evaluation through both stores: FAISS files (the default) and Milvus Lite
(``PARKQA_STORE=milvus:…``), compared answer by answer.

    .venv/bin/python bench/stores.py [--split dev]

Runs ``parkqa eval --split dev`` twice in fresh processes over the same articles and index
folder (the Milvus build reuses the folder's vectors, so both stores hold the same vectors), then
compares every item of every system (parkqa, bm25_only, dense_only): answer text, answered or
refused, evidence rank and confidence. Writes bench/results/stores.md and stores.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, ROOT, write_result

PARKQA = [sys.executable, "-m", "parkqa.cli"]
METRICS = ("must_contain_all", "evidence_top1", "evidence_top5", "citation_precision",
           "unanswerable_refused", "answerable_refused", "median_answer_chars",
           "latency_p50_ms", "latency_p95_ms")


def run_eval(split: str, out: Path, store: str) -> float:
    env = dict(os.environ, PARKQA_STORE=store, PARKQA_PROGRESS="0")
    started = time.perf_counter()
    if store:   # build into the store first, so the eval below does not time a build
        subprocess.run(PARKQA + ["index"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(PARKQA + ["eval", "--split", split, "--out", str(out)], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for label, store in (("faiss", ""), ("milvus_lite", f"milvus:{tmp}/kb.db")):
            out = Path(tmp) / label
            run_eval(args.split, out, store)
            runs[label] = {
                "metrics": json.loads((out / "metrics.json").read_text(encoding="utf-8")),
                "rows": [json.loads(line) for line in
                         (out / "results.jsonl").read_text(encoding="utf-8").splitlines()],
            }
    a, b = runs["faiss"]["rows"], runs["milvus_lite"]["rows"]
    assert [(r["system"], r["id"]) for r in a] == [(r["system"], r["id"]) for r in b]
    fields = ("text", "answered", "evidence_rank", "citation_precision")
    differing = [{"system": x["system"], "id": x["id"],
                  **{f: [x.get(f), y.get(f)] for f in fields if x.get(f) != y.get(f)}}
                 for x, y in zip(a, b) if any(x.get(f) != y.get(f) for f in fields)]
    conf = [abs((x.get("confidence") or 0) - (y.get("confidence") or 0)) for x, y in zip(a, b)]
    summary = {"split": args.split, "items": len(a), "differing": differing,
               "max_confidence_difference": max(conf, default=0.0),
               "metrics": {k: v["metrics"] for k, v in runs.items()}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stores.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1),
                                         encoding="utf-8")

    def metric(label: str, name: str):
        return runs[label]["metrics"]["parkqa"]["overall"].get(name, "")

    table = ["| metric (parkqa) | FAISS | Milvus Lite |", "|---|---|---|"]
    table += [f"| {name} | {metric('faiss', name)} | {metric('milvus_lite', name)} |"
              for name in METRICS]
    body = (f"{len(a)} results ({args.split} split; systems parkqa, bm25_only, dense_only): "
            f"**{len(differing)} differ** in answer text, answered/refused, evidence rank or "
            f"citation precision; largest confidence difference "
            f"{summary['max_confidence_difference']:.6f}.\n\n" + "\n".join(table) +
            "\n\nLatencies come from one run each on a shared 2-core machine; Milvus Lite answers "
            "the dense search through its in-process gRPC server. Per-item differences, if any, "
            "are in stores.json.\n")
    write_result("stores", "FAISS files vs Milvus Lite: the same evaluation", body,
                 f"python bench/stores.py --split {args.split}")
    return 0 if not differing else 1


if __name__ == "__main__":
    raise SystemExit(main())
