"""An ``Answer`` as chat HTML: the quotes with [n] markers and the words that answer the question
in bold, then each source with its sentence highlighted inside its paragraph.

Everything taken from a question or an article is HTML-escaped here, so a question holding
``<script>`` is shown as text. The output is one HTML block without blank lines, which Markdown
renderers (the Gradio chatbot) pass through untouched.

Example::

    >>> from parkqa.render import emphasis_pattern, mark_up
    >>> mark_up("入区企业从0.9万家增至1.2万家", emphasis_pattern("有多少家入区企业？"))
    '入区企业从<strong>0.9万家</strong>增至<strong>1.2万家</strong>'
"""
from __future__ import annotations

import html
import re
from bisect import bisect_right

from .answering import Answer, Citation
from .cues import NUMBER, answer_kinds, asked_unit
from .docview import view_url
from .question import key_terms
from .slots import focus_terms

_DATE = r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?(?:初|底|末|以来)?|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*-\s*\d{4}"
# amounts carry a unit; a bare number or a year is context, not the answer to "多少"
_UNITS = (r"平方公里|平方米|亿元|万元|元|亿度|万度|度|兆瓦|GW|吨|[个家项名位条台套种款宗件块支张天次亩倍所颗]|"
          r"%|mm")
_AMOUNT = (r"(?:近|超过|超|约|达)?\d[\d.,]*\s*(?:余|多)?\s*(?:万|亿)?\s*(?:" + _UNITS + r")(?:以上|左右)?|"
           r"[一二两三四五六七八九十百千]+(?:个|家|项|名|位|条)")
_NAME = (r"[\u4e00-\u9fff·（）()]{2,20}?(?:股份有限公司|有限责任公司|有限公司|集团|公司|大学|研究院|研究所|"
         r"实验室|中心|产业园|专业镇|示范区)")
_ENTITY_QUESTION = re.compile(r"哪家|哪个|哪所|哪些企业|谁|什么公司|什么企业|什么称号|什么产品|是什么")


def emphasis_pattern(question: str) -> "_AskedValues | None":
    """What in a quote answers this question: dates, amounts (in the unit asked when it says
    one), or names of companies and institutions; of several, those in a clause naming what is
    asked about."""
    kinds = answer_kinds(question)
    focus = list(focus_terms(question, dict.fromkeys(key_terms(question), 1.0)))
    if "date" in kinds:
        return _AskedValues(_DATE, focus)
    unit = asked_unit(question)
    if unit:
        counted = re.search(r"(?:多少|几)(?:万|亿)?[^\u4e00-\u9fff]*.([\u4e00-\u9fff]{2,8})", question)
        return _AskedValues(r"(?:近|超过|超|约|达)?" + NUMBER + unit,
                            [counted.group(1)] if counted else focus)
    if _ENTITY_QUESTION.search(question):
        return _AskedValues(_NAME, focus)
    if "number" in kinds:
        return _AskedValues(_AMOUNT, focus)
    return None


class _AskedValues:
    """Values of the asked kind; when several, only those in a clause that names what is asked
    about ("多少家高新技术企业": 50家 in "…，高新技术企业总数突破50家", not the 15家 of
    "推动15家企业技术中心升级改造，…"; "总投资多少": the 20亿元 by 总投资, not an output value)."""

    _CLAUSE_END = re.compile(r"[，,；;。！？!?]")

    def __init__(self, pattern: str, about: list[str]) -> None:
        self.pattern = re.compile(pattern)
        self.about = [w.lower() for w in about if w]

    def _clause(self, text: str, m: re.Match) -> str:
        ends = [e.start() for e in self._CLAUSE_END.finditer(text)]
        start = max([e + 1 for e in ends if e < m.start()], default=0)
        end = min([e for e in ends if e >= m.end()], default=len(text))
        return text[start:end].lower()

    def finditer(self, text: str):
        matches = list(self.pattern.finditer(text))
        near = [m for m in matches if any(w in self._clause(text, m) for w in self.about)]
        return iter(near or matches)


def mark_up(text: str, pattern: "_AskedValues | None") -> str:
    """``text`` escaped, with the matches of ``pattern`` in <strong>."""
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for m in pattern.finditer(text):
        if m.end() == m.start() or not re.search(r"\d|[\u4e00-\u9fff]", m.group(0)):
            continue
        out.append(html.escape(text[last:m.start()]))
        out.append(f"<strong>{html.escape(m.group(0))}</strong>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def locate(article, citation: Citation) -> tuple[int, int]:
    """The cited range in the article's repaired text (what the paragraph view shows)."""
    raw_to_text = _raw_index(article)
    spans = citation.spans or [[citation.start, citation.end]]
    first = _text_at(raw_to_text, spans[0][0], forward=True)
    last = _text_at(raw_to_text, spans[-1][1] - 1, forward=False)
    if first is None or last is None or last < first:
        pos = article.text.find(citation.quote)
        return (pos, pos + len(citation.quote)) if pos >= 0 else (0, 0)
    return first, last + 1


def _raw_index(article) -> dict[int, int]:
    cached = getattr(article, "_raw_to_text", None)
    if cached is None:
        cached = {raw: i for i, raw in enumerate(article.offsets) if raw >= 0}
        article._raw_to_text = cached
    return cached


def _text_at(raw_to_text: dict[int, int], raw: int, *, forward: bool) -> int | None:
    for step in range(0, 8):  # the span may start or end on layout whitespace
        pos = raw + step if forward else raw - step
        if pos in raw_to_text:
            return raw_to_text[pos]
    return None


def paragraph_of(article, start: int, end: int) -> tuple[int, int, int]:
    """(start, end, 1-based number) of the paragraph of the repaired text holding ``start``."""
    text = article.text
    breaks = [i for i, c in enumerate(text) if c == "\n"]
    n = bisect_right(breaks, start)
    a = breaks[n - 1] + 1 if n else 0
    b = breaks[n] if n < len(breaks) else len(text)
    return a, max(b, min(end, len(text))), n + 1


def source_html(article, citation: Citation, pattern: re.Pattern | None, *, open_: bool = False) -> str:
    """One source: a <details> whose summary names the article (title, where and when it was
    printed, byline) and the paragraph, and whose body is the paragraph with the quoted sentence
    highlighted."""
    a, b = locate(article, citation)
    pa, pb, number = paragraph_of(article, a, b)
    para = article.text
    body = (html.escape(para[pa:a]) + '<mark class="pq-hit">' + mark_up(para[a:b], pattern)
            + "</mark>" + html.escape(para[b:pb]))
    meta = article.meta
    # a line break, not a block: the chat's markdown wraps messages in an inline span, and a
    # block inside it makes Chromium hit-test that span instead of the summary
    credits = (f'<br><span class="pq-credit">{html.escape(meta.credits())}</span>'
               if meta.credits() else "")
    return (f'<details class="pq-source"{" open" if open_ else ""}>'
            f'<summary><span class="pq-n">[{citation.n}]</span> {html.escape(meta.full_title())}'
            f' <span class="pq-where">第 {number} 段</span>{credits}</summary>'
            f'<div class="pq-para">{body}</div></details>')


def cite_link(citation: Citation, title: str, *, base: str = "") -> str:
    """The [n] marker as a link to the article view with the quoted pieces marked (the chat
    opens it in a dialog; without scripts it opens in a new tab)."""
    spans = citation.spans or [[citation.start, citation.end]]
    href = html.escape(view_url(citation.doc, spans, base=base))
    label = html.escape(f"查看原文：{title}")
    return (f'<a class="pq-cite" href="{href}" target="_blank" rel="noopener" title="{label}"'
            f' aria-label="第 {citation.n} 条出处，{label}">[{citation.n}]</a>')


CURATED_BADGE = "人工审核答案"


def answer_html(answer: Answer, articles: dict, *, question: str | None = None,
                resolved: str | None = None, link_base: str = "") -> str:
    """The whole chat message for an answer (or a refusal with what came closest). The [n]
    links are relative to ``link_base`` (the path from the chat page to the server root)."""
    question = question or answer.question
    pattern = emphasis_pattern(resolved or question)
    parts = ['<div class="pq-answer">']
    if resolved and resolved != question:
        parts.append(f'<div class="pq-resolved">理解为：{html.escape(resolved)}</div>')
    def cite(c: Citation) -> str:
        art = articles.get(c.doc)
        if art is None:
            return f"[{c.n}]"
        return cite_link(c, art.meta.full_title(), base=link_base)

    if getattr(answer, "curated", False):     # an editor's answer (parkqa.faq), not a quote
        text = re.sub(r"(\[\d+\])+$", "", answer.text)
        refs = "".join(f'<sup class="pq-ref">{cite(c)}</sup>' for c in answer.citations)
        parts.append(f'<div class="pq-curated" title="编辑审核过的标准答案">{CURATED_BADGE}</div>'
                     f'<div class="pq-text">{html.escape(text)}{refs}</div>')
        if answer.citations or answer.faq_source:
            parts.append('<div class="pq-sources-title">来源</div>')
        parts += [source_html(articles[c.doc], c, None) for c in answer.citations
                  if c.doc in articles]
        if answer.faq_source:
            parts.append(f'<div class="pq-where">{html.escape(answer.faq_source)}</div>')
    elif answer.answered:
        quotes = "".join(f'{_about(c, answer.text)}<span class="pq-quote">{mark_up(c.quote, pattern)}'
                         f'</span><sup class="pq-ref">{cite(c)}</sup>' for c in answer.citations)
        parts.append(f'<div class="pq-text">{quotes}</div>')
        parts.append('<div class="pq-sources-title">来源（点 [1] 等编号看全文，点标题看段落）</div>')
        parts += [source_html(articles[c.doc], c, pattern) for c in answer.citations
                  if c.doc in articles]
    else:
        parts.append(f'<div class="pq-text pq-refusal">{html.escape(answer.text)}</div>')
        if answer.related:
            parts.append('<div class="pq-sources-title">可能相关（不一定回答了问题）</div>')
            parts += [source_html(articles[c.doc], c, None) for c in answer.related
                      if c.doc in articles]
    parts.append("</div>")
    return "".join(parts)


def _about(c: Citation, text: str) -> str:
    """What the answer text says quote ``c`` is about ("长治高新区：" before it, when quotes from
    different places or years are compared), as the chat shows it."""
    marker = f"[{c.n}]"
    end = text.find(marker)
    before = text[:end] if end >= 0 else ""
    at = before.rfind(c.quote)
    start = before.rfind("]", 0, at) + 1 if at > 0 else at
    label = before[start:at].strip("；; ") if at > 0 else ""
    return f'<span class="pq-about">{html.escape(label)}</span>' if label else ""


def plain_frames(answer: Answer, steps: int = 6) -> list[str]:
    """Growing prefixes of the answer's text, for streaming it into the chat."""
    text = answer.text
    size = max(1, -(-len(text) // steps))
    return [text[:i] for i in range(size, len(text), size)]


def user_html(question: str) -> str:
    return f'<div class="pq-user">{html.escape(question)}</div>'
