"""The knowledge base an editor keeps: the article files in ``seeds/``, what the index made of
them, uploads and deletions, and the re-index each change starts in the background.

A re-index is a job whose progress is a small JSON file beside the index, so any worker of
``parkqa serve --workers N`` can report a job another worker runs. Builds are incremental (only
new or changed text is embedded) and published as a new index generation, which every worker
switches to before its next answer (``parkqa.generations``).

Example::

    >>> kb = KnowledgeBase(settings, qa)                      # doctest: +SKIP
    >>> saved, rejected = kb.save([("新闻.docx", data)])       # doctest: +SKIP
    >>> job = kb.start_reindex("上传 新闻.docx")               # doctest: +SKIP
    >>> kb.job(job["id"])["state"]                            # doctest: +SKIP
    'done'
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
import unicodedata
import uuid
from pathlib import Path

from .config import Settings
from .corpus import ARTICLE_SUFFIXES, CorpusError, article_paths
from .index import IndexUnavailable
from .ingest import IngestError, extract, max_file_bytes

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 120
KEEP_JOBS = 50            # finished job files kept for the page to read


class DocumentError(ValueError):
    """A request about a document that cannot be done; the message is Chinese, for the page."""


class DocumentMissing(DocumentError):
    """The document asked for is not in the articles folder."""


def check_name(name: str) -> str:
    """A file name that is safe to write into the articles folder, or a DocumentError."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name or name != Path(name).name or "\\" in name or name.startswith("."):
        raise DocumentError(f"文件名不可用：{name or '（空）'}")
    if len(name) > MAX_NAME_CHARS or any(unicodedata.category(c)[0] == "C" for c in name):
        raise DocumentError(f"文件名不可用（过长或含控制字符）：{name[:40]}")
    if Path(name).suffix.lower() not in ARTICLE_SUFFIXES:
        raise DocumentError(f"{name}：不支持的文件类型，支持 {' '.join(ARTICLE_SUFFIXES)}")
    return name


class KnowledgeBase:
    """The articles folder and its index, as an editor sees them."""

    def __init__(self, settings: Settings, qa) -> None:
        self.seeds = Path(settings.seeds)
        self.qa = qa
        index = Path(settings.index)
        self.jobs_dir = index.parent / f".{index.name}.jobs"
        self._queue = threading.Lock()   # one re-index at a time per process (builds also lock)

    # ------------------------------------------------------------------ listing

    def list(self) -> list[dict]:
        """Every article file: title, format, size, passages, when it was added, and whether
        it is indexed, waiting for a re-index, or skipped (with the reason)."""
        index = self.qa.index
        passages: dict[str, int] = {}
        for p in index.passages:
            passages[p.doc] = passages.get(p.doc, 0) + 1
        skipped = index.manifest.get("skipped", [])
        indexed_files = index.manifest.get("files", {})
        out = []
        for path in article_paths(self.seeds):
            stat = path.stat()
            art = index.articles.get(path.name)
            reason = next((e for e in skipped if e.startswith(path.name + "：")), "")
            if art is not None and path.name in indexed_files:
                status = "indexed"
            elif reason:
                status = "skipped"
            else:
                status = "pending"
            out.append({"doc": path.name, "title": art.title if art else "",
                        "format": path.suffix.lower().lstrip("."), "size": stat.st_size,
                        "passages": passages.get(path.name, 0),
                        "added": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stat.st_mtime)),
                        "status": status, "error": reason})
        return out

    # ------------------------------------------------------------------ changes

    def save(self, files: list[tuple[str, bytes]]) -> tuple[list[dict], list[dict]]:
        """Check and store uploaded files. Each is read as the index will read it before it is
        put in place, so a file without usable text is refused here, naming the problem, and
        nothing already in the folder is touched. Returns (saved, rejected)."""
        saved, rejected = [], []
        limit = max_file_bytes()
        for raw_name, data in files:
            try:
                name = check_name(raw_name)
                saved.append(self._store(name, data, limit))
            except (DocumentError, IngestError) as exc:
                rejected.append({"doc": raw_name, "error": str(exc)})
        return saved, rejected

    def _store(self, name: str, data: bytes, limit: int) -> dict:
        target = self.seeds / name
        tmp = self.seeds / f".upload-{uuid.uuid4().hex}{Path(name).suffix}"   # hidden: not read
        try:
            tmp.write_bytes(data)
            text = extract(tmp, max_bytes=limit).text
            replaced = target.exists()
            os.replace(tmp, target)
        except IngestError as exc:   # its message names the temporary file: name the upload
            raise DocumentError(str(exc).replace(tmp.name, name)) from None
        finally:
            tmp.unlink(missing_ok=True)
        return {"doc": name, "size": len(data), "chars": len(text), "replaced": replaced}

    def delete(self, doc: str) -> None:
        path = self.seeds / check_name(doc)
        if not path.is_file():
            raise DocumentMissing(f"没有这篇文章：{doc}")
        if len(article_paths(self.seeds)) <= 1:
            raise DocumentError("至少要保留一篇文章。")
        path.unlink()

    # ------------------------------------------------------------------ re-index jobs

    def start_reindex(self, reason: str) -> dict:
        """Start a re-index in the background; returns the job (poll it with ``job``)."""
        job = {"id": uuid.uuid4().hex[:12], "reason": reason, "state": "queued", "stage": "",
               "done": 0, "total": 0, "started": _now(), "finished": None, "message": "",
               "worker": os.getpid()}
        self._write(job)
        threading.Thread(target=self._run, args=(job,), daemon=True,
                         name=f"reindex-{job['id']}").start()
        return job

    def _run(self, job: dict) -> None:
        def report(stage: str, done: int, total: int) -> None:
            job.update(state="running", stage=stage, done=done, total=total)
            self._write(job)

        with self._queue:
            try:
                manifest = self.qa.reindex(report=report)
            except (IndexUnavailable, CorpusError, OSError) as exc:
                log.error("re-index failed: %s", exc)   # details and paths stay in the log
                job.update(state="failed", message="重建索引失败，仍在使用原索引；详情见服务器日志。")
            except Exception:   # noqa: BLE001 - a background thread: log it, tell the page
                log.exception("re-index failed")
                job.update(state="failed", message="重建索引失败，仍在使用原索引；详情见服务器日志。")
            else:
                job.update(state="done", stage="published", counts=manifest["counts"],
                           skipped=manifest["skipped"], seconds=manifest["build_seconds"])
            job["finished"] = _now()
            self._write(job)

    def job(self, job_id: str) -> dict | None:
        if not job_id.isalnum():
            return None
        try:
            return json.loads((self.jobs_dir / f"{job_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write(self, job: dict) -> None:
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.jobs_dir / f".{job['id']}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.jobs_dir / f"{job['id']}.json")   # readers see whole files only
        if job["state"] in ("done", "failed"):
            finished = sorted(self.jobs_dir.glob("*.json"), key=lambda p: p.stat().st_mtime)
            for old in finished[:-KEEP_JOBS]:
                old.unlink(missing_ok=True)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
