"""The Milvus store (PARKQA_STORE): Milvus Lite embedded in the process, and a Milvus server
(``milvus-lite server`` on loopback) shared by two stateless API replicas. Answers must be the
FAISS default's: the same quotes at the same places, compared with the session's FAISS pipeline
rather than written down."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from parkqa.config import Settings
from parkqa.store import StoreError, parse_store

pytest.importorskip("pymilvus", reason="pip install 'parkqa[milvus]' (scripts/setup.sh --test)")

pytestmark = pytest.mark.slow

QUESTIONS = ("长治高新区现在有多少家入区企业？",
             "长治经开区2025年规模以上工业增加值是多少？",
             "高新区和经开区分别有多少家企业？",
             "What is the area of the Changzhi High-tech Zone?",
             "长治高新区的火星基地什么时候建成？")   # not in the articles: refused by both


def quotes(answer: dict) -> list[tuple]:
    return [(c["doc"], c["quote"], c["start"], c["end"]) for c in answer["citations"]]


def same_answers(faiss_answer: dict, other: dict) -> None:
    assert other["answered"] == faiss_answer["answered"]
    assert other["text"] == faiss_answer["text"]
    assert quotes(other) == quotes(faiss_answer)


def builder_settings(settings, tmp: Path, store: str) -> Settings:
    """Settings for a builder with its own index folder, seeded with a copy of the session's
    FAISS generation so that its vectors are reused instead of embedded again."""
    from parkqa.generations import current_folder

    index = tmp / "index"
    shutil.copytree(current_folder(Path(settings.index)), index)
    return settings.with_(index=index, store=store)


# ------------------------------------------------------------------ settings

@pytest.mark.parametrize("value, expected", [
    ("", ("faiss", "")), ("faiss", ("faiss", "")),
    ("milvus:./kb.db", ("milvus", "./kb.db")),
    ("milvus:/srv/parkqa/kb.db", ("milvus", "/srv/parkqa/kb.db")),
    ("milvus://milvus.internal:19530", ("milvus", "http://milvus.internal:19530")),
    ("milvus://milvus.internal", ("milvus", "http://milvus.internal:19530")),
    ("milvus+https://cluster.example:443", ("milvus", "https://cluster.example:443")),
])
def test_store_values(value, expected):
    assert parse_store(value) == expected


@pytest.mark.parametrize("value", ["milvus", "milvus:", "milvus://", "milvus:./kb", "qdrant://x"])
def test_bad_store_values_say_what_works(value, monkeypatch):
    with pytest.raises(StoreError, match="milvus:./kb.db"):
        parse_store(value)
    monkeypatch.setenv("PARKQA_STORE", value)
    with pytest.raises(ValueError, match="PARKQA_STORE"):
        Settings()


def test_missing_extra_names_the_install_command(monkeypatch, tmp_path):
    from parkqa import milvus_store

    monkeypatch.setitem(sys.modules, "pymilvus", None)     # import fails as if not installed
    monkeypatch.setattr(milvus_store, "_clients", {})
    with pytest.raises(StoreError, match=r"pip install 'parkqa\[milvus\]'"):
        milvus_store.client(str(tmp_path / "kb.db"))


# ------------------------------------------------------------------ Milvus Lite, embedded

@pytest.fixture(scope="module")
def lite(qa, settings, embedder, tmp_path_factory):
    """An index built into a Milvus Lite database, and a pipeline answering from it."""
    from parkqa.index_build import build_index
    from parkqa.pipeline import ParkQA

    tmp = tmp_path_factory.mktemp("milvus-lite")
    s = builder_settings(settings, tmp, f"milvus:{tmp / 'kb.db'}")
    build_index(s, embedder)
    return ParkQA(s, embedder, rebuild=False)


def test_lite_answers_from_milvus(lite):
    from parkqa.milvus_store import MilvusVectors

    index = lite.index
    assert isinstance(index.passage_vectors, MilvusVectors)
    assert index.passage_vectors.ntotal == len(index.passages) > 0
    assert index.generation.startswith("g")          # a Milvus generation, not a folder


@pytest.mark.parametrize("question", QUESTIONS)
def test_lite_gives_the_faiss_answers(lite, qa, question):
    same_answers(qa.ask(question).to_dict(), lite.ask(question).to_dict())


def test_lite_ranks_passages_like_faiss(lite, qa):
    for question in QUESTIONS:
        for mode in ("hybrid", "dense"):
            want = qa.search(question, k=10, mode=mode)
            got = lite.search(question, k=10, mode=mode)
            assert [h.id for h in got] == [h.id for h in want], (question, mode)
            # the same float32 inner products, summed in another order
            assert [h.dense for h in got] == pytest.approx([h.dense for h in want], abs=1e-5)
            assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-3)


def test_collections_past_one_query_window_are_read_whole(lite, monkeypatch):
    """Past Milvus's 16,384-row query window the rows come through an iterator: the same rows."""
    from parkqa import milvus_store

    gen = lite._store.current()
    whole = gen.read_jsonl("sentences.jsonl")
    monkeypatch.setattr(milvus_store, "QUERY_WINDOW", 50)
    paged = milvus_store.MilvusGeneration(gen.milvus, gen.name)
    assert len(whole) > 200
    assert paged.read_jsonl("sentences.jsonl") == whole
    vectors = paged.read_vectors("sentences.faiss")
    assert vectors.reconstruct_n(0, vectors.ntotal).tolist() == \
        lite.index.sentence_vectors.tolist()


def test_lite_serves_without_the_local_folder(lite, embedder):
    """A replica needs only the store: everything it answers from comes out of Milvus."""
    from parkqa.pipeline import ParkQA

    s = lite.settings.with_(index=Path(lite.settings.index).parent / "no-such-index")
    replica = ParkQA(s, embedder, rebuild=False)
    assert not Path(s.index).exists()
    same_answers(lite.ask(QUESTIONS[0]).to_dict(), replica.ask(QUESTIONS[0]).to_dict())


def test_reindex_moves_the_alias_and_keeps_one_old_generation(lite, embedder):
    from parkqa.index_build import build_index
    from parkqa.milvus_store import ALIAS

    store = lite._store
    first = lite.index.generation
    build_index(lite.settings, embedder)
    second = store.current_id()
    assert second != first
    assert lite.index.generation == second           # switched before the next answer
    build_index(lite.settings, embedder)
    third = store.current_id()
    assert store._generations() == {second, third}   # the previous one stays, older are gone
    assert store.milvus.describe_alias(ALIAS)["collection_name"] == f"{ALIAS}_{third}_files"
    assert lite.ask(QUESTIONS[0]).answered


# ------------------------------------------------------------------ a Milvus server, two replicas

@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory):
    """``milvus-lite server``: the Milvus gRPC protocol on loopback, as a standalone would be."""
    from browser import ARTIFACTS, free_port

    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"milvus-{port}.log", "w")
    exe = Path(sys.executable).parent / "milvus-lite"
    proc = subprocess.Popen([str(exe), "server", "--data-dir",
                             str(tmp_path_factory.mktemp("milvus-data")), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    import socket

    while time.time() < deadline:
        assert proc.poll() is None, (ARTIFACTS / f"milvus-{port}.log").read_text()
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    yield f"milvus://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def test_two_replicas_answer_from_one_milvus_and_follow_a_reindex(milvus_server, settings, qa,
                                                                  embedder, tmp_path):
    from browser import Server

    from parkqa.index_build import build_index

    builder = builder_settings(settings, tmp_path, milvus_server)   # qa built the FAISS index
    build_index(builder, embedder)
    # replicas: no index folder of their own, no articles folder either; only the store
    env = {"PARKQA_STORE": milvus_server, "PARKQA_INDEX": str(tmp_path / "replica-index"),
           "PARKQA_SEEDS": str(tmp_path / "no-articles"), "PARKQA_LOG_DIR": "",
           "PARKQA_RATE_LIMIT": "off"}
    replicas = [Server(env), Server(env)]
    try:
        for question in QUESTIONS[:3]:
            want = qa.ask(question).to_dict()
            for srv in replicas:
                r = httpx.post(srv.url + "/api/ask", json={"question": question}, timeout=60)
                assert r.status_code == 200
                same_answers(want, r.json())
        before = {httpx.get(s.url + "/api/health").json()["generation"] for s in replicas}
        build_index(builder, embedder)          # a re-index, published once, from the builder
        for srv in replicas:                    # each switches before its next answer
            r = httpx.post(srv.url + "/api/ask", json={"question": QUESTIONS[0]}, timeout=60)
            same_answers(qa.ask(QUESTIONS[0]).to_dict(), r.json())
        after = {httpx.get(s.url + "/api/health").json()["generation"] for s in replicas}
        assert len(before) == len(after) == 1 and before != after
        assert not Path(env["PARKQA_INDEX"]).exists()
    finally:
        for srv in replicas:
            srv.stop()
