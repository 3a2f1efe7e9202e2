"""``/v1/chat/completions`` and ``/v1/models`` through the official ``openai`` client, against
the real server: answers with citations, streaming, follow-ups, keys and CORS."""
import httpx
import openai
import pytest

QUESTION = "长治高新区现在有多少家入区企业？"


def client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=60)


def test_completion_has_the_answer_and_its_citations(server):
    r = client(server.url).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}])
    assert r.object == "chat.completion" and r.model == "gpt-4o-mini"
    choice = r.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    assert "1.2万家" in choice.message.content and "[1]" in choice.message.content
    extra = r.model_extra
    assert extra["answered"] is True
    cites = extra["citations"]
    assert cites[0]["n"] == 1 and cites[0]["doc"].startswith("000_")
    api = httpx.post(server.url + "/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert cites == api["citations"] and choice.message.content == api["text"]


def test_streamed_completion(server):
    stream = client(server.url).chat.completions.create(
        model="parkqa", stream=True, messages=[{"role": "user", "content": QUESTION}])
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "1.2万家" in text and "[1]" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"][0]["doc"].startswith("000_")
    assert chunks[-1].model_extra["answered"] is True


def test_follow_up_from_earlier_messages(server):
    c = client(server.url)
    first = c.chat.completions.create(model="parkqa", messages=[
        {"role": "user", "content": "高新区有多少家高新技术企业？"}])
    second = c.chat.completions.create(model="parkqa", messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "高新区有多少家高新技术企业？"},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": "那经开区呢？"}]}])
    assert "经开区" in second.model_extra["resolved_question"]
    assert "50家" in second.choices[0].message.content


def test_refusal_is_a_normal_completion_with_answered_false(server):
    r = client(server.url).chat.completions.create(
        model="parkqa", messages=[{"role": "user", "content": "巴黎今天的天气怎么样？"}])
    assert r.model_extra["answered"] is False and r.model_extra["citations"] == []
    assert r.model_extra["related"] and "没有找到" in r.choices[0].message.content


def test_models_lists_one_model(server):
    models = list(client(server.url).models.list())
    assert [m.id for m in models] == ["parkqa"]


@pytest.mark.parametrize("messages", [
    [{"role": "assistant", "content": "你好"}],                      # no user question last
    [{"role": "user", "content": "   "}],                            # empty
    [{"role": "user", "content": "高" * 4001}],                       # too long
])
def test_unanswerable_requests_are_422_in_openai_shape(server, messages):
    with pytest.raises(openai.UnprocessableEntityError) as err:
        client(server.url).chat.completions.create(model="parkqa", messages=messages)
    body = err.value.body
    assert body["message"] and body["type"] == "invalid_request_error"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])     # Chinese first


def test_malformed_request_is_422(server):
    r = httpx.post(server.url + "/v1/chat/completions", json={"model": "x", "messages": "hi"},
                   timeout=30)
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("请求格式不正确")
    r = httpx.post(server.url + "/v1/chat/completions",
                   json={"model": "x", "messages": [{"role": "wizard", "content": "hi"}]}, timeout=30)
    assert r.status_code == 422


def test_keys_are_required_when_set(portal_server):
    key = portal_server.keys[3]
    with pytest.raises(openai.AuthenticationError, match="API 密钥"):
        client(portal_server.url, "wrong-key").chat.completions.create(
            model="parkqa", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.AuthenticationError):
        client(portal_server.url, "wrong-key").models.list()
    c = client(portal_server.url, key)
    r = c.chat.completions.create(model="parkqa", messages=[{"role": "user", "content": QUESTION}])
    assert "1.2万家" in r.choices[0].message.content
    chunks = list(c.chat.completions.create(model="parkqa", stream=True,
                                            messages=[{"role": "user", "content": QUESTION}]))
    assert "1.2万家" in "".join(ch.choices[0].delta.content or "" for ch in chunks)
    assert [m.id for m in c.models.list()] == ["parkqa"]


def test_cors_is_the_same_as_for_the_json_api(portal_server, portal_pages):
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    url = portal_server.url + "/v1/chat/completions"
    ok = httpx.options(url, headers={"Origin": portal_pages.origin, **preflight})
    assert ok.headers.get("access-control-allow-origin") == portal_pages.origin
    other = httpx.options(url, headers={"Origin": "http://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers


def test_documented_openai_example_runs_a_follow_up(server, portal_server):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "examples" / "client_openai.py"
    out = subprocess.run([sys.executable, str(script), "高新区有多少家高新技术企业？", "那经开区呢？",
                          "--url", server.url], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "153家" in out.stdout and "50家" in out.stdout and "[1] " in out.stdout
    denied = subprocess.run([sys.executable, str(script), "高新区有多少家高新技术企业？",
                             "--url", portal_server.url], capture_output=True, text=True,
                            timeout=120)
    assert denied.returncode != 0 and "401" in denied.stderr
