"""Ask the web chat's API with gradio_client (the server must not set PARKQA_API_KEYS: that
turns this endpoint off, since it cannot carry a key).

    GRADIO_ANALYTICS_ENABLED=False python examples/client_gradio.py "经开区有多少家高新技术企业？"
"""
import argparse
import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")   # gradio_client reads it at import

from gradio_client import Client  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("question")
    p.add_argument("--url", default="http://127.0.0.1:7860/")
    p.add_argument("--top-k", type=int, default=5)
    args = p.parse_args()
    answer = Client(args.url, verbose=False).predict(args.question, args.top_k, api_name="/ask")
    print(answer["text"])
    for c in answer["citations"]:
        print(f"[{c['n']}] {c['title']} ({c['doc']}, chars {c['start']}-{c['end']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
