"""All settings in one object, read from ``PARKQA_*`` environment variables (pydantic-settings),
passed down and saved beside the index. Keyword arguments (the CLI's flags) override the
environment; ``None`` means "not given". A bad value raises ``SettingsError``: one message that
names the variable, in Chinese and English.

Example::

    >>> from parkqa.config import Settings
    >>> Settings(port=8000).port                   # PARKQA_PORT=8000 does the same
    8000
    >>> Settings(rate_limit="30/min").rate_limit
    '30/minute'
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Settings that change what the index holds; a mismatch with the manifest means a rebuild.
INDEX_KEYS = ("model", "passage_chars", "passage_overlap", "exact_search_limit")
PREFIX = "PARKQA_"

# Lists are written comma-separated (PARKQA_API_KEYS=a,b), not as JSON.
CommaList = Annotated[tuple[str, ...], NoDecode]
# Variables where an empty value means "none" rather than "the default".
_EMPTY_MEANS_NONE = {"log_dir", "api_keys", "admin_keys", "allowed_origins"}

# Rate-limit units as people write them -> the names the ``limits`` library parses.
_UNITS = {"second": ("s", "sec", "secs", "second", "seconds", "秒"),
          "minute": ("m", "min", "mins", "minute", "minutes", "分", "分钟"),
          "hour": ("h", "hr", "hrs", "hour", "hours", "时", "小时"),
          "day": ("d", "day", "days", "天", "日")}
_UNIT = {alias: unit for unit, aliases in _UNITS.items() for alias in aliases}
_RATE = re.compile(r"(\d+)\s*(?:/|per)\s*(\d*)\s*([a-z\u4e00-\u9fff]+)")
_RATE_OFF = ("0", "off", "none", "no")


class SettingsError(ValueError):
    """A setting with a bad value; the message names the variable (Chinese / English)."""


def normalize_rate_limit(spec: str) -> str:
    """``30/min`` -> ``30/minute``, ``5/s`` -> ``5/second``, ``100 per 2 hours`` ->
    ``100/2 hour``; ``off`` (or 0, none) -> ``off``. Anything else is a ValueError."""
    spec = spec.strip().lower()
    if spec in _RATE_OFF:
        return "off"
    m = _RATE.fullmatch(spec)
    if not m or m.group(3) not in _UNIT or int(m.group(1)) < 1 or m.group(2) in ("0", "00"):
        raise ValueError("写成“次数/时间单位”，如 60/minute、30/min、5/s，或 off 不限 / "
                         "write it like 60/minute, 30/min or 5/s (second, minute, hour, day), "
                         "or off")
    count, every, unit = m.groups()
    return f"{int(count)}/{int(every)} {_UNIT[unit]}" if every else f"{int(count)}/{_UNIT[unit]}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, str_strip_whitespace=True,
                                      extra="forbid")

    seeds: Path = Path("seeds")
    index: Path = Path("index")
    model: str = "multilingual-e5-small-offline"
    # how queries (and new passages) are embedded: "onnx" (ONNX Runtime, no torch) or "torch";
    # not an index key: both give the same passage vectors, so an index serves either
    backend: Literal["onnx", "torch"] = "onnx"
    # where generations are kept: "" (FAISS files under ``index``), "milvus:./kb.db" (Milvus
    # Lite) or "milvus://host:19530" (parkqa.store); not an index key: both hold the same index
    store: str = ""
    milvus_token: str = Field("", repr=False)   # Milvus credentials (user:password or API key)
    # what editors keep (curated answers, words, synonyms): beside the index, never inside a
    # generation, so publishing a new one cannot lose it; default <index's folder>/curated
    curated: Path | None = None
    # materialized models, ONNX exports, jieba's dictionary in a fast form
    cache: Path = Field(default_factory=lambda: Path.home() / ".cache" / "parkqa")
    passage_chars: int = Field(200, ge=20)
    passage_overlap: int = Field(1, ge=0)
    top_k: int = Field(5, ge=1)
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    workers: int = Field(1, ge=1)   # server processes (parkqa serve --workers)
    api_keys: CommaList = ()
    admin_keys: CommaList = ()   # for re-indexing and reading feedback; api_keys do not
    allowed_origins: CommaList = ()
    rate_limit: str = "60/minute"   # per client; "off" for none
    log_dir: str = "logs"      # feedback log; "" turns logging off
    max_question_chars: int = Field(1000, ge=1)
    max_file_mb: float = Field(20.0, gt=0)   # one uploaded or indexed article file
    exact_search_limit: int = Field(20_000, ge=0)   # more vectors: HNSW instead of exact search
    generation_grace: float = Field(600.0, ge=0)    # seconds a replaced generation is kept
    progress: bool | None = None    # progress bars: None = only on a terminal

    def __init__(self, **values) -> None:
        given = {k: v for k, v in values.items() if v is not None}
        try:
            super().__init__(**given)
        except ValidationError as exc:
            raise SettingsError(_describe(exc, set(given))) from None

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data):
        # PARKQA_PORT= (set but empty) keeps the default, as an unset variable does
        if isinstance(data, dict):
            data = {k: v for k, v in data.items()
                    if k in _EMPTY_MEANS_NONE or not (isinstance(v, str) and not v.strip())}
        return data

    @field_validator("api_keys", "admin_keys", "allowed_origins", mode="before")
    @classmethod
    def _comma_list(cls, value):
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @field_validator("backend", mode="before")
    @classmethod
    def _lower(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        if value:
            from .store import parse_store

            parse_store(value)     # a typo fails here, with the forms that work
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        return normalize_rate_limit(value)

    def to_env(self) -> dict[str, str]:
        """The PARKQA_* variables that give these settings back (for worker processes)."""
        out = {}
        for name, value in self.model_dump().items():
            if value is None:         # PARKQA_CURATED="" reads back as None
                value = ""
            if isinstance(value, tuple):
                value = ",".join(value)
            elif isinstance(value, bool):
                value = "1" if value else "0"
            out[PREFIX + name.upper()] = str(value)
        return out

    @property
    def curated_dir(self) -> Path:
        return Path(self.curated) if self.curated else Path(self.index).parent / "curated"

    def with_(self, **changes) -> "Settings":
        return self.model_copy(update={k: v for k, v in changes.items() if v is not None})

    def index_fingerprint(self) -> dict:
        return {k: getattr(self, k) for k in INDEX_KEYS}


_ZH = {"int_parsing": "应为整数", "float_parsing": "应为数字", "bool_parsing": "应为 1/0（on/off）",
       "greater_than_equal": "不能小于 {ge}", "greater_than": "应大于 {gt}",
       "less_than_equal": "不能大于 {le}", "literal_error": "只能是 {expected}",
       "extra_forbidden": "不是 parkqa 的设置"}


def _describe(exc: ValidationError, given: set[str]) -> str:
    """One line per bad value: which variable (or flag), what it was, what it should be."""
    lines = []
    for err in exc.errors(include_url=False):
        field = str(err["loc"][0]) if err["loc"] else ""
        name = f"--{field.replace('_', '-')}" if field in given else PREFIX + field.upper()
        ctx = err.get("ctx") or {}
        if err["type"] == "value_error":       # our own message, already in both languages
            zh, en = str(ctx.get("error", err["msg"])), ""
        else:
            zh = _ZH.get(err["type"], "无效").format(
                **{k: str(v).replace("'", "").replace(" or ", " 或 ") for k, v in ctx.items()})
            en = f" / invalid: {err['msg']}"
        value = err.get("input")
        shown = f"={value!r}" if isinstance(value, (str, int, float)) else ""
        lines.append(f"设置 {name}{shown} 无效：{zh}{en}")
    return "\n".join(lines)
