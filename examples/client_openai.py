"""Ask parkqa through its OpenAI-compatible endpoint with the official openai client: a question,
then each follow-up given on the command line, streamed, with the citations after each answer.

    python examples/client_openai.py "高新区有多少家高新技术企业？" "那经开区呢？" [--url URL] [--key KEY]

The key may also come from PARKQA_API_KEY (needed only when the server sets PARKQA_API_KEYS).
"""
import argparse
import os
import sys

from openai import OpenAI


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("questions", nargs="+", help="a question and its follow-ups, in order")
    p.add_argument("--url", default="http://127.0.0.1:7860")
    p.add_argument("--key", default=os.environ.get("PARKQA_API_KEY") or "none")
    args = p.parse_args()
    client = OpenAI(base_url=f"{args.url.rstrip('/')}/v1", api_key=args.key, max_retries=0)
    messages = []
    for question in args.questions:
        messages.append({"role": "user", "content": question})
        text, citations = "", []
        for chunk in client.chat.completions.create(model="parkqa", messages=messages, stream=True):
            piece = chunk.choices[0].delta.content or ""
            print(piece, end="", flush=True)
            text += piece
            citations = (chunk.model_extra or {}).get("citations", citations)
        print()
        for c in citations:
            print(f"[{c['n']}] {c['title']} ({c['doc']}, chars {c['start']}-{c['end']})")
        messages.append({"role": "assistant", "content": text})
    return 0


if __name__ == "__main__":
    sys.exit(main())
