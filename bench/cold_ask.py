"""Cold `parkqa ask`: wall clock, CPU time and peak memory of a fresh process answering one
question, and where its time goes.

    .venv/bin/python bench/cold_ask.py --label after [--runs 7]
    .venv/bin/python bench/cold_ask.py --label before --src /path/to/old-checkout/src

``--src`` measures another checkout's code (PYTHONPATH) on this index, so before and after can be
run back to back under the same load.

Each run is `python -m parkqa.cli ask QUESTION` in a new process (the index is built already;
the page cache is warm after the first run, as for a person asking twice). Wall clock depends
on what else runs on the two cores, so the load average before each run and the process's own
CPU time (user + system, from wait4) are recorded beside it. Peak memory is the process's
maximum resident set (wait4's ru_maxrss). Results of every label are kept in
``bench/results/cold_ask.json`` (labelled by commit), so a before/after table survives a rerun.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from common import RESULTS, ROOT, median, write_result

QUESTION = "长治高新区有多少家企业？"
HEAVY = ("torch", "sentence_transformers", "transformers", "gradio", "fastapi", "sklearn",
         "matplotlib", "pandas", "uvicorn")

# Stages of the same work, timed in one child process (``-c``): what a cold ask spends on.
STAGES = r"""
import json, resource, sys, time
marks, t0 = [], time.perf_counter()
def mark(name):
    global t0
    t = time.perf_counter(); marks.append((name, t - t0)); t0 = t
from parkqa.pipeline import ParkQA
from parkqa.config import Settings
mark("import parkqa (numpy, faiss, bm25s, jieba, pypinyin, ...)")
from parkqa import index as ix
try:
    from parkqa.words import _base   # jieba's dictionary, in words.py since perf19
except ImportError:   # older commits
    from parkqa.tokens import _base
settings = Settings.from_env() if hasattr(Settings, "from_env") else Settings()  # older commits
import jieba.posseg
mark("import jieba.posseg (reads jieba's part-of-speech table)")
_base()
mark("jieba dictionary")
index = ix.load_index(settings)
mark("load_index (articles, passages, FAISS, tokenizer of the index)")
from parkqa.embedding import Embedder
embedder = Embedder(settings.model, backend=settings.backend)
mark("query encoder (SentencePiece + ONNX Runtime session)")
qa = ParkQA(settings, embedder)
mark("ParkQA (checks the index again, retriever with BM25, answerer)")
qa.ask(sys.argv[1])
mark("first answer")
print(json.dumps(marks))
"""


SRC: list[str] = []     # --src: another checkout's package instead of this one


def env() -> dict:
    extra = {"PYTHONPATH": SRC[0]} if SRC else {}
    return dict(os.environ, PARKQA_PROGRESS="0", **extra)


def one_run(question: str) -> dict:
    load = os.getloadavg()[0]
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "parkqa.cli", "ask", question], cwd=ROOT,
                            env=env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    assert os.waitstatus_to_exitcode(status) == 0, out
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
            "load": load, "answer": out.decode()}


def imported(question: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "parkqa.cli", "ask", question],
                          cwd=ROOT, env=env(), capture_output=True, text=True, check=True)
    return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:")}


def stages(question: str) -> list:
    proc = subprocess.run([sys.executable, "-c", STAGES, question], cwd=ROOT, env=env(),
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def commit() -> str:
    where = os.path.dirname(SRC[0]) if SRC else ROOT
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True,
                          text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=where,
                           capture_output=True, text=True).stdout.strip()
    return proc.stdout.strip() + (" (+ uncommitted changes)" if dirty else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="e.g. before / after")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--src", help="measure this src/ folder of another checkout instead")
    args = parser.parse_args()
    SRC[:] = [os.path.abspath(args.src)] if args.src else []

    one_run(args.question)          # warm the page cache (and build nothing: index/ must exist)
    runs = [one_run(args.question) for _ in range(args.runs)]
    answers = {r.pop("answer") for r in runs}
    assert len(answers) == 1, answers
    heavy = sorted(imported(args.question) & set(HEAVY))
    per_stage = [stages(args.question) for _ in range(3)]
    record = {"commit": commit(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "runs": runs, "heavy_imports": heavy, "answer": answers.pop(),
              "stages": [[name, median([s[i][1] for s in per_stage])]
                         for i, (name, _) in enumerate(per_stage[0])]}
    store = RESULTS / "cold_ask.json"
    data = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    data[args.label] = record
    RESULTS.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    lines = [f"`python -m parkqa.cli ask \"{args.question}\"` in a fresh process, {args.runs} runs "
             "per label after one warm-up run; the index exists. Wall clock depends on what else "
             "runs on the two cores (load average in the last column); CPU time (user + system) "
             "much less so. Peak memory: the process's maximum RSS (wait4).", "",
             "| label | commit | wall p50 (s) | wall min (s) | CPU p50 (s) | peak RSS max (MiB) "
             "| heavy imports | load average |", "|---|---|---|---|---|---|---|---|"]
    for label, rec in data.items():
        rs = rec["runs"]
        loads = [r["load"] for r in rs]
        lines.append(
            f"| {label} | {rec['commit']} | {median([r['wall'] for r in rs]):.2f} | "
            f"{min(r['wall'] for r in rs):.2f} | {median([r['cpu'] for r in rs]):.2f} | "
            f"{max(r['peak_mib'] for r in rs):.0f} | {', '.join(rec['heavy_imports']) or 'none'} | "
            f"{min(loads):.1f}–{max(loads):.1f} |")
    lines += ["", "Where the time goes (median of 3 runs of the same steps in one child process, "
              "seconds):", "", "| stage | " + " | ".join(data) + " |",
              "|---|" + "---|" * len(data)]
    names = list(dict.fromkeys(n for rec in data.values() for n, _ in rec["stages"]))
    for name in names:
        cells = [next((f"{s:.2f}" for n, s in rec["stages"] if n == name), "–")
                 for rec in data.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    same = len({rec["answer"] for rec in data.values()}) == 1
    lines += ["", f"Same answer text under every label: {'yes' if same else 'NO'}."]
    src = f" --src {args.src}" if args.src else ""
    write_result("cold_ask", "Cold `parkqa ask`", "\n".join(lines),
                 f"python bench/cold_ask.py --label {args.label} --runs {args.runs}{src}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
