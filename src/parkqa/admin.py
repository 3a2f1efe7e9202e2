"""The knowledge-base API and its Chinese admin page, behind the admin key.

``GET /api/documents`` lists the articles, ``POST /api/documents`` (multipart, field ``files``,
one or more) uploads, ``DELETE /api/documents/{doc}`` removes one; each change starts an
incremental re-index whose progress ``GET /api/documents/jobs/{id}`` reports.
``POST /api/hit-test`` shows what the bot reads for a question (the passages with their scores)
and the answer it would give. ``/admin`` is the page for all of it; the page itself holds no
data, and every call it makes carries the admin key typed into it.

Example::

    $ curl -H 'Authorization: Bearer <admin key>' -F files=@新闻.docx http://127.0.0.1:7860/api/documents
    {"saved": [{"doc": "新闻.docx", …}], "rejected": [], "job": {"id": "…", "state": "queued", …}}
"""
from __future__ import annotations

import logging
from importlib import resources

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from .corpus import CorpusError
from .documents import DocumentError, DocumentMissing, KnowledgeBase
from .index import IndexUnavailable
from .ingest import max_file_bytes

log = logging.getLogger(__name__)

PAGE = resources.files("parkqa").joinpath("static/admin.html")
MAX_FILES = 20          # files in one upload


def upload_limit() -> int:
    """Bytes one upload request may carry: a few files of the largest size allowed."""
    return 5 * max_file_bytes() + 64 * 1024


class HitTestRequest(BaseModel):
    question: str = Field(..., description="问题 / the question to test")
    # at most the passages the answerer reads whatever k is (8), so that the answer shown is
    # the one /api/ask gives
    top_k: int = Field(8, ge=1, le=8, description="passages to show")


def build_router(qa, settings, admin, api_error) -> APIRouter:
    """``admin``: the dependency that lets only the operator through; ``api_error(status,
    code, message)``: the app's JSON error."""
    router = APIRouter()
    kb = KnowledgeBase(settings, qa)
    page = PAGE.read_text(encoding="utf-8")
    guarded = [Depends(admin)]

    @router.get("/admin", include_in_schema=False)
    def admin_page():
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @router.post("/api/reindex", dependencies=guarded, summary="Re-read seeds/, swap in")
    def reindex() -> dict:
        """Rebuild the index from the articles folder while the old one keeps answering; every
        worker switches to the new one once it is published. A failed build leaves the old
        index serving. (The page uses the documents API, which re-indexes in the background.)"""
        try:
            manifest = qa.reindex()
        except (IndexUnavailable, CorpusError, OSError) as exc:
            log.error("reindex failed: %s", exc)   # the details (and paths) stay in the log
            raise api_error(409, "reindex_failed", "重建索引失败，仍在使用原索引；详情见服务器日志。") \
                from None
        return {"status": "reindexed", **manifest["counts"], "skipped": manifest["skipped"],
                "seconds": manifest["build_seconds"]}

    @router.get("/api/documents", dependencies=guarded, summary="The articles (admin)")
    def documents() -> dict:
        """Each article file: ``doc``, ``title``, ``format``, ``size`` (bytes), ``passages``,
        ``added`` (UTC), ``status`` (indexed, pending: waiting for a re-index, or skipped,
        with ``error``)."""
        index = qa.index
        return {"documents": kb.list(), "generation": index.generation,
                "built_at": index.manifest.get("built_at")}

    @router.post("/api/documents", dependencies=guarded, status_code=202,
                 summary="Upload articles and re-index (admin)")
    async def upload(files: list[UploadFile] = File(..., description="one or more articles")):
        """Accepts .txt, .md, .html/.htm, .docx and .pdf with a text layer. Each file is read
        at once; one without usable text is listed in ``rejected`` with the reason, and the
        others are saved. A re-index starts in the background: poll ``job``."""
        if len(files) > MAX_FILES:
            raise api_error(422, "too_many_files", f"一次最多上传 {MAX_FILES} 个文件。")
        contents = [(f.filename or "", await f.read()) for f in files]
        saved, rejected = kb.save(contents)
        if not saved:
            raise api_error(422, "no_usable_files", "没有可用的文件："
                            + "；".join(r["error"] for r in rejected), rejected=rejected)
        job = kb.start_reindex("上传 " + "、".join(s["doc"] for s in saved))
        return {"saved": saved, "rejected": rejected, "job": job}

    @router.delete("/api/documents/{doc:path}", dependencies=guarded, status_code=202,
                   summary="Delete an article and re-index (admin)")
    def delete(doc: str) -> dict:
        try:
            kb.delete(doc)
        except DocumentMissing as exc:
            raise api_error(404, "not_found", str(exc)) from None
        except DocumentError as exc:
            raise api_error(409, "refused", str(exc)) from None
        return {"deleted": doc, "job": kb.start_reindex("删除 " + doc)}

    @router.get("/api/documents/jobs/{job_id}", dependencies=guarded,
                summary="Progress of a re-index (admin)")
    def job(job_id: str) -> dict:
        """``state``: queued, running, done or failed; ``stage``: reading, embedding (``done``
        of ``total`` texts), saving, published."""
        found = kb.job(job_id)
        if found is None:
            raise api_error(404, "not_found", "没有这个任务。")
        return found

    @router.post("/api/hit-test", dependencies=guarded,
                 summary="The passages read for a question, and the answer (admin)")
    def hit_test(body: HitTestRequest) -> dict:
        """The fused ranking (``score``, in standard deviations), its dense (cosine) and BM25
        parts, and the answer ``/api/ask`` would give."""
        question = body.question.strip()
        if not question:
            raise api_error(422, "empty_question", "问题不能为空。")
        loaded = qa.current()     # hits are passage ids of this generation
        answer, hits = qa.ask_with_passages(question, top_k=body.top_k, loaded=loaded)
        index = loaded.index
        passages = []
        for rank, hit in enumerate(hits[:body.top_k], 1):
            p = index.passages[hit.id]
            art = index.articles.get(p.doc)
            passages.append({"rank": rank, "doc": p.doc, "title": art.title if art else p.doc,
                             "text": p.text, "score": round(hit.score, 4),
                             "dense": round(hit.dense, 4), "bm25": round(hit.bm25, 4)})
        return {"question": question, "answer": answer.to_dict(), "passages": passages,
                "generation": index.generation}

    return router
