"""Question analysis, each general rule on its own: what is asked, under which constraints,
read the same way whatever the wording."""
import re

import pytest

from parkqa.cues import NUMBER, answer_kinds, asked_details, asked_unit, shows_detail
from parkqa.question import clean, key_terms


@pytest.mark.parametrize("question, matches, misses", [
    ("高新区有多少家企业？", "1.2万家企业", "12个项目"),
    ("投资了多少亿元？", "总投资 34 亿元", "34家"),
    ("有几位院士？", "28 名院士", "28 项"),
    ("投了多少钱", "投资12亿元", "25752块"),
    # a counted noun that starts with a measure word is no unit: "项目62个", not "62项"
    ("全年新签约多少项目？", "新签约项目62个", "总投资109亿元"),
    ("引进了多少人才？", "1024名柔性博士", "30余家"),
])
def test_asked_unit_wants_a_count_in_that_unit(question, matches, misses):
    unit = asked_unit(question)
    assert re.search(NUMBER + unit, matches)
    assert not re.search(NUMBER + unit, misses)


def test_list_questions_are_not_counts():
    assert asked_unit("高新区由哪几个园区组成？") == ""
    assert "list" in answer_kinds("高新区由哪几个园区组成？")


@pytest.mark.parametrize("question, kind", [
    ("入区企业有多少家来着？", "number"), ("How many companies are there?", "number"),
    ("特瓦时哪年投产的", "date"), ("这篇文章是谁写的？", "article"),
    ("高新区和经开区哪个企业多？", "compare"), ("概括一下经开区的成绩", "summary"),
    ("从成立到升级隔了多久？", "duration"), ("为啥要搞链式招商？", "reason"),
])
def test_colloquial_and_english_questions_say_what_they_ask(question, kind):
    assert kind in answer_kinds(question)


@pytest.mark.parametrize("question, detail, has, lacks", [
    ("风电项目预计哪个月并网？", "month", "2025年5月投产", "正在推进"),
    ("人才公寓月租多少？", "money", "每月租金800元", "199套公寓"),
    ("航天产业园在哪条路上？", "place", "位于太行北路", "加快建设"),
])
def test_a_detail_asked_must_be_shown(question, detail, has, lacks):
    assert detail in asked_details(question)
    assert shows_detail(detail, has) and not shows_detail(detail, lacks)


def test_clean_strips_markup_and_simplifies_before_anything_reads_it():
    assert clean("<p>長治高新區有多少家<b>企業</b>？</p>").startswith("长治高新区有多少家 企业")
    assert clean("A&amp;B 经开区") == "A&B 经开区"


def test_key_terms_rejoin_names_and_drop_the_question_frame():
    terms = key_terms("山西正来制药每天能产多少支口服液来着？")
    assert "口服液" in terms and "多少" not in terms and "来着" not in terms
    assert key_terms("高新区企业") == ["高新区", "企业"]


def test_the_reader_meets_the_corpus_vocabulary(qa):
    reader = qa.answerer.reader
    typo = reader.read("高薪区是哪一年成立的？")
    assert "高新区" in typo.text and typo.places == ["长治高新区"]
    english = reader.read("How many enterprises are in the Changzhi High-tech Zone?")
    assert english.english and english.places == ["长治高新区"] and "企业" in english.terms
    assert "比亚迪" in reader.read("比亚迪在长治高新区投资了多少钱？").unknown
    assert reader.read("经开区工程项目审批时限压缩了多少？").unknown == []   # 工程 + 项目 known


def test_a_detail_is_asked_only_where_the_question_asks():
    # "增幅" sets the scene; the question asks for a document
    assert asked_details("对产值增幅达标的企业提前奖励，依据的是哪份文件？") == []
    assert asked_details("审批时限压缩了百分之多少？") == ["percent"]
    # the last clause asks even without a question word
    assert asked_details("工厂在哪个县？具体地址是？") == ["place"]
    # half-width punctuation (questions are cleaned to it) ends a clause too
    assert "someone" not in asked_details("抓项目的领导组,全称叫什么?")
    assert "someone" in asked_details("那位负责人叫什么名字?")


def test_an_english_count_asks_for_its_measure_word():
    assert asked_unit("How many companies have moved in?") == "[家个]"
    assert asked_unit("How many people are employed in the zone?") == "[名位人个]"
    # a thing without a known measure word asks for no unit
    assert asked_unit("How many SMEs are there?") == ""


@pytest.mark.parametrize("text", ["特瓦时是什么时候入驻的？一期啥时候投产的？",
                                  "成立资本市场服务基地和去深圳办大会，哪个在前？",
                                  "When did Tewashi move into the zone, and when did phase one start?"])
def test_a_question_asking_two_dates_wants_both(text):
    assert {"date", "duration"} <= answer_kinds(text)
    assert "duration" not in answer_kinds("特瓦时一期是什么时候投产的？")


def test_the_senses_of_one_english_word_share_its_weight(qa):
    reader = qa.answerer.reader
    q = reader.read("How many full-time PhDs are there in Changzhi?")
    senses = next(g for g in qa.index.lexicon.english_groups(q.text) if len(g) >= 2)
    assert all(q.terms[w] == pytest.approx(reader.idf(w) / len(senses))
               for w in senses if w in q.terms and w not in ("长治",))
    assert q.terms["博士"] > max(q.terms[w] for w in senses if w in q.terms)


def test_the_unit_asked_is_the_measure_word_unless_a_noun_the_articles_count_starts_there(qa):
    reader = qa.answerer.reader
    # jieba cuts "天能" (a brand) from "多少天能培育好": no article holds it, so 天 is the unit
    assert reader.asked_unit("康宝的天山雪莲细胞多少天能培育好？") == "天"
    assert reader.asked_unit("这个项目建了多少个月？") == "个月"
    # "项目" is a noun the articles count: the answer's count may be in any measure word
    assert "项" in reader.asked_unit("高新区有多少项目？") and "个" in reader.asked_unit("高新区有多少项目？")


def test_a_proper_name_no_article_prints_or_sounds_like_is_strange(qa):
    reader = qa.answerer.reader
    assert reader.read("比亚迪在长治经开区有没有投资建厂？").strange_names == ["比亚迪"]
    # a slip for a company the articles name, and jieba's cuts across article words, are not
    assert reader.read("康保的雪莲细胞培养技术厉害在哪？").strange_names == []
    assert reader.read("全市354个签约项目是统计的哪段时间？").strange_names == []
    assert reader.read("长高智汇电子信息产业基地投产比特瓦时一期晚了几个月？").strange_names == []


@pytest.mark.parametrize("question, read", [
    ("换个问题，高新区包括哪四个园区？", "高新区包括哪四个园区?"),
    ("另外问下，高新区刻章收费吗？", "高新区刻章收费吗?"),
    # a clause naming a thing the articles lack, a place or a year is part of the question
    ("特斯拉，在高新区投了多少？", "特斯拉,在高新区投了多少?"),
    ("长治高新区，有多少企业？", "长治高新区,有多少企业?"),
    ("2024年，高新区有多少家企业？", "2024年,高新区有多少家企业?"),
    ("你好！", "你好!"),      # the last clause always stays
])
def test_a_preamble_that_names_and_asks_nothing_is_not_read(qa, question, read):
    assert qa.answerer.reader.read(question).text == read


def test_a_preamble_does_not_turn_an_answer_into_a_refusal(qa):
    bare, chatty = qa.ask("高新区包括哪四个园区？"), qa.ask("换个问题，高新区包括哪四个园区？")
    assert bare.answered and chatty.answered and chatty.text == bare.text


def test_a_term_no_article_holds_whole_is_answered_by_its_known_part(qa):
    # "总面积" is no article's word, "面积" is: the learned refusal decides, not the hard rule
    read = qa.answerer.reader.read("长治高新区的总面积有多大？")
    assert read.absent == {"总面积": "面积"} and not read.holds_no_article_term
    ans = qa.ask("长治高新区的总面积有多大？")
    assert ans.answered and "104.31平方公里" in ans.text
    # terms none of which the articles hold even in part are refused outright
    assert qa.answerer.reader.read("特斯拉的股价是多少？").holds_no_article_term
    assert not qa.ask("特斯拉的股价是多少？").answered
