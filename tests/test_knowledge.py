"""Places are found in the articles, never written in code."""
import re
from pathlib import Path

from parkqa.knowledge import Knowledge
from parkqa.question import Question

ROOT = Path(__file__).resolve().parent.parent


def _texts(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]


def test_zones_and_cities_come_from_the_articles():
    kb = Knowledge.from_texts(_texts(ROOT / "seeds"))
    assert {p.name for p in kb.zones} == {"长治高新区", "长治经开区"}
    assert [p.name for p in kb.cities] == ["长治市"]


def test_articles_about_other_parks_need_no_code_change():
    kb = Knowledge.from_texts(_texts(ROOT / "seeds") + _texts(ROOT / "eval" / "new_articles"))
    names = {p.name for p in kb.zones}
    assert {"晋城经开区", "运城高新区", "长治高新区", "长治经开区"} <= names
    # a bare zone type in an article about a place means that place's own zone
    assert kb.mentions("经开区企业", context="晋城经开区") == ["晋城经开区"]
    assert kb.mentions("全市", context="运城高新区") == ["运城市"]
    # and in a question it may mean any of them, unless the question names its city
    assert set(kb.mentions("经开区有多少企业？")) == {"晋城经开区", "长治经开区"}
    assert kb.mentions("长治全市规上工业增加值是多少？") == ["长治市"]
    assert kb.mentions("晋城的经开区有多少企业？") == ["晋城市", "晋城经开区"]
    # ...as one place meant, not two compared
    one = Question(raw="", text="", english=False, tokens=[], terms={}, kinds=set(), unit="",
                   years=[], places=kb.mentions("经开区有多少企业？"),
                   place_mentions=len(kb.mention_spans("经开区有多少企业？")))
    two = "长治经开区和晋城经开区哪个企业多？"
    both = Question(raw="", text="", english=False, tokens=[], terms={}, kinds=set(), unit="",
                    years=[], places=kb.mentions(two), place_mentions=len(kb.mention_spans(two)))
    assert not one.compares_places and both.compares_places


def test_an_alias_the_article_defines_is_learned():
    kb = Knowledge.from_texts(["江城经济技术开发区（以下简称“江城开发区”）成立于2001年。江城市……江城经开区"])
    zone = kb.place("江城经开区")
    assert zone and "江城开发区" in zone.aliases
    assert kb.mentions("江城开发区有多少家企业") == ["江城经开区"]


def test_round_trip_and_subject():
    kb = Knowledge.from_texts(_texts(ROOT / "seeds"))
    again = Knowledge.from_dict(kb.to_dict())
    assert again.to_dict() == kb.to_dict()
    assert kb.subject("长治经开区以实干实绩开创新局面，经开区……") == "长治经开区"


def test_no_place_of_these_articles_is_written_in_the_code():
    """src/ keeps no corpus place names outside docstrings and comments."""
    kb = Knowledge.from_texts(_texts(ROOT / "seeds"))
    places = [a for p in kb.places for a in p.aliases]
    offenders = []
    for path in (ROOT / "src" / "parkqa").glob("*.py"):
        code = re.sub(r'"""[\s\S]*?"""', "", path.read_text(encoding="utf-8"))
        code = "\n".join(line.split("#")[0] for line in code.splitlines())
        offenders += [f"{path.name}: {a}" for a in places if a in code]
    assert offenders == []


def test_a_city_word_inside_another_word_names_no_city(qa):
    kb = qa.index.knowledge
    # 资本市场 holds 本市 ("this city") but is a capital market
    assert kb.mentions("资本市场服务基地能为企业提供哪些服务？") == []
    assert kb.mentions("本市有多少家企业？") == kb.mentions("全市有多少家企业？") != []
