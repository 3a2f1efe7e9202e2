"""Per-question latency of ask() over the eval set, stage by stage, against the floor: the bare
query embedding of the same encoder in the same run (the default ONNX int8 encoder, or torch
with --backend torch). Answer quality of the two encoders is compared in bench/onnx.py.

    .venv/bin/python bench/latency.py [--backend onnx|torch] [--rounds 2]
"""
from __future__ import annotations

import argparse
import os
import time

from common import ROOT, median, ms, pct, write_result

STAGES = ["embed", "dense", "bm25", "fusion", "score", "compose", "total"]


def measure(qa, questions, rounds: int):
    from parkqa.tokens import normalize

    for q in questions[:10]:                      # warm-up: caches, allocator, jieba
        qa.ask(q)
        qa.embedder.encode_queries([normalize(q)])
    stages = {s: [] for s in STAGES}
    floor, wall = [], []
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            qa.embedder.encode_queries([normalize(q)])
            floor.append(time.perf_counter() - t)
            t = time.perf_counter()
            ans = qa.ask(q)
            wall.append(time.perf_counter() - t)
            for s in STAGES:
                stages[s].append(ans.timings.get(s, 0.0))
    return stages, floor, wall


def table(stages, floor, wall, rounds: int) -> list[str]:
    lines = ["| stage | p50 (ms) | p95 (ms) |", "|---|---|---|"]
    for s in STAGES:
        lines.append(f"| {s} | {ms(median(stages[s]))} | {ms(pct(stages[s], 95))} |")
    lines.append(f"| **ask() wall clock** | **{ms(median(wall))}** | {ms(pct(wall, 95))} |")
    lines.append(f"| floor: bare query embedding | {ms(median(floor))} | {ms(pct(floor, 95))} |")
    lines.append("")
    lines.append(f"Median ask() = **{median(wall) / median(floor):.2f}x** the bare embedding "
                 "(target ≤ 1.5x).")
    # later rounds repeat the questions, and what is remembered between questions (jieba's
    # cut of each run of text, sentence facts, person names) was worked out in the first
    first = len(wall) // rounds
    lines.append(f"First round alone (each question asked the first time): ask() "
                 f"{ms(median(wall[:first]))} ms p50 against {ms(median(floor[:first]))} ms, "
                 f"{median(wall[:first]) / median(floor[:first]):.2f}x.")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("onnx", "torch"), default="onnx")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    import parkqa
    from parkqa.evaluation import load_qa

    qa = parkqa.load(backend=args.backend)
    items = load_qa(ROOT / "eval" / "qa.jsonl")
    questions = [i["question"] for i in items]
    load = os.getloadavg()[0]
    stages, floor, wall = measure(qa, questions, args.rounds)
    # the floor and ask() share the machine's state question by question, but both slow down
    # when other work takes the cores: the load says how quiet it was
    load = f"{min(load, os.getloadavg()[0]):.1f}–{max(load, os.getloadavg()[0]):.1f}"
    body = [f"{len(questions)} questions x {args.rounds} rounds after a warm-up; `embed`, "
            "`dense`, `bm25`, `fusion`, `score` (sentence candidates) and `compose` (choosing, "
            "trimming, citing) are the stages `Answer.timings` records. Load average (1 min) "
            f"at the start and the end: {load}.", "",
            f"## {args.backend} query encoder", ""] + table(stages, floor, wall, args.rounds)
    name = "latency" if args.backend == "onnx" else f"latency_{args.backend}"
    write_result(name, f"Per-question latency ({args.backend} query encoder)", "\n".join(body),
                 f"python bench/latency.py --backend {args.backend} --rounds {args.rounds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
