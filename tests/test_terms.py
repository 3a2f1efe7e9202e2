"""The look-ups that keep answering's cost from growing with the corpus give the same answers as
reading every sentence: term counts (inverted index over characters and their pairs), BM25
matches (bm25s' own postings) and the nearest sentences from an approximate sentences.faiss."""
import random

import numpy as np
import pytest

from parkqa.index_build import vector_index
from parkqa.terms import TermIndex


def test_term_counts_equal_a_scan_of_every_sentence(qa):
    texts = qa.index.terms.texts
    rng = random.Random(3)
    terms = {"", "区", "高新区", "长治高新区", "入区企业", "gw", "x", "不存在的词语", "。"}
    for t in texts:
        a = rng.randrange(len(t))
        terms |= {t[a:a + k] for k in range(1, 8)}
    for term in terms:
        assert qa.index.terms.df(term) == sum(1 for t in texts if term in t), term
    assert len(terms) > 1000


def test_a_term_made_of_pairs_in_different_places_is_not_counted():
    t = TermIndex(["高新 新区", "高新区", "新区高新"])
    assert t.df("高新区") == 1 and t.holding("高新区").tolist() == [1]
    assert t.df("新区") == 3 and t.df("区高") == 1 and t.df("𠀀") == 0   # outside the BMP too


def test_bm25_matches_are_the_full_scores_that_are_not_zero(qa):
    from parkqa.evaluation import load_qa
    from parkqa.tokens import using

    bm = qa.retriever.sentence_bm25
    # what ``matching`` rests on: a document holding a token gets a positive score from it
    assert (bm.model.scores["data"] > 0).all()
    from parkqa.retrieval import BM25

    every = BM25([["园区", "企业"], ["园区"], ["园区", "园区", "项目"]])   # 园区 in every one
    assert np.array_equal(every.matching(["园区"])[0], [0, 1, 2])
    reader = qa.current().answerer.reader
    with using(qa.index.tokenizer):
        asked = [reader.read(i["question"]).tokens for i in load_qa("eval/qa.jsonl")[:300]]
    for tokens in [["高新区", "企业"], ["入区", "企业", "企业"], ["没有这个词"], []] + asked:
        ids, scores = bm.matching(tokens)
        full = bm.scores(tokens)
        assert np.array_equal(ids, np.flatnonzero(full))
        assert np.array_equal(scores, full[ids])          # same sums, bit for bit


@pytest.fixture
def approximate_sentences(qa, monkeypatch):
    """The same index, with its sentences searched by HNSW as a large corpus's would be."""
    idx = qa.index
    hnsw = vector_index(idx.sentence_vectors, exact_limit=10)
    assert hasattr(hnsw, "hnsw")
    monkeypatch.setattr(idx, "sentence_index", hnsw)
    return qa


def test_candidates_from_an_approximate_sentence_index(approximate_sentences, monkeypatch):
    qa = approximate_sentences
    ans = qa.ask("长治高新区现在有多少家入区企业？")
    assert ans.answered and "1.2万家" in ans.text
    # the whole matrix is never multiplied: only the candidates' own vectors
    calls = []
    vectors = qa.index.sentence_vectors

    class Guard(np.ndarray):
        def __matmul__(self, other):
            calls.append(len(self))
            return np.asarray(self) @ other

    monkeypatch.setattr(qa.index, "sentence_vectors", vectors.view(Guard))
    qa.ask("经开区有多少家规上工业企业？")
    assert calls and max(calls) < len(vectors) // 4
