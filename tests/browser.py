"""Start the real server and the system Chromium for UI tests (DESIGN.md §5 recipe)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from parkqa.config import Settings

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("PARKQA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python app.py`` in a subprocess, on a free port, with its own settings."""

    def __init__(self, env: dict, *, args: tuple[str, ...] = (), timeout: float = 240) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = ARTIFACTS / f"server-{self.port}.log"
        ARTIFACTS.mkdir(exist_ok=True)
        full_env = dict(os.environ, PARKQA_PORT=str(self.port), PARKQA_HOST="127.0.0.1",
                        GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", **env)
        self._log_fh = open(self.log, "w")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT,
                                     env=full_env, stdout=self._log_fh, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"server did not start in {timeout}s: {self.log.read_text()[-2000:]}")

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log_fh.close()


def corpus_env(settings, **extra: str) -> dict:
    """Server environment for a Settings' articles and index, plus ``extra`` PARKQA_* values."""
    return {"PARKQA_SEEDS": str(settings.seeds), "PARKQA_INDEX": str(settings.index), **extra}


def editor_server(root, index, seeds, *, portal_key: str, admin_key: str) -> "Server":
    """A two-worker server over a copy of ``seeds`` and ``index`` in ``root`` (only new texts get
    embedded), with keys for a portal and an editor; ``srv.root`` is where its files live."""
    shutil.copytree(seeds, root / "seeds")
    shutil.copytree(index, root / "index")
    srv = Server(corpus_env(Settings(seeds=root / "seeds", index=root / "index"),
                            PARKQA_LOG_DIR="", PARKQA_RATE_LIMIT="off",
                            PARKQA_API_KEYS=portal_key, PARKQA_ADMIN_KEYS=admin_key),
                 args=("--workers", "2"))
    srv.root = root
    return srv


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def get_raw(url: str, path: str):
    """GET ``url`` + ``path`` exactly as written: no dot-segment removal, no re-encoding."""
    with httpx.Client(timeout=10) as client:
        req = client.build_request("GET", url + "/")
        req.url = req.url.copy_with(raw_path=path.encode())
        return client.send(req)


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: apt-get install chromium fonts-wqy-microhei")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


FINISHED = ("[...document.querySelectorAll('#pq-chat .pq-answer')]"
            ".filter(e => e.querySelector('.pq-sources-title, .pq-refusal')).length")


@contextmanager
def admin_page(browser, url: str, key: str, *, height: int = 900):
    """A Chinese-locale page on ``url``'s admin screen with ``key`` saved; closed afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": height}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(url + "/admin")
        page.fill("#key", key)
        page.click("#save-key")
        yield page
    finally:
        context.close()


def ask(page, question: str, *, timeout: float = 30_000):
    """Type a question, send it, wait until its final answer (with sources or a refusal) is in."""
    before = page.evaluate(FINISHED)
    page.fill("#pq-input textarea", question)
    page.click("#pq-send")
    page.wait_for_function(f"n => {FINISHED} > n", arg=before, timeout=timeout)
    return page.locator("#pq-chat .pq-answer").last


class PageServer:
    """Static pages served from another origin (http://localhost:<port>) in a thread: a portal
    that embeds the chat or calls the API."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                body = pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()


def reindex_under_load(url: str, ask, question: str, *, readers: int, settle: float):
    """POST /api/reindex on ``url`` while ``readers`` threads keep calling ``ask(question)``;
    returns the reindex response, every reader's (status, text, time), and when the reindex
    started and finished (so a test can check that questions were answered during it)."""
    import threading

    results, stop = [], threading.Event()

    def keep_asking():
        while not stop.is_set():
            try:
                r = ask(question)
                results.append((r.status_code, r.json().get("text", ""), time.monotonic()))
            except Exception as exc:  # noqa: BLE001 - any failure is what we look for
                results.append((0, repr(exc), time.monotonic()))

    threads = [threading.Thread(target=keep_asking) for _ in range(readers)]
    for t in threads:
        t.start()
    time.sleep(settle)
    started = time.monotonic()
    r = httpx.post(url + "/api/reindex", timeout=300)
    finished = time.monotonic()
    time.sleep(settle)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    return r, results, started, finished
