"""The real server under load: N concurrent clients (1, 4, 16, 64) sending the eval questions
to POST /api/ask on 127.0.0.1 for a fixed number of requests each level; throughput,
latency percentiles, errors, and server memory idle and at peak. Then the same with two
uvicorn worker processes sharing the index.

    .venv/bin/python bench/load.py [--requests 256] [--levels 1 4 16 64]
"""
from __future__ import annotations

import argparse
import json
import threading
import time

import httpx

from common import ROOT, median, ms, pct, rss_mb, write_result


def run_level(url: str, questions: list[str], clients: int, requests: int, pid: int):
    latencies, errors, lock = [], [], threading.Lock()
    peak = [rss_mb(pid)]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.1)

    def client(n: int, offset: int):
        with httpx.Client(timeout=60) as c:
            for i in range(n):
                q = questions[(offset + i) % len(questions)]
                t = time.perf_counter()
                try:
                    r = c.post(url + "/api/ask", json={"question": q})
                    ok = r.status_code == 200 and isinstance(r.json().get("answered"), bool)
                except httpx.HTTPError as exc:
                    ok, r = False, exc
                dt = time.perf_counter() - t
                with lock:
                    (latencies if ok else errors).append(dt if ok else repr(r)[:80])

    per = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=client, args=(n, i * 17)) for i, n in enumerate(per)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    hung = sum(th.is_alive() for th in threads)
    return {"clients": clients, "requests": requests, "ok": len(latencies), "errors": len(errors),
            "hung": hung, "throughput": len(latencies) / wall, "p50": median(latencies),
            "p95": pct(latencies, 95), "p99": pct(latencies, 99), "peak_rss": peak[0],
            "error_samples": errors[:3]}


def bench_server(label: str, questions, levels, requests, args=()) -> tuple[list[str], list]:
    from browser import Server

    srv = Server({"PARKQA_RATE_LIMIT": "off", "PARKQA_LOG_DIR": ""}, args=args)
    try:
        for q in questions[:20]:                             # warm-up
            httpx.post(srv.url + "/api/ask", json={"question": q}, timeout=60)
        time.sleep(1)
        idle = rss_mb(srv.proc.pid)
        results = [run_level(srv.url, questions, n, requests, srv.proc.pid) for n in levels]
    finally:
        srv.stop()
    lines = [f"### {label}", "", f"Server memory (RSS) idle after warm-up: {idle:.0f} MiB.", "",
             "| clients | requests | ok | errors | hung | throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | peak RSS (MiB) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['clients']} | {r['requests']} | {r['ok']} | {r['errors']} | {r['hung']} | "
                     f"{r['throughput']:.1f} | {ms(r['p50'])} | {ms(r['p95'])} | {ms(r['p99'])} | "
                     f"{r['peak_rss']:.0f} |")
    samples = [s for r in results for s in r["error_samples"]]
    if samples:
        lines += ["", "Error samples: " + "; ".join(samples)]
    return lines, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16, 64])
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines() if line]
    body = [f"Each level sends {args.requests} requests (the {len(questions)} eval questions in "
            "turn) from that many concurrent clients, each with its own keep-alive connection, "
            "to a real `python app.py` on 127.0.0.1 (rate limit off). RSS includes worker "
            "processes.", ""]
    one, _ = bench_server("One process (the default)", questions, args.levels, args.requests)
    two, _ = bench_server("Two uvicorn workers (`parkqa serve --workers 2`)", questions,
                          args.levels, args.requests, args=("--workers", "2"))
    body += one + [""] + two
    write_result("load", "The server under load", "\n".join(body),
                 "python bench/load.py --requests " + str(args.requests) + " --levels "
                 + " ".join(map(str, args.levels)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
