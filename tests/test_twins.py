"""Near twins: the inverted index finds each question's most alike train question."""
import random

from parkqa.twins import TWIN, bigrams, train_similarity


def _brute(question: str, train: list[str]) -> float:
    mine = bigrams(question)
    return max((len(mine & bigrams(t)) / len(mine | bigrams(t))
                for t in train if mine | bigrams(t)), default=0.0)


def test_train_similarity_is_the_largest_bigram_jaccard():
    rng = random.Random(0)
    chars = "高新区经开区企业项目多少家投资亿元 ab"
    train = ["".join(rng.choice(chars) for _ in range(rng.randint(1, 14))) for _ in range(60)]
    questions = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 14))) for _ in range(40)]
    got = train_similarity(questions, train)
    assert got == [round(_brute(q, train), 4) for q in questions]


def test_case_and_spaces_do_not_make_a_question_new():
    train = ["How many high-tech enterprises does the zone have?"]
    assert train_similarity(["how many  HIGH-TECH enterprises does the zone have ?"], train)[0] \
        >= TWIN
    assert train_similarity(["经开区面积多大？"], train) == [0.0]
    assert train_similarity(["高新区"], []) == [0.0]
