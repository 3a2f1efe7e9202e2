"""An article as HTML with the cited raw pieces in ``<mark>``: the page a citation [n] opens in
the chat, and the ``html`` of ``GET /api/docs/{doc}?start=&end=`` for other clients.

The view shows the raw file (line breaks kept), so every mark covers exactly the raw characters
of one span; for a quote joined across a column break each piece is its own mark.

Example::

    >>> from parkqa.docview import parse_spans
    >>> parse_spans("10-20,3-8", None, None, 100)
    [[10, 20], [3, 8]]
"""
from __future__ import annotations

import html
from urllib.parse import quote as url_quote

MAX_SPANS = 32
FIRST_MARK = "pq-mark-1"


def parse_spans(spans: str | None, start: int | None, end: int | None, size: int) -> list[list[int]]:
    """Pieces to mark: ``spans`` ("a-b,c-d", exact pieces) or else ``[start, end)``. Each piece must
    satisfy 0 <= a < b <= size; anything else raises ValueError (a Chinese message)."""
    out: list[list[int]] = []
    if spans:
        for part in spans.split(",")[:MAX_SPANS + 1]:
            a, sep, b = part.strip().partition("-")
            if not sep or not a.isdigit() or not b.isdigit():
                raise ValueError("spans 的格式应为 起-止,起-止（非负整数）。")
            out.append([int(a), int(b)])
        if len(out) > MAX_SPANS:
            raise ValueError(f"spans 最多 {MAX_SPANS} 段。")
    elif start is not None or end is not None:
        if start is None or end is None:
            raise ValueError("start 和 end 需要同时给出。")
        out.append([start, end])
    for a, b in out:
        if not 0 <= a < b <= size:
            raise ValueError(f"引用位置超出范围：需要 0 ≤ 起 < 止 ≤ {size}。")
    return out


def marked_html(raw: str, spans: list[list[int]]) -> str:
    """``raw`` escaped, each span in ``<mark>`` (the first with id ``pq-mark-1``); overlapping
    spans are merged."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    first = min(spans, key=lambda s: s[0]) if spans else None
    out, last = [], 0
    for a, b in merged:
        out.append(html.escape(raw[last:a]))
        mark_id = f' id="{FIRST_MARK}"' if first and a <= first[0] < b else ""
        out.append(f'<mark class="pq-mark"{mark_id}>{html.escape(raw[a:b])}</mark>')
        last = b
    out.append(html.escape(raw[last:]))
    return "".join(out)


def view_url(doc: str, spans: list[list[int]], *, base: str = "") -> str:
    """Link to the chat's article page (relative to ``base``), scrolled to the first mark."""
    pieces = ",".join(f"{a}-{b}" for a, b in spans)
    return f"{base}source/{url_quote(doc)}?spans={pieces}#{FIRST_MARK}"


PAGE_CSS = """
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       system-ui, sans-serif; margin: 0 auto; padding: 16px; max-width: 760px; line-height: 1.8;
       color: #1f2937; }
h1 { font-size: 1.25em; margin: 0 0 4px; }
.pq-subtitle { font-size: 1.05em; color: #334155; margin: 0 0 4px; }
.pq-meta { color: #64748b; font-size: .9em; margin-bottom: 12px; }
.pq-article { white-space: pre-wrap; word-break: break-word; overflow-wrap: anywhere; }
mark.pq-mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px;
               scroll-margin: 40vh; }
"""


def article_page(article, spans: list[list[int]]) -> str:
    """A whole HTML page (lang zh-CN) for one article with ``spans`` marked: its title, subtitle,
    where, when and by whom it was printed, and the place it is about."""
    meta = article.meta
    title = html.escape(meta.title)
    subtitle = f'<div class="pq-subtitle">——{html.escape(meta.subtitle)}</div>' if meta.subtitle else ""
    about = " · ".join(x for x in (meta.credits(), article.park) if x)
    about = f'<div class="pq-meta">{html.escape(about)}</div>' if about else ""
    note = ('<div class="pq-meta">引用的原文已用黄色标出。</div>' if spans else "")
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title} · 原文</title><style>{PAGE_CSS}</style></head><body>"
            f'<h1>{title}</h1>{subtitle}{about}{note}'
            f'<div class="pq-article">{marked_html(article.raw, spans)}</div></body></html>')
