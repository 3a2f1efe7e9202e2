"""Follow-ups resolved from the conversation (questions and answers); new topics left alone."""
from pathlib import Path

import pytest

from parkqa.conversation import resolve, resolve_followup, subject_of
from parkqa.knowledge import Knowledge
from parkqa.question import clean

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def kb():
    return Knowledge.from_texts(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))


@pytest.mark.parametrize("follow_up, previous, expected", [
    ("那经开区呢？", "长治高新区现在有多少家高新技术企业？", "长治经开区现在有多少家高新技术企业"),
    ("那全市呢？", "高新区有多少家高新技术企业？", "长治市有多少家高新技术企业"),
    ("全市一共多少？", "高新区有多少家高新技术企业？", "长治市有多少家高新技术企业"),
    ("那2024年呢？", "高新区2025年新认定高新技术企业多少家？", "高新区2024年新认定高新技术企业多少家"),
    ("它是哪年投产的？", "特瓦时一期项目总投资多少？", "特瓦时一期项目是哪年投产的"),
    ("最开始是多少家？", "高新区入区企业现在有多少家？", "入区企业"),
    # a new year in front and a new topic in place: the offsets of one do not shift the other
    ("那2025年新投用的产业载体呢？", "高新区建了哪些标准厂房？", "2025年高新区投用的产业载体"),
    # too short to stand alone: it asks about the last question's subject
    ("啥时候成立的？", "经开区资本市场服务基地是跟谁共建的？", "经开区资本市场服务基地啥时候成立"),
])
def test_follow_ups_become_standalone_questions(kb, follow_up, previous, expected):
    assert expected in resolve_followup(follow_up, previous, knowledge=kb)


def test_a_pronoun_means_what_the_last_answer_named(kb):
    resolved = resolve_followup("这家企业是哪年投产的？", "哪家企业年产10万吨磷酸锰铁锂？",
                                previous_answer="特瓦时能源科技股份有限公司一期项目……[1]",
                                knowledge=kb, names=["特瓦时能源科技股份有限公司"])
    assert resolved.startswith("特瓦时能源科技股份有限公司")


@pytest.mark.parametrize("question", [
    "经开区有多少家高新技术企业？",            # a full question of its own
    "长治市有多少名院士提供智力支持？",
    "安博泰克创新药物研发项目总投资多少？",      # a new topic, no pronoun
    "经开区2025年规模以上工业增加值是多少？",    # "以上" here points back at nothing
])
def test_new_questions_are_left_alone(kb, question):
    assert resolve_followup(question, "长治高新区现在有多少家入区企业？", knowledge=kb) == question


def test_history_is_resolved_turn_by_turn(kb):
    history = [{"question": "长治高新区现在有多少家高新技术企业？", "answer": "…153家[1]"},
               {"question": "那经开区呢？", "answer": "…"}]
    assert "2024年" in resolve("那2024年呢？", history, knowledge=kb) or \
        "长治经开区" in resolve("那2024年呢？", history, knowledge=kb)
    assert resolve("那经开区呢？", [], knowledge=kb) == "那经开区呢？"
    assert resolve_followup("它是哪年投产的？", "", knowledge=kb) == "它是哪年投产的？"


def test_subject_is_the_opening_noun_phrase():
    assert subject_of("请问长治高新区现在有多少家入区企业？") == "长治高新区"
    assert subject_of("山西正来制药新生产线每天能产多少支口服液？") == "山西正来制药新生产线"
    assert subject_of("哪家公司负责人说没费心？") == ""
    # it ends at its verb, though not at a verbal noun inside a name
    assert subject_of("中科潞安建成了全球首条深紫外LED生产线吗？") == "中科潞安"
    assert subject_of("资本市场服务基地跟谁共建？") == "资本市场服务基地"
    # or at a one-character verb marked done, or a preposition opening what it did
    assert subject_of("特瓦时一期项目建了几条生产线？") == "特瓦时一期项目"
    assert subject_of("高科华兴给天安门广场供了多少灯珠？") == "高科华兴"


@pytest.mark.parametrize("follow_up, previous, expected", [
    ("When did it actually go into production?",
     "What's the capacity of the LMFP cathode project in the High-tech Zone, and when is it due?",
     "When did the LMFP cathode project in the High-tech Zone actually go into production?"),
    ("Which newspaper published it?", "Who wrote the article titled 聚集高端产业 锻造发展引擎?",
     "Which newspaper published the article titled 聚集高端产业 锻造发展引擎?"),
    ("What was its actual GDP in 2025?", "What GDP target has the Changzhi ETDZ set?",
     "What was the Changzhi ETDZ's actual GDP in 2025?"),
])
def test_an_english_pronoun_means_the_last_questions_subject(follow_up, previous, expected):
    # an English question's subject is its "the …" phrase, not the words it opens with; a
    # Chinese title quoted inside it does not make it a Chinese question
    assert resolve_followup(follow_up, previous) == clean(expected)   # English zone names normalized


def test_an_english_follow_up_asking_a_new_measure_keeps_the_subject():
    resolved = resolve_followup("And the total investment?",
                                "What is the output value of the 180 major projects?")
    assert resolved == "What is the total investment of the 180 major projects?"
    # a demonstrative noun phrase stands for the last question's subject too
    assert "the Zhihui base" in resolve_followup("When did that base start production?",
                                                 "Which park hosts the Zhihui base?")


def test_that_noun_means_the_phrase_it_repeats_not_a_name_in_the_answer():
    # "Which …" asks for a name, but "that base" repeats the question's own "… base"
    resolved = resolve_followup("When did that base start production?",
                                "Which park hosts the Changgao Zhihui industry base?",
                                previous_answer="翟店工业园区内的长高智汇电子信息产业基地[1]",
                                names=["翟店工业园区"])
    assert resolved == "When did the Changgao Zhihui industry base start production?"


def test_a_year_carried_over_from_the_last_question_can_be_dropped():
    from parkqa.conversation import without_carried_year

    assert without_carried_year("长治经开区2024年高新技术企业有多少家？", "那经开区呢？") \
        == "长治经开区高新技术企业有多少家？"
    # a year the user typed is theirs: nothing carried
    assert without_carried_year("长治经开区2024年高新技术企业有多少家？", "那经开区2024年呢？") == ""
    assert without_carried_year("长治经开区高新技术企业有多少家？", "那经开区呢？") == ""


def test_a_pronoun_means_the_first_name_the_answer_gives_even_one_jieba_was_not_taught():
    answer = "其中投资20亿元的特瓦时正极材料项目、投资10亿元的立讯电子产业园二期等项目相继建成[1]"
    resolved = resolve_followup("它是哪年投产的？", "投资最大的是哪个项目？",
                                previous_answer=answer, names=["立讯电子产业园"])
    assert resolved.startswith("特瓦时正极材料项目")


def test_a_run_of_words_that_ends_like_a_name_is_no_name():
    # "这片涵盖科技" (of 科技工业园) and "…形成科技" (of 科技型企业) end like a name and are none
    answer = "这片涵盖科技工业园、漳泽工业园的热土。长治高新区形成科技型中小企业梯次发展格局。"
    resolved = resolve_followup("它是哪年建成的？", "哪个园区最早建成？", previous_answer=answer)
    assert "涵盖" not in resolved and "形成" not in resolved
    assert resolved.startswith("科技工业园是哪年建成的") or \
        resolved.startswith("漳泽工业园是哪年建成的")


def test_a_quoted_chain_or_slogan_is_no_name_a_pronoun_stands_for():
    answer = ("龙芯(长治)信创产业园集聚龙芯中科、卓怡恒通等企业,构建起“芯片设计—主板生产—整机制造—"
              "系统集成”的完整产业链[1]")
    resolved = resolve_followup("它们拿了多少知识产权？", "龙芯（长治）信创产业园里都有哪些企业？",
                                previous_answer=answer)
    assert "芯片设计" not in resolved and "知识产权" in resolved
    # a quoted name still is one
    named = resolve_followup("它在哪个园区？", "哪个基地是承接产业转移的核心枢纽？",
                             previous_answer="“长高智汇电子信息产业基地”正式投产[1]")
    assert named.startswith("“长高智汇电子信息产业基地”") or named.startswith("长高智汇电子信息产业基地")


def test_a_pronoun_means_the_name_in_the_clause_the_last_question_asked_about():
    # the answer names three companies, one per industry; the question asked about 光伏板块,
    # and its company's name holds a one-character "verb" (日盛达)
    answer = ("新能源汽车板块以成功汽车为龙头，加快车型研发；光伏板块依托山西日盛达公司技术优势，"
              "建设“绿电园区”；新材料板块推动中德集团等企业向汽车轻量化延伸。[1]")
    resolved = resolve_followup("这家企业新上的组件项目规模多大？", "经开区光伏板块依托的是哪家企业？",
                                previous_answer=answer)
    assert resolved.startswith("山西日盛达公司")
