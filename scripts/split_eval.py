"""Merge blind-written question files into eval/ and split them once into train/dev/test.

Run once per new batch of blind questions; never re-split items already in eval/ (their split is
kept), so test items stay unseen. Stratified by type (and by English vs Chinese) with a stable
hash of the id, so the split does not depend on file order.

    python scripts/split_eval.py --qa NEW_qa.jsonl... --dialogues NEW_dialogues.jsonl...

When the test split has been read too often (even in aggregate), ``--new-test`` makes a fresh
blind batch the whole test split and moves the old test items into train and dev:

    python scripts/split_eval.py --new-test --qa NEW_qa.jsonl --dialogues NEW_dialogues.jsonl

A batch written to learn from while the test split stays as it is (``--train-dev``) is split
half and half into train and dev.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from collections import defaultdict
from pathlib import Path

SHARES = (("train", 0.5), ("dev", 0.2), ("test", 0.3))
RETIRED = (("train", 0.5), ("dev", 0.5))   # where old test items go when a new batch replaces them


def _key(item_id: str) -> str:
    return hashlib.sha1(item_id.encode("utf-8")).hexdigest()


def assign(items: list[dict], stratum, shares=SHARES) -> None:
    groups = defaultdict(list)
    for item in items:
        groups[stratum(item)].append(item)
    for group in groups.values():
        group.sort(key=lambda it: _key(it["id"]))
        n, start = len(group), 0
        for k, (name, share) in enumerate(shares):
            end = n if k == len(shares) - 1 else start + round(share * n)
            for item in group[start:end]:
                item["split"] = name
            start = end


def merge(path: Path, new_files: list[str], stratum, *, new_test: bool = False,
          train_dev: bool = False) -> None:
    old = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()] \
        if path.exists() else []
    seen = {it["id"] for it in old}
    new = [json.loads(x) for f in new_files for x in Path(f).read_text(encoding="utf-8").splitlines()
           if x.strip()]
    new = [it for it in new if it["id"] not in seen]
    if new_test:
        assign([it for it in old if it.get("split") == "test"], stratum, RETIRED)
        assign(new, stratum, (("test", 1.0),))
    else:
        assign(new, stratum, RETIRED if train_dev else SHARES)
    with open(path, "w", encoding="utf-8") as fh:
        for it in old + new:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    counts = defaultdict(int)
    for it in old + new:
        counts[it.get("split", "?")] += 1
    print(f"{path}: {len(old)} kept, {len(new)} added; {dict(counts)}")


def _lang(item: dict) -> str:
    """The item's language: its "lang" field, else what its question is written in."""
    from parkqa.question import clean, is_english

    return item.get("lang") or ("en" if is_english(clean(item["question"])) else "zh")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--qa", nargs="*", default=[])
    ap.add_argument("--dialogues", nargs="*", default=[])
    ap.add_argument("--eval-dir", default="eval")
    ap.add_argument("--new-test", action="store_true",
                    help="the new items become the test split; the old test items join train/dev")
    ap.add_argument("--train-dev", action="store_true",
                    help="the new items join train and dev only (the test split stays unseen)")
    args = ap.parse_args()
    out = Path(args.eval_dir)
    if args.qa:
        merge(out / "qa.jsonl", args.qa, lambda it: (it["type"], _lang(it)),
              new_test=args.new_test, train_dev=args.train_dev)
    if args.dialogues:
        merge(out / "dialogues.jsonl", args.dialogues, lambda it: len(it["turns"]),
              new_test=args.new_test, train_dev=args.train_dev)


if __name__ == "__main__":
    main()
