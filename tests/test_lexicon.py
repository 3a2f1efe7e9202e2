"""Lexicon: homophone typos, English words and pinyin names meet the corpus vocabulary.

Real pypinyin, the real CC-CEDICT file and real words of one article; no mocks.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import jieba
import pytest

from parkqa.lexicon import Lexicon

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "000_e7ffa1cc56d22445.txt"
# names and terms a corpus would hold; 那么 and 我们 sound like the English "name" and "women"
EXTRA = ["高新区", "经开区", "入区企业", "企业", "园区", "中科潞安", "潞安", "漳泽", "长治",
         "特瓦时", "联盟", "投资", "那么", "我们"]


def _article_words() -> list[str]:
    return [t.strip() for t in jieba.lcut_for_search(ARTICLE.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def vocabulary() -> list[str]:
    return _article_words() + EXTRA


@pytest.fixture(scope="module")
def lex(vocabulary) -> Lexicon:
    return Lexicon.build(vocabulary)


@pytest.mark.parametrize("typed, meant", [
    ("高薪区是哪一年成立的？", "高新区是哪一年成立的？"),
    ("经开去有多少家企业？", "经开区有多少家企业？"),
    ("长治高新区有多少家入去企业？", "长治高新区有多少家入区企业？"),
    ("高薪区和经开去的入去企业", "高新区和经开区的入区企业"),
    ("高新技术企叶有多少家", "高新技术企业有多少家"),
    ("研究院连盟建成了吗", "研究院联盟建成了吗"),
    ("固定资产头资完成多少", "固定资产投资完成多少"),
])
def test_homophone_typos_are_repaired(lex, typed, meant):
    assert lex.fix_homophones(typed) == meant


@pytest.mark.parametrize("text", [
    "长治高新区现在有多少家入区企业？",
    "这几年高新区一共实施了多少个项目？",     # 几年 sounds like 纪念
    "这篇报道是谁写的？",                     # 这篇 sounds like 这片
    "我是学生，想了解长治是哪一年建市的。",   # 我是 / 我市, 长治是 / 长治市
    "请问实施在哪里？",                       # 实施在 / 实实在
    "多少家企业在园区里？",                   # 家企 sounds like 假期
    "规划面积有多大？",
])
def test_correct_questions_are_left_alone(lex, text):
    assert lex.fix_homophones(text) == text


def test_the_article_itself_is_left_alone(lex):
    text = ARTICLE.read_text(encoding="utf-8")
    for sentence in re.split(r"[。！？\n]", text):
        assert lex.fix_homophones(sentence) == sentence


def test_a_vocabulary_word_is_never_changed(lex, vocabulary):
    words = {w for w in vocabulary if re.fullmatch(r"[\u4e00-\u9fff]{2,}", w)}
    assert len(words) > 300
    for word in words:
        assert lex.fix_homophones(word) == word
        assert lex.fix_homophones(f"请问{word}在哪里？") == f"请问{word}在哪里？"


@pytest.mark.parametrize("text", ["", "   ", "How many firms are there?", "LED 80 GW, 2025-01-02",
                                  "Lu'an Solar: 15GW!"])
def test_text_without_han_is_untouched(lex, text):
    assert lex.fix_homophones(text) == text


def test_english_words_and_phrases_find_vocabulary_words(lex, vocabulary):
    terms = lex.english_terms("How many enterprises are in the high-tech zone?")
    assert "企业" in terms
    assert set(terms) <= set(vocabulary)
    assert "园区" in lex.english_terms("Which parks are there?")
    assert {"工业园区", "园区"} & set(lex.english_terms("Which industrial parks are there?"))
    assert "投资" in lex.english_terms("What was the total investment?")


def test_a_word_of_a_two_word_key_finds_its_words():
    # "solar" is no key of CC-CEDICT, "solar energy" is; "industry" is part of too many keys
    lex = Lexicon.build(["太阳能", "风能", "核能", "潮汐能", "光伏", "产业"])
    assert "太阳能" in lex.english_terms("solar output")
    # "energy" is part of "solar/nuclear/tidal energy": too vague to stand for any of them
    assert lex.english_terms("energy") == []


def test_english_stopwords_alone_find_nothing(lex):
    assert lex.english_terms("What is it and how was it, and who does what?") == []


def test_pinyin_names_find_vocabulary_words(lex):
    assert "中科潞安" in lex.english_terms("What does Zhongke Lu'an make?")
    assert lex.english_terms("Zhōngkē Lù’ān") == ["中科潞安"]          # tone marks, curly apostrophe
    assert "潞安" in lex.english_terms("Where does Luan Solar ship its modules?")
    assert "长治" in lex.english_terms("Which parks are in Changzhi?")   # pypinyin says zhang zhi
    assert lex.english_terms("the Tewa plant") == ["特瓦时"]             # unique syllable prefix
    assert lex.english_terms("Zhangze and Zhongke Lu'an") == ["漳泽", "中科潞安"]   # in order


def test_english_words_spelled_like_pinyin_are_not_names(lex):
    terms = lex.english_terms("Name the women who run it")
    assert "那么" not in terms and "我们" not in terms


def test_round_trip_gives_identical_results(lex):
    loaded = Lexicon.from_dict(json.loads(json.dumps(lex.to_dict(), ensure_ascii=False)))
    assert loaded.to_dict() == lex.to_dict()
    for text in ["高薪区和经开去的入去企业", "这几年高新区一共实施了多少个项目？"]:
        assert loaded.fix_homophones(text) == lex.fix_homophones(text)
    for text in ["How many enterprises are in the high-tech zone?", "Zhongke Lu'an in Changzhi"]:
        assert loaded.english_terms(text) == lex.english_terms(text)


def test_saved_english_map_holds_only_vocabulary_words(lex, vocabulary):
    saved = lex.to_dict()["english"]
    assert saved and {w for ws in saved.values() for w in ws} <= set(vocabulary)


def test_empty_vocabulary_works():
    lex = Lexicon.build([])
    assert lex.fix_homophones("高薪区是哪一年成立的？") == "高薪区是哪一年成立的？"
    assert lex.english_terms("How many enterprises does Zhongke Lu'an have?") == []
    again = Lexicon.from_dict(json.loads(json.dumps(lex.to_dict())))
    assert again.to_dict() == lex.to_dict()


def test_a_question_takes_milliseconds(lex):
    questions = ["长治高新区现在有多少家入区企业？", "高薪区和经开去的入去企业有哪些？"] * 50
    started = time.perf_counter()
    for q in questions:
        lex.fix_homophones(q)
        lex.english_terms("How many enterprises does Zhongke Lu'an have in Changzhi?")
    assert (time.perf_counter() - started) / len(questions) < 0.01


def test_a_gloss_is_a_key_only_when_it_means_what_the_key_says():
    from parkqa.lexicon import _gloss_key

    assert _gloss_key("Ph.D.") == "phd"            # "PhDs" in a question meets 博士
    assert _gloss_key("many times") is None        # not "time"
    assert _gloss_key("not yet") is None
    assert _gloss_key("(industrial or technology) park") == "park"


def test_the_senses_of_one_english_word_come_together():
    lex = Lexicon.build(["博士", "及时", "一度", "企业", "长治"] * 3)
    groups = lex.english_groups("How many PhDs and enterprises are there in Changzhi?")
    assert ["博士"] in groups and ["企业"] in groups and ["长治"] in groups
    assert lex.english_terms("How many PhDs?") == ["博士"]


def test_a_name_that_sounds_like_a_vocabulary_word_is_a_slip_not_a_stranger(lex):
    assert lex.sounds_like_a_word("中科路安")        # 潞安 misheard
    assert lex.sounds_like_a_word("特娃时")          # the start of 特瓦时 is enough
    assert not lex.sounds_like_a_word("比亚迪")
    assert not lex.sounds_like_a_word("")


def test_a_phrasal_verb_keeps_its_particle():
    # "carry out" is 实施 and "set up" 设立; "set" alone is 创下, and "up" alone means nothing
    lex = Lexicon.build(["实施", "设立", "创下", "携带", "项目"] * 3)
    assert "实施" in lex.english_terms("How many projects did it carry out?")
    assert "设立" in lex.english_terms("When was it set up?")
    assert "创下" not in lex.english_terms("When was it set up?")
    assert lex.english_terms("up out over") == []


def test_the_built_lexicon_does_not_depend_on_the_vocabulary_order():
    import random

    vocabulary = ["高新区", "经开区", "入区企业", "企业", "中科潞安", "长治", "园区", "终端", "市里"]
    shuffled = vocabulary[:]
    random.Random(1).shuffle(shuffled)
    assert Lexicon.build(vocabulary).to_dict() == Lexicon.build(shuffled).to_dict()
    assert list(Lexicon.build(shuffled).to_dict()["words"]) == \
        list(Lexicon.build(vocabulary).to_dict()["words"])
