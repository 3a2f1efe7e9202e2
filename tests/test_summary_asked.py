"""The learned reading of 'asks for an overview' (parkqa.summary_asked): real scikit-learn."""
import json

import numpy as np

from parkqa.summary_asked import SummaryAsked, _vectorizer, fit_summary_asked

OVERVIEWS = ["经开区有啥目标？", "这篇主要讲了啥？", "高新区发展成啥样了？", "高新区有啥亮点？",
             "归纳一下高新区的做法", "经开区“十五五”有啥目标？", "这篇报道主要讲了啥？",
             "生物医药产业发展成啥样了？"]
FACTS = ["经开区有多少家企业？", "高新区哪年成立？", "特瓦时投资多少？", "谁写的这篇文章？",
         "高新区面积多大？", "中科潞安在哪个园区？", "经开区2025年实施了多少个项目？",
         "绿电园区总投资多少？"]


def test_it_learns_overview_wording_the_cues_do_not_have():
    asked = SummaryAsked.fit(OVERVIEWS + FACTS, [True] * len(OVERVIEWS) + [False] * len(FACTS),
                             C=10.0)
    p = asked.predict_proba(["经开区的产业有啥亮点？", "经开区有多少家高新技术企业？"])
    assert p[0] > 0.5 > p[1]


def test_it_round_trips_as_json():
    asked = SummaryAsked.fit(OVERVIEWS + FACTS, [True] * len(OVERVIEWS) + [False] * len(FACTS))
    again = SummaryAsked.from_dict(json.loads(json.dumps(asked.to_dict())))
    texts = ["这篇主要讲了啥？", "高新区哪年成立？"]
    assert list(again.predict_proba(texts).round(6)) == list(asked.predict_proba(texts).round(6))
    assert again.says(texts) == asked.says(texts)
    assert SummaryAsked.from_dict(None) is None


def test_its_fast_reading_scores_as_the_vectorizer_does():
    asked = SummaryAsked.fit(OVERVIEWS + FACTS, [True] * len(OVERVIEWS) + [False] * len(FACTS))
    # spaces squeezed, capitals, Latin and full-width text, an empty string
    texts = OVERVIEWS + FACTS + ["What  is the   GDP of the ETDZ?", "ＧＤＰ是多少", "",
                                 " \t这篇\n\n讲啥 "]
    z = _vectorizer().transform(texts) @ asked._dense + asked.intercept
    assert np.allclose(asked.predict_proba(texts), 1.0 / (1.0 + np.exp(-z)))


def test_fit_keeps_the_cues_alone_when_the_model_adds_nothing():
    train = [(t, True, False) for t in OVERVIEWS] + [(t, False, False) for t in FACTS]
    # on this dev the cues already find every overview: no model can do better
    dev = [("概括一下高新区", True, True), ("高新区哪年成立？", False, False)]
    model, report = fit_summary_asked(train, dev)
    assert model is None and report == {}
    # here they miss one the model hears
    dev = [("经开区的产业有啥亮点？", True, False), ("经开区有多少家企业？", False, False)]
    model, report = fit_summary_asked(train, dev)
    assert model is not None and report["found"] == 1 and report["wrongly"] == 0


def test_the_question_reader_reads_a_heard_overview_as_a_summary(qa):
    asked = SummaryAsked.fit(OVERVIEWS + FACTS, [True] * len(OVERVIEWS) + [False] * len(FACTS),
                             C=10.0)
    reader = qa.answerer.reader
    saved, reader.summary_asked = reader.summary_asked, asked
    try:
        assert "summary" in reader.read("经开区的产业有啥亮点？").kinds
        assert "summary" not in reader.read("经开区有多少家高新技术企业？").kinds
    finally:
        reader.summary_asked = saved
