"""Ask parkqa's JSON API from Python with httpx.

    python examples/client_httpx.py "长治高新区现在有多少家入区企业？" [--url URL] [--key KEY]

The key may also come from PARKQA_API_KEY (needed only when the server sets PARKQA_API_KEYS).
"""
import argparse
import os
import sys

import httpx


def ask(url: str, question: str, key: str | None = None, top_k: int = 5) -> dict:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.post(f"{url.rstrip('/')}/api/ask", json={"question": question, "top_k": top_k},
                   headers=headers, timeout=30)
    if r.status_code == 429:
        raise SystemExit(f"rate limited, retry in {r.headers.get('Retry-After')} s")
    if r.status_code != 200:
        raise SystemExit(f"{r.status_code}: {r.json().get('message', r.text)}")
    return r.json()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("question")
    p.add_argument("--url", default="http://127.0.0.1:7860")
    p.add_argument("--key", default=os.environ.get("PARKQA_API_KEY"))
    args = p.parse_args()
    answer = ask(args.url, args.question, args.key)
    print(answer["text"])
    for c in answer["citations"]:
        print(f"[{c['n']}] {c['title']} ({c['doc']}, chars {c['start']}-{c['end']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
