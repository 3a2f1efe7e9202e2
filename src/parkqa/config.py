"""One small settings object, read from the environment, passed down and saved beside the index.

Example::

    >>> from parkqa.config import Settings
    >>> Settings.from_env({"PARKQA_PORT": "8000"}).port
    8000
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

# Settings that change what the index holds; a mismatch with the manifest means a rebuild.
INDEX_KEYS = ("model", "passage_chars", "passage_overlap", "exact_search_limit")


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    seeds: Path = Path("seeds")
    index: Path = Path("index")
    model: str = "multilingual-e5-small-offline"
    # how queries (and new passages) are embedded: "onnx" (ONNX Runtime, no torch) or "torch";
    # not an index key: both give the same passage vectors, so an index serves either
    backend: str = "onnx"
    # where generations are kept: "" (FAISS files under ``index``), "milvus:./kb.db" (Milvus
    # Lite) or "milvus://host:19530" (parkqa.store); not an index key: both hold the same index
    store: str = ""
    passage_chars: int = 200
    passage_overlap: int = 1
    top_k: int = 5
    host: str = "127.0.0.1"
    port: int = 7860
    api_keys: tuple[str, ...] = ()
    admin_keys: tuple[str, ...] = ()   # for re-indexing and reading feedback; api_keys do not
    allowed_origins: tuple[str, ...] = ()
    rate_limit: str = "60/minute"
    log_dir: str = "logs"      # feedback log; "" turns logging off
    max_question_chars: int = 1000
    exact_search_limit: int = 20_000   # more vectors than this: HNSW instead of exact search
    generation_grace: float = 600.0    # seconds a replaced index generation is kept on disk
    # what editors keep (curated answers, words, synonyms): beside the index, never inside a
    # generation, so publishing a new one cannot lose it; default <index's folder>/curated
    curated: Path | None = None

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        values: dict = {}
        simple = {"PARKQA_SEEDS": ("seeds", Path), "PARKQA_INDEX": ("index", Path),
                  "PARKQA_CURATED": ("curated", Path),
                  "PARKQA_MODEL": ("model", str), "PARKQA_BACKEND": ("backend", str),
                  "PARKQA_STORE": ("store", str),
                  "PARKQA_HOST": ("host", str),
                  "PARKQA_PORT": ("port", int), "PARKQA_RATE_LIMIT": ("rate_limit", str),
                  "PARKQA_MAX_QUESTION_CHARS": ("max_question_chars", int),
                  "PARKQA_EXACT_SEARCH_LIMIT": ("exact_search_limit", int),
                  "PARKQA_GENERATION_GRACE": ("generation_grace", float)}
        for var, (name, kind) in simple.items():
            if env.get(var, "").strip():
                try:
                    values[name] = kind(env[var].strip())
                except ValueError as exc:
                    raise ValueError(f"{var}={env[var]!r} is not a valid {kind.__name__}") from exc
        if env.get("PARKQA_LOG_DIR") is not None:   # set but empty: logging off
            values["log_dir"] = env["PARKQA_LOG_DIR"].strip()
        if env.get("PARKQA_API_KEYS") is not None:
            values["api_keys"] = _split(env["PARKQA_API_KEYS"])
        if env.get("PARKQA_ADMIN_KEYS") is not None:
            values["admin_keys"] = _split(env["PARKQA_ADMIN_KEYS"])
        if env.get("PARKQA_ALLOWED_ORIGINS") is not None:
            values["allowed_origins"] = _split(env["PARKQA_ALLOWED_ORIGINS"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("backend") is not None:
            values["backend"] = values["backend"].strip().lower()
            if values["backend"] not in ("onnx", "torch"):
                raise ValueError(f"PARKQA_BACKEND={values['backend']!r} is not valid: "
                                 "use onnx or torch")
        if values.get("store"):
            from .store import parse_store

            parse_store(values["store"])     # a typo fails here, with the forms that work
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The PARKQA_* variables that ``from_env`` reads back into these settings."""
        return {"PARKQA_SEEDS": str(self.seeds), "PARKQA_INDEX": str(self.index),
                "PARKQA_CURATED": str(self.curated or ""),   # "": beside the index
                "PARKQA_MODEL": self.model, "PARKQA_BACKEND": self.backend,
                "PARKQA_STORE": self.store,
                "PARKQA_HOST": self.host, "PARKQA_PORT": str(self.port),
                "PARKQA_API_KEYS": ",".join(self.api_keys),
                "PARKQA_ADMIN_KEYS": ",".join(self.admin_keys),
                "PARKQA_ALLOWED_ORIGINS": ",".join(self.allowed_origins),
                "PARKQA_RATE_LIMIT": self.rate_limit, "PARKQA_LOG_DIR": self.log_dir,
                "PARKQA_MAX_QUESTION_CHARS": str(self.max_question_chars),
                "PARKQA_EXACT_SEARCH_LIMIT": str(self.exact_search_limit),
                "PARKQA_GENERATION_GRACE": str(self.generation_grace)}

    @property
    def curated_dir(self) -> Path:
        return Path(self.curated) if self.curated else Path(self.index).parent / "curated"

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def index_fingerprint(self) -> dict:
        return {k: getattr(self, k) for k in INDEX_KEYS}

