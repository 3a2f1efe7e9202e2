"""Who may call the server, how often, and from which pages: API keys, a per-client rate
limit, a request body cap and the security headers (``frame-ancestors`` from the allowed
origins). Safe by default: no origin but the server's own may frame or call it.

Example::

    >>> from parkqa.access import RateLimiter
    >>> limiter = RateLimiter.parse("2/minute")
    >>> [limiter.hit("10.0.0.1", now=0.0)[0] for _ in range(3)]
    [True, True, False]
"""
from __future__ import annotations

import hmac
import json
import threading
import time
from collections import deque

_PERIODS = {"second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": 3600,
            "h": 3600, "day": 86400, "d": 86400}
MAX_BODY_BYTES = 64 * 1024   # a question is at most a few KB of JSON


class RateLimiter:
    """At most ``limit`` requests per ``period`` seconds per client (sliding window)."""

    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("rate limit must be a positive number of requests per period")
        self.limit = limit
        self.period = period
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str) -> "RateLimiter | None":
        """``"60/minute"``, ``"5/second"``, ``"1000/hour"``; ``""`` or ``"off"`` means no limit."""
        spec = (spec or "").strip().lower()
        if spec in ("", "0", "off", "none"):
            return None
        count, _, unit = spec.partition("/")
        try:
            return cls(int(count), _PERIODS[unit.strip() or "minute"])
        except (ValueError, KeyError):
            raise ValueError(f"PARKQA_RATE_LIMIT={spec!r}: write it like 60/minute "
                             f"(per second, minute, hour or day)") from None

    def hit(self, client: str, *, now: float | None = None) -> tuple[bool, int]:
        """Count one request; (allowed, seconds until the next one would be allowed)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            window = self._hits.setdefault(client, deque())
            while window and window[0] <= now - self.period:
                window.popleft()
            if len(window) >= self.limit:
                return False, max(1, int(window[0] + self.period - now + 0.999))
            window.append(now)
            if len(self._hits) > 10_000:   # forget idle clients so memory stays bounded
                for key in [k for k, w in self._hits.items() if not w]:
                    del self._hits[key]
            return True, 0


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


class GuardMiddleware:
    """ASGI middleware for every response (API and the mounted chat): security headers, and a
    413 for request bodies over ``max_body`` bytes (``path_limits[path]`` for the paths that
    take uploads) before they reach any handler."""

    def __init__(self, app, *, allowed_origins: tuple[str, ...] = (),
                 max_body: int = MAX_BODY_BYTES, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.headers = security_headers(allowed_origins)
        self.max_body = max_body
        self.path_limits = path_limits or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.path_limits.get(scope.get("path", ""), self.max_body)
        declared = dict(scope.get("headers") or []).get(b"content-length")
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
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
