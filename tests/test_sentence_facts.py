"""What answering keeps between questions gives what computing it afresh gives: the facts of
each sentence (parkqa.sentence_facts), the memoized person names, and the quicker term credit."""
import random
from collections import Counter

from parkqa.article_lines import BYLINE, LONE_CHARS
from parkqa.cues import STATES_PLAN, person_names
from parkqa.features import HAS, SPECIFIC
from parkqa.question import YEAR
from parkqa.terms import credit
from parkqa.tokens import pos_cut, using


def test_facts_of_every_sentence_equal_reading_it_again(qa):
    finder = qa.current().answerer.finder
    texts = [s.text for s in qa.index.sentences]
    assert any(YEAR.search(t) for t in texts) and any(HAS["list"].search(t) for t in texts)
    for s in qa.index.sentences:
        f = finder.facts[s.id]
        para = finder.paragraph(s.id)
        assert f.paragraph == para and s.text in para
        assert f.has == {k: bool(p.search(s.text)) for k, p in HAS.items()}
        years = set(YEAR.findall(s.text))
        assert f.years == years and f.near_years == (years or set(YEAR.findall(para)))
        assert f.byline == bool(BYLINE.search(s.text))
        assert f.specific == bool(SPECIFIC.search(s.text))
        own = [ch for ch in s.text if ch.isalnum()]
        assert dict(f.own) == Counter(own) and f.own_len == len(own)
        assert f.interrogative == (s.text.rstrip()[-1:] in "？?")
        assert f.lone_line == (finder._alone[s.id] and len(s.text) <= LONE_CHARS)
        assert f.plan == bool(STATES_PLAN.search(s.text)
                              or STATES_PLAN.search(finder.context[s.id]))
        assert finder.facts[s.id] is f   # read once


def _credit_of_every_piece(term: str, text: str) -> float:
    """The definition: 1 for the whole term, else 0.8 x the share of its longest shared piece."""
    if term in text:
        return 1.0
    for size in range(len(term) - 1, 1, -1):
        if any(term[i:i + size] in text for i in range(len(term) - size + 1)):
            return 0.8 * size / len(term)
    return 0.0


def test_credit_equals_checking_every_piece(qa):
    rng = random.Random(5)
    texts = qa.index.terms.texts
    cases = [("入区企业", "入区的企业"), ("长治高新区", "高新区"), ("a", "b"), ("ab", "ba"), ("", "x")]
    for _ in range(3000):
        t, u = rng.choice(texts), rng.choice(texts)
        a = rng.randrange(len(t))
        cases.append((t[a:a + rng.randrange(1, 9)], u))
    assert sum(0 < _credit_of_every_piece(t, x) < 1 for t, x in cases) > 100
    for term, text in cases:
        assert credit(term, text) == _credit_of_every_piece(term, text), (term, text)


def test_person_names_are_remembered_per_tokenizer(qa):
    with using(qa.index.tokenizer):
        texts = [s.text for s in qa.index.sentences]
        fresh = [tuple(p.word for p in pos_cut(t) if p.flag == "nr" and len(p.word) >= 2)
                 for t in texts]
        first = [person_names(t) for t in texts]
        assert any(first)
        assert [person_names(t) for t in texts] == first
        assert all(set(f) <= set(n) for f, n in zip(first, fresh))   # zone names left out
