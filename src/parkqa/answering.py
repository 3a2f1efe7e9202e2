"""Answer a question by quoting the sentences that answer it, each cited — or refuse.

The steps are small components, each in its own module: question analysis
(``parkqa.question``) → candidate sentences with general features (``parkqa.features``) → a
fitted sentence scorer and a calibrated refusal (``parkqa.scorer``, weights saved beside the
index) → a composer that covers every aspect asked (``parkqa.composer``). Nothing here knows the
articles: places, aliases and words are the index's data.

Example::

    >>> qa = parkqa.load()                                   # doctest: +SKIP
    >>> qa.ask("长治高新区现在有多少家入区企业？").text        # doctest: +SKIP
    '入区企业从2021年的0.9万家增至1.2万家[1]'
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .completer import complete
from .composer import compose, labels
from .cues import ASKS_PLAN, ASKS_RESULT, PER_UNIT, group_size, shows_detail
from .features import HAS, Candidate, CandidateFinder, feature_matrix
from .index import Index
from .question import Question, QuestionReader
from .retrieval import Retriever
from .scorer import REFUSAL_FEATURES, AnswerModel
from .slots import asked_article_field, asked_type, listed_count, period_clash, type_group
from .terms import coverage

REFUSAL = "抱歉，现有文章中没有找到能回答这个问题的内容。"
# ``Question.asks_nothing``: a place, a year or a name alone
ASK_MORE = "请说得具体一些，比如想了解{what}的哪方面？"
NEAR_MISS = "文章里相近的内容是关于{what}的，列在下面供参考。"
# what the closest quotes give instead of what was asked
ONLY_COUNT = "文章只提到了数目，没有列出具体名单，相近的内容列在下面供参考。"
ONLY_TOTAL = "文章里没有按每一单位（每亩、每月、人均等）计的数字，相近的内容列在下面供参考。"


@dataclass
class Citation:
    n: int
    doc: str
    title: str
    quote: str
    start: int
    end: int
    score: float
    spans: list[list[int]] | None = None
    # the article as printed (parkqa.metadata): shown wherever a source is named
    subtitle: str = ""
    source: str = ""
    date: str = ""
    date_from: str = ""
    byline: str = ""

    def to_dict(self) -> dict:
        out = asdict(self)
        if not self.spans or len(self.spans) < 2:
            out.pop("spans")
        return out


@dataclass
class Answer:
    question: str
    answered: bool
    text: str
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)   # closest passages when refused
    confidence: float = 0.0   # fitted probability that the articles answer it
    timings: dict = field(default_factory=dict)
    resolved_question: str = ""   # the standalone question answered (follow-ups rewritten)

    def to_dict(self) -> dict:
        out = {"question": self.question, "answered": self.answered, "text": self.text,
               "citations": [c.to_dict() for c in self.citations],
               "confidence": self.confidence,
               "resolved_question": self.resolved_question or self.question}
        if self.related:
            out["related"] = [c.to_dict() for c in self.related]
        return out


class Answerer:
    """Question in, ``Answer`` out, for one loaded index."""

    def __init__(self, index: Index, retriever: Retriever, model: AnswerModel | None = None,
                 *, passages: int = 8) -> None:
        self.index = index
        self.retriever = retriever
        self.model = model or index.answer
        self.reader = QuestionReader(index, self.model.summary_asked)
        self.finder = CandidateFinder(index, retriever, passages=passages)
        self.n_passages = passages

    def analyze(self, question: str, *, k: int = 5, timings: dict | None = None):
        """Question analysis, retrieval and scored candidates (best first): what ``answer``
        decides on, and what ``parkqa fit`` learns from."""
        t0 = time.perf_counter()
        q = self.reader.read(question)
        if q.asks_nothing:   # nothing to look up
            if timings is not None:
                timings.update(embed=time.perf_counter() - t0, search=0.0, score=0.0)
            return q, [], []
        qvec = q.vec = self.retriever.embed(q.text)
        t1 = time.perf_counter()
        hits = self.retriever.passages(q.text, k=max(k, self.n_passages), qvec=qvec,
                                       tokens=q.tokens, places=q.places, timings=timings)
        t2 = time.perf_counter()
        near = self.finder.nearest(qvec)
        ranked = self.finder.candidates(q, qvec, hits, near)
        q.part_candidates = [self.finder.candidates(part, qvec, hits, near)
                             for part in self._parts(q)]
        # one call of the trees for the whole question's candidates and its parts'
        score([c for cands in (ranked, *q.part_candidates) for c in cands], self.model.sentence)
        ranked.sort(key=lambda c: -c.score)
        if timings is not None:
            timings.update(embed=t1 - t0, search=t2 - t1, score=time.perf_counter() - t2)
        return q, hits, ranked

    def _parts(self, q: Question) -> list[Question]:
        """The parts of a Chinese question of several, each read as a question of its own:
        with the place or year the whole names when the part names none, and with the whole's
        terms before it when the part has none of them ("安博泰克项目投了多少钱，是谁投的" ->
        "安博泰克项目投资是谁投的"): a weaker sentence may answer one part only."""
        if q.english or len(q.parts) < 2:
            return []
        out = []
        for text in q.parts:
            low = text.lower()
            lead = "" if any(t in low for t in q.terms) else "".join(
                t for t in q.terms if t in q.text.lower())
            part = self.reader.read(lead + text)
            out.append(replace(part, places=part.places or q.places,
                               years=part.years or q.years))
        return out

    def answer(self, question: str, *, k: int = 5) -> tuple[Answer, list]:
        t0 = time.perf_counter()
        timings: dict = {}
        q, hits, ranked = self.analyze(question, k=k, timings=timings)
        t3 = time.perf_counter()
        if q.asks_nothing:
            what = "、".join(q.places) or "、".join(f"{y}年" for y in q.years) or "这个话题"
            ans = Answer(question, False, ASK_MORE.format(what=what))
            ans.timings = {**timings, "compose": 0.0, "total": time.perf_counter() - t0}
            return ans, hits[:k]
        chosen = compose(q, ranked, extra_ratio=self.model.extra_ratio, finder=self.finder,
                         part_ratio=self.model.part_ratio, summary=self.model.summary)
        facts = refusal_features(q, chosen, ranked)
        p = float(self.model.refusal.predict_proba(np.array([[facts[n] for n in REFUSAL_FEATURES]]))[0])
        if chosen and p >= self.model.threshold and not q.holds_no_article_term \
                and not about_elsewhere(facts, q, chosen, self.reader.knowledge):
            chosen = complete(q, ranked, chosen, self.finder, self.model.completer,
                              self.model.completer_threshold)
            citations = [self._cite(n, c) for n, c in enumerate(chosen, start=1)]
            text = answer_text([c.quote for c in citations], labels(chosen, q))
            ans = Answer(question, True, text, citations)
        else:
            related = [self._cite(n, c, trim=False) for n, c in enumerate(ranked[:3], start=1)]
            ans = Answer(question, False, REFUSAL + near_miss(q, ranked[:1], facts), [],
                         related)
        ans.confidence = round(p, 4)
        t4 = time.perf_counter()
        ans.timings = {**timings, "compose": t4 - t3, "total": t4 - t0}
        return ans, hits[:k]

    def _cite(self, n: int, cand: Candidate, *, trim: bool = True) -> Citation:
        s = cand.sentence
        art = self.index.articles[s.doc]
        a, b = (s.start + cand.start, s.start + cand.end) if trim else (s.start, s.end)
        spans = [x for x in art.raw_spans(a, b) if x[0] < x[1]]
        # a quote joined across a column break may continue *before* its cut in the raw file:
        # start/end bound all pieces (start < end always); ``spans`` keeps each piece, in order
        return Citation(n=n, doc=s.doc, quote=art.quote(a, b),
                        start=min(x[0] for x in spans), end=max(x[1] for x in spans),
                        score=round(cand.score, 4),
                        spans=[list(x) for x in spans], **art.meta.citation_fields())


def score(cands: list[Candidate], model) -> None:
    """Set each candidate's ``score``: the sentence model's probability that it answers."""
    for c, p in zip(cands, model.predict_proba(feature_matrix(cands))):
        c.score = float(p)


def answer_text(quotes: list[str], names: list[str]) -> str:
    """The answer as shown: each quote after what it is about, when that is said, and its [n]."""
    return join_quotes([f"{name}：{quote}" if name else quote for name, quote in zip(names, quotes)],
                       list(range(1, len(quotes) + 1)))


def join_quotes(quotes: list[str], numbers: list[int]) -> str:
    """"quote[1]；quote[2]": a separator only where a quote does not end a clause itself."""
    out = []
    for k, (quote, n) in enumerate(zip(quotes, numbers)):
        if k and quotes[k - 1].rstrip()[-1:] not in "。；！？;!?，,":
            out.append("；")
        out.append(f"{quote}[{n}]")
    return "".join(out)


def refusal_features(q: Question, chosen: list[Candidate], ranked: list[Candidate]) -> dict:
    """Question-level evidence for answering: how good the best quote is, and which of the
    question's constraints (year, place, kind of value) the chosen quotes leave unmet."""
    f = {n: 0.0 for n in REFUSAL_FEATURES}
    f["unknown"] = float(len(q.unknown))
    f["english"] = float(q.english)
    f["terms"] = float(len(q.terms))
    if not chosen:
        return f
    best = ranked[0]
    bf = best.features
    f["p1"] = best.score
    f["p2"] = ranked[1].score if len(ranked) > 1 else 0.0
    f["gap"] = f["p1"] - f["p2"]
    for name in ("coverage", "coverage_ctx", "missing", "dense", "dense_z", "year_clash",
                 "place_clash"):
        f[name] = bf[name]
    f["year_unmet"] = float(bool(q.years) and not any(c.features["year_match"] for c in chosen))
    f["article_year_unmet"] = float(bool(q.years) and not any(c.features["article_year"]
                                                              for c in chosen))
    f["place_unmet"] = float(bool(q.places) and not any(
        c.features["place_match"] or c.features["article_place_match"] for c in chosen))
    f["kind_unmet"] = float(min(bf["unit"], bf["number"], bf["date"]) < 0)
    quoted = "".join(c.sentence.text for c in chosen)
    f["detail_unmet"] = float(sum(not shows_detail(d, quoted) for d in q.details))
    f["aspect_unmet"] = float(sum(coverage(a, quoted.lower()) < 0.5 for a in q.aspects))
    f["unknown_terms"] = float(sum(1 for t in q.unknown if t not in q.terms))
    f["unknown_long"] = float(sum(1 for t in q.unknown if len(t) >= 3))
    f["novelty"] = bf["novelty"]
    f["article"] = float("article" in q.kinds)
    plan = any(c.features["plan"] for c in chosen)
    f["plan_clash"] = float(bool(ASKS_PLAN.search(q.text)) and not plan
                            or bool(ASKS_RESULT.search(q.text)) and plan
                            and not ASKS_PLAN.search(q.text))
    f["list_unmet"] = float("list" in q.kinds and "、" not in quoted)
    f["period_clash"] = float(period_clash(q.text, quoted))
    # "那6家企业分别叫什么": the members of a counted group asked, and the quotes name fewer
    # (often only the count, "推动首批6家企业完成股份制改造")
    size = group_size(q.text) if q.kinds & {"list", "entity"} and "number" not in q.kinds else 0
    f["members_unlisted"] = float(size >= 2 and listed_count(quoted, q.text) < size)
    f["per_unit_unmet"] = float(bool(PER_UNIT.search(q.text)) and not PER_UNIT.search(quoted))
    role_met = any(c.features["article_role"] >= 1 for c in chosen)   # the asked byline, title…
    f["entity_unmet"] = float("entity" in q.kinds and not role_met
                              and not HAS["entity"].search(quoted))
    f["missing_rare"] = bf["missing_rare"]
    f["focus"] = max(c.features["focus"] for c in chosen)
    f["slot"] = max(c.features["slot"] for c in chosen)
    # an article's byline, title or page is asked and no chosen line prints it
    f["role_unmet"] = float(bool(asked_article_field(q)) and not role_met)
    f["slot_best"] = bf["slot"]   # the best quote's own: a second quote's value may be another's
    # a proper name no article mentions: the question is about something the articles do not
    # cover ("比亚迪在高新区投了多少")
    f["unknown_proper"] = float(len(q.strange_names))
    # how much an unfilled slot says depends on the type asked: a "多少钱" quote without any
    # amount of money is a near miss, a "几家" quote without a count is often a paraphrase
    kind = asked_type(q)
    if kind:
        group = type_group(kind)
        f[f"asks_{group}"] = 1.0
        # a line printing the asked byline or title fills "谁写的" whatever jieba makes of the name;
        # so does the quote next to the best one ("…实验室如同一座科技熔炉…。…18个核心项目接连突破。")
        # and in a question of several parts, the quote for the part that asks the value
        beside = [c for c in chosen if c.sentence.doc == best.sentence.doc
                  and abs(c.sentence.id - best.sentence.id) == 1 or len(q.aspects) >= 2]
        f[f"unfilled_{group}"] = float(bf["slot"] < 0 and not role_met
                                       and not any(c.features["slot"] > 0 for c in beside))
    return f


# Two invariants hold whatever the fit (the refusal's trees learn them from data, but a model
# refitted on a little more data may overrule them near its threshold): a question none of whose
# terms any article holds ("长治高新区的GDP是多少") is not answered, and neither is one whose quotes
# are all about another place than it names (``about_elsewhere``).
def about_elsewhere(facts: dict, q: Question, chosen: list[Candidate], knowledge) -> bool:
    """Whether every quote is about another place than the question names: another park's
    figure is no answer, however well it matches the rest. A city named bare inside a longer
    name ("长治5G电子智造基地", "长治两会") is no place asked about, so a zone of that city
    is not elsewhere: the learned refusal decides (train and dev: this rule refused 20
    answerable questions of that kind, no trap). "长治市…", "全市…" still ask about the city."""
    if not (facts.get("place_unmet") and facts.get("place_clash")):
        return False
    cities = {p.city for a, b, names in knowledge.mention_spans(q.text)
              if (p := knowledge.place(names[0])) and p.kind == "city" and q.text[a:b] == p.city}
    return not any((p := knowledge.place(c.sentence.park)) and p.city in cities for c in chosen)


def near_miss(q: Question, best: list[Candidate], facts: dict | None = None) -> str:
    """Say what the closest passage is about when it answers a neighbouring question (another
    place or year than asked, a count where names were asked, a total where a value per unit
    was): ``facts`` are the question's ``refusal_features``."""
    if not best:
        return ""
    facts = facts or {}
    if facts.get("members_unlisted"):
        return ONLY_COUNT
    if facts.get("per_unit_unmet"):
        return ONLY_TOTAL
    f, s = best[0].features, best[0].sentence
    if f["place_clash"] and s.park:
        return NEAR_MISS.format(what=s.park)
    if f["year_clash"]:
        from .question import YEAR

        years = sorted(set(YEAR.findall(s.text)))
        return NEAR_MISS.format(what="、".join(f"{y}年" for y in years)) if years else ""
    return ""
