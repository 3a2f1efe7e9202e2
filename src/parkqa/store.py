"""Where index generations are kept: the one seam between the index and its storage.

``PARKQA_STORE`` chooses the store:

* unset (or ``faiss``): a folder of files with FAISS vectors, published as a generation
  (``parkqa.generations``); the embedded default.
* ``milvus:./kb.db``: Milvus Lite, embedded in the process, one local database folder.
* ``milvus://host:19530``: a Milvus standalone or distributed server (or ``milvus-lite server``),
  through the same code (``parkqa.milvus_store``).

A store publishes a built generation folder and reads the current generation back through a
``Generation``: its files by name (``manifest.json``, ``articles.jsonl``…) and its vectors as an
object with FAISS's ``search``/``reconstruct_n``/``ntotal``/``d``. ``index.load_index`` reads
both stores through that interface, so retrieval and answering never know which one it is.

Example::

    >>> from parkqa.store import parse_store
    >>> parse_store("milvus://10.0.0.5:19530")
    ('milvus', 'http://10.0.0.5:19530')
    >>> parse_store("")
    ('faiss', '')
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from . import generations

if TYPE_CHECKING:
    from .config import Settings


class StoreError(ValueError):
    """PARKQA_STORE names no store this installation can open; the message says what to do."""


def parse_store(value: str) -> tuple[str, str]:
    """``(kind, where)`` for a PARKQA_STORE value: ``("faiss", "")``, or ``("milvus", uri)``
    where uri is a local database path (Milvus Lite) or ``http(s)://host:port``."""
    value = (value or "").strip()
    if value in ("", "faiss"):
        return "faiss", ""
    for scheme, web in (("milvus://", "http://"), ("milvus+https://", "https://")):
        if value.startswith(scheme):
            address = value[len(scheme):].rstrip("/")
            if address:
                return "milvus", web + (address if ":" in address else address + ":19530")
            break
    else:
        path = value[len("milvus:"):] if value.startswith("milvus:") else ""
        if path.endswith(".db"):
            return "milvus", path
    raise StoreError(f"PARKQA_STORE={value!r} is not valid: use faiss (default), "
                     "milvus:./kb.db (Milvus Lite, a path ending in .db) or milvus://host:19530")


class Generation(Protocol):
    """One published index generation, read-only."""
    name: str

    def exists(self, name: str) -> bool: ...
    def read_text(self, name: str) -> str: ...
    def read_jsonl(self, name: str) -> list[dict]: ...
    def read_vectors(self, name: str): ...   # FAISS-like: search, reconstruct_n, ntotal, d


class Store(Protocol):
    where: str
    required: tuple[str, ...]     # what a complete generation holds

    def current_id(self) -> str | None: ...
    def current(self) -> Generation: ...
    def publish(self, folder: Path) -> None: ...
    def checks_corpus(self) -> bool: ...


class FolderGeneration:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = folder.name

    def exists(self, name: str) -> bool:
        return (self.folder / name).exists()

    def read_text(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8")

    def read_jsonl(self, name: str) -> list[dict]:
        with open(self.folder / name, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def read_vectors(self, name: str):
        import faiss

        return faiss.read_index(str(self.folder / name))


class FolderStore:
    """Generations as folders behind the ``PARKQA_INDEX`` link (the default)."""
    required = ("manifest.json", "articles.jsonl", "sentences.jsonl", "passages.jsonl",
                "passages.faiss", "sentences.faiss", "vectors.npz", "words.txt",
                "synonyms.json", "knowledge.json", "lexicon.json", "answer_model.json")

    def __init__(self, settings: Settings) -> None:
        self.index = Path(settings.index)
        self.grace = settings.generation_grace
        self.where = str(self.index)

    def current_id(self) -> str | None:
        return generations.current_id(self.index)

    def current(self) -> FolderGeneration:
        return FolderGeneration(generations.current_folder(self.index))

    def publish(self, folder: Path) -> None:
        generations.publish(folder, self.index, grace=self.grace)

    def checks_corpus(self) -> bool:
        return True


def open_store(settings: Settings) -> Store:
    kind, where = parse_store(settings.store)
    if kind == "faiss":
        return FolderStore(settings)
    from .milvus_store import MilvusStore

    return MilvusStore(settings, where)
