"""What answering keeps between questions gives what computing it afresh gives: the facts of
each sentence (parkqa.sentence_facts), the memoized person names, and the quicker term credit."""
import random

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
        assert s.text in para
        assert f.has == {k for k, p in HAS.items() if p.search(s.text)}
        years = set(YEAR.findall(s.text))
        assert f.years == years and f.near_years == (years or set(YEAR.findall(para)))
        assert f.byline == bool(BYLINE.search(s.text))
        assert f.specific == bool(SPECIFIC.search(s.text))
        assert f.own == "".join(ch for ch in s.text if ch.isalnum())
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
    # another tokenizer (another index's words) tags for itself: nothing is shared across
    from parkqa.words import Words

    text = "通讯员李晓杰报道高新区"
    with using(qa.index.tokenizer):
        assert person_names(text) == ("李晓杰",)
    with using(Words(words=["李晓杰报"])):   # a word taught whole over the name: no name
        assert person_names(text) == ()


def _meant_by_reading_every_title(lines, q, hits):
    """ArticleLines.meant_articles as a sort of all titles and a scan for each place."""
    from parkqa.article_lines import TITLE_NAMED
    from parkqa.terms import coverage

    by_title = sorted(lines._about, key=lambda d: -coverage(q.terms, lines.title[d]))
    named = [d for d in by_title[:1] if coverage(q.terms, lines.title[d]) >= TITLE_NAMED]
    found = [lines.index.sentences[lines._by_passage[h.id][0]].doc
             for h in hits[:2] if lines._by_passage[h.id]]
    placed = [d for p in q.places for d in [next(
        (d for d in lines._about if lines.index.articles[d].park == p), "")] if d]
    order = placed + found if len(placed) >= 2 else found + placed
    return list(dict.fromkeys(named + order + by_title[:2]))


def test_meant_articles_equal_reading_every_title(qa):
    from parkqa.evaluation import load_qa

    answerer = qa.current().answerer
    lines = answerer.finder.lines
    questions = [i["question"] for i in load_qa("eval/qa.jsonl")]
    asked = [q for q in questions if "article" in answerer.reader.read(q).kinds][:60]
    asked += ["这篇文章是谁写的？", "标题里有“高新区”的那篇是谁写的", "经开区那篇和高新区那篇分别是谁写的",
              "哪篇文章的标题是“勇立潮头显担当”？", "the article about Changzhi: who wrote it?"]
    assert len(asked) > 20
    with using(qa.index.tokenizer):
        for text in asked:
            q = answerer.reader.read(text)
            hits = qa.retriever.passages(q.text, k=8)
            for terms in (q.terms, {}, {"区": 1.0}, {"新": 2.0, "高新区": 1.0}):
                q.terms = terms
                assert lines.meant_articles(q, hits) == _meant_by_reading_every_title(
                    lines, q, hits), (text, terms)


def test_coverage_equals_the_best_of_text_and_half_the_context(qa):
    from parkqa.terms import coverage

    rng = random.Random(8)
    texts = qa.index.terms.texts
    for _ in range(500):
        t = rng.choice(texts)
        terms = {t[a:a + rng.randrange(1, 6)]: rng.random() + 0.1
                 for a in (rng.randrange(len(t)) for _ in range(rng.randrange(1, 6)))}
        text, context = rng.choice(texts), rng.choice(texts) + rng.choice(texts)
        want = sum(w * max(_credit_of_every_piece(x, text), 0.5 * _credit_of_every_piece(
            x, context)) for x, w in terms.items()) / sum(terms.values())
        assert coverage(terms, text, context) == want
        assert coverage(terms, text) == sum(w * _credit_of_every_piece(x, text) for x, w in
                                            terms.items()) / sum(terms.values())


def test_remembered_cuts_equal_jiebas_own(qa):
    """The index tokenizer remembers the cut and the tags of each run of Han text: the words
    and tags of whole texts, cut twice, equal those of a jieba tokenizer that remembers nothing
    (same dictionary), on every sentence and eval question."""
    import jieba
    import jieba.posseg as posseg

    from parkqa.evaluation import load_qa

    words = qa.index.tokenizer
    plain = jieba.Tokenizer()
    plain.FREQ, plain.total, plain.initialized = dict(words.jieba.FREQ), words.jieba.total, True
    plain_pos = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    plain_pos.tokenizer, plain_pos.word_tag_tab = plain, words.pos.word_tag_tab
    texts = [s.text for s in qa.index.sentences]
    texts += [i["question"] for i in load_qa("eval/qa.jsonl")][:400]
    texts += ["长治高新区现在有多少家入区企业？长治高新区现在有 入区企业", "Changzhi 高薪区 2025年"]
    for _ in range(2):   # cut afresh, then from what was remembered
        for t in texts:
            assert words.jieba.lcut_for_search(t) == plain.lcut_for_search(t), t
            assert words.jieba.lcut(t) == plain.lcut(t), t
            assert [(p.word, p.flag) for p in words.pos.lcut(t)] == \
                [(p.word, p.flag) for p in plain_pos.lcut(t)], t
    assert words.jieba._runs and words.pos._runs


def test_saved_facts_equal_reading_each_sentence(qa):
    """The facts saved with the index (sentence_facts.json) are what reading a sentence gives,
    person names included, and a loaded index answers from them."""
    from parkqa.cues import person_names, tag_person_names
    from parkqa.sentence_facts import SentenceFacts

    facts = qa.current().answerer.finder.facts
    assert facts._saved is not None, "the index was saved without its sentence facts"
    with using(qa.index.tokenizer):
        for s in qa.index.sentences:
            assert facts._from_saved(s.id) == facts._read(s.id), s.text
            assert person_names(s.text) == tag_person_names(s.text)
    assert any(facts._saved["names"].values()) and facts._saved["years"]
    # the saved facts are read again with each answerer, not shared between them
    assert SentenceFacts(qa.current().answerer.finder)[3] == facts[3]


def test_an_index_saved_without_facts_still_loads_and_reads_them(qa, settings, tmp_path):
    """An index built before the facts were saved (or read by other rules) loads as it is;
    each sentence's facts are then read the first time, the same facts."""
    import dataclasses
    import shutil

    from parkqa.config import Settings
    from parkqa.features import CandidateFinder
    from parkqa.generations import current_folder
    from parkqa.index import load_index
    from parkqa.sentence_facts import FILE, _usable

    old = tmp_path / "index"
    shutil.copytree(current_folder(settings.index), old)
    (old / FILE).unlink()
    index = load_index(Settings(seeds=settings.seeds, index=old))
    assert index.sentence_facts is None
    finder = CandidateFinder(index, qa.retriever)
    assert finder.facts._saved is None
    saved = qa.current().answerer.finder.facts
    with using(index.tokenizer):
        assert all(finder.facts[s.id] == saved[s.id] for s in index.sentences)
    # facts saved by other patterns or code are not used, nor a file for other sentences
    other = dict(qa.index.sentence_facts, fingerprint="read by older rules")
    assert _usable(other, len(index.sentences)) is None
    assert _usable(qa.index.sentence_facts, len(index.sentences) + 1) is None
    stale = CandidateFinder(dataclasses.replace(index, sentence_facts=other), qa.retriever)
    assert stale.facts._saved is None and stale.facts[5] == saved[5]
