"""Command line: ``parkqa index | ask | eval | fit | serve | feedback | faq``.

Example::

    $ parkqa ask --json "长治高新区现在有多少家入区企业？"
    {"question": "…", "answered": true, "text": "入区企业从2021年的0.9万家增至1.2万家[1]", …}
"""
from __future__ import annotations

import argparse
import json
import logging
import sys

from . import progress
from .config import Settings
from .metadata import credits, full_title


def _settings(args) -> Settings:
    return Settings(**{name: getattr(args, name, None)
                       for name in ("seeds", "index", "model", "backend", "host", "port", "workers")})


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds", help="articles folder (env PARKQA_SEEDS, default seeds/)")
    p.add_argument("--index", help="index folder (env PARKQA_INDEX, default index/)")
    p.add_argument("--model", help="sentence-transformers model name or path (env PARKQA_MODEL)")
    p.add_argument("--backend", choices=("onnx", "torch"),
                   help="embedding backend (env PARKQA_BACKEND, default onnx)")


def cmd_index(args) -> int:
    from .embedding import Embedder
    from .index_build import build_index

    s = _settings(args)
    manifest = build_index(s, Embedder(s.model, backend=s.backend))
    print(progress.index_summary(manifest, s.store or s.index))
    for err in manifest["skipped"]:
        print(f"skipped: {err}", file=sys.stderr)
    return 0


def format_answer(ans) -> str:
    lines = [ans.text]
    cites = ans.citations or ans.related
    if cites:
        lines.append("")
        lines.append("来源：" if ans.citations else "可能相关：")
        for c in cites:
            line = credits(c.source, c.date, c.date_from, c.byline)
            lines.append(f"[{c.n}] 《{full_title(c.title, c.subtitle)}》" + (f" {line}" if line else ""))
            if not ans.citations:
                lines.append(f"    {c.quote}")
    return "\n".join(lines)


def cmd_ask(args) -> int:
    from .pipeline import ParkQA

    if args.json:
        progress.set_bars(False)   # stdout is the JSON alone; stderr stays free of bars
    qa = ParkQA(_settings(args))
    question = " ".join(args.question)
    ans = qa.ask(question, top_k=args.top_k)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(format_answer(ans))
    return 0


def cmd_serve(args) -> int:
    from .api import serve

    serve(_settings(args))
    return 0


def cmd_eval(args) -> int:
    from .evaluation import run_cli

    return run_cli(args, _settings(args))


def cmd_fit(args) -> int:
    from .fitting import run_cli

    return run_cli(args, _settings(args))


def cmd_feedback(args) -> int:
    from .feedback_report import run_cli

    return run_cli(args, _settings(args))


def cmd_faq(args) -> int:
    """Curated answers: ``export`` (the JSON of ``GET /api/faq``), ``import`` a file (that
    JSON, JSONL or CSV; checked like the admin page's import: bad rows are listed and exit 1),
    ``fit`` the match threshold on the eval set."""
    from .curated import Curated

    settings = _settings(args)
    store = Curated(settings.curated_dir)
    if args.action == "export":
        data = json.dumps({"entries": [e.to_dict() for e in store.faq()]}, ensure_ascii=False,
                          indent=1)
        if args.file:
            with open(args.file, "w", encoding="utf-8") as fh:
                fh.write(data + "\n")
        else:
            print(data)
        return 0
    if args.action == "import":    # a broken file fails before the index is loaded
        from .faq_import import MAX_FILE_BYTES, check_rows, read_faq_file

        if not args.file:
            raise ValueError("parkqa faq import FILE: JSONL, CSV with a header row, or the JSON "
                             "that parkqa faq export wrote")
        with open(args.file, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"文件太大（上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）: {args.file}")
        parsed = read_faq_file(raw)
    from .pipeline import ParkQA

    qa = ParkQA(settings)
    if args.action == "fit":
        from .faq_fit import main as fit

        print(fit(qa, args.file or "eval/qa.jsonl", max_false=args.max_false))
        return 0
    good, bad = check_rows(parsed.rows, qa.index)
    bad = sorted(bad + parsed.bad, key=lambda b: b["line"])
    for b in bad:
        print(f"{args.file}:{b['line']}: {b['error']}", file=sys.stderr)
    entries = [e for _, e in good]
    if args.replace:         # never replace everything with a file that was partly wrong
        if bad:
            raise ValueError(f"{len(bad)} 行有误，未替换任何问答 / nothing replaced")
        store.replace_faq(entries)
        print(f"replaced the curated answers in {store.folder} with {len(entries)}")
        return 0
    results = store.merge_faq(entries)
    counts = {r: results.count(r) for r in ("added", "updated", "unchanged", "full")}
    print(f"{store.folder}: added {counts['added']}, updated {counts['updated']}, unchanged "
          f"{counts['unchanged']}, over the limit {counts['full']}, rejected {len(bad)}")
    return 1 if bad or counts["full"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parkqa", description="园区新闻问答 / parkqa")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("index", help="build or refresh the index")
    _common(p)
    p.set_defaults(fn=cmd_index)
    p = sub.add_parser("ask", help="answer one question")
    _common(p)
    p.add_argument("question", nargs="+")
    p.add_argument("--json", action="store_true", help="print the JSON contract")
    p.add_argument("--top-k", type=int, default=None,
                   help="kept for older scripts: the answer always reads the 8 best passages")
    p.set_defaults(fn=cmd_ask)
    p = sub.add_parser("serve", help="run the web chat and the JSON API")
    _common(p)
    p.add_argument("--host", help="bind address (env PARKQA_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (env PARKQA_PORT, default 7860)")
    p.add_argument("--workers", type=int, help="server processes sharing the index (env "
                   "PARKQA_WORKERS, default 1; the chat then needs sticky sessions)")
    p.set_defaults(fn=cmd_serve)
    p = sub.add_parser("eval", help="evaluate on a Q&A file")
    _common(p)
    p.add_argument("--qa", default="eval/qa.jsonl")
    p.add_argument("--out", default="eval/report")
    p.add_argument("--limit", type=int, default=None, help="only the first N items")
    p.add_argument("--split", choices=("train", "dev", "test"), default=None,
                   help="only the items of this split (default: all)")
    p.add_argument("--dialogues", default=None, help="also play this dialogue file")
    p.add_argument("--compare", default=None, metavar="METRICS_JSON",
                   help="an earlier run's metrics.json on the same items, shown beside these")
    p.add_argument("--compare-label", default="before", help="what --compare is (a column name)")
    p.add_argument("--min", action="append", default=[], metavar="METRIC=VALUE",
                   help="fail (exit 1) when a metric is below VALUE")
    p.add_argument("--max", action="append", default=[], metavar="METRIC=VALUE",
                   help="fail (exit 1) when a metric is above VALUE (e.g. answerable_refused)")
    p.set_defaults(fn=cmd_eval)
    p = sub.add_parser("fit", help="fit the answer scorer and refusal (train), choose on dev")
    _common(p)
    p.add_argument("--qa", default="eval/qa.jsonl")
    p.add_argument("--max-wrong-refusals", type=float, default=0.05,
                   help="share of answerable dev questions the refusal may refuse")
    p.add_argument("--dialogues", default="eval/dialogues.jsonl",
                   help="dialogues whose follow-up turns join the refusal's train and dev data")
    p.add_argument("--save-default", action="store_true",
                   help="also save it as the package default used by new indexes")
    p.set_defaults(fn=cmd_fit)
    p = sub.add_parser("feedback", help="summarise the 👍/👎 log: counts, 👎 share, latest 👎")
    p.add_argument("--log-dir", help="folder of feedback.jsonl (env PARKQA_LOG_DIR, default logs/)")
    p.add_argument("--since", help="only records from this ISO date or time on (UTC), e.g. 2026-11-01")
    p.add_argument("--recent", type=int, default=10, help="how many recent 👎 to show (default 10)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--rating", choices=("up", "down"), help="list only this rating")
    p.add_argument("--format", choices=("summary", "table", "csv", "jsonl", "qa"),
                   default="summary", help="summary (default); list the records as a table / "
                   "CSV / JSONL; or qa: each 👎 as a candidate Q&A item to edit")
    p.set_defaults(fn=cmd_feedback)
    p = sub.add_parser("faq", help="curated answers: export, import, or fit the match threshold")
    _common(p)
    p.add_argument("action", choices=("export", "import", "fit"))
    p.add_argument("file", nargs="?", help="export: write here (default stdout); import: read "
                   "this; fit: the Q&A file (default eval/qa.jsonl)")
    p.add_argument("--replace", action="store_true", help="import: replace every entry")
    p.add_argument("--max-false", type=float, default=0.01,
                   help="fit: wrong matches allowed, as a share of dev questions (default 0.01)")
    p.set_defaults(fn=cmd_faq)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.fn(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear one-line error, never a traceback, for known failures
        from .corpus import CorpusError
        from .embedding import ModelError
        from .index import IndexUnavailable

        if isinstance(exc, (CorpusError, ModelError, IndexUnavailable, ValueError, OSError)):
            print(f"parkqa: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
