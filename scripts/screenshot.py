"""Regenerate docs/screenshot.png (1280 px) and docs/screenshot-390.png (a phone): the real
server, a real question, the source opened.

    .venv/bin/python scripts/screenshot.py [--url http://127.0.0.1:7860] [--question "…"]

Without --url it starts ``python app.py`` on a free port with the default settings (index/ beside
seeds/, built when missing) and stops it afterwards.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))   # the browser helpers the UI tests use

from browser import Server, ask, launch_chromium  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running parkqa server; default: start one")
    parser.add_argument("--question", default="长治高新区现在有多少家入区企业？")
    parser.add_argument("--follow-up", default="", help="a second question to ask after it")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--phone-out", default=str(ROOT / "docs" / "screenshot-390.png"),
                        help="the same at 390 px wide; empty to skip")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server = None if args.url else Server({"PARKQA_LOG_DIR": tempfile.mkdtemp()})
    url = args.url or server.url
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.goto(url + "/")
            page.wait_for_selector("#pq-input textarea", timeout=60_000)
            answer = ask(page, args.question)
            answer.locator("details.pq-source summary").first.click()
            if args.follow_up:
                ask(page, args.follow_up)
            page.screenshot(path=args.out)
            if args.phone_out:
                phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
                phone.goto(url + "/")
                phone.wait_for_selector("#pq-input textarea", timeout=60_000)
                ask(phone, args.question).locator("a.pq-cite").first.click()
                phone.frame_locator("dialog#pq-viewer iframe").locator("mark").first.wait_for()
                phone.wait_for_timeout(300)
                phone.screenshot(path=args.phone_out)
            browser.close()
    finally:
        if server:
            server.stop()
    print(f"wrote {args.out}" + (f" and {args.phone_out}" if args.phone_out else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
