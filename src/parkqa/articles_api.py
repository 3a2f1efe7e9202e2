"""The articles a citation points into: ``GET /api/docs/{doc}`` (JSON, or the marked page with
``format=html``) for clients, behind the API key, and ``/source/{doc}``, the page the chat's [n]
opens, public like the chat. Only names of indexed articles are looked up.

Example::

    $ curl -s 'http://127.0.0.1:7860/api/docs/000_….txt?start=120&end=160'
    {"doc": "000_….txt", "title": "…", "text": "…", "marks": [[120, 160]], "html": "…<mark>…"}
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from .docview import article_page, marked_html, parse_spans


def build_router(qa, guard, api_error) -> APIRouter:
    """``guard``: the dependency of the public API (keys, rate limit); ``api_error(status,
    code, message)``: the app's JSON error."""
    router = APIRouter()

    def marks_for(doc: str, start, end, spans):
        art = qa.index.articles.get(doc)
        if art is None:
            raise api_error(404, "not_found", "没有这篇文章。")
        try:
            return art, parse_spans(spans, start, end, len(art.raw))
        except ValueError as exc:
            raise api_error(422, "invalid_request", str(exc)) from None

    @router.get("/api/docs/{doc:path}", dependencies=[Depends(guard)],
                summary="One article, for a citation viewer")
    def article(doc: str, start: int | None = None, end: int | None = None,
                spans: str | None = None, format: str = "json"):
        """Title, metadata (as in citations) and raw text of an indexed article; citation
        offsets index into ``text``.
        With ``start``/``end`` (or ``spans=a-b,c-d``, a citation's exact pieces) it also returns
        ``marks`` and ``html``: the article with each piece in ``<mark>``, the view the chat's
        [n] opens; ``format=html`` returns that view as a whole page.
        Only names of indexed articles are looked up: nothing else on disk is reachable."""
        art, marks = marks_for(doc, start, end, spans)
        if format == "html":
            return HTMLResponse(article_page(art, marks))
        out = {"doc": art.doc, **art.meta.citation_fields(), "park": art.park, "text": art.raw}
        if marks:
            out |= {"marks": marks, "html": marked_html(art.raw, marks)}
        return out

    @router.get("/source/{doc:path}", include_in_schema=False)
    def source_page(doc: str, start: int | None = None, end: int | None = None,
                    spans: str | None = None):
        """The chat's article view: public like the chat itself, which already shows these
        articles' paragraphs (``/api/docs`` may need a key the browser does not have)."""
        art, marks = marks_for(doc, start, end, spans)
        return HTMLResponse(article_page(art, marks))

    return router
