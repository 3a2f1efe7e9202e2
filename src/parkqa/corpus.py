"""Load the articles and repair the damage that newspaper page layout did to them.

The articles come from page scans, so their text is broken in a few recurring ways: hard line
wraps mid-sentence, photo captions between paragraphs, paragraphs cut by a column break and
continued elsewhere (sometimes before the cut), stray spaces around digits and mixed full-width /
ASCII punctuation. Everything here is a general rule; nothing knows about a particular file.

The repaired text maps back to the raw file character by character (``Article.offsets``), so any
quote can be traced to its exact place in the article.

Example::

    >>> from parkqa.corpus import load_article
    >>> art = load_article(Path("seeds/000_e7ffa1cc56d22445.txt"))
    >>> art.title, "这座投资总额6亿元" in art.text
    ('长治高新区五年蝶变 新兴产业集群创新促发展', True)
"""
from __future__ import annotations

import hashlib
import logging
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from .ingest import SUPPORTED_SUFFIXES, IngestError, extract
from .metadata import ArticleMeta, Line, complete, read_meta, search_title
from .punctuation import CLOSERS, SENTENCE_END, ends_complete, squash  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = SUPPORTED_SUFFIXES   # .txt .md .html .htm .docx .pdf

_CAPTION_MAX = 30  # short lines without a sentence end are headings, captions or bylines


class CorpusError(ValueError):
    """An article file cannot be used; the message names the file."""


@dataclass
class Article:
    doc: str                 # file name under the seeds folder
    raw: str                 # the file's text exactly as read (after decoding)
    text: str                # repaired, normalized text; paragraphs separated by "\n"
    offsets: list[int]       # raw index of every character of ``text`` (-1 for separators)
    title: str               # title and subtitle as one string: what questions are matched to
    park: str                # the place it is mainly about (set with the corpus's Knowledge)
    sha256: str
    paragraph_kinds: list[str] = field(default_factory=list)  # "heading" | "body", per line of text
    meta: ArticleMeta = field(default_factory=ArticleMeta)   # title, source, date, byline shown

    def raw_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        """Raw ``[start, end)`` pieces behind ``text[start:end]``, split where non-space raw text
        (a caption, another column) lies between two consecutive characters."""
        spans: list[list[int]] = []
        for i in range(start, end):
            pos = self.offsets[i]
            if pos < 0:
                continue
            if spans and pos >= spans[-1][1] and self.raw[spans[-1][1]:pos].strip() == "":
                spans[-1][1] = pos + 1
            else:
                spans.append([pos, pos + 1])
        return [(a, b) for a, b in spans]

    def quote(self, start: int, end: int) -> str:
        """The raw characters behind ``text[start:end]`` (layout whitespace dropped)."""
        return "".join(self.raw[self.offsets[i]] for i in range(start, end)
                       if self.offsets[i] >= 0)


# ---------------------------------------------------------------- reading

def read_text(path: Path) -> tuple[str, dict]:
    """The plain text of an article file of any supported format (``parkqa.ingest``): a UTF-8
    ``.txt`` exactly as written, GB18030 text decoded, the main text of a web page, Word or PDF;
    and what a web page says about itself (date, site, author). Anything unusable (empty, too
    large, encrypted, mistyped, scanned) is a CorpusError."""
    try:
        found = extract(path)
    except IngestError as exc:
        raise CorpusError(str(exc)) from exc
    return found.text, found.page


def article_paths(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise CorpusError(f"articles folder {folder} does not exist")
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                  and not p.name.startswith("."))


def ignored_paths(folder: Path) -> list[Path]:
    """Visible files in ``folder`` whose type is not an article format (left out of the index)."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() not in ARTICLE_SUFFIXES
                  and not p.name.startswith("."))


def load_corpus(folder: Path) -> tuple[list[Article], list[str]]:
    """Load every article under ``folder``. Unusable files are skipped and reported, so one bad
    file never takes the whole index down. Returns (articles, error messages)."""
    articles, errors = [], []
    for path in article_paths(folder):
        try:
            articles.append(load_article(path))
        except CorpusError as exc:
            log.warning("skipping article: %s", exc)
            errors.append(str(exc))
    for path in ignored_paths(folder):
        log.warning("已忽略 %s：不支持的文件类型（支持 %s）/ ignored %s: not an article format",
                    path.name, " ".join(ARTICLE_SUFFIXES), path.name)
    return articles, errors


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:   # in pieces: a huge file is never held in memory
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_article(path: Path) -> Article:
    raw, page = read_text(path)
    art = repair(raw, doc=path.name, sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest())
    complete(art.meta, path, page)   # what the text does not say: the page's or the file's date
    return art


# ---------------------------------------------------------------- repair

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


def repair(raw: str, *, doc: str = "article.txt", sha256: str = "") -> Article:
    """Turn a raw article into an ``Article`` whose text is repaired and mapped to ``raw``."""
    blocks = _join_wrapped(_lines(raw))
    for block in blocks:
        block.heading = _is_heading(block.text)
    blocks = _join_column_breaks(blocks)
    text, offsets, kinds = _build_text(raw, blocks)
    if not text.strip():
        raise CorpusError(f"{doc}: no text left after cleaning")
    lines = [Line(b.text, b.heading) for b in blocks]
    return Article(doc=doc, raw=raw, text=text, offsets=offsets, title=search_title(lines, doc),
                   park="", sha256=sha256 or hashlib.sha256(raw.encode()).hexdigest(),
                   paragraph_kinds=kinds, meta=read_meta(lines))
