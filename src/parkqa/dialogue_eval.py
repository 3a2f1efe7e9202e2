"""Play dialogues (DESIGN.md §3 dialogue file) turn by turn through ``ParkQA.ask`` with the
history so far, as a chat user would, and score every turn.

Example::

    >>> from parkqa.dialogue_eval import evaluate_dialogues, load_dialogues
    >>> report = evaluate_dialogues(qa, load_dialogues("eval/dialogues.jsonl"))  # doctest: +SKIP
    >>> report["overall"]["turn_accuracy"]                                      # doctest: +SKIP
    0.91
"""
from __future__ import annotations

import json
from pathlib import Path

from .corpus import squash


def load_dialogues(path: str | Path) -> list[dict]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            d = json.loads(line)
            if not d.get("turns"):
                raise ValueError(f"{path}: line {n} has no turns")
            out.append(d)
    return out


def turn_right(turn: dict, answered: bool, text: str) -> bool:
    """Answerable: answered and holding every must_contain; unanswerable: refused."""
    if not turn.get("answerable", True):
        return not answered
    body = squash(text)
    return answered and all(squash(m) in body for m in turn.get("must_contain", []))


def evaluate_dialogues(qa, dialogues: list[dict]) -> dict:
    """Aggregate (turn and whole-dialogue accuracy) and per-turn rows."""
    rows = []
    for d in dialogues:
        history: list[dict] = []
        for k, turn in enumerate(d["turns"]):
            ans = qa.ask(turn["question"], history=history)
            rows.append({"id": d["id"], "turn": k, "question": turn["question"],
                         "resolved_question": ans.resolved_question,
                         "answerable": turn.get("answerable", True), "answered": ans.answered,
                         "right": turn_right(turn, ans.answered, ans.text), "text": ans.text})
            history.append({"question": turn["question"], "answer": ans.text})
    ids = {r["id"] for r in rows}
    overall = {
        "dialogues": len(ids), "turns": len(rows),
        "turn_accuracy": round(sum(r["right"] for r in rows) / len(rows), 4) if rows else None,
        "dialogue_accuracy": round(sum(all(r["right"] for r in rows if r["id"] == i)
                                       for i in ids) / len(ids), 4) if ids else None,
        "followup_turn_accuracy": _mean([r["right"] for r in rows if r["turn"] > 0]),
    }
    return {"overall": overall, "turns": rows}


def _mean(values: list[bool]):
    return round(sum(values) / len(values), 4) if values else None


def follow_up_items(qa, dialogues: list[dict]) -> list[dict]:
    """Each follow-up turn as a Q&A item of its own: the question as resolved from the
    questions and gold answers before it (what the refusal meets in a chat), with the turn's
    gold fields; a turn the articles do not answer is an unanswerable item."""
    out = []
    for d in dialogues:
        history: list[dict] = []
        for k, turn in enumerate(d["turns"]):
            if k:
                answerable = turn.get("answerable", True)
                out.append({"id": f"{d['id']}-{k}", "question": qa.resolve(turn["question"], history),
                            "must_contain": turn.get("must_contain", []) if answerable else [],
                            "evidence": turn.get("evidence", []) if answerable else [],
                            "type": "follow_up" if answerable else "unanswerable",
                            "source": d.get("source", "")})
            history.append({"question": turn["question"], "answer": turn.get("answer", "")})
    return out
