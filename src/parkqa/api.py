"""One server: FastAPI with the Gradio chat mounted at ``/``, run by uvicorn, the pipeline
loaded once at start-up and shared by every request.

Example::

    $ parkqa serve --port 7860        # or: python app.py
    parkqa: 长治园区新闻问答 running at http://127.0.0.1:7860/
"""
from __future__ import annotations

import logging

from .config import Settings
from .pipeline import ParkQA

log = logging.getLogger(__name__)
QUEUE_WORKERS = 8       # chat events answered at once; ask() takes ~40 ms, so this is plenty
QUEUE_SIZE = 256        # waiting events beyond this get Gradio's "queue full" message


def create_app(settings: Settings, qa: ParkQA | None = None):
    """The ASGI app: ``/api/health`` and the chat at ``/``."""
    try:
        import gradio as gr
        from fastapi import FastAPI
    except ImportError as exc:  # pragma: no cover
        raise ImportError("the server needs fastapi and gradio: pip install -e .") from exc
    from . import __version__
    from .ui import CSS, build_chat, theme

    qa = qa or ParkQA(settings)
    app = FastAPI(title="parkqa", version=__version__, docs_url="/docs", redoc_url=None)

    @app.get("/api/health")
    def health() -> dict:
        m = qa.index.manifest
        return {"status": "ok", "model": m.get("model"), "articles": len(qa.index.articles),
                "passages": len(qa.index.passages), "built": m.get("built_at"),
                "format": m.get("format")}

    chat = build_chat(qa, log_dir=settings.log_dir or None)
    chat.queue(default_concurrency_limit=QUEUE_WORKERS, max_size=QUEUE_SIZE)
    return gr.mount_gradio_app(app, chat, path="/", theme=theme(), css=CSS, footer_links=[],
                               ssr_mode=False, show_error=False)


def serve(settings: Settings) -> None:
    """Load the pipeline, print the URL, serve until interrupted."""
    import uvicorn

    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}/"
    print(f"parkqa: 长治园区新闻问答 running at {url}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
