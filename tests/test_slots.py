"""The asked slot: a focus term next to the question word, and a value of the asked type near it."""
from parkqa.cues import group_size
from parkqa.slots import article_role, focus_terms, listed_count, role_pieces, slot_value


def test_focus_is_the_term_next_to_the_question_word():
    terms = {"植物萃取实验室": 5.0, "有限公司": 2.0, "注册资本": 6.0}
    assert focus_terms("植物萃取实验室有限公司的注册资本是多少？", terms) == {"注册资本": 6.0}
    # the question word may come first
    assert "入区企业" in focus_terms("现在有多少家入区企业？", {"入区企业": 5.0})
    # no question word, no focus
    assert focus_terms("介绍一下高新区。", {"高新区": 1.0}) == {}
    # a one-character verb between: the closest term before the question word
    assert focus_terms("立讯电子产业园一期当时投了多少钱？",
                       {"立讯电子产业园": 5.0, "一期": 4.9}) == {"一期": 4.9}
    # a term twice: the occurrence beside the question word counts, not only the first
    assert focus_terms("科技企业孵化器里孵化了多少家企业？", {"孵化器": 4.5, "企业": 1.7}) \
        == {"企业": 1.7}
    # too far from any question word: no focus
    assert focus_terms("立讯电子产业园这些年来一直发展得怎么样？", {"立讯电子产业园": 5.0}) == {}


def test_a_value_of_the_asked_type_near_the_focus_fills_the_slot():
    sentence = "入区企业从2021年的0.9万家增至1.2万家，规上企业82家"
    assert slot_value("number", {"入区企业": 1.0}, sentence, unit="[个家]") == 1.0
    # a year is not a count
    assert slot_value("number", {"成立": 1.0}, "自1992年成立以来", unit="") == -1.0
    # the topic without the asked detail: the usual near miss
    assert slot_value("money", {"合同金额": 1.0}, "即将发往意大利的25752块光伏组件整齐排列") == -1.0
    assert slot_value("date", {"并网": 1.0}, "剩余25兆瓦风电项目正在推进") == -1.0
    # a value far from the focus only half counts
    far = "电池项目" + "，" * 40 + "2025年投产"
    assert slot_value("date", {"电池项目": 1.0}, far) == 0.5
    # a value, but not of the measure asked about
    assert slot_value("number", {"注册资本": 1.0}, "公司5月21日诞生", unit="") == -0.5
    # nothing typed asked: no opinion
    assert slot_value("", {"措施": 1.0}, "通过改革") == 0.0


def test_the_field_a_question_about_an_article_asks_for():
    assert article_role("这篇稿子是谁写的？") == "byline"
    assert article_role("Who took the photos for this article?") == "byline"
    assert article_role("它的副标题是什么？") == "subtitle"   # not the title
    assert article_role("副标题是“X”的那篇，主标题叫啥？") == "title"   # the asked one, last
    assert article_role("What is the headline of the article?") == "title"
    assert article_role("这篇文章登在哪份报纸的第几版？") == "source"
    assert article_role("高新区有多少家企业？") == ""
    # what a photo shows is its caption, not its byline: only "谁拍的" asks for the photographer
    assert article_role("最上面的配图拍的是哪家公司的车间？") == ""
    assert article_role("图片是谁拍的？") == "byline"
    # a reporter asking is not a question for a byline
    assert article_role("记者核实一下：这些项目统计的是哪个时间段？") == ""
    # a line printing a byline holds these pieces, whatever its spacing and credits
    assert role_pieces("张三/文 李四 王五/图") == ["张三", "李四", "王五"]


def test_the_type_asked_comes_from_the_question_word(qa):
    from parkqa.slots import asked_type

    read = qa.answerer.reader.read
    # "规模化" names what the company does; "哪家企业" asks for a company's name, not a count
    assert asked_type(read("国内唯一能规模化培养雪莲细胞的是哪家企业？")) == "organization"
    assert asked_type(read("高新区有多少家企业？")) == "number"
    # "叫什么名字" alone is the name of a thing, not of a person
    assert asked_type(read("经开区定期办的路演活动叫什么名字？")) == "entity"
    assert asked_type(read("那位负责人叫什么名字？")) == "someone"
    # "多久" is a span of time, filled by "0.5个工作日" as well as by two dates
    q = read("企业开办时限压缩到多久？")
    assert asked_type(q) == "duration"
    assert slot_value("duration", {}, "企业开办时间压缩至0.5个工作日") == 1.0
    assert slot_value("duration", {}, "企业开办实现极速办理") == -1.0


def test_a_latin_unit_matches_whatever_its_case(qa):
    q = qa.answerer.reader.read("日盛达新上的太阳能组件项目是多少gw的？")
    assert q.unit and slot_value("number", {}, "日盛达新上15GW太阳能组件项目", unit=q.unit) == 1.0
    assert slot_value("number", {}, "日盛达新上太阳能组件项目", unit=q.unit) == -1.0


def test_a_sentence_with_its_own_year_is_not_about_a_year_only_its_paragraph_names(qa):
    q, _, ranked = qa.answerer.analyze("长治高新区2024年新认定了多少家高新技术企业？")
    own_2025 = [c for c in ranked if "2025年" in c.sentence.text and "2024" not in c.sentence.text]
    assert own_2025 and all(c.features["year_clash"] == 1.0 for c in own_2025)
    assert all(not c.features["year_match"] for c in own_2025)


def test_an_ordinal_fills_a_which_phase_question():
    assert slot_value("rank", {}, "新材料产业基地、智能终端产业园三期基本建成") == 1.0
    assert slot_value("rank", {}, "智能终端产业园基本建成") == -1.0


def test_how_many_articles_is_no_asked_unit(qa):
    read = qa.answerer.reader.read
    assert read("光益生科技都搞出了啥产品？把几篇报道的信息合起来说说。").unit == ""
    assert read("经开区有几家研究院？").unit


def test_an_english_question_has_a_focus_in_the_articles_words(qa):
    from parkqa.slots import question_focus

    q = qa.answerer.reader.read("What is the annual output value of Shanxi Huayao Yijia "
                                "Integrated Circuit Co., Ltd.?")
    focus = question_focus(q)
    # the measure asked, not the company it is asked about (its capitalized name)
    assert "产值" in focus and not any("华耀" in t for t in focus)


def test_a_word_no_article_holds_is_no_focus(qa):
    from parkqa.slots import question_focus

    q = qa.answerer.reader.read("特瓦时公司用绿电一年能省多少钱？")
    assert q.absent and not set(question_focus(q)) & set(q.absent)
    # a word no article holds is stood for by its longest part one does
    q = qa.answerer.reader.read("屯留光伏储能基地2025年发电量是多少？")
    assert q.absent.get("年发电量") == "发电" and "发电" in question_focus(q)


def test_a_figure_for_other_months_clashes_with_the_period_asked():
    from parkqa.slots import period_clash

    assert period_clash("全市今年全年招商签约金额一共多少？", "今年1月至5月,全市签约金额982.9亿元")
    assert period_clash("2025年全年（1-12月）工业增加值是多少？", "2025年1-11月,工业增加值22.1亿元")
    assert not period_clash("今年1-5月签约金额多少？", "今年1月至5月,全市签约金额982.9亿元")
    # a quote naming no months says nothing against the question
    assert not period_clash("全年签约金额多少？", "全市签约金额982.9亿元")


def test_a_year_counted_from_now_clashes_with_another():
    from parkqa.slots import period_clash

    assert period_clash("去年1到5月全市签约了多少个项目？", "今年1月至5月,全市招商引资共签约项目354个")
    assert not period_clash("本年度1到5月签约了多少个项目？", "今年1月至5月,全市签约项目354个")
    assert not period_clash("去年签约了多少个项目？", "全市招商引资共签约项目354个")


def test_an_address_is_a_road_not_a_way_of_thinking():
    assert slot_value("place", {}, "漳园街(西环路-健康路)实现全面通车") == 1.0
    assert slot_value("place", {}, "坚持“1447”发展思路，探索反向招商新路径") == -1.0


def test_a_value_the_question_states_fills_no_slot():
    asked = "在专业镇专板首批挂牌的那6家企业分别叫什么名字？"
    sentence = "依托“光电装备专业镇专板”，推动首批6家企业完成股份制改造和挂牌展示。"
    assert slot_value("entity", {"企业": 1.0}, sentence) == 1.0
    assert slot_value("entity", {"企业": 1.0}, sentence, question=asked) == -1.0
    assert slot_value("number", {"企业": 1.0}, "规模以上工业企业从37家增至82家",
                      question="规上工业企业从37家涨到多少家") == 1.0


def test_a_counted_group_and_the_members_a_quote_names():
    assert group_size("经开区那17家研究院所分别叫什么名字？") == 17
    assert group_size("七大产业板块另外四个是啥") == 7
    assert group_size("那二十八名院士都是谁") == 28
    assert group_size("都有哪些企业") == 0
    quote = "培育壮大光电LED、新能源、汽车制造等七大产业板块。推动首批6家企业完成股份制改造。"
    assert listed_count(quote, "七大产业板块都是啥") == 3
    # the members the question names itself are no answer to "另外四个是啥"
    assert listed_count(quote, "除了光电LED、新能源，另外五个是啥") == 1
    assert listed_count("推动首批6家企业完成股份制改造", "那6家企业分别叫什么") == 0


def test_who_is_answered_by_a_person_or_an_organization_and_which_company_by_an_organization(qa):
    from parkqa.slots import asked_type

    read = qa.answerer.reader.read
    investors = "百泰生物药业有限公司与某集团共同投资15亿元建设的创新药物项目"
    project_only = "总投资15亿元的创新药物研发和产业化项目落地开花"
    assert asked_type(read("这个项目是谁投的？")) == "person"
    assert slot_value("person", {"投": 1.0}, investors, question="谁投的") > 0
    assert slot_value("person", {"投": 1.0}, project_only, question="谁投的") == -1.0
    # "哪家企业" asks for a company: a project's name is no answer, a company's is
    q = read("智能家电生产基地项目是哪家企业投资建设的？")
    assert asked_type(q) == "organization"
    assert slot_value("organization", {}, "推动新签约的智能家电生产基地项目、光电LED显示屏项目开工",
                      question=q.text) == -1.0
    assert slot_value("organization", {}, investors, question=q.text) == 1.0
    # a person asked by role: an organization's name is no answer
    assert slot_value("someone", {}, investors) == -1.0
