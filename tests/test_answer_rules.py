"""The general rules that decide what to quote and when to refuse, each on its own."""
import pytest

from parkqa.answering import REFUSAL, asked_unit, function_words, key_terms, wrong_kind


@pytest.mark.parametrize("question, unit_matches, unit_misses", [
    ("高新区有多少家企业？", "1.2万家企业", "12个项目"),
    ("投资了多少亿元？", "总投资 34 亿元", "34家"),
    ("有几位院士？", "28 名院士", "28 项"),
    ("投了多少钱", "投资12亿元", "25752块"),
])
def test_asked_unit_wants_a_count_in_that_unit(question, unit_matches, unit_misses):
    unit = asked_unit(question)
    assert unit
    assert not wrong_kind(unit_matches, question, unit)
    assert wrong_kind(unit_misses, question, unit)


def test_list_questions_are_not_counts():
    assert asked_unit("高新区由哪几个园区组成？") == ""


@pytest.mark.parametrize("text, ok", [("于2025年5月正式投产", True), ("5 月 21 日成立", True),
                                      ("项目落地开花", False)])
def test_date_questions_need_a_date(text, ok):
    assert wrong_kind(text, "安博泰克项目哪一年投产？", "") is not ok


def test_key_terms_rejoin_names_jieba_cut_into_characters():
    assert "正来" in key_terms(["山西", "正", "来", "制药"], "山西正来制药")
    # not adjacent in the question: stay apart (and single characters are dropped later)
    assert "签约" not in key_terms(["签", "约"], "签了约")
    assert key_terms(["高新", "高新区", "企业"], "高新区企业") == ["高新区", "企业"]


def test_function_words_are_not_key_terms():
    assert {"已经", "那个", "了"} <= function_words("高新区已经出让了那个标准地")
    assert "标准地" not in function_words("高新区已经出让了那个标准地")


def test_unknown_names_mean_the_articles_cannot_know(qa):
    a = qa.answerer
    assert a.unknown_names("比亚迪在长治高新区投资了多少钱？") == ["比亚迪"]
    assert a.unknown_names("经开区工程项目审批时限压缩了多少？") == []   # 工程 + 项目 are known
    assert a.unknown_names("京长合作重点推进了哪些项目？") == []          # question frame, not a name


@pytest.mark.parametrize("question", ["经开区给人才配了多少套公寓？", "长治经开区出让了多少宗标准地？"])
def test_a_figure_of_the_other_park_is_refused(qa, question):
    ans = qa.ask(question)      # the articles give these for 高新区 only
    assert not ans.answered and ans.text == REFUSAL
    assert ans.related           # still shows what came closest


def test_an_answer_that_says_this_company_quotes_who_it_is(qa):
    ans = qa.ask("国内唯一能规模化液体悬浮培养雪莲细胞的是哪家企业？")
    assert ans.answered and "康宝" in ans.text
    assert len(ans.citations) >= 2 and len(ans.text) <= 160


def test_the_heading_before_a_sentence_counts_as_its_context(qa):
    ans = qa.ask("高科华兴LED显示屏扩产项目要装多少条生产线？")
    assert ans.answered and "30条" in ans.text
