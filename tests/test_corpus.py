from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from parkqa.corpus import CorpusError, load_article, load_corpus, repair
from parkqa.layout import normalize_char

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def article(prefix: str):
    return load_article(next(SEEDS.glob(prefix + "_*.txt")))


@pytest.mark.parametrize("prefix, joined", [
    ("000", "这座投资总额6亿元、建筑面积15万平方米"),    # column break, continued after a caption
    ("000", "上下游集聚中科安瑞、潞安光伏发电"),          # continued after a two-line caption
    ("000", "较2020年净增57家"),                          # continued *before* the cut point
    ("001", "统筹推进传统产业改造提升、新兴产业培育壮大"),
    ("001", "公司年加工党参5000余吨"),
    ("001", "让技术、人才、资金、数据等创新要素"),
    ("002", "为创新发展注入核心动力。"),
    ("003", "总投资34亿元。"),                             # hard wrap plus stray spaces
    ("003", "冬日无闲，势头不减，在各项目施工现场"),       # hard wrap across blank lines
    ("004", "积极引入融资租赁、商业保理类金融机构"),        # continuation printed earlier
    ("004", "数字背后，是发展的底气与信心"),
])
def test_real_column_breaks_and_wraps_are_repaired(prefix, joined):
    assert joined in article(prefix).text


def test_captions_are_not_glued_into_sentences():
    art = article("000")
    assert "投资总额长治高新区特瓦时" not in art.text
    assert "产品应用于新能源汽车动力电池及储能领域。" in art.text  # the caption itself is kept


def test_byline_is_not_taken_for_a_cut_paragraph():
    text = article("003").text
    assert "常珍珍徐姗全方位" not in text
    assert "做实项目要素———\n全方位调动资金" in text


def test_titles_and_parks_come_from_the_text():
    assert article("000").title.startswith("长治高新区五年蝶变")
    assert article("002").title == "科创为核筑根基 以新为翼向高攀"
    assert article("004").title.startswith("勇立潮头显担当")
    # 003 prints its dash-led subtitle above the title: the title still comes first
    assert article("003").title.startswith("聚集高端产业") and "加压奋进" in article("003").title
    from parkqa.knowledge import Knowledge

    arts = [article(p) for p in ("000", "001", "002", "003", "004")]
    kb = Knowledge.from_texts(a.text for a in arts)
    assert [kb.subject(a.text) for a in arts] == [
        "长治高新区", "长治市", "长治高新区", "长治高新区", "长治经开区"]


def test_every_character_maps_back_to_the_raw_file():
    for path in sorted(SEEDS.glob("*.txt")):
        art = load_article(path)
        for i, ch in enumerate(art.text):
            pos = art.offsets[i]
            if pos < 0:
                assert ch == "\n"
            elif ch != " ":
                raw = art.raw[pos]
                assert normalize_char(raw, "", "") == ch or raw == ch or raw in ",:", (path, i)


def test_synthetic_hard_wrap_spaces_and_punctuation():
    raw = "标题\n\n园区今年投资 10 万吨项目,\n已经投产。\n\n下一段(试行)内容!"
    art = repair(raw)
    assert "园区今年投资10万吨项目，已经投产。" in art.text
    assert "下一段（试行）内容！" in art.text
    a = art.text.index("园区")
    b = art.text.index("投产。") + 3
    assert "".join(art.raw[s:e] for s, e in art.raw_spans(a, b)).replace("\n", "").replace(
        " ", "") == art.quote(a, b)


def test_synthetic_caption_between_cut_paragraph():
    raw = ("第一段讲的是园区今年的发展情况，项目一个接一个地开工建设，园区今年建成的这座投资总额\n\n\n\n"
           "某某公司车间内工人正在作业。\n\n"
           "6亿元、面积2万平方米的厂房已经投用。\n\n第二段另起一行。")
    art = repair(raw)
    assert "投资总额6亿元、面积2万平方米" in art.text
    start = art.text.index("这座")
    end = art.text.index("投用。") + 3
    spans = art.raw_spans(start, end)
    assert len(spans) == 2  # the caption between the two pieces is not part of the quote
    assert "".join(art.raw[a:b] for a, b in spans).replace("\n", "") == art.quote(start, end)


@hsettings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("园区企业投资亿元，。、,;:!? \n\n10“”（）#—")),
               min_size=1, max_size=200))
def test_offsets_always_map_back(raw):
    try:
        art = repair(raw)
    except CorpusError:
        return
    assert len(art.offsets) == len(art.text)
    for i, ch in enumerate(art.text):
        pos = art.offsets[i]
        assert pos < 0 or ch == " " or ch == normalize_char(art.raw[pos], "", "") \
            or art.raw[pos] in ",:"


def test_bad_files_are_reported_not_fatal(tmp_path):
    (tmp_path / "good.txt").write_text("长治高新区入区企业1.2万家。", encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes("长治高新区有企业50家。".encode("gbk"))   # GB18030 is read
    (tmp_path / "latin.txt").write_bytes("caf\xe9 ol\xe9".encode("latin-1"))
    (tmp_path / "bom.txt").write_bytes("\ufeff经开区有企业50家。".encode("utf-8"))
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF")
    (tmp_path / "ignored.xyz").write_bytes(b"%PDF")
    articles, errors = load_corpus(tmp_path)
    assert sorted(a.doc for a in articles) == ["bom.txt", "gbk.txt", "good.txt"]
    assert any("latin.txt" in e and "UTF-8" in e for e in errors)
    assert any("empty.md" in e for e in errors)
    assert any("blob.txt" in e and "binary" in e for e in errors)
    assert any("broken.pdf" in e and "PDF" in e for e in errors)
    assert len(errors) == 4 and not any("ignored.xyz" in e for e in errors)
    bom = next(a for a in articles if a.doc == "bom.txt")
    assert bom.text.startswith("经开区") and bom.raw[bom.offsets[0]] == "经"
    assert next(a for a in articles if a.doc == "gbk.txt").raw == "长治高新区有企业50家。"
