"""Turn an article file of any supported format into the plain text the index keeps.

Supported: ``.txt`` / ``.md`` (UTF-8, UTF-16 with a BOM, or GB18030/GBK, detected), ``.html`` /
``.htm`` (the main text, found by trafilatura, and the page's own date, site name and author),
``.docx`` (python-docx: paragraphs and tables in
order, headings as ``#`` lines) and ``.pdf`` with a text layer (pypdf). The text returned here is
what ``corpus.repair`` reads and what citation offsets point into; the index stores it
(``articles.jsonl``), so the original file is never read again at answer time. For a UTF-8
``.txt`` it is the file's text exactly, as before.

Every problem is an ``IngestError`` whose message names the file, in Chinese and English:
unreadable, empty, too large (``PARKQA_MAX_FILE_MB``, default 20), encrypted, a scanned PDF
without text, or content that does not match the extension (a ``.pdf`` that is really text).

Example::

    >>> from parkqa.ingest import extract_text
    >>> extract_text(Path("seeds/report.docx"))          # doctest: +SKIP
    '# 长治市新材料产业园引进企业23家\\n\\n今年以来，……'
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MAX_FILE_ENV = "PARKQA_MAX_FILE_MB"
_MB = 1024 * 1024
MIN_HTML_TEXT = 20      # characters of main text below which a page holds no article


class IngestError(ValueError):
    """An article file cannot be turned into text; the message names the file."""


@dataclass
class Extracted:
    text: str
    page: dict = field(default_factory=dict)   # a web page's "date", "site", "author" (if said)


def _fail(name: str, zh: str, en: str) -> IngestError:
    return IngestError(f"{name}：{zh} / {name}: {en}")


def max_file_bytes() -> int:
    """The size limit for one article file, from ``PARKQA_MAX_FILE_MB`` (megabytes)."""
    from .config import Settings

    return int(Settings().max_file_mb * _MB)


# ---------------------------------------------------------------- what the bytes really are

_KINDS = {
    "pdf": ("PDF 文件", "a PDF file"),
    "zip": ("ZIP 压缩包（例如 .docx）", "a ZIP archive (such as .docx)"),
    "ole": ("加密的 Office 文件或旧版 .doc/.xls", "an encrypted Office file or an old .doc/.xls"),
    "image": ("图片", "an image"),
    "text": ("纯文本", "plain text"),
}


def _sniff(data: bytes) -> str | None:
    """What the content is, by its leading bytes (None: nothing recognised)."""
    if b"%PDF-" in data[:1024]:     # the header may follow a little junk (PDF spec)
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return "image"
    try:
        data[:4096].decode("utf-8")
        return "text"
    except UnicodeDecodeError as exc:   # a multi-byte character cut at 4096 is still text
        return "text" if exc.start >= 4090 else None


def _mistyped(name: str, kind: str | None, expected: str) -> IngestError:
    zh, en = _KINDS.get(kind or "", ("无法识别的数据", "unrecognised data"))
    return _fail(name, f"内容是{zh}，不是{expected[0]}；请检查文件或改用正确的扩展名",
                 f"its content is {en}, not {expected[1]}; check the file or fix its extension")


# ---------------------------------------------------------------- readers

def _cjk_share(text: str) -> float:
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return 1.0
    common = sum(1 for c in wide if 0x4E00 <= ord(c) <= 0x9FFF or 0x3400 <= ord(c) <= 0x4DBF
                 or 0x3000 <= ord(c) <= 0x303F or 0xFF00 <= ord(c) <= 0xFFEF
                 or 0x2000 <= ord(c) <= 0x206F or c in "·×÷°±")
    return common / len(wide)


def _text(data: bytes, name: str) -> Extracted:
    """Plain text: UTF-8 (BOM allowed) exactly as before, else UTF-16 with a BOM, else GB18030
    (a superset of GBK/GB2312) when the result reads as Chinese."""
    kind = _sniff(data)
    if kind in ("pdf", "zip", "ole", "image"):
        raise _mistyped(name, kind, ("文本", "text"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Extracted(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise _fail(name, "看起来是二进制文件，不是文本文章",
                    "looks like a binary file, not a text article")
    try:
        return Extracted(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _cjk_share(text) >= 0.8:
        return Extracted(text)
    at = utf8_error.start
    raise _fail(name, f"既不是 UTF-8 也不是 GB18030/GBK 编码（第 {at} 字节）；请另存为 UTF-8 后重建索引",
                f"neither UTF-8 nor GB18030/GBK (byte {at}); save it as UTF-8 and re-index")


def _html(data: bytes, name: str) -> Extracted:
    """The main text of a web page (navigation, sidebars and footers dropped by trafilatura),
    one paragraph per block, the page's title as a ``#`` line; and the date, site name and author
    that the page's markup gives (they are seldom in its main text)."""
    import trafilatura

    kind = _sniff(data)
    if kind in ("pdf", "zip", "ole", "image"):
        raise _mistyped(name, kind, ("网页", "an HTML page"))
    options = dict(output_format="txt", include_comments=False, include_tables=True,
                   include_links=False, deduplicate=False)
    text = trafilatura.extract(data, **options) or ""
    if text.strip() and "\n" not in text.strip():
        # on short pages trafilatura may fall back to a baseline that runs every paragraph into
        # one line; its precise mode keeps them apart, so take it when it keeps the paragraphs
        precise = trafilatura.extract(data, favor_precision=True, **options) or ""
        if "\n" in precise.strip() and len(precise) >= 0.7 * len(text):
            text = precise
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if sum(_width(line) for line in lines) < MIN_HTML_TEXT:   # a menu or a link, not an article
        raise _fail(name, "网页中找不到正文", "no main text found in the page")
    meta = trafilatura.extract_metadata(data)
    title = (meta.title or "").strip() if meta is not None else ""
    if title:
        if "".join(lines[0].split()) == "".join(title.split()):
            lines[0] = "# " + lines[0]
        else:
            lines.insert(0, "# " + title)
    page = {key: value.strip() for key, value in (
        ("date", meta and meta.date), ("site", meta and meta.sitename),
        ("author", meta and meta.author)) if isinstance(value, str) and value.strip()}
    return Extracted("\n\n".join(lines) + "\n", page)


def _docx(data: bytes, name: str) -> Extracted:
    """Paragraphs and tables in document order; headings (Title, Heading n) as ``#`` lines."""
    kind = _sniff(data)
    if kind == "ole":
        raise _fail(name, "是加密的 Word 文件或旧版 .doc 格式；请取消密码并另存为 .docx",
                    "an encrypted Word file or the old .doc format; remove the password and "
                    "save it as .docx")
    if kind != "zip":
        raise _mistyped(name, kind, ("Word .docx 文件", "a Word .docx file"))
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:   # python-docx raises several kinds for a zip that is not Word
        raise _fail(name, f"不是有效的 Word .docx 文件（{exc}）",
                    f"not a valid Word .docx file ({exc})") from exc
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:      # a merged cell repeats: keep it once
                    text = " ".join(cell.text.split())
                    if text and (not cells or cells[-1] != text):
                        cells.append(text)
                if cells:
                    blocks.append(" | ".join(cells))
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        level = re.fullmatch(r"(?i)heading\s*(\d)", style)
        if style.lower() == "title" or level:
            text = "#" * (int(level.group(1)) if level else 1) + " " + " ".join(text.split())
        blocks.append(text)
    if not blocks:
        raise _fail(name, "Word 文件里没有文字", "the Word file has no text")
    return Extracted("\n\n".join(blocks) + "\n")


def _width(line: str) -> float:
    return sum(1.0 if ord(c) > 0x2E7F else 0.5 for c in line if not c.isspace())


def _paragraphs(page: str) -> str:
    """A PDF's text layer has a line break at every printed line and none between paragraphs.
    A line clearly shorter than the page's full lines ends a paragraph or is a heading: a blank
    line after it keeps it apart, while full lines are left for the layout repair to join."""
    lines = [line.strip() for line in page.splitlines()]
    widths = sorted(_width(line) for line in lines if line)
    if not widths:
        return ""
    full = widths[int(0.9 * (len(widths) - 1))]
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line and _width(line) < 0.75 * full:
            out.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _pdf(data: bytes, name: str) -> Extracted:
    """The text layer of each page (pypdf), pages separated by a blank line. A PDF without any
    text (a scanned page is an image) is an error, never an empty article."""
    kind = _sniff(data)
    if kind != "pdf":
        raise _mistyped(name, kind, ("PDF 文件", "a PDF file"))
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:    # many PDFs are encrypted only to restrict editing: an empty password opens them
                opened = reader.decrypt("")
            except Exception:
                opened = 0
            if not opened:
                raise _fail(name, "PDF 已加密（需要密码）；请去除密码后再添加",
                            "the PDF is encrypted (it needs a password); remove the password and "
                            "add it again")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except Exception as exc:
        raise _fail(name, f"PDF 无法读取（{exc}）", f"the PDF cannot be read ({exc})") from exc
    texts = [_paragraphs(p) for p in pages]
    if not any(texts):
        raise _fail(name, f"PDF 共 {len(pages)} 页，但没有文字层（可能是扫描件）；请先做文字识别（OCR）",
                    f"the PDF has {len(pages)} page(s) but no text layer (a scanned image?); "
                    "run OCR on it first")
    blank = [i + 1 for i, t in enumerate(texts) if not t]
    if blank:
        log.warning("%s: pages without a text layer (scanned?) are left out: %s", name, blank)
    return Extracted("\n\n".join(t for t in texts if t) + "\n")


def _size(n: int) -> str:
    return f"{n / _MB:.1f} MB" if n >= _MB else f"{n / 1024:.1f} KB"


_READERS = {".txt": _text, ".md": _text, ".html": _html, ".htm": _html, ".docx": _docx,
            ".pdf": _pdf}
SUPPORTED_SUFFIXES = tuple(_READERS)


def extract_text(path: Path) -> str:
    """The plain text of an article file (``extract(path).text``)."""
    return extract(path).text


def extract(path: Path, *, max_bytes: int | None = None) -> Extracted:
    """The plain text of an article file, and what a web page says about itself; an
    ``IngestError`` naming the file when it has no text."""
    path = Path(path)
    name = path.name
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise _fail(name, f"不支持的文件类型 {path.suffix or '（无扩展名）'}",
                    f"unsupported file type {path.suffix or '(no extension)'}; supported: "
                    + ", ".join(SUPPORTED_SUFFIXES))
    limit = max_file_bytes() if max_bytes is None else max_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise _fail(name, f"文件太大（{_size(size)}，上限 {_size(limit)}，可用 {MAX_FILE_ENV} 调整）",
                        f"the file is too large ({_size(size)}, the limit is {_size(limit)}; "
                        f"see {MAX_FILE_ENV})")
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _fail(name, f"无法读取文件（{reason}）", f"cannot read the file ({reason})") from exc
    if not data.strip():
        raise _fail(name, "文件是空的", "the file is empty")
    found = reader(data, name)
    if not found.text.strip():
        raise _fail(name, "文件是空的", "the file is empty")
    return found
