"""Export a local sentence-transformers model to ONNX, once, for ``parkqa.onnx_encoder``.

Run as a child process (``python -m parkqa.onnx_export SOURCE TARGET``) so that torch is
imported there and never in the process that answers questions: a server or ``parkqa ask``
that imported torch once would keep its ~400 MB for good.

It writes into a temporary folder beside TARGET and renames it into place when complete, so an
interrupted export leaves nothing half-written:

* ``model.onnx``: the transformer in float32 (token states; pooling is done by the caller);
  passages are embedded with it, so index vectors match the torch ones (cosine ≥ 0.9999);
* ``model_int8.onnx``: the same with weights quantized to int8 per output channel (ONNX
  Runtime dynamic quantization), for queries: a quarter of the memory, 2-3x faster on CPU;
* each graph's weights in ``<graph>.data`` beside it, which ONNX Runtime maps from disk;
* ``tokenizer.json`` and ``parkqa_onnx.json`` (pooling, prompts, dimension, lengths);
* for a Unigram tokenizer, ``tokenizer.model`` + ``pretokenizer.json``: the same tokenizer in
  a fifth of the memory (see ``write_light_tokenizer``).
"""
from __future__ import annotations

import inspect
import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

FORMAT = 3      # bump when the files or their meaning change: old exports are then redone
# 3: weights in a .data file beside each graph (see ``_weights_apart``)
OPSET = 17


def _module_paths(source: Path) -> tuple[Path, Path | None]:
    """Folders of the Transformer and Pooling modules of a sentence-transformers model."""
    modules = json.loads((source / "modules.json").read_text(encoding="utf-8"))
    transformer, pooling = source, None
    for mod in modules:
        if mod["type"].endswith(".Transformer"):
            transformer = source / mod.get("path", "")
        elif mod["type"].endswith(".Pooling"):
            pooling = source / mod["path"]
    return transformer, pooling


def describe(source: Path) -> dict:
    """What the encoder needs besides the graph: pooling, prompts, dimension, max length."""
    transformer, pooling_dir = _module_paths(source)
    pooling = {"pooling_mode_mean_tokens": True}
    if pooling_dir and (pooling_dir / "config.json").exists():
        pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
    if pooling.get("pooling_mode_cls_token"):
        mode = "cls"
    elif pooling.get("pooling_mode_mean_tokens", False):
        mode = "mean"
    else:
        raise SystemExit(f"unsupported pooling in {pooling_dir}: only mean or CLS pooling "
                         "can be exported; use PARKQA_BACKEND=torch for this model")
    st_cfg = {}
    for name in ("config_sentence_transformers.json", "sentence_bert_config.json"):
        if (source / name).exists():
            st_cfg.update(json.loads((source / name).read_text(encoding="utf-8")))
    hf_cfg = json.loads((transformer / "config.json").read_text(encoding="utf-8"))
    return {"format": FORMAT, "source": str(source), "pooling": mode,
            "prompts": st_cfg.get("prompts") or {},
            "max_seq_length": int(st_cfg.get("max_seq_length") or 512),
            "dimension": int(pooling.get("word_embedding_dimension") or hf_cfg["hidden_size"])}


def write_light_tokenizer(tokenizer_json: Path, folder: Path) -> dict:
    """A SentencePiece model of a Unigram tokenizer, plus its normalizer and pre-tokenizer.

    ``tokenizers`` holds a 250k-piece Unigram vocabulary in a trie of hash maps: 280 MB and a
    second to load, more than the int8 model itself. SentencePiece holds the same pieces and
    scores in a double-array trie (57 MB); run on the same normalized, pre-split words it
    gives the same ids (checked on every eval question and article line; tests check it
    too). Returns what the encoder needs to know; nothing for other tokenizer kinds, which
    are then loaded whole."""
    from tokenizers import Tokenizer

    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    if spec.get("model", {}).get("type") != "Unigram":
        return {}
    try:
        from sentencepiece import sentencepiece_model_pb2 as pb
    except ImportError:
        return {}
    full = Tokenizer.from_file(str(tokenizer_json))
    kinds = {"<unk>": pb.ModelProto.SentencePiece.UNKNOWN}
    special = {t["content"] for t in spec.get("added_tokens", []) if t.get("special")}
    proto = pb.ModelProto()
    proto.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    proto.trainer_spec.vocab_size = len(spec["model"]["vocab"])
    proto.trainer_spec.unk_id = int(spec["model"]["unk_id"])
    for name in ("bos_id", "eos_id", "pad_id"):
        setattr(proto.trainer_spec, name, -1)
    # the words come normalized and split already: SentencePiece must take them as they are
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = False
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = False
    for piece, score in spec["model"]["vocab"]:
        p = proto.pieces.add()
        p.piece, p.score = piece, score
        p.type = kinds.get(piece, pb.ModelProto.SentencePiece.CONTROL if piece in special
                           else pb.ModelProto.SentencePiece.NORMAL)
    (folder / "tokenizer.model").write_bytes(proto.SerializeToString())
    light = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
             "normalizer": spec.get("normalizer"), "pre_tokenizer": spec.get("pre_tokenizer"),
             "post_processor": None, "decoder": None,
             "model": {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"}}
    (folder / "pretokenizer.json").write_text(json.dumps(light, ensure_ascii=False),
                                              encoding="utf-8")
    # the special tokens around a text ("<s> … </s>"), as the full tokenizer adds them
    bare = full.encode("a", add_special_tokens=False).ids
    ids = full.encode("a").ids
    at = next(i for i in range(len(ids)) if ids[i: i + len(bare)] == bare)
    return {"sentencepiece": True, "prefix_ids": ids[:at], "suffix_ids": ids[at + len(bare):],
            "pad_id": full.token_to_id("<pad>") or 0}


def export(source: Path, target: Path) -> Path:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    meta = describe(source)
    transformer_dir, _ = _module_paths(source)
    # eager attention: the SDPA path decides on the mask in Python, which tracing would freeze
    model = AutoModel.from_pretrained(str(transformer_dir), attn_implementation="eager",
                                      local_files_only=True).eval()
    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters

    class TokenStates(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            extra = {"token_type_ids": torch.zeros_like(input_ids)} if takes_types else {}
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              **extra).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    os.chmod(tmp, 0o755)     # mkdtemp's 0700 would hide the shared cache from other users
    try:
        ids = torch.tensor([[0, 10, 11, 12, 2], [0, 13, 2, 1, 1]])
        mask = (ids != 1).long()
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                "last_hidden_state": {0: "batch", 1: "tokens"}}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")     # tracer notes about shapes taken as constants
            torch.onnx.export(TokenStates(), (ids, mask), str(tmp / "model.onnx"),
                              input_names=["input_ids", "attention_mask"],
                              output_names=["last_hidden_state"], dynamic_axes=axes,
                              opset_version=OPSET, dynamo=False)
        # per-channel scales: per-tensor ones gave query cosines down to 0.981 to the float
        # model, per-channel 0.992 (mean 0.997) on the eval questions
        quantize_dynamic(str(tmp / "model.onnx"), str(tmp / "model_int8.onnx"),
                         weight_type=QuantType.QInt8, per_channel=True)
        for graph in ("model.onnx", "model_int8.onnx"):
            _weights_apart(tmp / graph)
        shutil.copy(transformer_dir / "tokenizer.json", tmp / "tokenizer.json")
        meta.update(write_light_tokenizer(transformer_dir / "tokenizer.json", tmp))
        (tmp / "parkqa_onnx.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1),
                                              encoding="utf-8")
        if (target / "parkqa_onnx.json").exists():       # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
            return target
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _weights_apart(graph: Path) -> None:
    """Move the weights out of ``graph`` into ``<graph>.data`` (the same bytes). ONNX Runtime
    maps such a file instead of reading the graph and copying every weight out of it: a cold
    ``parkqa ask`` then peaks ~180 MiB lower and opens its session faster, and only the pages
    of the 250k-row embedding table that questions touch are ever read."""
    import onnx

    model = onnx.load(str(graph))
    onnx.save_model(model, str(graph), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=graph.name + ".data", size_threshold=1024)
    os.chmod(graph.parent / (graph.name + ".data"), 0o644)   # onnx writes it 0600; shared cache


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m parkqa.onnx_export SOURCE_MODEL_DIR TARGET_DIR", file=sys.stderr)
        return 2
    import logging

    logging.getLogger("onnxruntime").setLevel(logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)   # the quantizer's "consider pre-processing"
    export(Path(argv[0]), Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
