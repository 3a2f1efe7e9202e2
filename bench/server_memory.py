"""Resident memory of a real `parkqa serve` process: after start-up, after warm-up (a few dozen
/api/ask calls with eval questions) and its peak, read from /proc.

    .venv/bin/python bench/server_memory.py [--asks 48] [--runs 3]

Each run starts a fresh `parkqa serve` (the console script of this virtualenv) on a free port
over the existing index, waits for /api/health, reads VmRSS, sends ``--asks`` questions one after
another to /api/ask, waits a second and reads VmRSS and VmHWM (the process's peak RSS) again.
Memory hardly depends on what else runs on the machine, so this needs no quiet machine; the
load average is recorded anyway. ``bench/load.py`` measures memory under concurrent load.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from common import ROOT, median, write_result

TARGET_MIB = 700 * 1000 * 1000 / 2**20     # the 700 MB, in MiB (667.6)


def status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid`` in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(questions: list[str], asks: int) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).with_name("parkqa")
    env = dict(os.environ, PARKQA_RATE_LIMIT="off", PARKQA_LOG_DIR="", PARKQA_PROGRESS="0",
               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("parkqa serve exited: " + proc.stderr.read().decode()[-2000:])
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("parkqa serve did not start in 300 s")
            time.sleep(0.25)
        ready = time.perf_counter() - t0
        time.sleep(1)
        started = status(proc.pid)
        answered = 0
        with httpx.Client(timeout=60) as client:
            for q in (questions * (asks // len(questions) + 1))[:asks]:
                r = client.post(url + "/api/ask", json={"question": q})
                answered += r.status_code == 200 and "answered" in r.json()
        time.sleep(1)
        warm = status(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert answered == asks, f"only {answered} of {asks} questions answered"
    return {"ready_s": ready, "rss_started": started["VmRSS"], "rss_warm": warm["VmRSS"],
            "peak": warm["VmHWM"], "load": load}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asks", type=int, default=48)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = [json.loads(line) for line in (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8")
             if line.strip()]
    questions = [i["question"] for i in items if i.get("split") == "dev"]
    runs = [one_run(questions, args.asks) for _ in range(args.runs)]
    for r in runs:
        print(json.dumps({k: round(v, 1) for k, v in r.items()}))
    lines = [f"A fresh `parkqa serve` (one process, ONNX query encoder, the default settings) per "
             f"run, {args.runs} runs; after /api/health answers, {args.asks} dev questions are asked "
             "one after another on /api/ask. Memory from `/proc/<pid>/status`: VmRSS after start-up "
             "and after the questions, VmHWM (the process's peak RSS) at the end.", "",
             "| run | ready after (s) | RSS started (MiB) | RSS after warm-up (MiB) | peak RSS (MiB) "
             "| load average |", "|---|---|---|---|---|---|"]
    for n, r in enumerate(runs, 1):
        lines.append(f"| {n} | {r['ready_s']:.1f} | {r['rss_started']:.0f} | {r['rss_warm']:.0f} | "
                     f"{r['peak']:.0f} | {r['load']:.1f} |")
    warm = median([r["rss_warm"] for r in runs])
    lines += ["", f"Median RSS after warm-up: **{warm:.0f} MiB** ({warm * 2**20 / 1e6:.0f} MB), "
              f"peak {max(r['peak'] for r in runs):.0f} MiB; target ≤ 700 MB "
              f"({TARGET_MIB:.0f} MiB): {'met' if warm <= TARGET_MIB else 'NOT met'}."]
    write_result("server_memory", "Server memory after warm-up", "\n".join(lines),
                 f"python bench/server_memory.py --asks {args.asks} --runs {args.runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
