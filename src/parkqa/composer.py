"""Turn scored candidate sentences into an answer that covers what was asked: one quote per
aspect of a multi-part question, one per place compared, the two dates of "隔了多久", 2–4
sentences for a summary, a list that runs into the next sentence — and every quote as short as
the clauses that hold the answer.

Example::

    >>> chosen = compose(q, ranked, extra_ratio=0.6, finder=finder)    # doctest: +SKIP
    >>> [c.text for c in chosen]                                       # doctest: +SKIP
    ['入区企业从2021年的0.9万家增至1.2万家']
"""
from __future__ import annotations

import re
from dataclasses import replace

from .article_lines import several
from .chunking import split_clauses
from .cues import NUMBER, answer_kinds, asked_details, asked_unit
from .features import HAS, SPECIFIC, Candidate
from .question import YEAR, Question
from .slots import asked_type, focus_terms, question_focus, slot_value
from .summary import choose_summary, prior_summary
from .terms import coverage, credit

# a sentence up to this long is quoted whole; a longer one is cut to its best clauses. At 100
# the cut lost the asked value on dev in nine of 1171 answers (a meeting's quoted name, the 亩
# after "6宗", the industry after "千亿级"); at 130, in four, for a median answer of 105
# characters instead of 97; at 160 in none, but a one-figure question then reads a 140-
# character sentence of six figures
MAX_QUOTE_CHARS = 130
VALUE_KINDS = {"number", "date", "entity", "duration"}
ANTECEDENT_CHARS = 8   # an opening clause shorter than this is a time or place, not a subject
_ANAPHOR = re.compile(r"(这|该|此|其)(家|个|座|条|项|些|一|公司|企业|项目)")
_LIST_LEAD = re.compile(r"[：:]$|包括$|有$")


def _limit(q: Question) -> int:
    if "summary" in q.kinds:
        return 4
    if q.compares_places or len(q.aspects) >= 2 or q.kinds & {"across", "compare", "duration",
                                                              "list"}:
        return 3
    return 2


def compose(q: Question, ranked: list[Candidate], *, extra_ratio: float, finder,
            part_ratio: float = 0.1, summary=None) -> list[Candidate]:
    """Pick and trim the quotes for ``q`` from ``ranked`` (best first): a further quote scores
    ``extra_ratio`` of the best one's score, a quote for a part the best one leaves out (another
    place, another part of the question, the other date) ``part_ratio`` of it; ``summary`` (a
    ``Linear`` over ``parkqa.summary.SUMMARY_FEATURES``) picks a summary's sentences."""
    if not ranked:
        return []
    # "那篇…的稿子是谁写的": the question's words pick the article, the asked field's line of it
    # answers (the article's own sentences match those words better)
    prints = [c for c in ranked if c.features["article_role"] >= 1]
    if prints:   # the byline or title alone (one per article asked about): the article's
        # other lines are no part of it
        firsts = list({c.sentence.doc: c for c in reversed(prints)}.values())[::-1]
        return [trim(c, q) for c in firsts[:several(q)]]
    best = _past_questions(ranked[0], finder)
    floor = extra_ratio * best.score
    pool = [c for c in ranked[1:30] if c.score >= floor and not c.sentence.heading]
    chosen = [best]
    limit = _limit(q)

    def add(c: Candidate | None) -> None:
        c = c and _past_questions(c, finder)   # a further quote is no rhetorical question either
        if c is not None and len(chosen) < limit and all(c.sentence.id != x.sentence.id
                                                          for x in chosen):
            chosen.append(c)

    # a comparison quotes every place it names, even from a weaker sentence: leaving one out
    # answers half the question
    about = [c for c in ranked[1:30] if c.score >= part_ratio * best.score
             and not c.sentence.heading]
    # a place compared is often asked of another year or in other words than the best quote's
    # (its score then falls far below): then its quote is the best one that holds the asked
    # measure and a value of the asked type
    measured = [c for c in ranked[1:30] if not c.sentence.heading and c.features["slot"] > 0
                and c.features["coverage"] >= 0.5]
    # ...and a bare "经开区" the articles know in several cities, each of them when its quote is
    # as good as a further quote must be
    for place in q.places if len(q.places) >= 2 else []:
        if not any(c.sentence.park == place for c in chosen):
            add(_about_place(about if q.compares_places else pool, place)
                or (_about_place(measured, place) if q.compares_places else None))
    # "几篇报道里都提到了啥": the best quote of each further article whose paragraph names what
    # the question is about (that test stands in for a score floor)
    if "across" in q.kinds and q.terms:
        topic = _topic(q)
        for c in (c for c in ranked[1:30] if not c.sentence.heading):
            if c.sentence.doc not in {x.sentence.doc for x in chosen} \
                    and _on_topic(c, topic, finder):
                add(c)
    # so does a question of several parts, each part from the best sentence that holds it
    for aspect in q.aspects if len(q.aspects) >= 2 else []:
        if max(coverage(aspect, c.sentence.text.lower()) for c in chosen) < 0.5:
            add(next((c for c in about if coverage(aspect, c.sentence.text.lower()) >= 0.5), None))
    # ...each part read as a question of its own ("全市一共有多少家高企？" after a zone's figure)
    # by its own best quote that agrees with its place and year, however low that scores for
    # the whole question
    # (the best that holds the value it asks, when a quote chosen does not: "是谁的" is not
    # answered by the sum the best quote gives)
    for cands in q.part_candidates:
        usable = [c for c in cands if not c.sentence.heading and not c.features["place_clash"]
                  and not c.features["year_clash"]]
        filled = [c for c in usable if c.features["slot"] > 0 and c.features["coverage"] >= 0.5]
        if {c.sentence.id for c in filled} & {c.sentence.id for c in chosen}:
            continue
        top = max(filled or usable, key=lambda c: c.score, default=None)
        if top is not None and top.score >= part_ratio * best.score:
            add(top)
    # ...and so does each part asking a value ("是谁的，总投资多少"): the best quote may name the
    # project and a weaker one its investor
    for fills in _part_slots(q):
        if not any(fills(c) for c in chosen):
            add(next((c for c in pool if fills(c)), None))
    if "duration" in q.kinds:
        years = {y for c in chosen for y in YEAR.findall(c.sentence.text)}
        if len(years) < 2:
            add(next((c for c in about if set(YEAR.findall(c.sentence.text)) - years), None))
    if q.sums_up_one_article:
        chosen = choose_summary(q, [best] + ranked[1:], finder, summary or prior_summary())
        return [trim(c, q) for c in chosen]
    # a topic sentence ("布局上，主动探索“反向招商”新路径。") or the lead of a list: what follows
    topical = not SPECIFIC.search(best.sentence.text) or "reason" in q.kinds
    if "list" in q.kinds or _LIST_LEAD.search(best.sentence.text.rstrip("。")) or topical:
        add(_continuation(best, finder, any_kind=topical or _runs_on(best.sentence)))
    # a list written as clauses ending in "；" may begin in the sentence before the best one
    before = _continuation(best, finder, any_kind=True, step=-1)
    if "list" in q.kinds and before is not None and _runs_on(before.sentence):
        add(before)
        chosen.sort(key=lambda c: (c.sentence.doc != best.sentence.doc, c.sentence.id))
    if len(chosen) == 1 and q.terms:   # a second quote when it holds terms the first lacks
        have = {t for t in q.terms if credit(t, best.sentence.text.lower()) >= 1}
        add(next((c for c in pool[:5] if {t for t in q.terms
                                          if credit(t, c.sentence.text.lower()) >= 1} - have),
                 None))
    trimmed = [trim(c, q) for c in chosen]
    return _with_antecedent(trimmed, finder)


def _part_slots(q: Question) -> list:
    """For each part of ``q`` that asks a typed value (a name, a sum, a date), a test of whether
    a candidate's sentence holds one near what that part asks about."""
    if len(q.parts) < 2 or q.english:
        kind = asked_type(q)
        if not kind:
            return []
        return [lambda c: c.features["slot"] > 0]
    out = []
    for part in q.parts:
        sub = replace(q, text=part, kinds=answer_kinds(part), details=asked_details(part),
                      unit=asked_unit(part))
        kind = asked_type(sub)
        if kind:
            focus = focus_terms(part, q.terms)
            out.append(lambda c, kind=kind, focus=focus, unit=sub.unit: slot_value(
                kind, focus, c.sentence.text, unit=unit, question=q.text) > 0)
    return out


def _topic(q: Question) -> str:
    """What the question is about: its rarest term ("" when it has none)."""
    return max(q.terms, key=q.terms.get) if q.terms else ""


def _on_topic(c: Candidate, topic: str, finder) -> bool:
    """Whether the paragraph of ``c`` names ``topic``: what a quote is about may be named a
    sentence before it."""
    return bool(topic) and topic in finder.paragraph(c.sentence.id).lower()


def _past_questions(c: Candidate, finder, *, steps: int = 3) -> Candidate:
    """The article's own answer when ``c`` is a question it asks ("如何破解…瓶颈？" is followed
    by "长治高新区以深化改革为突破口…"): the next sentence of the article that is not one."""
    sents, sid = finder.index.sentences, c.sentence.id
    if not finder.facts[sid].interrogative:
        return c
    for nxt in sents[sid + 1: sid + 1 + steps]:
        if nxt.doc != c.sentence.doc:
            break
        if not nxt.heading and not finder.facts[nxt.id].interrogative:
            return Candidate(nxt, dict(c.features), c.score, 0, len(nxt.text))
    return c


def _about_place(about: list[Candidate], place: str) -> Candidate | None:
    """The best quote about ``place`` that still holds the question's rare terms (what is
    compared, "日盛达" in "日盛达在两篇报道里分别怎么写的"), else the best about it at all."""
    here = [c for c in about if c.sentence.park == place]
    return next((c for c in here if not c.features["missing_rare"]), here[0] if here else None)


def _runs_on(s) -> bool:
    """Whether a sentence ends in "；": the items it lists go on in the next one."""
    return s.text.rstrip().endswith(("；", ";"))


def _continuation(c: Candidate, finder, *, any_kind: bool = False,
                  step: int = 1) -> Candidate | None:
    """The sentence ``step`` after ``c`` in the same paragraph (or past a line break after
    "；", which ends no paragraph), when it carries on a list (or whatever it says, with
    ``any_kind``)."""
    sents, sid = finder.index.sentences, c.sentence.id + step
    nxt = sents[sid] if 0 <= sid < len(sents) else None
    if nxt is None or nxt.doc != c.sentence.doc or nxt.heading:
        return None
    earlier = c.sentence if step > 0 else nxt
    if finder.paragraph_id[nxt.id] != finder.paragraph_id[c.sentence.id] \
            and not _runs_on(earlier) \
            or not (any_kind or HAS["list"].search(nxt.text) or "、" in nxt.text):
        return None
    return Candidate(nxt, dict(c.features), c.score, 0, len(nxt.text))


def trim(c: Candidate, q: Question) -> Candidate:
    """A long sentence cut to the clauses that hold the answer: the window with the most of the
    question's terms and of the asked kind of value, shortest first on ties."""
    text = c.sentence.text
    # only a question for one value (a figure, a date, a name) is answered by one clause; a
    # reason, a list or a yes/no needs the sentence as written
    if len(text) <= MAX_QUOTE_CHARS or not q.kinds & VALUE_KINDS \
            or q.kinds & {"summary", "reason", "list", "yesno"}:
        return Candidate(c.sentence, c.features, c.score, 0, len(text))
    clauses = split_clauses(text)
    kind, focus = asked_type(q), question_focus(q)
    best, best_key = (0, len(text)), None
    for i in range(len(clauses)):
        for j in range(i, len(clauses)):
            a, b = clauses[i][0], clauses[j][1]
            if b - a > MAX_QUOTE_CHARS and j > i:
                break
            piece = text[a:b]
            cue = sum(1 for k in ("number", "date", "list") if k in q.kinds and HAS[k].search(piece))
            cue += bool(q.unit and re.search(NUMBER + q.unit, piece))
            cue += sum(1 for y in q.years if y in piece)
            # the clauses that hold the asked value next to what it measures come first: the
            # ones naming the subject only set the scene
            filled = bool(focus) and slot_value(kind, focus, piece, unit=q.unit,
                                                    question=q.text) >= 1
            key = (filled, round(coverage(q.terms, piece.lower()) + 0.3 * cue, 3), -(b - a))
            if best_key is None or key > best_key:
                best, best_key = (a, b), key
    a, b = best
    while b > a and text[b - 1] in "，；：、,;:":
        b -= 1
    return Candidate(c.sentence, c.features, c.score, a, b)


def _with_antecedent(chosen: list[Candidate], finder) -> list[Candidate]:
    """A quote opening with "这家企业" or "该项目" names its subject in the sentence before:
    quote that sentence's first clause too, or the answer to "哪家企业" is lost."""
    first = chosen[0]
    s = first.sentence
    if first.start > 0 or not _ANAPHOR.match(s.text) or not finder.context[s.id]:
        return chosen
    prev = finder.index.sentences[s.id - 1]
    if prev.heading or any(c.sentence.id == prev.id for c in chosen):
        return chosen
    # its opening clauses up to a subject: "2025年," alone names nothing
    clauses = split_clauses(prev.text)
    a, b = clauses[0]
    for _, end in clauses[1:]:
        if len(prev.text[a:b].strip("，,；;： ")) >= ANTECEDENT_CHARS:
            break
        b = end
    return [Candidate(prev, first.features, first.score, a, b)] + chosen


def labels(chosen: list[Candidate], q: Question) -> list[str]:
    """What each quote is about, when the quotes are about different places or years (so a
    reader of "A；B" knows which is which); empty strings otherwise."""
    places = [c.sentence.park for c in chosen]
    docs = {c.sentence.doc for c in chosen}
    if len(chosen) > 1 and len(set(places)) > 1 and all(places) \
            and (len(q.places) >= 2 or "compare" in q.kinds or len(docs) > 1):
        return places
    years = [next(iter(YEAR.findall(c.text)), "") for c in chosen]
    if len(chosen) > 1 and "duration" not in q.kinds and q.years and len(set(years)) > 1 \
            and all(years):
        return [f"{y}年" for y in years]
    return [""] * len(chosen)
