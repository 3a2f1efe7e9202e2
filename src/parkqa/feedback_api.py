"""``POST /api/feedback`` (a rating, from the chat, the widget or any client) and
``GET /api/feedback`` (the ratings given, for the operator), over the log in ``PARKQA_LOG_DIR``.

Example::

    $ curl -s -X POST http://127.0.0.1:7860/api/feedback -H 'Content-Type: application/json' \\
        -d '{"rating": "down", "question": "…", "answer": "…", "comment": "数字不对"}'
    {"status": "recorded", "time": "2026-11-26T10:00:00+00:00"}
"""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query

from .api_models import FeedbackRequest
from .feedback import FeedbackLog
from .feedback_report import read_records, select


def build_router(log_dir: str | None, guard, admin, api_error) -> APIRouter:
    """``guard``: the dependency of the public API (keys, rate limit); ``admin``: the
    operator's; ``api_error(status, code, message)``: the app's JSON error."""
    router = APIRouter()
    feedback = FeedbackLog(log_dir) if log_dir else None

    def feedback_log() -> FeedbackLog:
        if feedback is None:
            raise api_error(503, "feedback_off", "反馈记录已关闭（PARKQA_LOG_DIR 为空）。"
                            " (Feedback logging is off.)")
        return feedback

    @router.post("/api/feedback", dependencies=[Depends(guard)], status_code=201,
                 summary="Rate an answer (👍/👎), with an optional comment")
    def rate(body: FeedbackRequest) -> dict:
        """Appends the rating, the answer it rates and the comment to the same log as the
        chat's 👍/👎 (``PARKQA_LOG_DIR/feedback.jsonl``); review it with ``parkqa feedback``."""
        record = feedback_log().append(body.model_dump())
        return {"status": "recorded", "time": record["time"]}

    @router.get("/api/feedback", dependencies=[Depends(admin)],
                summary="The ratings given, newest first (admin)")
    def feedback_list(since: str | None = None, rating: Literal["up", "down"] | None = None,
                      limit: int = Query(100, ge=1, le=1000)) -> dict:
        """The same records as ``parkqa feedback --format jsonl``: ``since`` an ISO date or
        time (UTC), ``rating`` up or down."""
        records, bad = read_records(feedback_log().path)
        chosen = select(records, since=since, rating=rating)
        return {"total": len(chosen), "unreadable_lines": bad,
                "records": list(reversed(chosen))[:limit]}

    return router
