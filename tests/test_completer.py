"""The completer: one further quote where the chosen ones leave part of the answer out."""
import numpy as np

from parkqa.completer import COMPLETER_FEATURES, choose_completion_threshold, complete, \
    completion_examples, completion_rows
from parkqa.composer import compose
from parkqa.corpus import squash
from parkqa.scorer import AnswerModel, Linear, default_model_path

# the project's sum is in one sentence, its investor in another (and the best one names only the sum)
QUESTION = "那个年产4万吨的负极材料项目是谁的，总投资多少？"


def _composed(qa, question=QUESTION):
    a = qa.answerer
    q, _, ranked = a.analyze(question)
    chosen = compose(q, ranked, extra_ratio=a.model.extra_ratio, finder=a.finder,
                     part_ratio=a.model.part_ratio, summary=a.model.summary)
    return q, ranked, chosen


def test_rows_describe_each_further_candidate_and_never_a_chosen_one(qa):
    q, ranked, chosen = _composed(qa)
    rows, cands = completion_rows(q, ranked, chosen, qa.answerer.finder)
    assert rows.shape == (len(cands), len(COMPLETER_FEATURES)) and len(cands) >= 3
    assert not {c.sentence.id for c in cands} & {c.sentence.id for c in chosen}
    ratio = COMPLETER_FEATURES.index("ratio")
    assert np.all(rows[:, ratio] <= 1.0 + 1e-9)     # the best candidate is never a further one


def test_examples_mark_the_candidate_that_holds_what_the_answer_lacks(qa):
    q, ranked, chosen = _composed(qa)
    said = squash("".join(c.text for c in chosen))
    musts = [m for m in ("山西晨烯", "20亿元") if m in squash(
        "".join(c.sentence.text for c in ranked[:12]))]
    lacking = [m for m in musts if m not in said]
    _, holds, fills = completion_examples(q, ranked, chosen, musts, qa.answerer.finder)
    assert bool(holds.any()) == bool(lacking)
    assert np.all(fills <= holds)


def test_a_model_that_wants_every_candidate_adds_exactly_one_trimmed_quote(qa):
    q, ranked, chosen = _composed(qa)
    eager = Linear(COMPLETER_FEATURES, intercept=30.0)
    more = complete(q, ranked, chosen, qa.answerer.finder, eager, threshold=0.5)
    assert len(more) == len(chosen) + 1 and more[:-1] == chosen
    assert len(more[-1].text) <= len(more[-1].sentence.text)
    shy = Linear(COMPLETER_FEATURES, intercept=-30.0)
    assert complete(q, ranked, chosen, qa.answerer.finder, shy, threshold=0.5) == chosen
    assert complete(q, ranked, chosen, qa.answerer.finder, None, threshold=0.0) == chosen


def test_a_summary_is_left_to_its_own_selector(qa):
    q, ranked, chosen = _composed(qa, "概括一下长治高新区“十四五”期间的发展成绩。")
    eager = Linear(COMPLETER_FEATURES, intercept=30.0)
    assert complete(q, ranked, chosen, qa.answerer.finder, eager, threshold=0.5) == chosen


def test_the_threshold_weighs_answers_completed_against_sentences_added():
    likely = [np.array([0.9, 0.1]), np.array([0.8]), np.array([0.3, 0.2]), np.array([0.25])]
    fills = [np.array([1, 0]), np.array([1]), np.array([0, 0]), np.array([0])]
    threshold, gained, added = choose_completion_threshold(likely, fills, cost=0.2)
    assert (threshold, gained, added) == (0.8, 2, 2)
    # a sentence that costs nothing: every question's likeliest one is worth adding
    assert choose_completion_threshold([np.array([0.3])], [np.array([1])], cost=0.0)[0] == 0.3
    # nothing worth adding: a threshold nothing reaches
    assert choose_completion_threshold(likely[2:], fills[2:])[0] > 1.0


def test_the_shipped_model_round_trips_its_completer(tmp_path):
    model = AnswerModel.load(default_model_path())
    model.completer = Linear(COMPLETER_FEATURES, coef=np.arange(len(COMPLETER_FEATURES)) / 10)
    model.completer_threshold = 0.37
    model.save(tmp_path / "m.json")
    again = AnswerModel.load(tmp_path / "m.json")
    assert again.completer.weights() == model.completer.weights()
    assert again.completer_threshold == 0.37
    old = model.to_dict()
    del old["completer"]                    # a model saved before the completer existed
    assert AnswerModel.from_dict(old).completer is None


def test_a_completer_of_trees_round_trips(tmp_path):
    from parkqa.boosted import Boosted

    rng = np.random.default_rng(0)
    X = rng.random((80, len(COMPLETER_FEATURES)))
    model = AnswerModel.load(default_model_path())
    model.completer = Boosted(COMPLETER_FEATURES).fit(X, (X[:, 0] > 0.5).astype(int),
                                                      n_estimators=5, min_child_samples=5)
    model.save(tmp_path / "m.json")
    again = AnswerModel.load(tmp_path / "m.json").completer
    assert isinstance(again, Boosted)
    assert np.allclose(again.predict_proba(X), model.completer.predict_proba(X))
