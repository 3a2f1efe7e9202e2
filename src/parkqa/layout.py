"""Undo the damage newspaper page layout did to an article's text, keeping every character's
place in the raw file.

The articles come from page scans, so their text is broken in a few recurring ways: hard line
wraps mid-sentence, photo captions between paragraphs, paragraphs cut by a column break and
continued elsewhere (sometimes before the cut), stray spaces around digits and mixed full-width /
ASCII punctuation. Everything here is a general rule; nothing knows about a particular file.
``parkqa.corpus.repair`` turns the result into an ``Article``.

Example::

    >>> from parkqa.layout import repair_layout
    >>> raw = "入区企业从2021年的0.9万家，\\n增至1.2 万家。\\n"      # a hard wrap, a stray space
    >>> text, offsets, kinds, lines = repair_layout(raw)
    >>> text, kinds
    ('入区企业从2021年的0.9万家，增至1.2万家。', ['body'])
    >>> raw[offsets[text.index("1.2")]:][:3]                      # each character's raw place
    '1.2'
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from .metadata import Line
from .punctuation import SENTENCE_END, ends_complete, squash

_CAPTION_MAX = 30  # short lines without a sentence end are headings, captions or bylines


@dataclass
class _Block:
    pieces: list[tuple[int, int]]  # raw spans of the lines it is made of
    text: str                      # the lines' non-space content, concatenated
    heading: bool = False
    blank_before: bool = True
    big_gap: bool = False          # two or more blank lines before it: a layout jump


def is_dangling(text: str) -> bool:
    """A paragraph that stops mid-sentence. A short run of names after the last sentence end,
    set off by a space ("……迈进。 常珍珍 徐姗"), is a byline, not a cut."""
    if ends_complete(text):
        return False
    cut = max(text.rfind(c) for c in SENTENCE_END)
    if cut >= 0:
        tail = text[cut + 1:]
        if tail[:1].isspace() and len(squash(tail)) <= 8:
            return False
    return True


def _width(text: str) -> float:
    return sum(1.0 if ord(c) > 0x2E7F else 0.5 for c in text if not c.isspace())


def _lines(raw: str) -> list[_Block]:
    blocks: list[_Block] = []
    pos, blanks = 0, 2
    for line in raw.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and stripped != "\ufeff":
            lead = len(line) - len(line.lstrip())
            start = pos + lead
            blocks.append(_Block([(start, start + len(stripped))], stripped,
                                 blank_before=blanks > 0, big_gap=blanks > 1))
            blanks = 0
        else:
            blanks += 1
        pos += len(line)
    return blocks


def _wrap_width(lines: list[_Block]) -> float | None:
    """The column width of a hard-wrapped article, or None when lines are paragraphs."""
    widths = [_width(b.text) for b in lines if _width(b.text) >= 8]
    if len(widths) < 10:
        return None
    med = statistics.median(widths)
    near = sum(1 for w in widths if abs(w - med) <= 0.15 * med)
    return med if med <= 40 and near >= 0.6 * len(widths) else None


def _join_wrapped(lines: list[_Block]) -> list[_Block]:
    """Undo hard line wraps: a line that does not end a sentence continues on the next line when
    no blank line separates them, or when the article is hard-wrapped and the line is full."""
    width = _wrap_width(lines)
    out: list[_Block] = []
    last_line = ""
    for line in lines:
        prev = out[-1] if out else None
        if (prev is not None and not ends_complete(prev.text)
                and not _is_subtitle(prev.text) and not line.text.startswith("#")
                and (not line.blank_before or (width and _width(last_line) >= 0.85 * width))):
            prev.pieces.extend(line.pieces)
            prev.text += line.text
        else:
            out.append(_Block(list(line.pieces), line.text, blank_before=line.blank_before,
                              big_gap=line.big_gap))
        last_line = line.text
    return out


def _is_subtitle(text: str) -> bool:
    """Markdown headings and dash-led subtitle lines ("——长治经开区以……") stand alone."""
    return text.startswith("#") or (text.lstrip().startswith("——") and len(text) <= 60)


def _is_heading(text: str) -> bool:
    if _is_subtitle(text):
        return True
    return (len(squash(text)) <= _CAPTION_MAX and not ends_complete(text)
            and not any(c in SENTENCE_END for c in text))


def _is_fragment(text: str) -> bool:
    """Does a paragraph open with the rest of someone else's sentence? A sentence end or an
    enumeration comma within its first few characters ("动力。着力……", "6亿元、建筑……")."""
    head = squash(text)[:7]
    for k, c in enumerate(head):
        if c in "。！？、":
            return k <= 6
        if c in "，；：“”（）《》":
            return False
    return False


def _join_column_breaks(blocks: list[_Block]) -> list[_Block]:
    """Re-attach paragraphs cut by a column break to their continuation.

    A body paragraph that stops mid-sentence ("dangling") is matched to a paragraph that looks
    like the rest of a sentence: the next body paragraph after it (captions set off by a wide gap
    are skipped, a markdown heading is not), or one that opens with a fragment. Among the
    candidates, character n-grams across the junction that the article itself uses elsewhere
    weigh most; order and distance break ties. A short heading-like line is a cut paragraph only
    when a fragment follows it.
    """
    def is_caption(b: _Block) -> bool:
        return b.heading or (b.big_gap and ends_complete(b.text) and len(b.text) <= 120
                             and sum(b.text.count(c) for c in SENTENCE_END) <= 1)

    def next_body(i: int) -> int | None:
        for j in range(i + 1, len(blocks)):
            if _is_subtitle(blocks[j].text):
                return None
            if not is_caption(blocks[j]):
                return j
        return None

    body = [i for i, b in enumerate(blocks) if not b.heading]
    fragments = {i for i in body if _is_fragment(blocks[i].text)}
    dangling = [i for i in body if is_dangling(blocks[i].text)]
    for i, b in enumerate(blocks):
        if b.heading and not _is_subtitle(b.text) and next_body(i) in fragments \
                and next_body(i) == i + 1 and any(c in b.text for c in "，,"):
            dangling.append(i)
    if not dangling:
        return blocks
    adjacent = {i: next_body(i) for i in dangling}
    candidates = {j for j in adjacent.values() if j is not None} | fragments
    seen = "\n".join(b.text for b in blocks)

    def score(d: int, p: int) -> float:
        left, right = squash(blocks[d].text), squash(blocks[p].text)
        s = 0.0
        if left[-2:] + right[:1] in seen or left[-1:] + right[:2] in seen:
            s += 4
        elif left[-1:] + right[:1] in seen:
            s += 1
        if adjacent.get(d) == p:
            s += 2
        if p in fragments:
            s += 2
        s += 1 if p > d else 0.5
        return s - 0.01 * abs(p - d)

    pairs = sorted(((score(d, p), d, p) for d in dangling for p in candidates
                    if p != d and not blocks[p].heading), reverse=True)
    follow: dict[int, int] = {}
    taken: set[int] = set()
    for _s, d, p in pairs:
        if d in follow or p in taken:
            continue
        end = p  # refuse a cycle: p's own chain must not lead back to d
        while end in follow and end != d:
            end = follow[end]
        if end == d:
            continue
        follow[d] = p
        taken.add(p)

    out: list[_Block] = []
    for i, block in enumerate(blocks):
        if i in taken:
            continue
        merged = _Block(list(block.pieces), block.text, heading=block.heading and i not in follow)
        j = i
        while j in follow:
            j = follow[j]
            merged.pieces.extend(blocks[j].pieces)
            merged.text += blocks[j].text
        out.append(merged)
    return out


_FULLWIDTH_PUNCT = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}


def normalize_char(c: str, prev: str, nxt: str) -> str:
    """One-for-one normalization, so offsets stay valid: full-width letters and digits become
    ASCII; ASCII sentence punctuation becomes full-width except inside numbers (1,000 / 10:30)."""
    code = ord(c)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A \
            or c in "％．":
        return chr(code - 0xFEE0)
    if c in _FULLWIDTH_PUNCT:
        if c in ",:" and prev.isdigit() and nxt.isdigit():
            return c
        return _FULLWIDTH_PUNCT[c]
    return c


def _build_text(raw: str, blocks: list[_Block]) -> tuple[str, list[int], list[str]]:
    chars: list[str] = []
    offsets: list[int] = []
    kinds: list[str] = []
    for block in blocks:
        if chars:
            chars.append("\n")
            offsets.append(-1)
        kinds.append("heading" if block.heading else "body")
        positions = [i for a, b in block.pieces for i in range(a, b)]
        content = [i for i in positions if not raw[i].isspace() and raw[i] != "\ufeff"]
        if block.text.startswith("#"):
            content = content[_count_hashes(raw, content):]
        for k, i in enumerate(content):
            prev = raw[content[k - 1]] if k else ""
            nxt = raw[content[k + 1]] if k + 1 < len(content) else ""
            # keep one space between two Latin words ("MLED COB"), drop layout spaces elsewhere
            if k and _is_latin(prev) and _is_latin(raw[i]) and raw[content[k - 1] + 1:i].strip() == "" \
                    and content[k - 1] + 1 < i:
                chars.append(" ")
                offsets.append(i - 1)
            chars.append(normalize_char(raw[i], prev, nxt))
            offsets.append(i)
    return "".join(chars), offsets, kinds


def _is_latin(c: str) -> bool:
    return c.isascii() and c.isalpha()


def _count_hashes(raw: str, content: list[int]) -> int:
    n = 0
    while n < len(content) and raw[content[n]] == "#":
        n += 1
    return n


def repair_layout(raw: str) -> tuple[str, list[int], list[str], list[Line]]:
    """The repaired text of ``raw`` (paragraphs separated by "\n"), the raw index of each of
    its characters (-1 for separators), each paragraph's kind ("heading" | "body") and the
    paragraphs as metadata lines."""
    blocks = _join_wrapped(_lines(raw))
    for block in blocks:
        block.heading = _is_heading(block.text)
    blocks = _join_column_breaks(blocks)
    text, offsets, kinds = _build_text(raw, blocks)
    return text, offsets, kinds, [Line(b.text, b.heading) for b in blocks]
