"""The script-tag widget in Chromium, on a portal page served from another origin
(http://localhost:<port>) than the server (http://127.0.0.1:<port>)."""
import httpx
import pytest

from browser import ARTIFACTS
from parkqa.feedback import FeedbackLog

pytestmark = pytest.mark.browser

# a host page whose CSS would wreck any widget that shares its styles
HOST_PAGE = """<!doctype html><html lang="zh"><meta charset="utf-8"><title>园区门户</title>
<style>
  body {{ color: rgb(255, 0, 0); font-size: 30px; }}
  button {{ background: rgb(255, 0, 0) !important; }}
  .msg, .panel, .bubble {{ display: none !important; }}
</style>
<h1>园区门户</h1><p>这是门户自己的内容。</p>
<script src="{server}/widget.js" data-title="园区问答" {key} async></script>
</html>"""

ANSWERED = "#parkqa-widget .msg.bot:has(.sources, .refusal)"


def open_portal(browser, portal_pages, server_url, name, key=""):
    portal_pages.pages[f"/{name}.html"] = HOST_PAGE.format(
        server=server_url, key=f'data-key="{key}"' if key else "")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 800})
    page.goto(portal_pages.origin + f"/{name}.html")
    page.wait_for_selector("#parkqa-widget .bubble", timeout=30_000)
    return page


def ask(page, question):
    before = page.locator(ANSWERED).count()
    page.locator("#parkqa-widget textarea").fill(question)
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelector('#parkqa-widget').shadowRoot"
                           ".querySelectorAll('.msg.bot .sources, .msg.bot .refusal').length > n",
                           arg=before, timeout=60_000)
    return page.locator("#parkqa-widget .msg.bot").last


def test_widget_script_is_served(server):
    r = httpx.get(server.url + "/widget.js", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in r.text and "api/ask" in r.text and "history" in r.text


def test_widget_answers_and_follows_up_on_a_foreign_origin(browser, portal_server, portal_pages):
    page = open_portal(browser, portal_pages, portal_server.url, "widget",
                       key=portal_server.keys[4])
    assert page.evaluate("location.origin") != portal_server.url      # really cross-origin
    page.keyboard.press("Tab")                                        # keyboard only
    assert page.evaluate("document.activeElement.id") == "parkqa-widget"
    page.keyboard.press("Enter")
    panel = page.locator("#parkqa-widget .panel")
    assert panel.is_visible() and "园区问答" in panel.locator("h2").inner_text()
    first = ask(page, "高新区有多少家高新技术企业？")
    assert "153家" in first.locator(".text").inner_text()
    first.locator("button.ref").first.click()                         # a citation opens its source
    source = first.locator(".sources details").first
    assert source.get_attribute("open") is not None
    assert "153家" in source.locator(".quote").inner_text()
    credit = source.locator("summary .credit").inner_text()           # named as printed
    assert "本报记者 李洋" in credit and "年" in credit and ".txt" not in source.inner_text()
    second = ask(page, "那经开区呢？")                                  # history went along
    assert "经开区" in second.locator(".resolved").inner_text()
    assert "50家" in second.locator(".text").inner_text()
    # the host page's CSS does not reach inside
    color = second.evaluate("e => getComputedStyle(e).color")
    size = second.evaluate("e => getComputedStyle(e).fontSize")
    assert color != "rgb(255, 0, 0)" and size == "14px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-foreign-origin.png"))
    # 踩 with a comment lands in the same feedback log as the chat's
    page.once("dialog", lambda d: d.accept("引用的不是经开区的数字"))
    second.locator(".rate button", has_text="踩").click()
    second.locator(".rate", has_text="感谢反馈").wait_for(timeout=10_000)
    mine = [r for r in FeedbackLog(portal_server.log_dir).read()
            if r.get("comment") == "引用的不是经开区的数字"]
    assert mine and mine[-1]["source"] == "widget" and mine[-1]["rating"] == "down"
    assert mine[-1]["question"] == "那经开区呢？" and "经开区" in mine[-1]["resolved_question"]
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    page.close()


def test_widget_refusal_shows_related_passages(browser, portal_server, portal_pages):
    page = open_portal(browser, portal_pages, portal_server.url, "widget-refusal",
                       key=portal_server.keys[4])
    page.locator("#parkqa-widget .bubble").click()
    answer = ask(page, "巴黎今天的天气怎么样？")
    assert "没有找到" in answer.locator(".refusal").inner_text()
    assert "可能相关" in answer.inner_text() and answer.locator(".sources details").count() >= 1
    page.close()


def test_widget_on_an_origin_not_allowed_says_so(browser, server, portal_pages):
    page = open_portal(browser, portal_pages, server.url, "widget-blocked")
    page.locator("#parkqa-widget .bubble").click()
    page.locator("#parkqa-widget textarea").fill("高新区有多少家高新技术企业？")
    page.keyboard.press("Enter")
    note = page.locator("#parkqa-widget .msg.refusal")
    note.wait_for(timeout=30_000)
    assert "未获授权" in note.inner_text()
    assert page.locator("#parkqa-widget .sources").count() == 0
    page.close()
