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
