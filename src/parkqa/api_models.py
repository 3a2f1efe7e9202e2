"""Request bodies of the JSON API, validated by pydantic: a question, the conversation so far
(bounded, never stored) and a rating of an answer. Every surface that takes a conversation
(``/api/ask``, ``/v1/chat/completions``, the ``gradio_client`` endpoint) checks it here, so
the same history is accepted or refused the same way everywhere.

Example::

    >>> from parkqa.api_models import AskRequest
    >>> body = AskRequest(question="那经开区呢？",
    ...                   history=[{"question": "高新区有多少家入区企业？", "answer": "1.2万家[1]"}])
    >>> body.history_dicts()[0]["question"]
    '高新区有多少家入区企业？'
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TOP_K = 20
MAX_TURNS = 20             # earlier turns a client may send; follow-ups only read the last few
MAX_TURN_CHARS = 4000      # one earlier question or answer (answers quote a few sentences)
MAX_HISTORY_CHARS = 16000  # all of them together (so it binds before the 64 KiB body cap)
MAX_COMMENT_CHARS = 2000
MAX_ANSWER_CHARS = 8000

HISTORY_HELP = (f"对话历史格式不正确：history 应为按时间先后排列的列表，最多 {MAX_TURNS} 轮，"
                f'每轮形如 {{"question": "…", "answer": "…"}}，每项不超过 {MAX_TURN_CHARS} 字。'
                f" (Invalid history: a list of at most {MAX_TURNS} turns, oldest first, each "
                f'{{"question": "...", "answer": "..."}} with at most {MAX_TURN_CHARS} characters.)')
ASK_HELP = ('请求格式不正确：请发送 JSON，如 {"question": "……", "top_k": 5}。'
            ' (Invalid request: send JSON such as {"question": "...", "top_k": 5}.)')
FEEDBACK_HELP = ('反馈格式不正确：需要 question、answer、answered 和 rating（"up" 或 "down"），'
                 f"comment 可选（不超过 {MAX_COMMENT_CHARS} 字）。"
                 ' (Invalid feedback: question, answer, answered and rating ("up"|"down") are '
                 "required; comment is optional.)")


class Turn(BaseModel):
    """One earlier exchange: the question asked and the answer text returned for it."""
    model_config = ConfigDict(extra="forbid")
    question: str = Field(max_length=MAX_TURN_CHARS, examples=["园区现在有多少家企业？"])
    answer: str = Field(default="", max_length=MAX_TURN_CHARS, examples=["……（原文引用）[1]"])


def check_history(turns: list[Turn]) -> list[Turn]:
    if sum(len(t.question) + len(t.answer) for t in turns) > MAX_HISTORY_CHARS:
        raise ValueError(f"history is longer than {MAX_HISTORY_CHARS} characters in all")
    return turns


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="the question, in Chinese or English",
                          examples=["园区现在有多少家企业？"])
    top_k: int | None = Field(default=None, ge=1, le=MAX_TOP_K,
                              description="kept for older callers; it changes nothing in the "
                                          "answer, which always reads the 8 best passages")
    history: list[Turn] = Field(
        default_factory=list, max_length=MAX_TURNS,
        description="earlier turns of this conversation, oldest first, for follow-ups such as "
                    "“那经开区呢？”; nothing of it is stored on the server")

    _bounded = field_validator("history")(check_history)

    def history_dicts(self) -> list[dict]:
        return [t.model_dump() for t in self.history]


def parse_history(raw) -> list[dict]:
    """History from an untyped caller (the ``gradio_client`` endpoint): validated the same way
    as ``/api/ask``'s; raises ``ValueError`` with the bilingual message on a bad shape."""
    from pydantic import ValidationError

    if raw in (None, "", []):
        return []
    try:
        return AskRequest(question="", history=raw).history_dicts()
    except ValidationError:
        raise ValueError(HISTORY_HELP) from None


class FeedbackRequest(BaseModel):
    """A rating of one answer, as the answer was shown (the server keeps no conversations)."""
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_TURN_CHARS)
    answer: str = Field(max_length=MAX_ANSWER_CHARS, description="the answer text rated")
    answered: bool = Field(description="false when the answer was a refusal")
    rating: Literal["up", "down"]
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS)
    resolved_question: str = Field(default="", max_length=MAX_TURN_CHARS)
    citations: list[dict] = Field(default_factory=list, max_length=MAX_TOP_K,
                                  description="the answer's citations, as returned")
    source: Literal["api", "widget"] = Field(default="api", description="who sends it")
