import re

import pytest

from parkqa.answering import Answer, Citation
from parkqa.render import answer_html, emphasis_pattern, locate, mark_up, plain_frames, user_html


@pytest.mark.parametrize("question, text, bold", [
    ("长治高新区现在有多少家入区企业？", "入区企业从2021年的0.9万家增至1.2万家", ["0.9万家", "1.2万家"]),
    ("特瓦时一期什么时候投产？", "于2025年5月正式投产,可年产10万吨", ["2025年5月"]),
    ("长高智汇基地投资总额多少？", "2025年9月,这座投资总额6亿元、建筑面积15万平方米", ["6亿元", "15万平方米"]),
    ("哪家企业实现了雪莲细胞悬浮培养？", "山西康宝生物制品股份有限公司车间", ["山西康宝生物制品股份有限公司"]),
    # several counts: only the one in the clause naming what is counted
    ("经开区有多少家高新技术企业？", "推动15家企业技术中心升级改造，高新技术企业总数突破50家。", ["50家"]),
    # several amounts: only the one by what is asked about, not an output value beside it
    ("凯松电子项目总投资多少？", "投资12亿元的凯松电子项目建成，年产值预计达30亿元", ["12亿元"]),
])
def test_the_words_that_answer_are_emphasized(question, text, bold):
    html_ = mark_up(text, emphasis_pattern(question))
    assert re.findall(r"<strong>(.*?)</strong>", html_) == bold


def test_mark_up_escapes_everything_else():
    assert mark_up("<b>1家</b>", emphasis_pattern("多少家")) == "&lt;b&gt;<strong>1家</strong>&lt;/b&gt;"
    assert user_html("<script>x</script>") == '<div class="pq-user">&lt;script&gt;x&lt;/script&gt;</div>'


def test_answer_html_shows_quotes_markers_and_sources(qa):
    ans = qa.ask("长治高新区现在有多少家入区企业？")
    out = answer_html(ans, qa.index.articles)
    assert re.search(r'<sup class="pq-ref"><a class="pq-cite" href="source/[^"]+"[^>]*>\[1\]</a></sup>',
                     out) and "<details" in out
    assert "\n\n" not in out                       # one HTML block: Markdown leaves it alone
    assert out.count("<mark") == len(ans.citations)


def test_locate_finds_the_cited_range_in_the_repaired_text(qa):
    ans = qa.ask("长高智汇电子信息产业基地投资总额多少？")   # quoted across a column break
    for c in ans.citations:
        art = qa.index.articles[c.doc]
        a, b = locate(art, c)
        assert "".join(art.text[a:b].split()) .replace("，", ",") == \
            "".join(c.quote.split()).replace("，", ",")


def test_refusal_lists_related_passages(qa):
    ans = qa.ask("巴黎今天的天气怎么样？")
    out = answer_html(ans, qa.index.articles)
    assert "pq-refusal" in out and "可能相关" in out and 'class="pq-ref"' not in out


def test_plain_frames_grow_to_the_answer():
    ans = Answer("q", True, "一二三四五六七八九十" * 3, [Citation(1, "d", "t", "q", 0, 1, 1.0)])
    frames = plain_frames(ans)
    assert len(frames) >= 3 and all(ans.text.startswith(f) for f in frames)
    assert [len(f) for f in frames] == sorted(len(f) for f in frames)


def test_each_quote_keeps_what_the_answer_says_it_is_about():
    # a comparison's text names the place of each quote; the chat shows the same words
    cites = [Citation(1, "a.txt", "A", "产值100亿元", 0, 7, 0.9),
             Citation(2, "b.txt", "B", "产值80亿元", 0, 6, 0.8)]
    ans = Answer("哪个园区产值更高？", True, "甲园区：产值100亿元[1]乙园区：产值80亿元[2]", cites)
    out = answer_html(ans, {})
    assert out.index("甲园区：") < out.index("产值100亿元") < out.index("乙园区：") < out.index("产值80亿元")
    single = Answer("产值多少？", True, "产值100亿元[1]", cites[:1])
    assert "pq-about" not in answer_html(single, {})
