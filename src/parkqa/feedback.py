"""Append-only JSONL log of 👍/👎 on answers, safe when many users click at once.

Each record is appended while holding ``feedback.jsonl.lock`` (filelock: exclusive across
threads and server processes), so lines from concurrent clicks never interleave and nothing
already written is touched.

Example::

    >>> from parkqa.feedback import FeedbackLog
    >>> log = FeedbackLog("/tmp/parkqa-doc-logs")
    >>> log.append({"rating": "up", "question": "高新区有多少家入区企业？"})["rating"]
    'up'
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock


class FeedbackLog:
    """``folder/feedback.jsonl``; the folder is created on first use."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / "feedback.jsonl"

    def append(self, record: dict) -> dict:
        record = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), **record}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(self.path.with_name(self.path.name + ".lock")):
            with open(self.path, "ab") as fh:
                fh.write(line)
        return record

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
