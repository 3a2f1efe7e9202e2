"""Sentence embeddings with ONNX Runtime: the fast query path, with no torch in the process.

The model is exported once into the cache (``parkqa.onnx_export``, in a child process that
alone imports torch); after that this module needs only ``onnxruntime``, ``tokenizers`` and
numpy. Queries go through the int8 graph (small and fast); passages, embedded when the index
is built, through the float32 graph, so index vectors are the ones torch gives and an index
built with either backend serves both (``bench/results/onnx.md`` measures the agreement).

Example::

    >>> from parkqa.onnx_encoder import OnnxEmbedder
    >>> emb = OnnxEmbedder()                          # doctest: +SKIP
    >>> emb.encode_queries(["高新区有多少家企业"]).shape  # doctest: +SKIP
    (1, 384)
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from . import progress
from .e5image import ModelError

MISSING_ORT = ("onnxruntime 未安装，无法使用 ONNX 后端 / the onnx backend needs onnxruntime: "
               "pip install 'onnxruntime>=1.20' (or set PARKQA_BACKEND=torch)")


def _ort():
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModelError(MISSING_ORT) from exc
    return onnxruntime


def export_dir(source: Path) -> Path:
    """Cache folder of the export of ``source``: named by the source and its weights, so a
    changed model is exported anew instead of being served stale."""
    from .embedding import cache_dir
    from .onnx_export import FORMAT

    stamp = [str(source.resolve()), str(FORMAT)]
    for name in ("model.safetensors", "pytorch_model.bin", "config.json"):
        for p in (source / name, source / "0_Transformer" / name):
            if p.exists():
                st = p.stat()
                stamp.append(f"{p.name}:{st.st_size}:{int(st.st_mtime)}")
    key = hashlib.sha1("\0".join(stamp).encode()).hexdigest()[:10]
    return cache_dir() / f"{source.name}.onnx-{key}"


def ensure_export(source: Path) -> Path:
    """The ONNX export of ``source`` (a local sentence-transformers folder), made once."""
    target = export_dir(source)
    if (target / "parkqa_onnx.json").exists():
        return target
    _ort()
    if not (source / "modules.json").exists():
        raise ModelError(f"the onnx backend needs a local sentence-transformers folder, not "
                         f"'{source}'; set PARKQA_BACKEND=torch for this model")
    started = time.perf_counter()
    progress.say("首次运行：正在导出 ONNX 模型（只需一次，约半分钟）… / "
                 f"exporting the model to ONNX, once: {target}")
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-m", "parkqa.onnx_export", str(source), str(target)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0 or not (target / "parkqa_onnx.json").exists():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise ModelError(f"ONNX 导出失败 / exporting {source} to ONNX failed: {tail} "
                         "(set PARKQA_BACKEND=torch to use torch instead)")
    progress.say(f"ONNX 模型已就绪 / ONNX model ready in {time.perf_counter() - started:.1f} s")
    return target


_THREADS: list[int] = []      # set by set_threads() before sessions are made


def set_threads(n: int) -> None:
    """Threads per ONNX Runtime call that embeds passages (e.g. cores / worker processes), for
    sessions made later; a question always takes one thread."""
    _THREADS[:] = [max(1, int(n))]


def _session(path: Path, threads: int | None = None):
    ort = _ort()
    opts = ort.SessionOptions()
    if threads or _THREADS:
        opts.intra_op_num_threads = threads or _THREADS[0]
    opts.inter_op_num_threads = 1
    # questions vary in length: no arena or memory pattern planned for one shape, which only
    # grows resident memory; no spinning threads burning the cores between questions
    opts.enable_cpu_mem_arena = False
    opts.enable_mem_pattern = False
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:   # a damaged cache file: say which, and how to redo it
        raise ModelError(f"cannot load {path}: {exc}; delete {path.parent} to export it "
                         "again") from exc


class TextTokenizer:
    """Token ids as the model's ``tokenizer.json`` gives them (with ``<s>``/``</s>``, cut to
    the model's length), from the light SentencePiece form when the export has one."""

    def __init__(self, folder: Path, meta: dict, max_tokens: int) -> None:
        from tokenizers import Tokenizer

        self.max_tokens = max_tokens
        self.sp = None
        if meta.get("sentencepiece"):
            try:
                import sentencepiece
            except ImportError:
                sentencepiece = None    # the full tokenizer below gives the same ids
            if sentencepiece is not None:
                self.sp = sentencepiece.SentencePieceProcessor(
                    model_file=str(folder / "tokenizer.model"))
                self.split = Tokenizer.from_file(str(folder / "pretokenizer.json"))
                self.prefix, self.suffix = meta["prefix_ids"], meta["suffix_ids"]
        if self.sp is None:
            self.full = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self.full.no_padding()
            self.full.enable_truncation(max_tokens)

    def __call__(self, texts: list[str]) -> list[list[int]]:
        if self.sp is None:
            return [e.ids for e in self.full.encode_batch(texts)]
        out = []
        room = self.max_tokens - len(self.prefix) - len(self.suffix)
        for text in texts:
            norm = self.split.normalizer.normalize_str(text) if self.split.normalizer else text
            words = [w for w, _ in self.split.pre_tokenizer.pre_tokenize_str(norm)] \
                if self.split.pre_tokenizer else [norm]
            ids = [i for ws in self.sp.encode(words) for i in ws] if words else []
            out.append(self.prefix + ids[:room] + self.suffix)
        return out


class OnnxEmbedder:
    """Query and passage embeddings (L2-normalized) from an ONNX export of a
    sentence-transformers model; the same interface as ``parkqa.embedding.TorchEmbedder``."""

    backend = "onnx"

    def __init__(self, model: str | None = None, *, export: Path | None = None) -> None:
        from .embedding import DEFAULT_MODEL, resolve_model

        self.name = model or DEFAULT_MODEL
        self.path = Path(export) if export else ensure_export(Path(resolve_model(self.name)))
        try:
            meta = json.loads((self.path / "parkqa_onnx.json").read_text(encoding="utf-8"))
            self.tokenizer = TextTokenizer(self.path, meta, int(meta["max_seq_length"]))
        except Exception as exc:   # unreadable JSON or tokenizer
            raise ModelError(f"the ONNX export in {self.path} is damaged ({exc}); delete the "
                             "folder to export it again") from exc
        self.pooling = meta["pooling"]
        self.dim = int(meta["dimension"])
        self.max_tokens = int(meta["max_seq_length"])
        prompts = meta.get("prompts") or {}
        self.query_prompt = prompts.get("query", "")
        self.passage_prompt = prompts.get("passage", "")
        self.pad_id = int(meta.get("pad_id", 0))
        # one thread per question: ~20 tokens gain less from a second thread than the hand-off
        # costs (measured 6.6 vs 8.6 ms p50 here), and a server answers two questions at once
        self.query_session = _session(self.path / "model_int8.onnx", threads=1)
        self._passage_session = None       # float32, loaded only to embed passages
        self._passage_lock = threading.Lock()

    def _run(self, session, texts: list[str]) -> np.ndarray:
        encs = self.tokenizer(texts)
        width = max(len(e) for e in encs)
        ids = np.full((len(encs), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for row, e in enumerate(encs):
            ids[row, : len(e)] = e
            mask[row, : len(e)] = 1
        states = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        if self.pooling == "cls":
            vecs = states[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            vecs = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return (vecs / np.maximum(norms, 1e-12)).astype(np.float32)

    def _encode(self, session, texts: list[str], prompt: str, batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # longest first, so each batch pads to a similar length (as sentence-transformers does)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start: start + batch_size]
            out[chunk] = self._run(session, [prompt + texts[i] for i in chunk])
        return out

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        # one question at a time: int8 activations are scaled per call, so a question's vector
        # would otherwise depend on the other questions of its batch
        return self._encode(self.query_session, texts, self.query_prompt, batch_size=1)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        with self._passage_lock:
            if self._passage_session is None:
                self._passage_session = _session(self.path / "model.onnx")
            session = self._passage_session
        return self._encode(session, texts, self.passage_prompt, batch_size)

    def release_passage_model(self) -> None:
        """Drop the float32 graph after a build: a server keeps only the query graph."""
        with self._passage_lock:
            self._passage_session = None
