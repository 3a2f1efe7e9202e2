"""Append-only JSONL log of 👍/👎 on answers, safe when many users click at once.

Each record is written with one ``write`` on a file opened with ``O_APPEND`` while holding an
exclusive ``flock``, so lines from concurrent threads or server processes never interleave and
nothing already written is touched.

Example::

    >>> from parkqa.feedback import FeedbackLog
    >>> log = FeedbackLog("/tmp/parkqa-doc-logs")
    >>> log.append({"rating": "up", "question": "高新区有多少家入区企业？"})["rating"]
    'up'
"""
from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path


class FeedbackLog:
    """``folder/feedback.jsonl``; the folder is created on first use."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / "feedback.jsonl"
        self._lock = threading.Lock()

    def append(self, record: dict) -> dict:
        record = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), **record}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)  # closing releases the lock
        return record

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
