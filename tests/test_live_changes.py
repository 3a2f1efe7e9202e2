"""Articles change while the server answers: a live re-index, a killed build, a broken index."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from parkqa.config import Settings
from parkqa.index import IndexStale, load_index
from parkqa.index_build import build_index

from browser import Server, corpus_env, reindex_under_load

ROOT = Path(__file__).resolve().parent.parent
NEW_ARTICLE = (ROOT / "tests" / "data" / "new_article.txt").read_text(encoding="utf-8")
NEW_QUESTION = "青年创业园首批入驻了多少家初创企业？"
CONTROL = "长治高新区现在有多少家入区企业？"


@pytest.fixture
def own_corpus(tmp_path, embedder):
    """A private copy of the articles with its index already built."""
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    settings = Settings(seeds=seeds, index=tmp_path / "index")
    build_index(settings, embedder)
    return settings


def test_live_reindex_while_answering_and_a_broken_index_at_start(own_corpus):
    # a truncated FAISS file at start-up: named in the log, rebuilt, never served
    faiss_file = own_corpus.index / "passages.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    # three readers ask as fast as they can: the rate limit is not what this test is about
    with Server(corpus_env(own_corpus, PARKQA_LOG_DIR="", PARKQA_RATE_LIMIT="100000/minute")) as srv:
        assert "passages.faiss" in srv.log.read_text()
        ask = lambda q: httpx.post(srv.url + "/api/ask", json={"question": q}, timeout=30)  # noqa: E731
        assert "1.2万家" in ask(CONTROL).json()["text"]
        before = ask(NEW_QUESTION).json()   # whether it is refused: tests/test_answers.py
        assert "48家" not in before["text"]
        assert all(c["doc"] != "005_youth_park.txt" for c in before["citations"])

        (own_corpus.seeds / "005_youth_park.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        r, results, started, finished = reindex_under_load(srv.url, ask, CONTROL, readers=3,
                                                           settle=0.5)
        assert r.status_code == 200, r.text
        assert r.json()["articles"] == 6 and r.json()["reused"] > 0     # only the new one embedded
        assert sum(started < at < finished for _, _, at in results) >= 3   # asked during it
        assert all(code == 200 and "1.2万家" in text for code, text, _ in results), \
            [x for x in results if x[0] != 200 or "1.2万家" not in x[1]][:3]
        after = ask(NEW_QUESTION).json()
        assert after["answered"] and "48家" in after["text"]
        assert after["citations"][0]["doc"] == "005_youth_park.txt"
        assert httpx.get(srv.url + "/api/health").json()["articles"] == 6


def test_reindex_needs_a_key_when_keys_are_set(portal_server):
    r = httpx.post(portal_server.url + "/api/reindex", timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_a_killed_build_leaves_the_old_index_intact(own_corpus):
    old_manifest = (own_corpus.index / "manifest.json").read_text(encoding="utf-8")
    # a new article big enough that its build takes a few seconds (every paragraph is new text)
    big = "\n\n".join("据报道，" + p for p in
                      (ROOT / "seeds" / "001_6376ab25e3d40f85.txt").read_text("utf-8").split("\n\n")
                      if p.strip())
    (own_corpus.seeds / "009_reprint.txt").write_text(big, encoding="utf-8")
    env = dict(os.environ, PARKQA_SEEDS=str(own_corpus.seeds), PARKQA_INDEX=str(own_corpus.index),
               PARKQA_PROGRESS="1")
    proc = subprocess.Popen([sys.executable, "-m", "parkqa.cli", "index"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # kill it once the embedding bar shows: model loaded, the new article's texts under way
    seen, deadline = b"", time.monotonic() + 180
    while "嵌入".encode() not in seen and time.monotonic() < deadline:
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    assert "嵌入".encode() in seen, seen.decode("utf-8", "replace")[-500:]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert (own_corpus.index / "manifest.json").read_text(encoding="utf-8") == old_manifest
    with pytest.raises(IndexStale):     # old files intact, and known to be older than seeds/
        load_index(own_corpus)
    old = load_index(own_corpus, check=False)
    assert old.passage_vectors.ntotal == json.loads(old_manifest)["counts"]["passages"]


def test_a_build_killed_while_writing_is_cleaned_up_next_time(own_corpus, embedder):
    leftover = own_corpus.index.parent / f".{own_corpus.index.name}.build-killed"
    leftover.mkdir()
    (leftover / "passages.faiss").write_bytes(b"half written")
    (own_corpus.seeds / "005_youth_park.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(own_corpus, embedder)
    assert not leftover.exists()
    assert load_index(own_corpus).manifest["counts"]["articles"] == 6
