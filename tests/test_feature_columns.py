"""The answer features worked out a column at a time (``feature_columns``,
``terms.Joined``) equal their definition worked out one candidate and one text at a time."""
import math
import random
import re

import numpy as np

from parkqa.article_lines import asks_picture
from parkqa.cues import NUMBER, STATES_PLAN, shows_detail
from parkqa.feature_columns import _novelty
from parkqa.features import EXTRA, FEATURES
from parkqa.slots import asked_article_field, asked_type, question_focus, slot_value
from parkqa.terms import Joined, absent_column, coverage, coverage_column, credit
from parkqa.tokens import using


def _cases(texts, seed, n=400):
    """Random terms (pieces of real sentences, some cut across two) and lists of texts."""
    rng = random.Random(seed)
    for _ in range(n):
        t = rng.choice(texts) + rng.choice(texts)
        a = rng.randrange(len(t))
        terms = {t[a:a + rng.randrange(1, 7)] for _ in range(3)}
        terms |= {"", "区", "高高高", "\x00", "新\x00区", "入区企业", "gw"}
        chosen = [rng.choice(texts) for _ in range(rng.randrange(0, 30))]
        chosen += ["", "高高 高新区", "x\x00y"][: rng.randrange(0, 4)]
        rng.shuffle(chosen)
        yield terms, chosen


def test_joined_credit_equals_credit_in_each_text(qa):
    texts = qa.index.terms.texts
    partial = 0
    for terms, chosen in _cases(texts, 11):
        joined = Joined(chosen)
        for term in terms:
            want = [credit(term, x) for x in chosen]
            assert joined.credit(term).tolist() == want, (term, chosen)
            assert joined.holding(term) == [i for i, x in enumerate(chosen) if term in x] \
                if term and "\x00" not in term else True
            partial += sum(0 < w < 1 for w in want)
    assert partial > 500   # the pieces' credit was exercised, not only whole terms


def test_coverage_and_absent_columns_equal_one_text_at_a_time(qa):
    texts = qa.index.terms.texts
    rng = random.Random(12)
    for terms, chosen in _cases(texts, 13, n=200):
        weights = {t: rng.random() + 0.1 for t in terms}
        context = [rng.choice(texts + [""]) + rng.choice(texts) * rng.randrange(2)
                   for _ in chosen]
        near = [x + c for x, c in zip(chosen, context)]
        cols = Joined(chosen)
        assert coverage_column(weights, cols).tolist() == [coverage(weights, x) for x in chosen]
        assert coverage_column(weights, cols, Joined(context)).tolist() == [
            coverage(weights, x, c) for x, c in zip(chosen, context)]
        absent = absent_column(weights, cols, Joined(near))
        assert absent.tolist() == [[credit(t, x) < 0.5 and credit(t, y) < 0.5
                                    for x, y in zip(chosen, near)] for t in weights]
    assert coverage_column({}, Joined(["高新区"])).tolist() == [0.0]


def test_novelty_equals_testing_each_character():
    chars = set("长治高新区有多少家企业")
    texts = ["长治高新区入区企业1.2万家", "", "abc", "高", "新材料產業𠀀"]
    want = [sum(ch not in chars for ch in t) / max(1, len(t)) for t in texts]
    assert _novelty(texts, chars).tolist() == want


def _one_by_one(finder, q, s, dense, mean, sd, top, passage, bm25, role):
    """The features of one candidate sentence, straight from their definitions."""
    facts = finder.facts[s.id]
    text, ctx, para = finder._lowered[s.id], finder.context[s.id], finder.paragraph(s.id)
    prints_role = bool(role) and finder.lines.prints(s, role)
    if prints_role:
        ctx = f"{ctx} {finder.lines.title[s.doc]}"
    absent = {t: w for t, w in q.terms.items()
              if credit(t, text) < 0.5 and credit(t, text + ctx) < 0.5}
    total = sum(q.terms.values()) or 1.0
    f = {"dense": dense, "dense_z": (dense - mean) / sd, "dense_gap": top - dense,
         "passage": passage, "bm25": bm25, "coverage": coverage(q.terms, text),
         "coverage_ctx": coverage(q.terms, text, ctx + para),
         "missing": max(absent.values(), default=0.0) / max(total, 1.0) if q.terms else 0.0}
    for kind in ("number", "date", "list", "entity", "reason"):
        f[kind] = float(kind in q.kinds) * (1.0 if kind in facts.has else -1.0)
    if "duration" in q.kinds:
        f["date"] = 1.0 if "date" in facts.has else -1.0
    f["unit"] = (1.0 if re.search(NUMBER + q.unit, s.text) else -1.0) if q.unit else 0.0
    near = facts.near_years
    f["year_match"] = float(bool(q.years) and bool(set(q.years) & near))
    f["year_clash"] = float(bool(q.years) and bool(facts.years) and not set(q.years) & near)
    f["article_year"] = float(any(re.search(rf"(?<!\d){y}", finder.index.articles[s.doc].text)
                                  for y in q.years))
    f["place_match"] = float(bool(q.places) and s.park in q.places)
    f["place_clash"] = float(bool(q.places) and bool(s.park) and s.park not in q.places)
    f["article_place_match"] = float(bool(q.places)
                                     and finder.index.articles[s.doc].park in q.places)
    f["heading"] = float(s.heading)
    f["length"] = math.log1p(len(s.text)) / 5.0
    f["english_dense"] = float(q.english) * (dense - mean) / sd
    f["summary_pos"] = float("summary" in q.kinds) * passage
    f["detail"] = (sum(1.0 if shows_detail(d, s.text) else -1.0 for d in q.details)
                   / len(q.details)) if q.details else 0.0
    about = float("article" in q.kinds)
    f["article_heading"] = about * float(s.heading)
    f["article_lead"] = about * float(finder.position[s.id] < 3)
    f["article_byline"] = about * float(facts.byline)
    f["specific"] = float(facts.specific)
    f["novelty"] = sum(ch not in q.chars for ch in facts.own) / max(1, len(facts.own))
    f["missing_rare"] = float(sum(1 for w in absent.values() if w >= finder.rare_idf))
    kind, focus = asked_type(q), question_focus(q)
    f["focus"] = coverage(focus, text, ctx) if focus else 0.0
    f["slot"] = slot_value(kind, focus, s.text, unit=q.unit, question=q.text)
    f["title"] = coverage(q.terms, finder.lines.title[s.doc])
    f["section"] = coverage(q.terms, finder.section_heading(s.id))
    f["interrogative"] = float(facts.interrogative)
    f["lone_line"] = float(facts.lone_line)
    f["article_role"] = 1.0 if prints_role else -1.0
    f["caption"] = finder.lines.caption(q, s) if asks_picture(q.text) else 0.0
    f["plan"] = float(facts.plan if not prints_role
                      else bool(STATES_PLAN.search(s.text) or STATES_PLAN.search(ctx)))
    return f


def test_candidate_features_equal_their_definition_on_eval_questions(qa):
    """Every feature of every candidate of half the eval questions (and questions about an
    article, a picture, in English), bit for bit: signed zeros too."""
    from parkqa.article_lines import several
    from parkqa.evaluation import load_qa

    answerer = qa.current().answerer
    finder = answerer.finder
    questions = [i["question"] for i in load_qa("eval/qa.jsonl")][::2]
    questions += ["这篇文章是谁写的？", "经开区那篇和高新区那篇分别是谁写的", "图②拍的是哪家公司？",
                  "How big is the Changzhi High-tech Zone?", "光电产业园从开工到投产用了多久？"]
    seen = set()
    with using(qa.index.tokenizer):
        for text in questions:
            q = answerer.reader.read(text)
            if q.asks_nothing:
                continue
            qvec = qa.retriever.embed(q.text)
            hits = qa.retriever.passages(q.text, k=8, qvec=qvec, tokens=q.tokens,
                                         places=q.places)
            cands = finder.candidates(q, qvec, hits)
            dense = np.array([c.features["dense"] for c in cands], dtype=np.float32)
            mean, sd, top = float(dense.mean()), float(dense.std()) or 1.0, float(dense.max())
            role = asked_article_field(q)
            meant = finder.lines.meant_articles(q, hits)[:several(q)] if role else []
            for c in cands:
                s, f = c.sentence, c.features
                want = _one_by_one(finder, q, s, f["dense"], mean, sd, top, f["passage"],
                                   f["bm25"], role if s.doc in meant else "")
                assert set(f) == set(FEATURES) | set(EXTRA)
                assert {k: repr(v) for k, v in f.items()} == {
                    k: repr(v) for k, v in want.items()}, (text, s.text)
                seen.update(k for k, v in f.items() if v not in (0.0, -1.0))
    assert seen == set(FEATURES) | set(EXTRA)   # every feature took a telling value somewhere
