"""What the server exposes and to whom: bind address, keys and limits under concurrent
clients, no file reachable through any route, no network use, errors without internals."""
import os
import threading
from pathlib import Path

import httpx
import pytest

from parkqa.config import Settings

HERE = Path(__file__).resolve().parent


def test_defaults_bind_to_this_machine_only(server, monkeypatch):
    monkeypatch.delenv("PARKQA_HOST", raising=False)
    assert Settings().host == "127.0.0.1"
    assert "running at http://127.0.0.1:" in server.log.read_text()


def test_logging_can_be_turned_off(monkeypatch):
    monkeypatch.delenv("PARKQA_LOG_DIR", raising=False)
    assert Settings().log_dir == "logs"
    monkeypatch.setenv("PARKQA_LOG_DIR", "")      # set but empty: off, not the default
    assert Settings().log_dir == ""


def test_rate_limit_holds_under_concurrent_clients(portal_server):
    headers = {"Authorization": f"Bearer {portal_server.keys[2]}"}
    statuses, lock = [], threading.Lock()

    def client():
        with httpx.Client(timeout=60) as c:
            for _ in range(5):
                r = c.post(portal_server.url + "/api/ask", headers=headers,
                           json={"question": "经开区有多少家高新技术企业？"})
                with lock:
                    statuses.append(r.status_code)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 30 + [429] * 10     # the budget is 30/minute, exactly


def test_keys_hold_under_concurrent_clients(portal_server):
    def call(key):
        h = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.post(portal_server.url + "/api/ask", headers=h, timeout=60,
                          json={"question": "高新区"}).status_code

    results = {}
    threads = [threading.Thread(target=lambda k=k, i=i: results.__setitem__(i, call(k)))
               for i, k in enumerate(["", "nope", "Bearer", portal_server.keys[0][:-1]] * 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results.values()) == {401}


@pytest.mark.parametrize("path", [
    "/gradio_api/file=/etc/passwd", "/gradio_api/file=../../pyproject.toml",
    "/file=/etc/passwd", "/embed/gradio_api/file=/etc/passwd", "/docs-assets/../../pyproject.toml",
    "/docs-assets/%2e%2e/%2e%2e/pyproject.toml", "/gradio_api/file=seeds/000_e7ffa1cc56d22445.txt",
    "/static/../pyproject.toml", "/assets/..%2f..%2fpyproject.toml",
])
def test_no_file_is_reachable_through_any_route(server, path):
    from browser import get_raw

    r = get_raw(server.url, path)
    assert r.status_code in (400, 403, 404, 405), (path, r.status_code)
    assert "root:" not in r.text and "build-system" not in r.text and "长治高新区五年蝶变" not in r.text


def test_an_internal_error_says_nothing_about_internals(qa, settings, monkeypatch):
    from fastapi.testclient import TestClient

    from parkqa.api import create_app

    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/secret/path.py")

    app = create_app(settings.with_(log_dir=""), qa=qa)
    monkeypatch.setattr(qa, "ask", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/ask", json={"question": "高新区"})
    assert r.status_code == 500 and r.json()["error"] == "internal"
    assert "secret" not in r.text and "Traceback" not in r.text and "boom" not in r.text


def test_the_app_starts_and_answers_with_no_network(settings, qa, tmp_path):
    from browser import Server, corpus_env

    attempts = tmp_path / "net.log"
    with Server(corpus_env(settings, PARKQA_LOG_DIR=str(tmp_path / "logs"),
                           PARKQA_NET_LOG=str(attempts),
                           PYTHONPATH=os.pathsep.join([str(HERE / "offline"),
                                                       os.environ.get("PYTHONPATH", "")]))) as srv:
        r = httpx.post(srv.url + "/api/ask", json={"question": "长治高新区现在有多少家入区企业？"})
        assert r.status_code == 200 and r.json()["answered"]
        for path in ("/", "/embed/", "/docs", "/config", "/gradio_api/info"):
            httpx.get(srv.url + path, timeout=30)
    assert not attempts.exists() or attempts.read_text() == "", attempts.read_text()


def test_settings_survive_the_trip_through_the_environment(monkeypatch):
    s = Settings(api_keys=("a", "b"), allowed_origins=("http://x",), log_dir="", port=8123,
                 rate_limit="5/second", exact_search_limit=7, workers=2, progress=False)
    for name, value in s.to_env().items():
        monkeypatch.setenv(name, value)
    assert Settings() == s
