"""Evaluate any answering system on a Q&A file (DESIGN.md §3 format): aggregate and per-item
scores in one call, with BM25-only and dense-only baselines run on the same items.

Example::

    >>> from parkqa.evaluation import load_qa, evaluate
    >>> items = load_qa("eval/qa.jsonl")                    # doctest: +SKIP
    >>> report = evaluate(qa, items)                        # doctest: +SKIP
    >>> report["systems"]["parkqa"]["overall"]["must_contain_all"]   # doctest: +SKIP
    0.93
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from .corpus import squash
from .question import clean, is_english
from .twins import TWIN, train_similarity

TYPES = ("fact_number", "fact_entity", "list", "why_how", "cross_doc", "temporal", "yes_no",
         "summary", "unanswerable")


def split_items(items: list[dict], split: str | None) -> list[dict]:
    """Items of one split ("train", "dev", "test"); all items when ``split`` is None."""
    return items if not split else [i for i in items if i.get("split") == split]


def split_sizes(items: list[dict]) -> dict[str, int]:
    """How many items each split of a Q&A file holds ("all" when none is marked)."""
    from collections import Counter

    return dict(Counter(item.get("split", "all") for item in items))


def _earlier(path: str | None, items: int) -> dict | None:
    """The metrics.json of an earlier run given with ``--compare``, when it is one over as many
    items as this run (else ValueError, said in one line)."""
    if not path:
        return None
    try:
        earlier = json.loads(Path(path).read_text(encoding="utf-8"))
        counted = earlier["parkqa"]["overall"]["items"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"--compare {path}: not a metrics.json of `parkqa eval` ({exc})") \
            from None
    if counted != items:
        raise ValueError(f"--compare {path}: its {counted} items are not these {items}")
    return earlier


def load_qa(path: str | Path, seeds: str | Path | None = None) -> list[dict]:
    """Read and validate a Q&A file. With ``seeds``, every evidence quote must be an exact
    substring of its raw file and every ``must_contain`` string must appear in the evidence."""
    items, problems = [], []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            problems.append(f"line {n}: not JSON ({exc})")
            continue
        for key in ("id", "question", "must_contain", "evidence", "type"):
            if key not in item:
                problems.append(f"line {n}: missing '{key}'")
        if item.get("type") == "unanswerable" and (item.get("must_contain") or item.get("evidence")):
            problems.append(f"{item.get('id')}: unanswerable items have no must_contain/evidence")
        if seeds is not None:
            evidence = ""
            for ev in item.get("evidence", []):
                path_ = Path(seeds) / ev["doc"]
                raw = path_.read_text(encoding="utf-8-sig") if path_.exists() else ""
                if ev["quote"] not in raw:
                    problems.append(f"{item.get('id')}: evidence quote not in {ev['doc']}: "
                                    f"{ev['quote']!r}")
                evidence += squash(ev["quote"])
            for m in item.get("must_contain", []):
                if squash(m) not in evidence:
                    problems.append(f"{item.get('id')}: must_contain {m!r} not in its evidence")
        items.append(item)
    if problems:
        raise ValueError("invalid Q&A file:\n  " + "\n  ".join(problems))
    ids = [i["id"] for i in items]
    if len(set(ids)) != len(ids):
        raise ValueError("invalid Q&A file: duplicate ids")
    return items


def evidence_ranges(item: dict, articles: dict) -> list[tuple[str, int, int]]:
    out = []
    for ev in item["evidence"]:
        art = articles.get(ev["doc"])
        pos = art.raw.find(ev["quote"]) if art else -1
        if pos >= 0:
            out.append((ev["doc"], pos, pos + len(ev["quote"])))
    return out


def _overlaps(doc: str, spans, ranges) -> bool:
    return any(d == doc and a < e and s < b for d, s, e in ranges for a, b in spans)


def score_item(item: dict, *, answered: bool, text: str, citations: list[dict],
               passages: list[tuple[str, list]], seconds: float, ranges,
               confidence: float | None = None) -> dict:
    """Per-item scores. ``passages`` are (doc, raw spans) of the ranked passages."""
    answerable = item["type"] != "unanswerable"
    body = squash(text) if answered else ""
    must = [squash(m) for m in item["must_contain"]]
    found = [m for m in must if m in body]
    hit_rank = next((r for r, (doc, spans) in enumerate(passages, start=1)
                     if _overlaps(doc, spans, ranges)), None)
    cited = [c for c in citations if c.get("spans") or c.get("start") is not None]
    good = [c for c in cited if _overlaps(c["doc"], c.get("spans") or [[c["start"], c["end"]]],
                                          ranges)]
    return {
        "id": item["id"], "type": item["type"], "question": item["question"],
        # a file need not mark it: an English question is read as one
        "lang": item.get("lang") or ("en" if is_english(clean(item["question"])) else "zh"),
        "expected": item.get("answer", ""), "answered": answered, "text": text,
        "answerable": answerable,
        "must_contain_all": (len(found) == len(must)) if answerable else None,
        "must_contain_share": (len(found) / len(must) if must else 1.0) if answerable else None,
        "evidence_rank": hit_rank,
        "citation_precision": (len(good) / len(cited) if cited else None) if answerable else None,
        "refused": not answered,
        "answer_chars": len(text) if answered else 0,
        "confidence": confidence,
        "seconds": round(seconds, 4),
    }


def aggregate(rows: list[dict]) -> dict:
    def mean(values):
        values = [v for v in values if v is not None]
        return round(sum(values) / len(values), 4) if values else None

    ans = [r for r in rows if r["answerable"]]
    unans = [r for r in rows if not r["answerable"]]
    lat = sorted(r["seconds"] for r in rows)
    lengths = [r["answer_chars"] for r in ans if r["answered"]]
    return {
        "items": len(rows),
        "must_contain_all": mean([float(r["must_contain_all"]) for r in ans]),
        "must_contain_share": mean([r["must_contain_share"] for r in ans]),
        "evidence_top1": mean([float(r["evidence_rank"] == 1) for r in ans]),
        "evidence_top3": mean([float(bool(r["evidence_rank"]) and r["evidence_rank"] <= 3)
                               for r in ans]),
        "evidence_top5": mean([float(bool(r["evidence_rank"]) and r["evidence_rank"] <= 5)
                               for r in ans]),
        "citation_precision": mean([r["citation_precision"] for r in ans]),
        "unanswerable_refused": mean([float(r["refused"]) for r in unans]),
        "answerable_refused": mean([float(r["refused"]) for r in ans]),
        "median_answer_chars": statistics.median(lengths) if lengths else None,
        "latency_p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
        "latency_p95_ms": round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1)
        if lat else None,
    }


def _passage_spans(index, pid: int) -> tuple[str, list]:
    p = index.passages[pid]
    return p.doc, [tuple(x) for sid in p.sentence_ids for x in index.sentences[sid].spans]


def evaluate(qa, items: list[dict], *, k: int = 5, baselines: bool = True,
             progress: bool = False, train: list[str] = ()) -> dict:
    """Run ``qa`` (a ParkQA) and the baselines over ``items``; per-item rows and aggregates.

    Baselines answer like the usual pipelines: the whole top passage of one retriever, never a
    refusal. With ``train`` (the train split's questions), each row carries its question's
    ``train_similarity`` and the items with and without a near twin in train are aggregated
    apart (``like_train``, ``unlike_train``)."""
    index = qa.index
    systems = {"parkqa": []}
    if baselines:
        systems.update({"bm25_only": [], "dense_only": []})
    bar = None
    if progress:
        try:
            from tqdm import tqdm

            bar = tqdm(total=len(items), desc="eval", unit="q", file=sys.stderr)
        except ImportError:  # pragma: no cover
            bar = None
    for item in items:
        ranges = evidence_ranges(item, index.articles)
        t0 = time.perf_counter()
        answer, hits = qa.ask_with_passages(item["question"], top_k=k)  # what the chat runs
        dt = time.perf_counter() - t0
        systems["parkqa"].append(score_item(
            item, answered=answer.answered, text=answer.text,
            citations=[c.to_dict() | {"spans": c.spans} for c in answer.citations],
            passages=[_passage_spans(index, h.id) for h in hits], seconds=dt, ranges=ranges,
            confidence=answer.confidence))
        if baselines:
            for name, mode in (("bm25_only", "bm25"), ("dense_only", "dense")):
                t0 = time.perf_counter()
                bhits = qa.retriever.passages(item["question"], k=k, mode=mode)
                dt = time.perf_counter() - t0
                top = index.passages[bhits[0].id] if bhits else None
                doc, spans = _passage_spans(index, top.id) if top else ("", [])
                systems[name].append(score_item(
                    item, answered=top is not None, text=top.text if top else "",
                    citations=[{"doc": doc, "spans": spans}] if top else [],
                    passages=[_passage_spans(index, h.id) for h in bhits], seconds=dt,
                    ranges=ranges))
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    out = {"systems": {}, "refusal_curve": refusal_curve(systems["parkqa"])}
    similar = train_similarity([i["question"] for i in items], list(train)) if train else None
    for name, rows in systems.items():
        by_type = {t: aggregate([r for r in rows if r["type"] == t]) for t in TYPES
                   if any(r["type"] == t for r in rows)}
        slices = {"english": [r for r in rows if r["lang"] == "en"]}   # across types
        if similar is not None:
            for r, sim in zip(rows, similar):
                r["train_similarity"] = sim
            slices["like_train"] = [r for r in rows if r["train_similarity"] >= TWIN]
            slices["unlike_train"] = [r for r in rows if r["train_similarity"] < TWIN]
        by_type.update({n: aggregate(part) for n, part in slices.items() if part})
        out["systems"][name] = {"overall": aggregate(rows), "by_type": by_type, "items": rows}
    return out


def refusal_curve(rows: list[dict], thresholds=None) -> list[dict]:
    """Refusal rates if the confidence threshold were ``t``: the trade-off behind the default.
    Only items the pipeline reached count (an empty question has no confidence)."""
    thresholds = thresholds or [round(0.05 * i, 2) for i in range(0, 21)]
    rows = [r for r in rows if r.get("confidence") is not None]
    ans = [r["confidence"] for r in rows if r["answerable"]]
    unans = [r["confidence"] for r in rows if not r["answerable"]]
    return [{"threshold": t,
             "unanswerable_refused": round(sum(c < t for c in unans) / len(unans), 4) if unans
             else None,
             "answerable_refused": round(sum(c < t for c in ans) / len(ans), 4) if ans else None}
            for t in thresholds]


def run_cli(args, settings) -> int:
    from .eval_report import METRICS, render_markdown, write_chart
    from .pipeline import ParkQA

    every = load_qa(args.qa, seeds=settings.seeds)
    items = split_items(every, args.split)
    if args.limit:
        items = items[: args.limit]
    try:
        earlier = _earlier(args.compare, len(items))
    except ValueError as exc:
        print(f"parkqa eval: {exc}", file=sys.stderr)
        return 2
    qa = ParkQA(settings)
    # dev and test items are told apart by how alike they are to train's
    train = [i["question"] for i in split_items(every, "train")] \
        if args.split in ("dev", "test") else []
    report = evaluate(qa, items, progress=True, train=train)
    if args.dialogues:
        from .dialogue_eval import evaluate_dialogues, load_dialogues

        report["dialogues"] = evaluate_dialogues(
            qa, split_items(load_dialogues(args.dialogues), args.split))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.jsonl", "w", encoding="utf-8") as fh:
        for name, sys_ in report["systems"].items():
            for row in sys_["items"]:
                fh.write(json.dumps({"system": name, **row}, ensure_ascii=False) + "\n")
    metrics = {name: {"overall": s["overall"], "by_type": s["by_type"]}
               for name, s in report["systems"].items()}
    metrics["refusal_curve"] = report["refusal_curve"]
    metrics["split"] = args.split or "all"
    if "dialogues" in report:
        metrics["dialogues"] = report["dialogues"]["overall"]
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1),
                                      encoding="utf-8")
    threshold = qa.answerer.model.threshold
    (out / "report.md").write_text(render_markdown(
        report, qa_file=args.qa, split=args.split, manifest=qa.index.manifest,
        default_threshold=threshold, sizes=split_sizes(every),
        compare=(args.compare_label, earlier) if earlier else None), encoding="utf-8")
    write_chart(report, out / "chart.png", default_threshold=threshold)
    overall = report["systems"]["parkqa"]["overall"]
    for m in METRICS:
        print(f"{m:24s} " + "  ".join(f"{n}={s['overall'][m]}"
                                      for n, s in report["systems"].items()))
    if "dialogues" in report:
        print("dialogues                " + json.dumps(report["dialogues"]["overall"]))
    print(f"report: {out / 'report.md'}")
    failed = []
    for spec, below in [(x, True) for x in args.min] + [(x, False) for x in args.max]:
        name, _, value = spec.partition("=")
        got = overall.get(name)
        if got is None or (got < float(value) if below else got > float(value)):
            failed.append(f"{name}={got} {'<' if below else '>'} {value}")
    if failed:
        print("thresholds not met: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0
