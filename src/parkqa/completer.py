"""One further quote when the chosen ones leave part of the answer out, chosen by a fitted model.

The composer's rules pick the quotes a question plainly needs (the best sentence, one per place
compared, one per part); what they miss is often the second or third candidate: the sentence
that names the investor of a project whose sum the best one gives, the other park's figure, the
list's second half. A logistic regression or boosted trees over general features of each
further candidate (its score and its score against the best one's, where it sits against the
chosen quotes, the question terms and the asked kind of value it adds, the other place or year
it brings, how many parts the question has) says how likely it holds something the answer
lacks. ``parkqa fit`` learns the weights on the train split (candidates scored out of fold) and
chooses on dev the model and the threshold above which the likeliest one is added.

Example::

    >>> q, _, ranked = answerer.analyze("高新区为科技创新出台了哪些专项政策？")   # doctest: +SKIP
    >>> chosen = compose(q, ranked, extra_ratio=0.4, finder=answerer.finder)   # doctest: +SKIP
    >>> [c.text[:22] for c in complete(q, ranked, chosen, answerer.finder, model.completer,
    ...                                model.completer_threshold)]          # doctest: +SKIP
    ['2025年，长治高新区坚持把科技创新作为立区之本、', '紧扣企业创新需求与科技创新规律，制定出台《科技']
"""
from __future__ import annotations

import math

import numpy as np

from .composer import _limit, trim
from .corpus import squash
from .features import SPECIFIC, Candidate
from .question import YEAR
from .terms import credit

POOL = 12   # further candidates looked at: the best ones, by the sentence scorer
COMPLETER_FEATURES = ("score", "ratio", "rank", "same_doc", "same_paragraph", "distance",
                      "adjacent", "new_terms", "new_weight", "coverage", "slot", "dense",
                      "place_match", "year_match", "place_clash", "year_clash", "missing_rare",
                      "focus", "new_place", "new_doc", "parts", "aspects", "places", "list",
                      "across", "compare", "reason", "entity", "number", "english", "chosen",
                      "room", "chosen_chars", "length", "chosen_slot", "new_year", "specific")
# what a further sentence costs against an answer made complete: a reader skims five further
# sentences for one answer that no longer leaves a part out (the dev threshold weighs both)
COMPLETION_COST = 0.2
NEVER = 1.01   # a threshold no probability reaches (the model file stays plain JSON)


def completes(q) -> bool:
    """Whether ``q`` is one whose answer may take a further quote: not a summary of one
    article (its own selector fills it) and not a question of nothing."""
    return bool(q.terms) and not q.sums_up_one_article


def completion_rows(q, ranked: list[Candidate], chosen: list[Candidate],
                    finder) -> tuple[np.ndarray, list[Candidate]]:
    """``COMPLETER_FEATURES`` of each further candidate among the best ``POOL``, and those
    candidates."""
    best = ranked[0]
    ids = {c.sentence.id for c in chosen}
    said = "".join(c.sentence.text for c in chosen).lower()
    have = {t for t in q.terms if credit(t, said) >= 1}
    parks = {c.sentence.park for c in chosen}
    docs = {c.sentence.doc for c in chosen}
    years = set(YEAR.findall(said))
    weight = max(1e-6, sum(q.terms.values()))
    para = finder.paragraph_id
    asked = [float(k in q.kinds) for k in ("list", "across", "compare", "reason", "entity",
                                           "number")]
    chars = math.log1p(sum(len(c.text) for c in chosen))
    slot = max(c.features["slot"] for c in chosen)
    rows, cands = [], []
    for rank, c in enumerate(ranked[:POOL]):
        s = c.sentence
        # a heading or a question the article asks itself ("如何破解…瓶颈？") states nothing
        if s.id in ids or s.heading or finder.facts[s.id].interrogative:
            continue
        text = s.text.lower()
        new = [t for t in q.terms if t not in have and credit(t, text) >= 1]
        distance = min(abs(s.id - x.sentence.id) if s.doc == x.sentence.doc else 99
                       for x in chosen)
        f = c.features
        rows.append([c.score, c.score / max(best.score, 1e-6), math.log1p(rank),
                     float(s.doc == best.sentence.doc),
                     float(any(para[s.id] == para[x.sentence.id] for x in chosen)),
                     math.log1p(distance), float(distance == 1), len(new),
                     sum(q.terms[t] for t in new) / weight, f["coverage"], f["slot"], f["dense"],
                     f["place_match"], f["year_match"], f["place_clash"], f["year_clash"],
                     f["missing_rare"], f["focus"], float(s.park not in parks),
                     float(s.doc not in docs), len(q.parts), len(q.aspects), len(q.places),
                     *asked, float(q.english), len(chosen), _limit(q) - len(chosen), chars,
                     math.log1p(len(s.text)), slot, float(bool(set(YEAR.findall(text)) - years)),
                     float(bool(SPECIFIC.search(text)))])
        cands.append(c)
    return np.array(rows, dtype=np.float64).reshape(-1, len(COMPLETER_FEATURES)), cands


def complete(q, ranked: list[Candidate], chosen: list[Candidate], finder, model,
             threshold: float) -> list[Candidate]:
    """``chosen`` and, when ``model`` (a ``Linear`` or ``Boosted`` over
    ``COMPLETER_FEATURES``) puts the likeliest further candidate at ``threshold`` or above,
    that one, trimmed."""
    if model is None or not chosen or not ranked or not completes(q):
        return chosen
    rows, cands = completion_rows(q, ranked, chosen, finder)
    if not cands:
        return chosen
    p = model.predict_proba(rows)
    top = int(np.argmax(p))
    return chosen + [trim(cands[top], q)] if p[top] >= threshold else chosen


def choose_completion_threshold(likely: list[np.ndarray], fills: list[np.ndarray],
                                *, cost: float = COMPLETION_COST) -> tuple[float, int, int]:
    """The threshold that makes the most answers complete less ``cost`` per sentence added,
    over questions whose further candidates have probabilities ``likely`` and would (1) or
    would not (0) make the answer complete (``fills``); with the answers made complete and
    the sentences added at that threshold."""
    tops = [(float(p.max()), int(f[int(np.argmax(p))])) for p, f in zip(likely, fills) if len(p)]
    tops.sort(reverse=True)
    best = (NEVER, 0, 0)
    gain = added = 0
    best_value = 0.0
    for p, filled in tops:   # lowering the threshold past each question's best candidate
        gain += filled
        added += 1
        if gain - cost * added > best_value:
            best_value, best = gain - cost * added, (p, gain, added)
    return best


def completion_examples(q, ranked, chosen, musts: list[str], finder):
    """A question's rows, whether each candidate holds one of the strings ``musts`` (squashed)
    the chosen quotes lack, and whether it holds all of them (it would make the answer
    complete)."""
    said = squash("".join(c.text for c in chosen))
    lacking = [m for m in musts if m not in said]
    rows, cands = completion_rows(q, ranked, chosen, finder)
    texts = [squash(c.sentence.text) for c in cands]
    holds = np.array([int(any(m in t for m in lacking)) for t in texts], dtype=int)
    fills = np.array([int(bool(lacking) and all(m in t for m in lacking)) for t in texts],
                     dtype=int)
    return rows, holds, fills


def fit_completer(train: list[tuple], dev: list[tuple]):
    """The completer (a ``Linear`` or, where they gain more, trees: ``parkqa.boosted``; its
    regularization and threshold chosen on ``dev``) from
    ``completion_examples`` of train and dev questions; with what it gains on dev."""
    from .scorer import Linear

    X = np.vstack([r for r, _, _ in train])
    y = np.concatenate([h for _, h, _ in train])
    if not y.any() or y.all():
        return None, NEVER, {}
    best, best_value = (None, NEVER, {}), -1.0
    from .boosted import Boosted

    makers = {C: lambda C=C: Linear(COMPLETER_FEATURES).fit(X, y, C=C, balanced=False)
              for C in (0.03, 0.1, 0.3, 1.0)}
    makers["trees"] = lambda: Boosted(COMPLETER_FEATURES).fit(X, y)
    for C, make in makers.items():
        model = make()
        threshold, gain, added = choose_completion_threshold(
            [model.predict_proba(r) for r, _, _ in dev], [f for _, _, f in dev])
        if gain - COMPLETION_COST * added > best_value:
            best_value = gain - COMPLETION_COST * added
            best = (model, threshold, {"completed": gain, "added": added, "C": C})
    return best
