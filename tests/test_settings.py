"""Settings come from PARKQA_* variables through one pydantic-settings object; a bad value is
one clear message naming the variable, in Chinese and English, never a traceback."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parkqa.access import RateLimiter
from parkqa.config import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("PARKQA_"):
            monkeypatch.delenv(name)


def test_documented_variables_and_defaults(monkeypatch, tmp_path):
    s = Settings()
    assert (s.seeds, s.index, s.host, s.port) == (Path("seeds"), Path("index"), "127.0.0.1", 7860)
    assert (s.api_keys, s.allowed_origins, s.rate_limit, s.log_dir) == ((), (), "60/minute", "logs")
    for name, value in {"SEEDS": str(tmp_path), "INDEX": str(tmp_path / "ix"), "MODEL": "m",
                        "HOST": "0.0.0.0", "PORT": " 8000 ", "API_KEYS": "k1, k2,",
                        "ALLOWED_ORIGINS": "https://a.example,https://b.example",
                        "RATE_LIMIT": "10/hour", "LOG_DIR": "", "MAX_QUESTION_CHARS": "50",
                        "MAX_FILE_MB": "1.5", "CACHE": str(tmp_path / "c")}.items():
        monkeypatch.setenv("PARKQA_" + name, value)
    s = Settings()
    assert s.seeds == tmp_path and s.index == tmp_path / "ix" and s.model == "m"
    assert (s.host, s.port, s.api_keys) == ("0.0.0.0", 8000, ("k1", "k2"))
    assert s.allowed_origins == ("https://a.example", "https://b.example")
    assert (s.rate_limit, s.log_dir, s.max_question_chars, s.max_file_mb) == ("10/hour", "", 50, 1.5)
    assert s.cache == tmp_path / "c"
    assert Settings(port=9000, host=None).port == 9000      # a given flag wins; None = not given
    monkeypatch.setenv("PARKQA_PORT", "")                  # set but empty: the default
    assert Settings().port == 7860


@pytest.mark.parametrize("name,value,expected", [
    ("PARKQA_RATE_LIMIT", "abc", "60/minute"),
    ("PARKQA_RATE_LIMIT", "-5/minute", "60/minute"),
    ("PARKQA_RATE_LIMIT", "0/second", "60/minute"),
    ("PARKQA_PORT", "-1", "不能小于 1"),
    ("PARKQA_PORT", "70000", "不能大于 65535"),
    ("PARKQA_PORT", "http", "应为整数"),
    ("PARKQA_MAX_QUESTION_CHARS", "-3", "不能小于 1"),
    ("PARKQA_MAX_FILE_MB", "0", "应大于 0"),
    ("PARKQA_GENERATION_GRACE", "soon", "应为数字"),
    ("PARKQA_BACKEND", "tensorflow", "onnx 或 torch"),
    ("PARKQA_PROGRESS", "maybe", "1/0"),
])
def test_a_bad_value_names_its_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        Settings()
    message = str(caught.value)
    assert message.startswith(f"设置 {name}={value!r} 无效：")
    assert expected in message and (" / invalid" in message or " / write it like" in message)
    assert "\n" not in message and "validation error" not in message   # not pydantic's dump


def test_every_bad_value_is_named_once(monkeypatch):
    monkeypatch.setenv("PARKQA_PORT", "-1")
    monkeypatch.setenv("PARKQA_RATE_LIMIT", "lots")
    lines = str(pytest.raises(SettingsError, Settings).value).splitlines()
    assert len(lines) == 2 and "PARKQA_PORT" in lines[0] + lines[1] \
        and "PARKQA_RATE_LIMIT" in lines[0] + lines[1]


def test_a_bad_flag_is_named_as_the_flag():
    with pytest.raises(SettingsError, match=r"设置 --port=-2 无效"):
        Settings(port=-2)


@pytest.mark.parametrize("written,canonical", [
    ("60/minute", "60/minute"), ("30/min", "30/minute"), ("5/s", "5/second"),
    ("5/sec", "5/second"), ("2/h", "2/hour"), ("1000/day", "1000/day"), ("10/M", "10/minute"),
    (" 100 per 2 hours ", "100/2 hour"), ("30/分钟", "30/minute"), ("OFF", "off"), ("0", "off"),
])
def test_rate_limit_short_forms(written, canonical):
    assert Settings(rate_limit=written).rate_limit == canonical


def test_short_form_rate_limit_really_limits():
    limiter = RateLimiter.parse("2/min")
    assert limiter.item.GRANULARITY.name == "minute" and limiter.item.amount == 2
    assert [limiter.hit("10.0.0.1")[0] for _ in range(3)] == [True, True, False]
    assert RateLimiter.parse(Settings(rate_limit="5/s").rate_limit).item.GRANULARITY.name == "second"
    assert RateLimiter.parse("off") is None


@pytest.mark.parametrize("command", [["serve"], ["ask", "高新区有多少家企业？"], ["index"]])
def test_commands_print_one_clear_message_and_no_traceback(command, tmp_path):
    env = dict(os.environ, PARKQA_RATE_LIMIT="abc", PARKQA_PORT="-1",
               PARKQA_INDEX=str(tmp_path / "none"), PARKQA_SEEDS=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "parkqa.cli", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert "设置 PARKQA_RATE_LIMIT='abc' 无效" in proc.stderr and "write it like" in proc.stderr
    assert "设置 PARKQA_PORT='-1' 无效：不能小于 1 / invalid" in proc.stderr
    assert not (tmp_path / "none").exists()        # it stopped before doing anything


def test_app_py_fails_the_same_way(tmp_path):
    env = dict(os.environ, PARKQA_PORT="port")
    proc = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "设置 PARKQA_PORT='port' 无效：应为整数" in proc.stderr


def test_every_setting_is_in_the_readme_table():
    """A setting nobody can find is a setting nobody can use: each field of Settings has its
    PARKQA_* row in the README's settings table, with a default and a meaning."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Settings", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `PARKQA_")]
    for name in Settings.model_fields:
        var = f"PARKQA_{name.upper()}"
        row = next((r for r in rows if f"`{var}`" in r.split("|")[1]), None)
        assert row, f"{var} is not in the README's settings table"
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 3 and all(cells), row
