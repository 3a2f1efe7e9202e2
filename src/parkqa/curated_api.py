"""The editor's curated answers and words, behind the admin key (the page is ``/admin``).

``GET /api/faq`` returns every entry (the export: ``POST /api/faq/import`` takes it back),
``POST /api/faq/upload`` imports an editor's file (JSONL, CSV or that export; ``faq_import``),
``POST /api/faq`` adds one or, with its ``id``, replaces it, ``DELETE /api/faq/{id}`` removes
one; a change answers from the next question on, in every worker. ``GET /api/lexicon`` returns
the editor's words and synonym groups and whether the index in use was built with them;
``PUT /api/lexicon`` replaces them and starts the re-index that applies them.

Example::

    $ curl -H 'Authorization: Bearer <admin key>' -H 'Content-Type: application/json' \\
        -d '{"question": "园区咨询电话是多少？", "answer": "0355-1234567", "source": "管委会办公室"}' \\
        http://127.0.0.1:7860/api/faq
    {"entry": {"id": "faq-1a2b3c4d", …}}
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel, Field

from .curated import MAX_FAQ, MAX_SOURCE, CuratedError, check_faq, clean_text
from .documents import KnowledgeBase
from .faq import check_source
from .faq_import import MAX_FILE_BYTES, check_rows, read_faq_file


# what a malformed request is told (the app's handler of validation errors picks it by path)
HELP = {"/api/faq/upload": "请以表单（multipart/form-data）上传 FAQ 文件：字段 file 为 JSONL、CSV 或导出的 JSON 文件，"
                           "可选字段 source 为文件中未注明来源时使用的来源说明。",
        "/api/faq": '问答格式不正确：需要 question（标准问题）和 answer（答案），可选 paraphrases（相似问法列表）、'
                    'doc 与 quote（来源文章与引用原文）或 source（来源说明）。',
        "/api/lexicon": '格式不正确：请发送 {"words": ["词语", …], "synonyms": [["简称", "全称"], …]}。'}


class FaqIn(BaseModel):
    question: str = Field(..., description="标准问题 / the question as people usually ask it")
    paraphrases: list[str] = Field(default_factory=list, description="相似问法 / other wordings")
    answer: str = Field(..., description="审核过的答案 / the vetted answer")
    doc: str = Field("", description="来源文章（seeds/ 中的文件名）/ the article that holds it")
    quote: str = Field("", description="要引用并标出的原文 / its words to cite (optional)")
    start: int | None = Field(None, ge=0, description="or the quote as raw offsets into doc")
    end: int | None = Field(None, ge=0)
    source: str = Field("", description="来源说明（没有文章时）/ a source in words")
    id: str = Field("", description="给出时替换这一条 / replaces the entry with this id")


class FaqImport(BaseModel):
    entries: list[dict] = Field(..., max_length=MAX_FAQ)
    replace: bool = Field(False, description="true: the import replaces every entry")


class LexiconIn(BaseModel):
    words: list[str] = Field(default_factory=list, description="词语 / words to keep whole")
    synonyms: list[list[str]] = Field(default_factory=list,
                                      description="同义词组 / spellings of one name")


def build_router(qa, settings, admin, api_error) -> APIRouter:
    router = APIRouter()
    store = qa.curated
    kb = KnowledgeBase(settings, qa)
    guarded = [Depends(admin)]

    def checked(data: dict):
        index = qa.index
        doc = data.get("doc") or ""
        if data.get("start") is not None and data.get("end") is not None and doc in index.articles:
            data["quote"] = index.articles[doc].raw[data["start"]:data["end"]]
        try:
            entry = check_faq(data)
            check_source(entry, index)
        except CuratedError as exc:
            raise api_error(422, "invalid_faq", str(exc)) from None
        return entry

    @router.get("/api/faq", dependencies=guarded, summary="Curated answers (admin; the export)")
    def list_faq() -> dict:
        try:
            return {"entries": [e.to_dict() for e in store.faq()]}
        except CuratedError as exc:
            raise api_error(409, "unreadable", str(exc)) from None

    @router.post("/api/faq", dependencies=guarded, status_code=201,
                 summary="Add or replace a curated answer (admin)")
    def put_faq(body: FaqIn) -> dict:
        entry = checked(body.model_dump())
        if entry.id and entry.id not in {e.id for e in store.faq()}:
            raise api_error(404, "not_found", f"没有编号为 {entry.id} 的问答。")
        try:
            return {"entry": store.put_faq(entry).to_dict()}
        except CuratedError as exc:
            raise api_error(422, "invalid_faq", str(exc)) from None

    @router.post("/api/faq/import", dependencies=guarded,
                 summary="Import curated answers (admin; what GET /api/faq exported)")
    def import_faq(body: FaqImport) -> dict:
        entries = [checked(dict(e)) for e in body.entries]
        keep = [] if body.replace else [e for e in store.faq()
                                        if e.id not in {x.id for x in entries}]
        try:
            store.replace_faq(keep + entries)
        except CuratedError as exc:
            raise api_error(422, "invalid_faq", str(exc)) from None
        return {"imported": len(entries), "total": len(keep) + len(entries)}

    @router.post("/api/faq/upload", dependencies=guarded,
                 summary="Import curated answers from an editor's file (admin)")
    async def upload_faq(
            file: UploadFile = File(..., description="JSONL, CSV (header row) or the JSON export"),
            source: str = Form("", description="来源说明 for rows that give no doc and no source")
    ) -> dict:
        """Every row is checked like the page's form. The good rows are imported (a row with a
        stored id or question replaces that entry; the others are added), the bad ones are
        listed in ``rejected`` with their ``line`` and a Chinese ``error``; nothing else stored
        changes. 422 when the file cannot be read or no row is usable."""
        raw = await file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise api_error(413, "file_too_large",
                            f"文件太大（上限 {MAX_FILE_BYTES // (1024 * 1024)} MB）。")
        try:
            default = clean_text(source, "默认来源说明", MAX_SOURCE, required=False)
            parsed = read_faq_file(raw)
        except CuratedError as exc:
            raise api_error(422, "unreadable_file", str(exc)) from None
        good, bad = check_rows(parsed.rows, qa.index, default_source=default)
        bad += parsed.bad
        if not good:
            bad.sort(key=lambda b: b["line"])
            raise api_error(422, "no_usable_rows", "没有可导入的问答：" + "；".join(
                f"第 {b['line']} 行：{b['error']}" for b in bad[:3]) + ("……" if len(bad) > 3 else ""),
                rejected=bad)
        try:
            results = store.merge_faq([e for _, e in good])
        except CuratedError as exc:
            raise api_error(409, "unreadable", str(exc)) from None
        bad += [{"line": line, "error": f"人工审核答案已达上限 {MAX_FAQ} 条，未导入。"}
                for (line, _), r in zip(good, results) if r == "full"]
        return {"format": parsed.format, "encoding": parsed.encoding,
                **{r: results.count(r) for r in ("added", "updated", "unchanged")},
                "rejected": sorted(bad, key=lambda b: b["line"]),
                "ignored_columns": parsed.ignored, "total": len(store.faq())}

    @router.delete("/api/faq/{faq_id}", dependencies=guarded,
                   summary="Delete a curated answer (admin)")
    def delete_faq(faq_id: str) -> dict:
        if not store.delete_faq(faq_id):
            raise api_error(404, "not_found", f"没有编号为 {faq_id} 的问答。")
        return {"deleted": faq_id}

    @router.get("/api/lexicon", dependencies=guarded,
                summary="The editor's words and synonyms (admin)")
    def lexicon() -> dict:
        lex = store.lexicon()
        index = qa.index
        return {**lex.to_dict(), "index_synonyms": index.synonyms,
                "applied": index.manifest.get("curated_lexicon", "") == lex.fingerprint()}

    @router.put("/api/lexicon", dependencies=guarded, status_code=202,
                summary="Replace the editor's words and synonyms, and re-index (admin)")
    def put_lexicon(body: LexiconIn) -> dict:
        try:
            lex = store.save_lexicon(body.words, body.synonyms)
        except CuratedError as exc:
            raise api_error(422, "invalid_lexicon", str(exc)) from None
        job = kb.start_reindex(f"词语 {len(lex.words)} 个，同义词 {len(lex.synonyms)} 组")
        return {**lex.to_dict(), "job": job}

    return router
