"""An OpenAI-compatible face on the same pipeline: ``POST /v1/chat/completions`` and
``GET /v1/models``, so tools and SDKs written for Chat Completions can ask the articles.

Earlier user/assistant pairs of ``messages`` become the conversation history; the last user
message is the question; system messages are read by nobody (the bot only quotes articles).
The reply is a standard ``chat.completion`` whose ``choices[0].message.content`` is the answer
with [n] markers, plus top-level ``citations`` (the objects of ``/api/ask``), ``answered``,
``resolved_question`` and, for a refusal, ``related``. ``"stream": true`` sends
``chat.completion.chunk`` events: the role at once, the answer when it is ready (it is composed
whole, so it is not cut into pretend pieces), then ``finish_reason`` and ``data: [DONE]``.

Example::

    >>> from openai import OpenAI                                        # doctest: +SKIP
    >>> client = OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="-")  # doctest: +SKIP
    >>> r = client.chat.completions.create(model="parkqa", messages=[
    ...     {"role": "user", "content": "长治高新区现在有多少家入区企业？"}])  # doctest: +SKIP
    >>> r.choices[0].message.content, r.citations[0]["doc"]              # doctest: +SKIP
    ('入区企业从2021年的0.9万家增至1.2万家[1]', '000_e7ffa1cc56d22445.txt')
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Callable, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from .api_models import MAX_HISTORY_CHARS, MAX_TURN_CHARS, MAX_TURNS, Turn

MODEL_ID = "parkqa"
MAX_MESSAGES = 200        # whole conversations are resent; the 64 KiB body cap bounds them too


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str = ""


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")      # name, tool_calls, … are accepted and unread
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """The Chat Completions request; sampling options (temperature, max_tokens, …) are accepted
    and ignored: answers are quotes, not generated text."""
    model_config = ConfigDict(extra="allow")
    model: str = Field(default=MODEL_ID, max_length=200)
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False


class ChatError(ValueError):
    """A request that parses but cannot be answered (no user message, a message too long)."""


def split_messages(messages: list[Message]) -> tuple[str, list[dict]]:
    """(question, history): the last user message, and the user → assistant pairs before it
    (oldest first; only the latest that fit ``/api/ask``'s bounds, since clients resend the
    whole conversation every time)."""
    talk = [m for m in messages if m.role in ("user", "assistant")]
    if not talk or talk[-1].role != "user":
        raise ChatError("最后一条消息必须是用户的问题（role 为 user）。"
                        " (The last message must be the user's question.)")
    for m in talk:
        if len(m.text()) > MAX_TURN_CHARS:
            raise ChatError(f"单条消息不能超过 {MAX_TURN_CHARS} 字。"
                            f" (A message may have at most {MAX_TURN_CHARS} characters.)")
    history: list[Turn] = []
    for m in talk[:-1]:
        if m.role == "user":
            history.append(Turn(question=m.text()))
        elif history and not history[-1].answer:
            history[-1].answer = m.text()
    history = history[-MAX_TURNS:]
    while sum(len(t.question) + len(t.answer) for t in history) > MAX_HISTORY_CHARS:
        history.pop(0)            # a long chat keeps its latest turns, as /api/ask would accept
    return talk[-1].text(), [t.model_dump() for t in history]


def _extras(answer: dict) -> dict:
    out = {"answered": answer["answered"], "citations": answer["citations"],
           "resolved_question": answer["resolved_question"]}
    if answer.get("related"):
        out["related"] = answer["related"]
    return out


def completion(answer: dict, model: str) -> dict:
    """A ``chat.completion`` object for one Answer JSON."""
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion",
            "created": int(time.time()), "model": model, "system_fingerprint": None,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": answer["text"],
                                     "refusal": None}}],
            **_extras(answer)}


def chunks(ask: Callable[[], dict], model: str):
    """Server-sent ``chat.completion.chunk`` events; ``ask`` runs after the first one is sent."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model, "system_fingerprint": None}

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        body = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                     "logprobs": None}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    try:
        answer = ask()
    except Exception:  # noqa: BLE001 - the stream has begun: end it with an error event
        yield 'data: {"error": {"message": "服务器内部错误，请稍后再试。", "type": "server_error"}}\n\n'
        return
    yield event({"content": answer["text"]}, **_extras(answer))
    yield event({}, "stop", **_extras(answer))
    yield "data: [DONE]\n\n"


def build_router(answer: Callable[[str, list[dict]], dict], check: Callable[[str], str],
                 guard: Callable) -> APIRouter:
    """``answer(question, history)`` gives the Answer JSON; ``check(question)`` refuses an empty
    or over-long one (raising the app's 422) before any byte is streamed; ``guard`` is the keys
    and rate limit of ``/api/*``. A ``ChatError`` is left to the app's exception handler."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"], dependencies=[Depends(guard)])

    @router.post("/chat/completions", summary="Chat Completions (OpenAI format) with citations",
                 response_model=None)
    def chat_completions(body: ChatRequest):
        question, history = split_messages(body.messages)
        question = check(question)
        if body.stream:
            return StreamingResponse(chunks(lambda: answer(question, history), body.model),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        return completion(answer(question, history), body.model)

    @router.get("/models", summary="The one model this server offers")
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0,
                                            "owned_by": "parkqa"}]}

    return router
