"""The fitted scorer and refusal: fit, predict, save and load as data; the threshold rule."""
import numpy as np

from parkqa.features import FEATURES
from parkqa.scorer import REFUSAL_FEATURES, AnswerModel, Linear, choose_threshold, \
    default_model_path


def test_linear_learns_and_round_trips():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] - 2 * X[:, 2] > 0).astype(int)
    model = Linear(["a", "b", "c"]).fit(X, y)
    p = model.predict_proba(X)
    assert ((p > 0.5) == y).mean() > 0.95
    weights = model.weights()
    assert weights["a"] > 0 > weights["c"] and abs(weights["b"]) < abs(weights["c"])
    again = Linear.from_dict(model.to_dict())
    assert np.allclose(again.predict_proba(X), p)


def test_threshold_refuses_at_most_the_allowed_share_of_answerable():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.4, 0.3, 0.2, 0.1, 0.05] * 5)
    answerable = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0] * 5)
    t = choose_threshold(p, answerable, max_wrong_refusals=0.05)
    assert (p[answerable == 1] < t).mean() <= 0.05
    assert (p[answerable == 0] < t).mean() == 1.0


def test_the_shipped_model_is_fitted_on_these_features():
    model = AnswerModel.load(default_model_path())
    assert model.meta.get("fitted") and model.meta["train_items"] >= 400
    assert model.sentence.names == list(FEATURES) and model.refusal.names == list(REFUSAL_FEATURES)
    # what it learned makes sense: coverage for a sentence, a clash with the asked year against
    w = model.sentence.weights()
    assert w["coverage_ctx"] > 0 and w["year_clash"] < 0
    assert model.refusal.weights()["p1"] > 0


def test_a_model_fitted_on_other_features_falls_back_to_priors(caplog):
    data = AnswerModel.load(default_model_path()).to_dict()
    data["sentence"]["names"] = ["something_else"]
    model = AnswerModel.from_dict(data)
    assert model.meta == {"fitted": False} and "parkqa fit" in caplog.text


def _refusal_facts(qa, question: str, *, near: bool = False):
    from parkqa.answering import near_miss, refusal_features
    from parkqa.composer import compose

    answerer = qa.answerer
    q, _, ranked = answerer.analyze(question)
    model = answerer.model
    chosen = compose(q, ranked, extra_ratio=model.extra_ratio, finder=answerer.finder,
                     part_ratio=model.part_ratio, summary=model.summary)
    facts = refusal_features(q, chosen, ranked)
    return near_miss(q, ranked[:1], facts) if near else facts


def test_refusal_sees_members_or_a_rate_the_quotes_do_not_give(qa):
    # the count of a group is no list of its members; a total is no value per unit
    assert _refusal_facts(qa, "经开区专业镇专板首批挂牌的那6家企业分别叫什么名字？")["members_unlisted"] == 1
    assert _refusal_facts(qa, "长治要打造的8个百亿级产业集群都有哪些？")["members_unlisted"] == 0
    assert _refusal_facts(qa, "高新区标准地出让价格每亩多少钱？")["per_unit_unmet"] == 1
    assert _refusal_facts(qa, "山西正来制药新生产线每天能产多少支口服液？")["per_unit_unmet"] == 0


def test_a_refusal_says_what_the_articles_give_instead(qa):
    assert "名单" in _refusal_facts(qa, "经开区那17家研究院所分别叫什么名字？", near=True)
    assert "每一单位" in _refusal_facts(qa, "高新区标准地出让价格每亩多少钱？", near=True)
    assert _refusal_facts(qa, "长治要打造的8个百亿级产业集群都有哪些？", near=True) == ""


def test_boosted_trees_learn_what_a_line_cannot_and_round_trip_in_the_model_file(tmp_path):
    from parkqa.boosted import Boosted
    from parkqa.summary import SUMMARY_FEATURES

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(600, len(SUMMARY_FEATURES)))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)     # one feature counts only beside another
    boosted = Boosted(SUMMARY_FEATURES).fit(X, y, min_child_samples=10)
    linear = Linear(SUMMARY_FEATURES).fit(X, y)
    assert ((boosted.predict_proba(X) > 0.5) == y).mean() > 0.9
    assert ((linear.predict_proba(X) > 0.5) == y).mean() < 0.7
    again = _saved_and_loaded(tmp_path, summary=boosted).summary
    assert isinstance(again, Boosted)
    assert np.allclose(again.predict_proba(X), boosted.predict_proba(X))
    assert max(again.weights(), key=again.weights().get) in SUMMARY_FEATURES[:2]


def test_trees_correct_a_line_where_features_combine_and_round_trip(tmp_path):
    from parkqa.boosted import Corrected
    from parkqa.features import FEATURES

    rng = np.random.default_rng(0)
    X = np.zeros((2000, len(FEATURES)))
    X[:, :10] = rng.uniform(-1, 1, size=(2000, 10))
    # a gold sentence is likelier with the first feature, and only where two others agree; the
    # rest weigh a little each (as the scorer's many features do: each tree sees most of them)
    z = 1.5 * X[:, 0] + 3.0 * ((X[:, 1] > 0) == (X[:, 2] > 0)) + 0.3 * X[:, 3:10].sum(axis=1) \
        - 2.5
    y = (rng.uniform(size=len(z)) < 1 / (1 + np.exp(-z))).astype(int)
    corrected = Corrected(FEATURES).fit(X[:1500], y[:1500], min_child_samples=10)
    line = corrected.linear.predict_proba(X[1500:])
    both = corrected.predict_proba(X[1500:])
    truth = y[1500:]
    def log_loss(p):
        return -np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p))
    assert log_loss(both) < log_loss(line) - 0.02      # the trees learned what the line cannot
    again = _saved_and_loaded(tmp_path, sentence=corrected).sentence
    assert isinstance(again, Corrected)
    assert np.allclose(again.predict_proba(X), corrected.predict_proba(X))
    # trees grown on three samples are averaged, saved and loaded as one refusal
    bagged = Corrected(FEATURES).fit(X[:1500], y[:1500], min_child_samples=10, seeds=3)
    assert len(bagged.trees) == 3 and log_loss(bagged.predict_proba(X[1500:])) < log_loss(line)
    single = bagged.predict_proba(X[:5])
    bagged.trees = bagged.trees[:1]
    assert not np.allclose(bagged.predict_proba(X[:5]), single)   # the others count
    bagged = Corrected(FEATURES).fit(X[:1500], y[:1500], min_child_samples=10, seeds=3)
    again = _saved_and_loaded(tmp_path, sentence=bagged).sentence
    assert len(again.trees) == 3 and np.allclose(again.predict_proba(X), bagged.predict_proba(X))


def _saved_and_loaded(tmp_path, **parts) -> AnswerModel:
    """The shipped model with ``parts`` swapped in, after a trip through its file."""
    model = AnswerModel.load(default_model_path())
    for name, part in parts.items():
        setattr(model, name, part)
    model.save(tmp_path / "m.json")
    return AnswerModel.load(tmp_path / "m.json")
