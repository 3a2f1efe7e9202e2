"""One server: the JSON API, the chat at ``/`` and a compact chat for iframes at ``/embed``,
all in one FastAPI app run by uvicorn, with the pipeline loaded once at start-up.

Example::

    $ parkqa serve --port 7860        # or: python app.py
    parkqa: 园区新闻问答 running at http://127.0.0.1:7860/
    $ curl -s -X POST http://127.0.0.1:7860/api/ask -H 'Content-Type: application/json' \\
        -d '{"question": "长治高新区现在有多少家入区企业？"}'
    {"question": "…", "answered": true, "text": "入区企业从2021年的0.9万家增至1.2万家[1]", …}
"""
from __future__ import annotations

import hashlib
import logging
import os

try:
    from fastapi import Depends, FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import JSONResponse, RedirectResponse
except ImportError as exc:  # pragma: no cover - core dependencies, but say what to do
    raise ImportError("the server needs fastapi: pip install -e .  (or pip install fastapi)") \
        from exc

from .access import GuardMiddleware, RateLimiter, bearer_key, key_allowed
from .admin import build_router as admin_router, upload_limit
from .curated_api import HELP as CURATED_HELP, build_router as curated_router
from .api_models import ASK_HELP, FEEDBACK_HELP, HISTORY_HELP, AskRequest
from .articles_api import build_router as articles_router
from .config import Settings
from .faq_import import MAX_FILE_BYTES as FAQ_FILE_BYTES
from .feedback_api import build_router as feedback_router
from .openai_api import ChatError, build_router
from .pipeline import ParkQA
from .widget import build_router as widget_router

log = logging.getLogger(__name__)
QUEUE_WORKERS = 8       # chat events answered at once; ask() takes ~40 ms, so this is plenty
QUEUE_SIZE = 256        # waiting events beyond this get Gradio's "queue full" message


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, headers: dict | None = None,
                 **extra):
        super().__init__(message)
        self.status, self.error, self.message, self.headers = status, error, message, headers
        self.extra = extra    # more fields of the JSON body


def create_app(settings: Settings, qa: ParkQA | None = None):
    """The ASGI app: ``/api/*``, OpenAPI at ``/docs``, the chat at ``/`` and ``/embed``."""
    import gradio as gr

    from . import __version__
    from .ui import CSS, HEAD, build_chat, theme

    limiter = RateLimiter.parse(settings.rate_limit)   # a bad setting fails before loading
    qa = qa or ParkQA(settings)
    app = FastAPI(title="parkqa", version=__version__, docs_url=None, redoc_url=None,
                  description="园区新闻问答: cited answers quoted from the articles.")
    _offline_docs(app)

    def error(request, status: int, code: str, message: str, headers=None, **extra):
        if request.url.path.startswith("/v1/"):   # the shape OpenAI SDKs read the message from
            kind = "invalid_request_error" if status < 500 else "server_error"
            body = {"error": {"message": message, "type": kind, "code": code, **extra}}
        else:
            body = {"error": code, "message": message, **extra}
        return JSONResponse(body, status, headers=headers)

    @app.exception_handler(ApiError)
    async def api_error(request, exc: ApiError):
        return error(request, exc.status, exc.error, exc.message, exc.headers, **exc.extra)

    @app.exception_handler(ChatError)
    async def chat_error(request, exc: ChatError):
        return error(request, 422, "invalid_messages", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request, exc: RequestValidationError):
        details = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                    "problem": e.get("msg", "")} for e in exc.errors()]
        fields = {d["field"].split(".")[0] for d in details}
        message = (HISTORY_HELP if "history" in fields else
                   FEEDBACK_HELP if request.url.path == "/api/feedback" else
                   next((m for p, m in CURATED_HELP.items() if request.url.path.startswith(p)),
                        ASK_HELP))
        return error(request, 422, "invalid_request", message, details=details)

    @app.exception_handler(Exception)
    async def internal_error(request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return error(request, 500, "internal", "服务器内部错误，请稍后再试。")

    def guard(request: Request) -> None:
        key = bearer_key(request.headers.get("authorization"))
        if settings.api_keys and not key_allowed(key, settings.api_keys):
            raise ApiError(401, "unauthorized", "需要有效的 API 密钥：Authorization: Bearer <key>",
                           {"WWW-Authenticate": "Bearer"})
        if limiter:
            client = ("key:" + hashlib.sha256(key.encode()).hexdigest()[:16]) if key \
                else "ip:" + (request.client.host if request.client else "?")
            allowed, retry = limiter.hit(client)
            if not allowed:
                raise ApiError(429, "rate_limited", f"请求过于频繁，请 {retry} 秒后再试。",
                               {"Retry-After": str(retry)})

    def check(question: str) -> str:
        question = question.strip()
        if not question:
            raise ApiError(422, "empty_question", "问题不能为空。 (The question is empty.)")
        if len(question) > settings.max_question_chars:
            raise ApiError(422, "question_too_long",
                           f"问题太长了（超过 {settings.max_question_chars} 个字符）。"
                           f" (The question is longer than {settings.max_question_chars} characters.)")
        return question

    @app.post("/api/ask", dependencies=[Depends(guard)], summary="Answer one question")
    def ask(body: AskRequest) -> dict:
        """The Answer JSON: quotes with [n] markers, citations with raw character offsets, or
        ``answered: false`` with the closest passages in ``related``. ``history`` (earlier
        turns, oldest first) resolves follow-ups; ``resolved_question`` is what was answered."""
        return qa.ask(check(body.question), history=body.history_dicts(),
                      top_k=body.top_k or settings.top_k).to_dict()

    app.include_router(build_router(
        lambda question, history: qa.ask(question, history=history, top_k=settings.top_k).to_dict(),
        check, guard))

    def admin(request: Request) -> None:
        """With admin keys: one of them (a portal's API key, which its visitors can read, is
        not enough). Else with API keys: a valid key. Without keys: only this machine."""
        if settings.admin_keys:
            if not key_allowed(bearer_key(request.headers.get("authorization")),
                               settings.admin_keys):
                raise ApiError(403, "forbidden", "需要管理员密钥（PARKQA_ADMIN_KEYS）。"
                               " (An admin key is needed.)")
        elif settings.api_keys:
            guard(request)
        elif not request.client or request.client.host not in ("127.0.0.1", "::1"):
            raise ApiError(403, "forbidden", "只能在服务器本机上管理（或设置管理员密钥 PARKQA_ADMIN_KEYS）。")

    log_dir = settings.log_dir or None
    app.include_router(feedback_router(log_dir, guard, admin, ApiError))

    @app.get("/api/health", summary="Model, index and articles")
    def health() -> dict:
        """``generation`` is the index generation this process answers from, ``worker`` the
        process (with ``--workers N`` each one answers for itself)."""
        index = qa.index
        m = index.manifest
        return {"status": "ok", "model": m.get("model"), "dimension": m.get("dimension"),
                "articles": len(index.articles), "passages": len(index.passages),
                "sentences": len(index.sentences), "built_at": m.get("built_at"),
                "index_format": m.get("format"), "generation": index.generation,
                "worker": os.getpid()}

    app.include_router(articles_router(qa, guard, ApiError))
    app.include_router(widget_router())   # before the chat's mount at / takes every path
    app.include_router(admin_router(qa, settings, admin, ApiError))
    app.include_router(curated_router(qa, settings, admin, ApiError))

    @app.get("/embed", include_in_schema=False)
    def embed_without_slash():
        # relative, so it also lands right behind a proxy that serves us under a path prefix
        return RedirectResponse("embed/", status_code=308)

    expose = not settings.api_keys   # the chat's gradio_client endpoint cannot carry a key
    embed = build_chat(qa, log_dir=log_dir, compact=True, api=False)
    chat = build_chat(qa, log_dir=log_dir, api=expose)
    for blocks in (embed, chat):
        blocks.queue(default_concurrency_limit=QUEUE_WORKERS, max_size=QUEUE_SIZE)
    common = dict(theme=theme(), css=CSS, head=HEAD, footer_links=[], ssr_mode=False,
                  show_error=False)
    app = gr.mount_gradio_app(app, embed, path="/embed", **common)
    app = gr.mount_gradio_app(app, chat, path="/", **common)
    # Always ours, even with no origins (then browsers allow same-origin calls only): without a
    # CORSMiddleware on the parent, Gradio's own would answer preflights from any localhost page.
    # Any request header from an allowed origin: the OpenAI JS SDK sends x-stainless-* (and
    # adds more between versions); the origin list is the gate, not the header names.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.allowed_origins),
                       allow_methods=["GET", "POST", "DELETE"], allow_headers=["*"], max_age=600)
    app.add_middleware(GuardMiddleware, allowed_origins=settings.allowed_origins,
                       path_limits={"/api/documents": upload_limit(),
                                    "/api/faq/upload": FAQ_FILE_BYTES + 64 * 1024})
    return app


def _offline_docs(app) -> None:
    """OpenAPI docs at /docs from a local copy of Swagger UI: FastAPI's default page loads it
    from a CDN, which an intranet (or this offline machine) cannot reach."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="parkqa API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


def app_from_env():
    """App factory for several worker processes: ``uvicorn --factory parkqa.api:app_from_env``.
    Each worker loads the pipeline and reads the same index, read-only."""
    from .embedding import set_threads

    settings = Settings()
    set_threads(max(1, (os.cpu_count() or 1) // settings.workers))  # share the cores
    return create_app(settings)


def serve(settings: Settings) -> None:
    """Load the pipeline, print the URL, serve until interrupted. With ``workers`` > 1, uvicorn
    runs that many processes on the port, each with its own pipeline over the shared index
    (the JSON API is stateless; the chat then needs a load balancer with sticky sessions)."""
    import uvicorn

    url = f"http://{settings.host}:{settings.port}/"
    # no access log: nothing about a request (and never its Authorization header) is written
    common = dict(host=settings.host, port=settings.port, log_level="warning", access_log=False)
    workers = settings.workers
    if workers > 1:
        from .index import IndexUnavailable, load_index
        from .index_build import build_index
        from .store import parse_store

        kind, where = parse_store(settings.store)
        if kind == "milvus" and not where.startswith(("http://", "https://")):
            raise SystemExit(f"Milvus Lite ({where}) serves one process: for --workers run "
                             f"`milvus-lite server --data-dir {where} --port 19530` and set "
                             "PARKQA_STORE=milvus://127.0.0.1:19530")

        try:                      # build once here, not once per worker
            load_index(settings)
        except IndexUnavailable:
            build_index(settings)
        os.environ.update(settings.to_env())   # what each worker's Settings() reads
        print(f"parkqa: 园区新闻问答 running at {url} ({workers} workers)", flush=True)
        uvicorn.run("parkqa.api:app_from_env", factory=True, workers=workers, **common)
        return
    app = create_app(settings)
    print(f"parkqa: 园区新闻问答 running at {url}", flush=True)
    uvicorn.run(app, **common)
