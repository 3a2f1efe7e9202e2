"""Follow-ups through every surface: the Python API, ``POST /api/ask``, the ``gradio_client``
endpoint and ``/v1/chat/completions`` (plain and streamed) give the same answers, against the
real server and model."""
import json

import httpx
import pytest

ASK = "/api/ask"
DIALOGUES = [
    ["长治高新区有多少家入区企业？", "经开区呢？"],
    ["高新区有多少家高新技术企业？", "那经开区呢？"],
    ["特瓦时一期项目总投资多少？", "它是哪年投产的？"],
]


def play_python(qa, questions):
    history, out = [], []
    for q in questions:
        d = qa.ask(q, history=list(history)).to_dict()
        out.append(d)
        history.append({"question": q, "answer": d["text"]})
    return out


def play_api(url, questions):
    history, out = [], []
    for q in questions:
        r = httpx.post(url + ASK, json={"question": q, "history": history}, timeout=60)
        assert r.status_code == 200, r.text
        out.append(r.json())
        history.append({"question": q, "answer": out[-1]["text"]})
    return out


def play_chat_completions(url, questions, *, stream):
    """The raw wire format, read by hand: chat.completion, or chunks ending in [DONE]."""
    messages, out = [{"role": "system", "content": "请用中文回答。"}], []
    for q in questions:
        messages.append({"role": "user", "content": q})
        body = {"model": "anything", "messages": messages, "stream": stream}
        if not stream:
            d = httpx.post(url + "/v1/chat/completions", json=body, timeout=60).json()
            assert d["object"] == "chat.completion" and d["model"] == "anything"
            text = d["choices"][0]["message"]["content"]
        else:
            with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=60) as r:
                assert r.headers["content-type"].startswith("text/event-stream")
                events = [line[len("data: "):] for line in r.iter_lines() if line.startswith("data: ")]
            assert events[-1] == "[DONE]"
            chunks = [json.loads(e) for e in events[:-1]]
            assert all(c["object"] == "chat.completion.chunk" for c in chunks)
            assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
            assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
            text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
            d = chunks[-1]
        out.append({"text": text, "answered": d["answered"], "citations": d["citations"],
                    "resolved_question": d["resolved_question"]})
        messages.append({"role": "assistant", "content": text})
    return out


def same(a: dict, b: dict) -> bool:
    keys = ("text", "answered", "resolved_question")
    return all(a[k] == b[k] for k in keys) and \
        [(c["doc"], c["start"], c["end"]) for c in a["citations"]] == \
        [(c["doc"], c["start"], c["end"]) for c in b["citations"]]


@pytest.mark.parametrize("questions", DIALOGUES, ids=["zone", "zone-2", "pronoun"])
def test_dialogues_give_the_same_answers_everywhere(qa, server, questions):
    reference = play_python(qa, questions)
    assert reference[1]["resolved_question"] != questions[1]     # it really was a follow-up
    for name, played in [("api", play_api(server.url, questions)),
                         ("chat", play_chat_completions(server.url, questions, stream=False)),
                         ("stream", play_chat_completions(server.url, questions, stream=True))]:
        for turn, (want, got) in enumerate(zip(reference, played)):
            assert same(want, got), (name, turn, want, got)


def test_api_follow_up_names_the_other_zone(server):
    first, second = play_api(server.url, DIALOGUES[0])
    assert first["answered"] and first["citations"]
    assert first["resolved_question"] == DIALOGUES[0][0]
    assert "经开区" in second["resolved_question"] and "高新区" not in second["resolved_question"]
    assert "入区企业" in second["resolved_question"]
    # the same question without its history stays a fragment
    alone = httpx.post(server.url + ASK, json={"question": "经开区呢？"}, timeout=60).json()
    assert alone["resolved_question"] == "经开区呢？"


TURN = {"question": "高新区有多少家入区企业？", "answer": "1.2万家[1]"}


@pytest.mark.parametrize("history", [
    "高新区有多少家入区企业？",                                  # not a list
    [{"question": "高新区"}, "经开区"],                            # a turn that is not an object
    [{"q": "高新区", "a": "1.2万家"}],                             # wrong names
    [{"question": "高新区", "answer": "…", "extra": 1}],           # unknown field
    [{"question": 5, "answer": "…"}],                            # not text
    [{"question": None, "answer": "…"}],
    [TURN] * 21,                                                  # too many turns
    [{"question": "高" * 4001, "answer": ""}],                     # one turn too long
    [{"question": "高" * 1700, "answer": "新" * 1700}] * 5,         # too long in all
])
def test_bad_history_is_422_with_a_clear_message(server, history):
    r = httpx.post(server.url + ASK, json={"question": "经开区呢？", "history": history}, timeout=30)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid_request" and "history" in body["message"]
    assert body["message"].startswith("对话历史格式不正确") and "Invalid history" in body["message"]
    assert any(d["field"].startswith("history") for d in body["details"])


def test_twenty_turns_are_accepted_and_nothing_is_kept(server):
    r = httpx.post(server.url + ASK, json={"question": "经开区呢？", "history": [TURN] * 20},
                   timeout=60)
    assert r.status_code == 200 and "经开区" in r.json()["resolved_question"]
    # the server keeps no conversation: the next call without history is on its own again
    r = httpx.post(server.url + ASK, json={"question": "经开区呢？"}, timeout=60)
    assert r.json()["resolved_question"] == "经开区呢？"


def test_gradio_client_endpoint_takes_history(server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(server.url + "/", verbose=False)
    first = client.predict(DIALOGUES[0][0], 5, None, api_name="/ask")
    second = client.predict(DIALOGUES[0][1], 5,
                            [{"question": DIALOGUES[0][0], "answer": first["text"]}],
                            api_name="/ask")
    assert "经开区" in second["resolved_question"] and "入区企业" in second["resolved_question"]
    with pytest.raises(AppError, match="对话历史格式不正确"):
        client.predict("经开区呢？", 5, [{"q": 1}], api_name="/ask")
