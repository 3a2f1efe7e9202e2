import json
import shutil

import numpy as np
import pytest

from parkqa.config import Settings
from parkqa.index import IndexCorrupt, IndexMissing, IndexStale, check_manifest, load_index
from parkqa.index_build import (HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, SENTENCE_EF_SEARCH,
                                build_index, sentence_ef_search)
from parkqa.pipeline import ParkQA


@pytest.fixture()
def private(tmp_path, seeds_copy, qa):
    """A private copy of the built index and articles, so tests may break them."""
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_copy, seeds)
    index = tmp_path / "index"
    shutil.copytree(qa.settings.index, index)
    return Settings(seeds=seeds, index=index)


def test_round_trip(qa, settings):
    idx = load_index(settings)
    m = idx.manifest
    assert m["dimension"] == 384 and m["counts"]["articles"] == 5
    assert set(m["corpus"]) == {p.name for p in settings.seeds.glob("*.txt")}
    assert {"model", "settings", "versions", "files"} <= set(m)
    assert idx.passage_vectors.ntotal == len(idx.passages) > 20
    assert len(idx.sentence_vectors) == len(idx.sentences)
    assert np.allclose(np.linalg.norm(idx.sentence_vectors, axis=1), 1, atol=1e-3)
    assert "长治高新区" in idx.words or any("有限公司" in w for w in idx.words)


def test_missing_index(tmp_path, settings):
    with pytest.raises(IndexMissing, match="parkqa index"):
        load_index(Settings(seeds=settings.seeds, index=tmp_path / "nothing"))


def test_stale_index_is_detected_and_rebuilt_incrementally(private, embedder):
    extra = private.seeds / "005_new.txt"
    extra.write_text("长治经开区新建的示范工厂今年投产，年产值预计达到12亿元。\n", encoding="utf-8")
    assert any("added: 005_new.txt" in r for r in check_manifest(
        json.loads((private.index / "manifest.json").read_text()), private))
    with pytest.raises(IndexStale, match="005_new.txt"):
        load_index(private)
    qa = ParkQA(private, embedder)  # rebuilds instead of serving the stale index
    counts = qa.index.manifest["counts"]
    assert counts["articles"] == 6
    assert 0 < counts["embedded"] <= 4       # only the new article's texts were embedded
    ans = qa.ask("经开区的示范工厂年产值预计多少？")
    assert ans.answered and ans.citations[0].doc == "005_new.txt"
    assert "12亿元" in ans.text


def test_changed_setting_makes_index_stale(private):
    with pytest.raises(IndexStale, match="settings changed"):
        load_index(private.with_(passage_chars=120))


@pytest.mark.parametrize("name", ["passages.faiss", "sentences.jsonl", "manifest.json"])
def test_corrupt_files_are_named(private, name):
    path = private.index / name
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])
    with pytest.raises(IndexCorrupt, match=name.replace(".", r"\.")):
        load_index(private)


def test_a_damaged_answer_model_is_a_corrupt_index_and_is_rebuilt(private, embedder):
    # valid JSON whose trees no longer parse: named at load, not a traceback at the first answer
    path = private.index / "answer_model.json"
    model = json.loads(path.read_text(encoding="utf-8"))
    model["sentence"]["trees"][0]["onnx"] = "AAAA" + model["sentence"]["trees"][0]["onnx"][40:]
    path.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match=r"answer_model\.json is corrupt"):
        load_index(private)
    qa = ParkQA(private, embedder)     # rebuilt with the packaged model
    assert qa.ask("长治高新区有多少家入区企业？").answered


def test_missing_passages_file(private):
    (private.index / "passages.jsonl").unlink()
    with pytest.raises(IndexCorrupt, match="passages.jsonl is missing"):
        load_index(private)


def test_crash_mid_build_leaves_old_index(private, embedder):
    before = (private.index / "manifest.json").read_text()
    (private.seeds / "005_new.txt").write_text("新文章。经开区今年新增企业10家。", encoding="utf-8")

    class Exploding:
        name, dim = embedder.name, embedder.dim

        def encode_passages(self, texts):
            raise RuntimeError("killed mid-build")

    with pytest.raises(RuntimeError, match="killed"):
        build_index(private, Exploding())
    assert (private.index / "manifest.json").read_text() == before
    assert not list(private.index.parent.glob(".index.build-*"))
    load_index(private, check=False)  # the old index still loads


def test_index_type_is_chosen_by_size_and_recorded(private, embedder, qa):
    assert qa.index.manifest["faiss_index"] == "IndexFlatIP"       # 145 passages: exact
    assert qa.index.manifest["faiss_params"] == {}
    big = private.with_(exact_search_limit=50)                        # pretend 145 is large
    manifest = build_index(big, embedder)
    assert manifest["faiss_index"] == "IndexHNSWFlat"
    assert manifest["counts"]["embedded"] == 0                       # same texts: vectors reused
    with pytest.raises(IndexStale):                                  # the setting is in the manifest
        load_index(private)
    # the tuned search effort is recorded and used: the passages' for 10^6 passages, the
    # sentences' by their number (less up to 10^5)
    assert manifest["faiss_params"] == {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION,
                                        "efSearch": HNSW_EF_SEARCH}
    assert manifest["sentence_faiss_params"] == dict(manifest["faiss_params"],
                                                     efSearch=SENTENCE_EF_SEARCH)
    assert sentence_ef_search(100_000) == SENTENCE_EF_SEARCH < HNSW_EF_SEARCH
    assert sentence_ef_search(100_001) == HNSW_EF_SEARCH
    approx = ParkQA(big, embedder)
    assert approx.index.passage_vectors.hnsw.efSearch == HNSW_EF_SEARCH
    assert approx.index.sentence_index.hnsw.efSearch == SENTENCE_EF_SEARCH
    ans = approx.ask("长治高新区现在有多少家入区企业？")
    assert ans.answered and "1.2万家" in ans.text
    # what the manifest says is what a loaded index searches with
    path = big.index / "manifest.json"
    recorded = json.loads(path.read_text(encoding="utf-8"))
    recorded["faiss_params"]["efSearch"] = 77
    recorded["sentence_faiss_params"]["efSearch"] = 55
    path.write_text(json.dumps(recorded), encoding="utf-8")
    assert load_index(big).passage_vectors.hnsw.efSearch == 77
    assert load_index(big).sentence_index.hnsw.efSearch == 55
    del recorded["sentence_faiss_params"]   # built before: the passages' effort for both
    path.write_text(json.dumps(recorded), encoding="utf-8")
    assert load_index(big).sentence_index.hnsw.efSearch == 77
    assert set(ans.timings) >= {"embed", "dense", "bm25", "fusion", "compose", "total"}


def test_a_manifest_that_does_not_match_the_index_is_refused(private):
    manifest = json.loads((private.index / "manifest.json").read_text(encoding="utf-8"))
    manifest["dimension"] = 512
    (private.index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="dimension"):
        load_index(private)


def test_passages_that_do_not_match_the_vectors_are_refused(private):
    path = private.index / "passages.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")   # one passage lost
    with pytest.raises(IndexCorrupt, match="do not match"):
        load_index(private)
