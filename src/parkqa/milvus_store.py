"""The index in Milvus (``PARKQA_STORE=milvus:./kb.db`` or ``milvus://host:19530``), for several
stateless API replicas over one store. Optional: ``pip install 'parkqa[milvus]'``.

Each generation is three collections, ``parkqa_<gen>_passages`` and ``parkqa_<gen>_sentences``
(id, vector, doc, park, and the row as JSON: text, offsets, jieba tokens) and ``parkqa_<gen>_files``
(the generation's small files in chunks: manifest, articles with their raw text, words, knowledge,
lexicon, answer model). The alias ``parkqa`` names the current generation's files collection:
publishing fills a new generation, then moves the alias (one call, atomic in Milvus), so a replica
that resolved the alias reads one whole generation. The previous generation is kept for readers
that resolved the alias just before the move; older ones are dropped.

BM25 stays in each replica's memory (bm25s over the tokens stored here), not Milvus full-text
search: fusion needs the BM25 score of every passage (a z-score over all of them; Milvus returns a
top k), the tokens must come from the index's own jieba words on the passage, sentence and
question side alike (Milvus's jieba analyzer has its default dictionary), and Milvus Lite keeps
BM25 statistics per segment, so its scores would change with how the data was flushed.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import numpy as np

from .config import Settings
from .index import saved_ef_search
from .index_build import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M
from .store import FolderGeneration, FolderStore, StoreError

ALIAS = "parkqa"
# the generation's small files; vectors and rows live in their own collections
FILES = ("manifest.json", "articles.jsonl", "words.txt", "synonyms.json", "knowledge.json",
         "lexicon.json", "answer_model.json", "sentence_facts.json")
ROWS = {"passages.jsonl": "passages", "sentences.jsonl": "sentences"}
VECTORS = {"passages.faiss": "passages", "sentences.faiss": "sentences"}
CHUNK_CHARS = 16_000    # a VARCHAR holds 65,535 bytes: 16,000 characters of up to 4 bytes
MAX_BYTES = 65_535
BATCH = 500
QUERY_WINDOW = 16_384   # the most rows one Milvus query returns (offset + limit)

_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def client(where: str, token: str = ""):
    """One MilvusClient per address and process (Milvus Lite allows one process per database)."""
    try:
        from pymilvus import MilvusClient
        if not where.startswith(("http://", "https://")):
            import milvus_lite  # noqa: F401  (pymilvus starts it for a .db path)
    except ImportError as exc:
        raise StoreError(f"PARKQA_STORE=milvus needs the optional Milvus packages ({exc.name} "
                         "is missing): pip install 'parkqa[milvus]'") from exc
    with _clients_lock:
        if where not in _clients:
            lite = not where.startswith(("http://", "https://"))
            if lite:
                Path(where).absolute().parent.mkdir(parents=True, exist_ok=True)
            try:
                _clients[where] = MilvusClient(uri=where, token=token)
            except Exception as exc:
                hint = (f"; Milvus Lite opens {where} in one process only: for several, run "
                        f"`milvus-lite server --data-dir {where} --port 19530` and set "
                        "PARKQA_STORE=milvus://127.0.0.1:19530") if lite else ""
                raise StoreError(f"cannot open Milvus at {where}: {exc}{hint}") from exc
        return _clients[where]


def _name(gen: str, kind: str) -> str:
    return f"{ALIAS}_{gen}_{kind}"


class MilvusVectors:
    """A collection's vectors with the part of FAISS's index interface the index uses."""

    def __init__(self, milvus, collection: str, ntotal: int, dim: int, params: dict) -> None:
        self.milvus, self.collection, self.ntotal, self.d = milvus, collection, ntotal, dim
        self.params = params

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        sims = np.full((len(queries), k), -np.inf, np.float32)
        ids = np.full((len(queries), k), -1, np.int64)
        if not self.ntotal or not len(queries):
            return sims, ids
        found = self.milvus.search(self.collection, data=[q.tolist() for q in queries],
                                   limit=min(k, self.ntotal), anns_field="vector",
                                   search_params={"metric_type": "IP", "params": self.params})
        for row, hits in enumerate(found):
            for j, hit in enumerate(hits):
                sims[row, j], ids[row, j] = hit["distance"], hit["id"]
        return sims, ids

    def reconstruct_n(self, first: int, n: int) -> np.ndarray:
        rows = _all(self.milvus, self.collection, ["id", "vector"])
        rows = [r for r in rows if first <= r["id"] < first + n]
        return np.asarray([r["vector"] for r in rows], np.float32).reshape(len(rows), self.d)


def _loaded(milvus, collection: str) -> str:
    """The collection, loaded: Milvus Lite starts with every collection released, and a
    server may have released it; loading a loaded collection is a no-op."""
    milvus.load_collection(collection)
    return collection


def _all(milvus, collection: str, fields: list[str]) -> list[dict]:
    """Every row of a collection, by id: one query up to Milvus's 16,384-row window, an iterator
    past it (Milvus Lite answers the iterator's first timestamp probe with a warning)."""
    _loaded(milvus, collection)
    count = int(milvus.query(collection, filter="", output_fields=["count(*)"])[0]["count(*)"])
    if count <= QUERY_WINDOW:
        rows = milvus.query(collection, filter="", limit=QUERY_WINDOW, output_fields=fields)
    else:
        it = milvus.query_iterator(collection, batch_size=1000, output_fields=fields)
        rows = []
        try:
            while batch := it.next():
                rows += batch
        finally:
            it.close()
    return sorted(rows, key=lambda r: r["id"])


class MilvusGeneration:
    def __init__(self, milvus, gen: str) -> None:
        self.milvus, self.name = milvus, gen
        self._files: dict[str, list[dict]] | None = None

    def _file_rows(self) -> dict[str, list[dict]]:
        if self._files is None:
            files: dict[str, list[dict]] = {}
            if not self.milvus.has_collection(_name(self.name, "files")):
                return files
            for r in _all(self.milvus, _name(self.name, "files"), ["id", "name", "data"]):
                files.setdefault(r["name"], []).append(r)
            self._files = files
        return self._files

    def exists(self, name: str) -> bool:
        if name in ROWS or name in VECTORS:
            kind = ROWS.get(name) or VECTORS[name]
            return self.milvus.has_collection(_name(self.name, kind))
        return name in self._file_rows()

    def read_text(self, name: str) -> str:
        return "".join(r["data"] for r in self._file_rows()[name])

    def read_jsonl(self, name: str) -> list[dict]:
        if name in ROWS:
            rows = _all(self.milvus, _name(self.name, ROWS[name]), ["id", "row"])
            return [json.loads(r["row"]) for r in rows]
        return [json.loads(line) for line in self.read_text(name).splitlines() if line.strip()]

    def read_vectors(self, name: str) -> MilvusVectors:
        collection = _loaded(self.milvus, _name(self.name, VECTORS[name]))
        manifest = json.loads(self.read_text("manifest.json"))
        count = self.milvus.query(collection, filter="", output_fields=["count(*)"])
        ef = saved_ef_search(manifest, sentences=VECTORS[name] == "sentences") or HNSW_EF_SEARCH
        params = {"ef": ef} if _uses_hnsw(manifest) else {}
        return MilvusVectors(self.milvus, collection, int(count[0]["count(*)"]),
                             int(manifest["dimension"]), params)


def _uses_hnsw(manifest: dict) -> bool:
    # the same choice the FAISS build made by size (index.vector_index)
    return manifest.get("faiss_index") == "IndexHNSWFlat"


class MilvusStore:
    required = ("manifest.json", "articles.jsonl", "sentences.jsonl", "passages.jsonl",
                "passages.faiss", "sentences.faiss", "words.txt", "synonyms.json",
                "knowledge.json", "lexicon.json", "answer_model.json")

    def __init__(self, settings: Settings, where: str) -> None:
        self.settings, self.where = settings, where
        self.lite = not where.startswith(("http://", "https://"))
        self.milvus = client(where, settings.milvus_token)
        self.local = FolderStore(settings)   # the builder's copy: its vectors.npz is the cache

    def current_id(self) -> str | None:
        # listed first: describing a missing alias makes pymilvus log a traceback
        if ALIAS not in self.milvus.list_aliases()["aliases"]:
            return None
        name = self.milvus.describe_alias(ALIAS)["collection_name"]
        return name[len(ALIAS) + 1: -len("_files")]

    def current(self) -> MilvusGeneration:
        gen = self.current_id()
        return MilvusGeneration(self.milvus, gen or "none")

    def checks_corpus(self) -> bool:
        # a replica with no articles folder serves what the store holds
        return Path(self.settings.seeds).is_dir()

    def publish(self, folder: Path) -> None:
        """Copy a built generation folder into new collections, move the alias to it, drop
        generations older than the previous one, then publish the folder locally too."""
        gen = "g" + time.strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:6]
        before = self.current_id()
        local = FolderGeneration(folder)
        manifest = json.loads(local.read_text("manifest.json"))
        try:
            for rows_file, vectors_file in (("passages.jsonl", "passages.faiss"),
                                            ("sentences.jsonl", "sentences.faiss")):
                index = local.read_vectors(vectors_file)
                vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else \
                    np.zeros((0, index.d), np.float32)
                self._fill_rows(_name(gen, ROWS[rows_file]), local.read_jsonl(rows_file),
                                vectors, manifest)
            self._fill_files(_name(gen, "files"), folder)
            if before is None:
                self.milvus.create_alias(_name(gen, "files"), ALIAS)
            else:
                self.milvus.alter_alias(_name(gen, "files"), ALIAS)
        except BaseException:
            self._drop(gen)
            raise
        for old in self._generations() - {gen, before}:
            self._drop(old)
        self.local.publish(folder)

    def _schema(self, dim: int, *, rows: bool):
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        if rows:
            schema.add_field("doc", DataType.VARCHAR, max_length=1024)
            schema.add_field("park", DataType.VARCHAR, max_length=256)
            schema.add_field("row", DataType.VARCHAR, max_length=MAX_BYTES)
        else:
            schema.add_field("name", DataType.VARCHAR, max_length=256)
            schema.add_field("data", DataType.VARCHAR, max_length=MAX_BYTES)
        return schema

    def _create(self, name: str, dim: int, *, rows: bool) -> None:
        # Strong: a replica that sees the alias move sees every row behind it
        self.milvus.create_collection(name, schema=self._schema(dim, rows=rows),
                                      consistency_level="Strong")

    def _insert(self, name: str, rows: list[dict], *, hnsw: bool = False) -> None:
        """Insert, then index (after the bulk insert, as Milvus recommends) and load."""
        for i in range(0, len(rows), BATCH):
            self.milvus.insert(name, rows[i:i + BATCH])
        self.milvus.flush(name)
        params = self.milvus.prepare_index_params()
        if hnsw:
            params.add_index("vector", index_type="HNSW", metric_type="IP",
                             params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION})
        else:
            params.add_index("vector", index_type="FLAT", metric_type="IP")
        # Milvus Lite builds the index inside the call; waiting for it would ask the server for
        # a timestamp (AllocTimestamp), which Lite does not implement
        self.milvus.create_index(name, params, sync=not self.lite)
        self.milvus.load_collection(name)

    def _fill_rows(self, name: str, rows: list[dict], vectors: np.ndarray,
                   manifest: dict) -> None:
        self._create(name, int(manifest["dimension"]), rows=True)
        out = []
        for row, vec in zip(rows, vectors, strict=True):
            text = json.dumps(row, ensure_ascii=False)
            if len(text.encode("utf-8")) > MAX_BYTES:
                raise StoreError(f"{row['doc']}: a passage or sentence of {len(text)} characters "
                                 "is too long for Milvus (64 KB per row); split the article")
            out.append({"id": int(row["id"]), "vector": vec.tolist(), "doc": row["doc"],
                        "park": row.get("park") or "", "row": text})
        self._insert(name, out, hnsw=_uses_hnsw(manifest))

    def _fill_files(self, name: str, folder: Path) -> None:
        self._create(name, 2, rows=False)
        out = []
        for file in FILES:
            text = (folder / file).read_text(encoding="utf-8")
            for start in range(0, max(len(text), 1), CHUNK_CHARS):
                out.append({"id": len(out), "vector": [0.0, 0.0], "name": file,
                            "data": text[start:start + CHUNK_CHARS]})
        self._insert(name, out)

    def _generations(self) -> set[str]:
        gens = set()
        for name in self.milvus.list_collections():
            for kind in ("passages", "sentences", "files"):
                if name.startswith(ALIAS + "_") and name.endswith("_" + kind):
                    gens.add(name[len(ALIAS) + 1: -len(kind) - 1])
        return gens

    def _drop(self, gen: str) -> None:
        for kind in ("passages", "sentences", "files"):
            if self.milvus.has_collection(_name(gen, kind)):
                self.milvus.drop_collection(_name(gen, kind))
