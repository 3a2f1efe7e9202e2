"""Who may call the server, how often, and from which pages: API keys, a per-client rate
limit, a request body cap and the security headers (``frame-ancestors`` from the allowed
origins). Safe by default: no origin but the server's own may frame or call it.

Example::

    >>> from parkqa.access import RateLimiter
    >>> limiter = RateLimiter.parse("2/minute")
    >>> [limiter.hit("10.0.0.1")[0] for _ in range(3)]
    [True, True, False]
"""
from __future__ import annotations

import hmac
import html
import json
import math
import time
from urllib.parse import urlsplit

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .config import normalize_rate_limit

MAX_BODY_BYTES = 64 * 1024   # a question is at most a few KB of JSON


class RateLimiter:
    """A per-client limit such as ``60/minute`` over a moving window (the ``limits`` library,
    in this process's memory)."""

    def __init__(self, item: limits.RateLimitItem) -> None:
        self.item = item
        self._window = MovingWindowRateLimiter(MemoryStorage())

    @classmethod
    def parse(cls, spec: str) -> "RateLimiter | None":
        """``"60/minute"``, ``"30/min"``, ``"5/s"``, ``"1000/hour"``; ``"off"`` means no limit
        (``Settings.rate_limit`` is already in this form; see ``normalize_rate_limit``)."""
        spec = normalize_rate_limit(spec or "off")
        return None if spec == "off" else cls(limits.parse(spec))

    def hit(self, client: str) -> tuple[bool, int]:
        """Count one request; (allowed, seconds until the next one would be allowed)."""
        if self._window.hit(self.item, client):
            return True, 0
        reset = self._window.get_window_stats(self.item, client).reset_time
        return False, max(1, math.ceil(reset - time.time()))


def bearer_key(authorization: str | None) -> str:
    scheme, _, key = (authorization or "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def key_allowed(key: str, keys: tuple[str, ...]) -> bool:
    """Constant-time comparison against every configured key."""
    return any(hmac.compare_digest(key.encode(), k.encode()) for k in keys) if key else False


def security_headers(allowed_origins: tuple[str, ...]) -> list[tuple[bytes, bytes]]:
    ancestors = " ".join(("'self'", *allowed_origins))
    return [(b"content-security-policy", f"frame-ancestors {ancestors}".encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin")]


NOT_ALLOWED_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>未获授权嵌入</title>
<style>body {{ font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC",
"Microsoft YaHei", system-ui, sans-serif; margin: 0; padding: 24px; color: #1f2937;
line-height: 1.7; }} h1 {{ font-size: 1.1em; color: #92400e; }} p {{ color: #475569; }}</style>
</head><body><h1>此网站未获授权嵌入园区新闻问答</h1>
<p>请联系问答服务的管理员，把本网站的地址 <code>{origin}</code> 加入允许嵌入的网站列表
（PARKQA_ALLOWED_ORIGINS）。</p>
<p lang="en">This site is not allowed to embed the chat.</p></body></html>"""


def frame_refused(headers: dict, allowed_origins: tuple[str, ...]) -> str | None:
    """The origin of a page framing us that may not, or None. Browsers say a request loads a
    frame (``Sec-Fetch-Dest``) and, unless the page hides it, from which origin (``Referer``);
    without a Referer the Content-Security-Policy still blocks the frame, just without words."""
    if headers.get(b"sec-fetch-dest") != b"iframe" or headers.get(b"sec-fetch-site") == b"same-origin":
        return None
    referer = urlsplit(headers.get(b"referer", b"").decode("latin-1"))
    origin = f"{referer.scheme}://{referer.netloc}" if referer.scheme and referer.netloc else ""
    return origin if origin and origin not in allowed_origins else None


class GuardMiddleware:
    """ASGI middleware for every response (API and the mounted chat): security headers, a
    413 for request bodies over ``max_body`` bytes (``path_limits[path]`` for the paths that
    take uploads) before they reach any handler, and for a page framed by a site that may not
    frame it, a Chinese notice instead of the browser's blank "refused to connect"."""

    def __init__(self, app, *, allowed_origins: tuple[str, ...] = (),
                 max_body: int = MAX_BODY_BYTES, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.allowed_origins = allowed_origins
        self.headers = security_headers(allowed_origins)
        self.max_body = max_body
        self.path_limits = path_limits or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_headers = dict(scope.get("headers") or [])
        refused = frame_refused(request_headers, self.allowed_origins)
        if refused:
            # the notice alone may be framed by anyone: it holds nothing but itself
            body = NOT_ALLOWED_PAGE.format(origin=html.escape(refused)).encode()
            headers = [(b"content-security-policy", b"frame-ancestors *")] + \
                [h for h in self.headers if h[0] != b"content-security-policy"]
            return await _respond(send, 403, b"text/html; charset=utf-8", body, headers)
        limit = self.path_limits.get(scope.get("path", ""), self.max_body)
        declared = request_headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _json_response(send, 413, "body_too_large",
                                        f"请求内容过大（上限 {limit} 字节）。", self.headers)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + \
                    [h for h in self.headers if h[0] not in names]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            if not started:
                await _json_response(send, 413, "body_too_large",
                                     f"请求内容过大（上限 {limit} 字节）。", self.headers)


class _BodyTooLarge(Exception):
    pass


async def _json_response(send, status: int, error: str, message: str, headers) -> None:
    body = json.dumps({"error": error, "message": message}, ensure_ascii=False).encode()
    await _respond(send, status, b"application/json; charset=utf-8", body, headers)


async def _respond(send, status: int, content_type: bytes, body: bytes, headers) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
