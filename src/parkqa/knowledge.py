"""Places the articles are about — cities and their development zones — found in the articles
when the index is built and saved with it as data, so a new article about another park needs no
code change.

What is written here is the Chinese language, not these articles: zone-type suffixes and their
standard short forms (高新技术产业开发区 → 高新区), "X市" for a city, "全市" for the city the article
is about, and "（以下简称“…”）" for an alias the article defines.

Example::

    >>> from parkqa.knowledge import Knowledge
    >>> kb = Knowledge.from_texts(["长治市的长治高新区和长治经开区。长治高新区有1.2万家企业。",
    ...                            "晋城经济技术开发区（以下简称“晋城经开区”）。晋城市……晋城经开区"])
    >>> [p.name for p in kb.places]
    ['晋城经开区', '晋城市', '长治经开区', '长治高新区', '长治市']
    >>> kb.mentions("高新区和晋城经开区比，哪个企业多？")
    ['长治高新区', '晋城经开区']
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field

# Zone-type suffixes, full forms first, and the short form each is usually written as.
ZONE_SUFFIXES = {"高新技术产业开发区": "高新区", "高新技术开发区": "高新区", "高新开发区": "高新区",
                 "高新区": "高新区", "经济技术开发区": "经开区", "经济开发区": "经开区",
                 "经开区": "经开区", "工业园区": "工业园区", "综合保税区": "综保区", "综保区": "综保区"}
# Words that stand for "the city this text is about".
CITY_DEICTIC = ("全市", "我市", "本市", "市里", "该市", "全城")
# Words for "all the zones" ("两个园区各有多少…").
ALL_ZONES = ("两个园区", "两大园区", "两个开发区", "两区", "各园区", "各开发区")
_SUFFIX_RE = "|".join(sorted(ZONE_SUFFIXES, key=len, reverse=True))
_ZONE = re.compile(rf"([\u4e00-\u9fff]{{2}})(?:{_SUFFIX_RE})")
_CITY = re.compile(r"([\u4e00-\u9fff]{2})市(?!场|民|值)")
_DEFINED_ALIAS = re.compile(r"[（(]\s*(?:以下)?简称\s*[“\"「]?([\u4e00-\u9fff]{2,8})[”\"」]?\s*[）)]")
# A prefix this common in general Chinese ("国家高新区") is a modifier, not a city's name.
_COMMON_WORD_FREQ = 1000


@dataclass
class Place:
    name: str                 # canonical: "长治高新区", "长治市"
    kind: str                 # "zone" | "city"
    city: str                 # "长治"
    suffix: str = ""          # a zone's short suffix: "高新区"
    aliases: list[str] = field(default_factory=list)   # full spellings that name it alone


def short_form(text: str) -> str:
    """Zone suffixes written out in full turned into their short form (长治高新技术产业开发区 →
    长治高新区), so questions and articles meet on one spelling."""
    return re.sub(_SUFFIX_RE, lambda m: ZONE_SUFFIXES[m.group(0)], text)


@dataclass
class Knowledge:
    places: list[Place] = field(default_factory=list)

    # ------------------------------------------------------------ building
    @classmethod
    def from_texts(cls, texts) -> "Knowledge":
        texts = [short_form(t) for t in texts]
        joined = "\n".join(texts)
        cities = Counter(m.group(1) for m in _CITY.finditer(joined))
        zones = Counter((m.group(1), short_form(m.group(0)[2:])) for m in _ZONE.finditer(joined))
        known_cities = {c for c, n in cities.items()
                        if n >= 2 and not _is_common(c) and not _is_common(c[-1] + "市", 100)}
        places: dict[str, Place] = {}
        for (prefix, suffix), n in zones.items():
            if prefix.endswith("级"):   # 国家级/省级高新区: a rank, not a city
                continue
            if prefix in known_cities or (n >= 2 and not _is_common(prefix)):
                known_cities.add(prefix)
                name = prefix + suffix
                places[name] = Place(name, "zone", prefix, suffix, [name])
        for city in known_cities:
            places[city + "市"] = Place(city + "市", "city", city, "", [city + "市", city])
        for text in texts:   # "晋城经济技术开发区（以下简称“晋城经开区”）"
            for m in _DEFINED_ALIAS.finditer(text):
                alias, before = m.group(1), text[max(0, m.start() - 20):m.start()]
                owner = next((p for p in places.values() if before.endswith(p.name)), None)
                if owner and alias not in owner.aliases:
                    owner.aliases.append(alias)
        order = sorted(places.values(), key=lambda p: (p.city, p.kind == "city", p.name))
        return cls(order)

    def add_synonyms(self, groups: list[list[str]]) -> None:
        """An editor's synonym group that names a place ("上党区" for a place this index knows
        by another spelling) gives that place its other spellings as aliases."""
        for group in groups:
            spellings = [short_form(v) for v in group]
            place = next((p for p in self.places if set(p.aliases) & set(spellings)), None)
            if place:
                place.aliases += [v for v in spellings if v not in place.aliases]

    def to_dict(self) -> dict:
        return {"places": [asdict(p) for p in self.places]}

    @classmethod
    def from_dict(cls, data: dict) -> "Knowledge":
        return cls([Place(**p) for p in data.get("places", [])])

    # ------------------------------------------------------------ looking up
    @property
    def zones(self) -> list[Place]:
        return [p for p in self.places if p.kind == "zone"]

    @property
    def cities(self) -> list[Place]:
        return [p for p in self.places if p.kind == "city"]

    def place(self, name: str) -> Place | None:
        return next((p for p in self.places if p.name == name), None)

    def words(self) -> list[str]:
        """Every spelling of every place: words jieba must keep whole."""
        return sorted({a for p in self.places for a in p.aliases} | set(ZONE_SUFFIXES)
                      | set(CITY_DEICTIC))

    def mention_spans(self, text: str, *, context: str = "") -> list[tuple[int, int, list[str]]]:
        """``(start, end, places)`` for each place named in ``text``, in order. A bare suffix
        ("高新区") or "全市" means the place of that kind in ``context`` (the article's subject)
        when it has one, else the one of the city ``text`` names ("长治全市", "长治的经开区"),
        else every place of that kind the corpus knows."""
        text = short_form(text)
        spans: list[tuple[int, int, list[str]]] = []
        taken = [False] * len(text)
        spellings = sorted(((a, p) for p in self.places for a in p.aliases),
                           key=lambda x: -len(x[0]))
        for alias, place in spellings:
            if alias not in text:   # most are not: no pattern to build and run
                continue
            for m in re.finditer(re.escape(alias) + "(?!市?级)", text):   # 市级: "city-level"
                if not any(taken[m.start():m.end()]):
                    taken[m.start():m.end()] = [True] * (m.end() - m.start())
                    spans.append((m.start(), m.end(), [place.name]))
        owner = self.place(context) if context else None
        named = {self.place(names[0]).city for _, _, names in spans}
        bare = [(w, [z.name for z in self.zones]) for w in ALL_ZONES]
        bare += [(s, [z.name for z in self.zones if z.suffix == s])
                 for s in set(ZONE_SUFFIXES.values())]
        bare += [(w, [c.name for c in self.cities]) for w in CITY_DEICTIC]
        for word, names in bare:
            if word not in text:
                continue
            if owner and (owner.suffix == word or (owner.kind == "city" and word in CITY_DEICTIC)):
                names = [owner.name]
            elif owner and word not in ALL_ZONES:   # "全市"/"高新区" in an article: its city's
                names = [n for n in names if self.place(n).city == owner.city] or names
            elif not owner:
                names = [n for n in names if self.place(n).city in named] or names
            for m in re.finditer(re.escape(word), text):
                if word in CITY_DEICTIC and not _is_word_at(text, m.start(), m.end()):
                    continue   # "资本市场" holds 本市 but says nothing of a city
                if names and not any(taken[m.start():m.end()]):
                    taken[m.start():m.end()] = [True] * (m.end() - m.start())
                    spans.append((m.start(), m.end(), names))
        return sorted(spans)

    def mentions(self, text: str, *, context: str = "") -> list[str]:
        """Places named in ``text`` in the order it names them (see ``mention_spans``)."""
        return places_of(self.mention_spans(text, context=context))

    def subject(self, text: str, *, context: str = "") -> str:
        """The place a text names most (a zone wins a tie with its city); "" when none."""
        counts: Counter = Counter()
        for a, b, names in self.mention_spans(text, context=context):
            if len(names) == 1:   # a bare city name inside a longer name ("长治研发中心") is weak
                bare = self.place(names[0]).kind == "city" and not text[a:b].endswith("市")
                counts[names[0]] += 0.5 if bare else 1.0
        # ties go to a zone: an article about a zone names its city too
        best = max(counts.items(), key=lambda x: (x[1], self.place(x[0]).kind == "zone"),
                   default=("", 0))
        return best[0]


def places_of(spans: list[tuple[int, int, list[str]]]) -> list[str]:
    """The places of ``Knowledge.mention_spans``, each once, in the order they are named."""
    out: list[str] = []
    for _, _, names in spans:
        out += [n for n in names if n not in out]
    return out


def _is_word_at(text: str, start: int, end: int) -> bool:
    """Whether jieba cuts ``text[start:end]`` as a word of its own."""
    from .tokens import current

    at = 0
    for token in current().jieba.cut(text):
        if at == start:
            return at + len(token) == end
        if at > start:
            return False
        at += len(token)
    return False


def _is_common(word: str, freq: int = _COMMON_WORD_FREQ) -> bool:
    from .words import general_frequency

    return general_frequency(word) >= freq
