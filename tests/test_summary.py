"""Summaries: the fitted selector quotes the article's facts, briefly and in reading order."""
import re

from parkqa.scorer import AnswerModel, default_model_path
from parkqa.summary import SUMMARY_CHARS, SUMMARY_FEATURES, SUMMARY_SENTENCES, choose_summary, \
    prior_summary, summary_pool, summary_rows

QUESTION = "概括一下长治高新区“十四五”期间的发展成绩。"


def test_a_summary_quotes_figures_from_one_article_in_reading_order(qa):
    ans = qa.ask(QUESTION)
    assert ans.answered and 2 <= len(ans.citations) <= SUMMARY_SENTENCES
    assert len({c.doc for c in ans.citations}) == 1
    # reading order is the repaired text's: a column's text may sit earlier in the raw file
    # than the text it follows in print
    article = qa.index.articles[ans.citations[0].doc]
    order = [article.offsets.index(c.start) for c in ans.citations]
    assert order == sorted(order)
    quoted = "".join(c.quote for c in ans.citations)
    assert len(quoted) <= SUMMARY_CHARS + 10 * len(ans.citations)
    # a summary carries figures, not only the article's topic sentences
    assert len(re.findall(r"\d", quoted)) >= 4


def test_the_selector_prefers_sentences_with_facts_to_slogans(qa):
    q, _, ranked = qa.answerer.analyze(QUESTION)
    finder = qa.answerer.finder
    pool = summary_pool(ranked[0], ranked, finder)
    rows = summary_rows(q, ranked[0], pool, finder)
    assert rows.shape == (len(pool), len(SUMMARY_FEATURES))
    chosen = choose_summary(q, ranked, finder, qa.answerer.model.summary)
    def with_figures(cands) -> float:
        return sum(bool(re.search(r"\d", c.sentence.text)) for c in cands) / len(cands)

    assert with_figures(chosen) > with_figures(pool)    # more than in the article at large


def test_the_shipped_model_carries_a_fitted_selector_and_old_ones_get_the_prior(tmp_path):
    model = AnswerModel.load(default_model_path())
    assert model.summary.names == list(SUMMARY_FEATURES) and model.summary.weights()["score"] > 0
    old = model.to_dict()
    del old["summary"]                      # a model saved before the selector existed
    again = AnswerModel.from_dict(old)
    assert again.summary.weights() == prior_summary().weights()
