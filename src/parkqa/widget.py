"""``GET /widget.js``: the script-tag chat widget for portal pages (``static/widget.js``).

The script itself is public (a ``<script src>`` sends no credentials and no CORS check); what it
calls, ``/api/ask`` and ``/api/feedback``, answers only pages whose origin is in
``PARKQA_ALLOWED_ORIGINS`` and, when keys are set, only with the key the page passes in
``data-key``.

Example::

    <script src="http://parkqa.intranet:7860/widget.js" data-title="园区问答" async></script>
"""
from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

WIDGET = resources.files("parkqa").joinpath("static/widget.js")


def build_router() -> APIRouter:
    router = APIRouter()
    script = WIDGET.read_bytes()       # read once: a portal page asks for it on every view

    @router.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        return Response(script, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300",
                                 # a <script> from another origin must be allowed to load it
                                 "Cross-Origin-Resource-Policy": "cross-origin"})

    return router
