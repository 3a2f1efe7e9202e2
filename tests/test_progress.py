"""A first start a person can follow: notices, bars (only on a terminal) and one summary line,
while ``--json`` keeps stdout pure JSON."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parkqa import progress

ARTICLE = Path(__file__).parent / "data" / "new_article.txt"
QUESTION = "青年创业园首批入驻了多少家企业？"
SUMMARY = re.compile(r"索引已建好 / index ready: 1 篇文章 articles, \d+ 段 passages, \d+ 句 "
                     r"sentences \(\d+ embedded, 0 reused\) in \d+\.\d s")
BAR_NAMES = ("准备模型 / preparing the model", "读取文章 / reading articles",
             "嵌入 / embedding", "建立索引 / building the index")


def run(tmp_path, *args, **env):
    seeds = tmp_path / "seeds"
    if not seeds.exists():
        seeds.mkdir()
        shutil.copy(ARTICLE, seeds)
    full_env = dict(os.environ, PARKQA_SEEDS=str(seeds), PARKQA_INDEX=str(tmp_path / "index"),
                    **env)
    if "PARKQA_PROGRESS" not in env:
        full_env.pop("PARKQA_PROGRESS", None)
    return subprocess.run([sys.executable, "-m", "parkqa.cli", *args], capture_output=True,
                          text=True, env=full_env, timeout=600)


@pytest.mark.slow
def test_first_start_in_a_pipe_says_what_it_does_without_bars(tmp_path):
    out = run(tmp_path, "ask", QUESTION)
    assert out.returncode == 0, out.stderr
    assert "48家" in out.stdout
    assert "首次运行：正在建立索引" in out.stderr and "building the index for the first time" \
        in out.stderr
    assert SUMMARY.search(out.stderr), out.stderr
    assert "no index" not in out.stderr and "WARNING" not in out.stderr
    assert "\r" not in out.stderr and "%|" not in out.stderr      # no bars in a pipe
    again = run(tmp_path, "ask", QUESTION)                         # the index is there now
    assert again.returncode == 0 and "首次运行" not in again.stderr
    assert not SUMMARY.search(again.stderr)


@pytest.mark.slow
def test_json_stays_pure_json_even_when_bars_are_forced(tmp_path):
    out = run(tmp_path, "ask", "--json", QUESTION, PARKQA_PROGRESS="1")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)          # the whole of stdout, nothing before or after
    assert answer["answered"] and "48家" in answer["text"]
    assert SUMMARY.search(out.stderr)         # the person still learns what happened
    assert not any(name in out.stderr for name in BAR_NAMES)


@pytest.mark.slow
def test_bars_for_every_stage_of_a_first_start_when_asked_for(tmp_path):
    cache = tmp_path / "cache"               # materialize the model from scratch too
    out = run(tmp_path, "index", PARKQA_PROGRESS="1", PARKQA_CACHE=str(cache))
    assert out.returncode == 0, out.stderr
    for name in BAR_NAMES:
        assert name in out.stderr, name
    assert "100%" in out.stderr
    assert "首次运行：正在准备嵌入模型" in out.stderr and "模型已就绪 / model ready" in out.stderr
    assert SUMMARY.search(out.stdout), out.stdout
    assert (cache / "multilingual-e5-small-offline" / "modules.json").exists()


def test_bars_follow_the_terminal_unless_told(monkeypatch):
    monkeypatch.delenv("PARKQA_PROGRESS", raising=False)
    monkeypatch.setattr(progress, "_forced", None)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert progress.bars_enabled()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not progress.bars_enabled()
    monkeypatch.setenv("PARKQA_PROGRESS", "1")
    assert progress.bars_enabled()
    progress.set_bars(False)                  # --json wins over the variable
    assert not progress.bars_enabled()
    monkeypatch.setenv("PARKQA_PROGRESS", "0")
    progress.set_bars(True)
    assert not progress.bars_enabled()        # an explicit 0 always silences them


def test_a_disabled_bar_prints_nothing(capsys, monkeypatch):
    monkeypatch.setenv("PARKQA_PROGRESS", "0")
    assert list(progress.bar(range(3), desc="x")) == [0, 1, 2]
    stages = progress.Stages(["a", "b"], desc="y")
    stages.next()
    stages.next()
    stages.close()
    assert capsys.readouterr().err == ""
