"""Load the articles: read each file (``parkqa.ingest``), repair its page-layout damage
(``parkqa.layout``) and read its metadata (``parkqa.metadata``) into an ``Article``.

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
from dataclasses import dataclass, field
from pathlib import Path

from .ingest import SUPPORTED_SUFFIXES, IngestError, extract
from .layout import repair_layout
from .metadata import ArticleMeta, complete, read_meta, search_title
from .punctuation import CLOSERS, SENTENCE_END, ends_complete, squash  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = SUPPORTED_SUFFIXES   # .txt .md .html .htm .docx .pdf


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


def repair(raw: str, *, doc: str = "article.txt", sha256: str = "") -> Article:
    """Turn a raw article into an ``Article`` whose text is repaired and mapped to ``raw``."""
    text, offsets, kinds, lines = repair_layout(raw)
    if not text.strip():
        raise CorpusError(f"{doc}: no text left after cleaning")
    return Article(doc=doc, raw=raw, text=text, offsets=offsets, title=search_title(lines, doc),
                   park="", sha256=sha256 or hashlib.sha256(raw.encode()).hexdigest(),
                   paragraph_kinds=kinds, meta=read_meta(lines))
