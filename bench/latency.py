"""Per-question latency of ask() over the eval set, stage by stage, against the floor: the bare
query embedding of the same model in the same run. With --int8, the same for a query encoder
quantized to int8 (torch dynamic quantization), with its answer quality on the eval set.

    .venv/bin/python bench/latency.py [--int8] [--rounds 2]
"""
from __future__ import annotations

import argparse
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


def table(stages, floor, wall) -> list[str]:
    lines = ["| stage | p50 (ms) | p95 (ms) |", "|---|---|---|"]
    for s in STAGES:
        lines.append(f"| {s} | {ms(median(stages[s]))} | {ms(pct(stages[s], 95))} |")
    lines.append(f"| **ask() wall clock** | **{ms(median(wall))}** | {ms(pct(wall, 95))} |")
    lines.append(f"| floor: bare query embedding | {ms(median(floor))} | {ms(pct(floor, 95))} |")
    lines.append("")
    lines.append(f"Median ask() = **{median(wall) / median(floor):.2f}x** the bare embedding "
                 "(target ≤ 1.5x).")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--int8", action="store_true", help="also try an int8 query encoder")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    import parkqa
    from parkqa.evaluation import evaluate, load_qa

    qa = parkqa.load()
    items = load_qa(ROOT / "eval" / "qa.jsonl")
    questions = [i["question"] for i in items]
    stages, floor, wall = measure(qa, questions, args.rounds)
    body = [f"{len(questions)} questions x {args.rounds} rounds after a warm-up; `embed`, "
            "`dense`, `bm25`, `fusion`, `score` (sentence candidates) and `compose` (choosing, "
            "trimming, citing) are the stages `Answer.timings` records.", "",
            "## float32 model (the default)", ""] + table(stages, floor, wall)
    if args.int8:
        import torch

        base_quality = evaluate(qa, items, baselines=False)["systems"]["parkqa"]["overall"]
        st_model = qa.embedder.model
        st_model[0].auto_model = torch.ao.quantization.quantize_dynamic(
            st_model[0].auto_model, {torch.nn.Linear}, dtype=torch.qint8)
        q_stages, q_floor, q_wall = measure(qa, questions, args.rounds)
        q_quality = evaluate(qa, items, baselines=False)["systems"]["parkqa"]["overall"]
        body += ["", "## int8 query encoder (torch dynamic quantization; index vectors stay float32)",
                 ""] + table(q_stages, q_floor, q_wall)
        body += ["", "| quality on eval/qa.jsonl | float32 | int8 |", "|---|---|---|"]
        for m in ("must_contain_all", "evidence_top5", "unanswerable_refused",
                  "answerable_refused"):
            body.append(f"| {m} | {base_quality[m]} | {q_quality[m]} |")
        faster = median(q_floor) < median(floor)
        kept = faster and q_quality["must_contain_all"] >= base_quality["must_contain_all"] \
            and q_quality["answerable_refused"] <= base_quality["answerable_refused"]
        body += ["", f"int8 embedding p50 {ms(median(q_floor))} ms vs {ms(median(floor))} ms float32: "
                 + ("faster with no loss of quality here." if kept else
                    "not kept as the default: " + ("it is not faster on this CPU."
                                                   if not faster else "answer quality drops."))]
    write_result("latency", "Per-question latency", "\n".join(body),
                 "python bench/latency.py" + (" --int8" if args.int8 else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
