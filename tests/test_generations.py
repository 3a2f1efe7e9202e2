"""Index generations: one atomic switch, old ones removed after a grace period, a jieba tokenizer
per index, and every worker of a two-process server answering from a new generation."""
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from parkqa import generations
from parkqa.config import Settings
from parkqa.index import load_index
from parkqa.index_build import build_index
from parkqa.pipeline import ParkQA
from parkqa.tokens import tokenize
from parkqa.words import Words

ROOT = Path(__file__).resolve().parent.parent
NEW_ARTICLE = (ROOT / "tests" / "data" / "new_article.txt").read_text(encoding="utf-8")
NEW_QUESTION = "青年创业园首批入驻了多少家初创企业？"
CONTROL = "长治高新区现在有多少家入区企业？"


def _folder(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "manifest.json").write_text(text)
    return folder


def test_publish_switches_the_link_and_keeps_the_old_generation_for_its_grace(tmp_path):
    index = tmp_path / "index"
    first = generations.publish(_folder(tmp_path, "b1", "one"), index, grace=3600)
    assert index.is_symlink() and (index / "manifest.json").read_text() == "one"
    first_id = generations.current_id(index)
    second = generations.publish(_folder(tmp_path, "b2", "two"), index, grace=3600)
    assert (index / "manifest.json").read_text() == "two"
    assert generations.current_id(index) != first_id
    assert generations.current_folder(index) == second
    assert first.exists()                                  # within its grace period
    os.utime(first, (time.time() - 7200, time.time() - 7200))
    assert generations.remove_retired(index, grace=3600) == [first.name]
    assert not first.exists() and second.exists()
    # the link is relative: the folder holding index and its generations can be moved
    assert not os.readlink(index).startswith("/")


def test_a_plain_index_folder_becomes_the_first_retired_generation(tmp_path):
    index = _folder(tmp_path, "index", "old")     # an index made before generations
    old_id = generations.current_id(index)
    assert old_id and generations.current_folder(index) == index
    generations.publish(_folder(tmp_path, "b1", "new"), index, grace=3600)
    assert index.is_symlink() and (index / "manifest.json").read_text() == "new"
    assert generations.current_id(index) != old_id
    kept = [f for f in generations.generations_dir(index).iterdir()
            if (f / "manifest.json").read_text() == "old"]
    assert len(kept) == 1                          # retired, not deleted: a reader may use it


def test_a_reader_never_sees_a_mix(tmp_path):
    """Readers resolve the link once; while generations are published as fast as possible,
    every file a reader reads comes from one generation."""
    index = tmp_path / "index"
    generations.publish(_pair(tmp_path, 0), index, grace=3600)
    stop, mixes, reads = threading.Event(), [], [0]

    def read():
        while not stop.is_set():
            folder = generations.current_folder(index)
            a, b = (folder / "a").read_text(), (folder / "b").read_text()
            reads[0] += 1
            if a != b:
                mixes.append((a, b))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for n in range(1, 60):
        generations.publish(_pair(tmp_path, n), index, grace=3600)
    stop.set()
    for t in readers:
        t.join()
    assert reads[0] > 50 and not mixes


def _pair(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / f"build-{n}"
    folder.mkdir()
    (folder / "a").write_text(str(n))
    (folder / "b").write_text(str(n))
    return folder


def test_each_index_has_its_own_tokenizer_and_jieba_is_never_taught(qa):
    import jieba

    assert "中科潞安紫外光电" not in jieba.dt.FREQ      # parkqa never adds to jieba's global one
    assert "长治高新区" in qa.index.tokenizer.frequencies
    other = Words(["潞安紫外"])
    assert "潞安紫外" in tokenize("中科潞安紫外光电科技", words=other)
    assert "潞安紫外" not in tokenize("中科潞安紫外光电科技", words=qa.index.tokenizer)
    assert "潞安紫外" not in jieba.dt.FREQ


def test_a_pipeline_switches_to_a_generation_another_process_published(tmp_path, embedder):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    settings = Settings(seeds=seeds, index=tmp_path / "index", generation_grace=3600)
    build_index(settings, embedder)
    reader = ParkQA(settings, embedder)          # a second worker of the same server
    first = reader.index.generation
    assert "48家" not in reader.ask(NEW_QUESTION).text
    (seeds / "005_youth_park.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(settings, embedder)              # published by another process
    ans = reader.ask(NEW_QUESTION)               # noticed before this answer
    assert ans.answered and "48家" in ans.text
    assert ans.citations[0].doc == "005_youth_park.txt"
    assert reader.index.generation != first
    assert (generations.generations_dir(settings.index) / first).exists()   # still in grace


def test_a_broken_new_generation_is_skipped_and_the_old_one_keeps_answering(tmp_path, embedder):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    settings = Settings(seeds=seeds, index=tmp_path / "index")
    build_index(settings, embedder)
    qa = ParkQA(settings, embedder)
    broken = tmp_path / "broken"
    shutil.copytree(settings.index, broken)
    (broken / "passages.faiss").write_bytes(b"not faiss")
    generations.publish(broken, settings.index)
    assert "1.2万家" in qa.ask(CONTROL).text     # logged, skipped, still answering
    with pytest.raises(Exception):
        load_index(settings, check=False)


def test_reindex_under_load_on_two_workers_fails_no_request(tmp_path, embedder):
    from browser import Server, corpus_env, reindex_under_load

    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    settings = Settings(seeds=seeds, index=tmp_path / "index")
    build_index(settings, embedder)
    with Server(corpus_env(settings, PARKQA_LOG_DIR="", PARKQA_RATE_LIMIT="off"),
                args=("--workers", "2")) as srv:
        ask = lambda q: httpx.post(srv.url + "/api/ask", json={"question": q}, timeout=60)  # noqa: E731
        before = {h["worker"]: h["generation"] for h in _healths(srv)}
        assert len(before) == 2 and len(set(before.values())) == 1
        (seeds / "005_youth_park.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        r, results, started, finished = reindex_under_load(srv.url, ask, CONTROL, readers=4,
                                                           settle=1)
        assert r.status_code == 200, r.text
        assert sum(started < at < finished for _, _, at in results) >= 3
        assert all(code == 200 and "1.2万家" in text for code, text, _ in results), \
            [x for x in results if x[0] != 200 or "1.2万家" not in x[1]][:3]
        with ThreadPoolExecutor(6) as pool:      # whichever worker takes it: the new article
            answers = list(pool.map(lambda _: ask(NEW_QUESTION).json(), range(16)))
        assert all(a["answered"] and a["citations"][0]["doc"] == "005_youth_park.txt"
                   for a in answers), answers[:2]
        after = {h["worker"]: h["generation"] for h in _healths(srv)}
        assert set(after) == set(before) and len(set(after.values())) == 1
        assert set(after.values()) != set(before.values())


def _healths(srv, *, want: int = 2, tries: int = 200) -> list[dict]:
    """Health of each worker process: asked until ``want`` different workers have answered."""
    seen: dict[int, dict] = {}
    for _ in range(tries):
        h = httpx.get(srv.url + "/api/health", timeout=30).json()
        seen[h["worker"]] = h
        if len(seen) >= want:
            break
    return list(seen.values())
