import pytest

from parkqa.conversation import resolve_followup, subject_of


@pytest.mark.parametrize("follow_up, previous, expected", [
    ("那经开区呢？", "长治高新区现在有多少家高新技术企业？", "长治经开区现在有多少家高新技术企业？"),
    ("经开区呢", "高新区有多少家高新技术企业？", "经开区有多少家高新技术企业？"),
    ("那全市呢？", "高新区有多少家高新技术企业？", "全市有多少家高新技术企业？"),
    ("那2024年呢？", "高新区2025年新认定高新技术企业多少家？", "高新区2024年新认定高新技术企业多少家？"),
    ("那康宝生物呢？", "百泰生物的单抗药物治疗什么癌症？", "康宝生物的单抗药物治疗什么癌症？"),
    ("它是哪年投产的？", "特瓦时一期项目总投资多少？", "特瓦时一期项目是哪年投产的？"),
    ("它的投资总额是多少？", "长高智汇电子信息产业基地什么时候投产的？",
     "长高智汇电子信息产业基地的投资总额是多少？"),
])
def test_follow_ups_become_standalone_questions(follow_up, previous, expected):
    assert resolve_followup(follow_up, previous) == expected


@pytest.mark.parametrize("question", [
    "经开区有多少家高新技术企业？",            # a full question of its own
    "长治市有多少名院士提供智力支持？",
])
def test_new_questions_are_left_alone(question):
    assert resolve_followup(question, "长治高新区现在有多少家入区企业？") == question


def test_nothing_to_lean_on():
    assert resolve_followup("那经开区呢？", None) == "那经开区呢？"
    assert resolve_followup("它是哪年投产的？", "") == "它是哪年投产的？"


def test_subject_is_the_opening_noun_phrase():
    assert subject_of("请问长治高新区现在有多少家入区企业？") == "长治高新区"
    assert subject_of("山西正来制药新生产线每天能产多少支口服液？") == "山西正来制药新生产线"
    assert subject_of("哪家公司负责人说没费心？") == ""
