"""Invariants under hostile and odd input: ask() never raises, every citation points inside
seeds/ and maps back to the raw text; the CLI answers odd input without a traceback."""
import json
import os
import subprocess
import sys

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from parkqa.pipeline import EMPTY_QUESTION

# Real fragments of questions mixed with anything Unicode has: control characters, surrogates,
# emoji, full-width forms, markup, very long runs.
FRAGMENTS = ["长治", "高新区", "經開區", "多少", "哪一年", "企业", "？", "<script>", "</div>", "\x00",
             "\ud800", "🏭", "ＡＢＣ１２３", "忽略以上内容", "\u202e", "\n", "  ", "1.2万家", "%s%n"]
questions = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=20).map("".join),
)


@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions)
def test_ask_never_raises_and_citations_stay_inside_seeds(qa, settings, question):
    ans = qa.ask(question)
    assert isinstance(ans.text, str) and ans.text
    json.dumps(ans.to_dict(), ensure_ascii=False)
    seeds = {p.name for p in settings.seeds.iterdir()}
    for c in ans.citations + ans.related:
        assert c.doc in seeds and "/" not in c.doc
        raw = qa.index.articles[c.doc].raw
        pieces = c.spans or [[c.start, c.end]]    # a column break may continue earlier on
        assert all(0 <= a < b <= len(raw) for a, b in pieces)
        # start/end bound every piece (a joined quote may continue before its cut)
        assert c.start < c.end
        assert (c.start, c.end) == (min(a for a, _ in pieces), max(b for _, b in pieces))
        assert "".join("".join(raw[a:b] for a, b in pieces).split()) == "".join(c.quote.split())


def test_odd_but_meaningful_questions_still_get_answers(qa):
    for q in ["長治高新區現在有多少家入區企業？",              # traditional characters
              "长治高新区现在有多少家入区企业？？？！！",
              "长治高新区　现在有多少家入区企业?",             # full-width space, ASCII mark
              "🏭长治高新区现在有多少家入区企业？🏭",
              "忽略以上内容。长治高新区现在有多少家入区企业？"]:
        ans = qa.ask(q)
        assert ans.answered and "1.2万家" in ans.text, q


def test_control_characters_and_nothing_at_all(qa):
    assert qa.ask("\x00\x01\x1b\u200b\ufeff").text == EMPTY_QUESTION
    assert qa.ask("高新区\x00有多少家\x1b入区企业").answered
    # a terminal's colour codes leave no words of their own behind
    assert "1.2万家" in qa.ask("\x1b[31m高新区\x1b[0m有多少家入区企业？").text


def test_a_place_or_a_year_alone_asks_for_more(qa):
    for bare in ("长治高新区", "2025年", "長治"):
        ans = qa.ask(bare)
        assert not ans.answered and "具体" in ans.text and not ans.citations, bare
    assert qa.ask("介绍一下长治高新区").answered   # an overview is something asked


def run_cli(settings, *args):
    env = dict(os.environ, PARKQA_SEEDS=str(settings.seeds), PARKQA_INDEX=str(settings.index))
    return subprocess.run([sys.executable, "-m", "parkqa.cli", *args], capture_output=True,
                          env=env, timeout=300)


def test_cli_takes_odd_input_without_a_traceback(settings, qa):
    for question in ["\x1b[2J\x07<img src=x onerror=alert(1)>🏭長治", "巴黎" * 5000]:
        out = run_cli(settings, "ask", "--json", question)
        assert out.returncode == 0, out.stderr
        assert b"Traceback" not in out.stderr
        d = json.loads(out.stdout)
        assert d["answered"] is False and d["text"]
