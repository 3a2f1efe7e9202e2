import json
import multiprocessing
import threading

from parkqa.feedback import FeedbackLog


def _write_many(folder, worker, n):
    log = FeedbackLog(folder)
    for i in range(n):
        log.append({"rating": "up", "question": f"{worker}-{i}", "answer": "长" * 3000})


def test_concurrent_writers_lose_nothing_and_never_interleave(tmp_path):
    threads = [threading.Thread(target=_write_many, args=(tmp_path, f"t{w}", 50)) for w in range(4)]
    procs = [multiprocessing.get_context("fork").Process(target=_write_many,
                                                          args=(tmp_path, f"p{w}", 50))
             for w in range(2)]
    for t in procs + threads:   # fork before any writer thread exists, or a child may inherit a held lock
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join()
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]            # every line is whole JSON
    assert len(records) == 300
    assert len({r["question"] for r in records}) == 300
    assert all(r["time"] and r["answer"] == "长" * 3000 for r in records)


def test_existing_lines_are_kept(tmp_path):
    (tmp_path / "feedback.jsonl").write_text('{"old": true}\n', encoding="utf-8")
    FeedbackLog(tmp_path).append({"rating": "down"})
    assert [list(r)[0] for r in FeedbackLog(tmp_path).read()] == ["old", "time"]
