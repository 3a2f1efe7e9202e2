"""Shared fixtures: one real embedding model and one real index per test session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def embedder():
    from parkqa.embedding import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def seeds_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("corpus") / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def settings(seeds_copy):
    from parkqa.config import Settings

    return Settings(seeds=seeds_copy, index=seeds_copy.parent / "index")


@pytest.fixture(scope="session")
def qa(settings, embedder):
    from parkqa.pipeline import ParkQA

    return ParkQA(settings, embedder)


@pytest.fixture(scope="session")
def server(qa, settings, tmp_path_factory):
    """The real app (``python app.py``) on a free port, sharing the session's built index."""
    from browser import Server, corpus_env

    logs = tmp_path_factory.mktemp("logs")
    # no rate limit here: many test files share this server from one address, and the limit
    # has its own test on portal_server
    with Server(corpus_env(settings, PARKQA_LOG_DIR=str(logs), PARKQA_RATE_LIMIT="off")) as srv:
        srv.log_dir = logs
        yield srv


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from browser import launch_chromium

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser, server, request):
    """A fresh tab on the chat; a screenshot of it is kept in test-artifacts/ after each test."""
    from browser import ARTIFACTS

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(server.url + "/")
    pg.wait_for_selector("#pq-input textarea", timeout=60_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def portal_pages():
    """Pages served from http://localhost:<port>, another origin than the servers'."""
    from browser import PageServer

    pages = PageServer()
    yield pages
    pages.stop()


# each test file that spends the 30/minute budget of a key has its own key:
# [1] test_api's rate limit, [2] test_exposure's, [3] the /v1 and feedback tests, [4] the widget
PORTAL_KEYS = ("key-one-7f3a", "key-two-91bc", "key-three-c0de", "key-four-5e21", "key-five-a9d0")


@pytest.fixture(scope="session")
def portal_server(qa, settings, portal_pages, tmp_path_factory):
    """A server set up for a portal: API keys, a rate limit and one allowed origin."""
    from browser import Server, corpus_env

    logs = tmp_path_factory.mktemp("portal-logs")
    with Server(corpus_env(settings, PARKQA_LOG_DIR=str(logs),
                           PARKQA_API_KEYS=",".join(PORTAL_KEYS), PARKQA_RATE_LIMIT="30/minute",
                           PARKQA_ALLOWED_ORIGINS=portal_pages.origin)) as srv:
        srv.keys = PORTAL_KEYS
        srv.log_dir = logs
        yield srv
