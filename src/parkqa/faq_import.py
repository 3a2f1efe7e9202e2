"""Reading an editor's FAQ file: the admin page's 导入文件 button (``POST /api/faq/upload``) and
``parkqa faq import FILE``. Every row is checked like an entry typed into the page; the good rows
are imported, the bad ones come back with their line numbers and a Chinese reason, and nothing
already stored is removed.

Three shapes, told apart by their content:

* JSONL, one entry per line: ``{"question": "…", "answer": "…", "source": "…"}`` with the fields
  of ``curated.check_faq`` (``paraphrases``, ``doc``, ``quote``, ``id`` optional);
* the JSON that ``GET /api/faq`` and ``parkqa faq export`` write (``{"entries": [...]}``, or a bare
  list), so an export imports back;
* CSV (or tab-separated) with a header row naming those fields in English or as the page labels
  them (标准问题, 答案, 相似问法, 来源文章, 引用原文, 来源说明, 编号); several paraphrases go
  in one cell, one per line or separated by ``|``.

UTF-8 (with or without BOM) is expected; a file that is not UTF-8 but valid GB18030 (what Excel
on a Chinese Windows saves as CSV) is read as that.

Example::

    >>> read_faq_file('question,answer,source\\n园区电话？,0355-1234567,管委会\\n'.encode())
    ... # doctest: +ELLIPSIS
    FaqFile(format='csv', encoding='UTF-8', rows=[Row(line=2, data={...})], bad=[], ignored=[])
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from .curated import MAX_FAQ, CuratedError, FaqEntry, check_faq

MAX_FILE_BYTES = 4 * 1024 * 1024    # 2000 entries with long answers fit in well under this
FIELDS = {"question": ("question", "标准问题", "问题"), "answer": ("answer", "答案"),
          "paraphrases": ("paraphrases", "相似问法"), "doc": ("doc", "来源文章"),
          "quote": ("quote", "引用原文"), "source": ("source", "来源说明", "来源"),
          "id": ("id", "编号")}
_HEADER = {alias.lower(): name for name, aliases in FIELDS.items() for alias in aliases}
_SPLIT = re.compile(r"\s*(?:\r?\n|[|｜])\s*")


class FaqFileError(CuratedError):
    """The file as a whole cannot be read (nothing in it is imported)."""


class Row(NamedTuple):
    line: int          # where the entry starts in the file, counting from 1
    data: object       # an entry's fields (a dict, unless the file is wrong)


@dataclass
class FaqFile:
    format: str                   # "jsonl", "json" (an export) or "csv"
    encoding: str
    rows: list[Row]
    bad: list[dict] = field(default_factory=list)      # {"line": n, "error": "…"}
    ignored: list[str] = field(default_factory=list)   # CSV columns that are no field


def decode(raw: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read in; FaqFileError when it is no text."""
    if not raw.strip():
        raise FaqFileError("文件是空的：请上传每行一条问答的 JSONL 文件或带表头的 CSV 文件。")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in raw:
        try:
            return raw.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
        try:
            return raw.decode("gb18030"), "GB18030"
        except UnicodeDecodeError:
            raise FaqFileError(f"无法识别文件编码（第 {line} 行起不是 UTF-8 文字）：请在编辑器或 Excel 中"
                               "另存为“UTF-8”编码后再导入。") from None
    raise FaqFileError("这不是文本文件（含有二进制内容）：请上传 UTF-8 编码的 JSONL 或 CSV 文件。")


def read_faq_file(raw: bytes, max_rows: int = MAX_FAQ) -> FaqFile:
    """The rows of an FAQ file, not yet checked as entries (``check_rows`` does that)."""
    text, encoding = decode(raw)
    if sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n") > len(text) // 100:
        raise FaqFileError("这不是文本文件（含有大量控制字符）：请上传 UTF-8 编码的 JSONL 或 CSV 文件。")
    if text.lstrip().startswith(("{", "[")):
        kind, rows, bad = _json_or_jsonl(text)
        out = FaqFile(kind, encoding, rows, bad)
    else:
        out = FaqFile("csv", encoding, *_csv(text))
    if len(out.rows) > max_rows:
        cut = out.rows[max_rows].line
        out.bad.append({"line": cut, "error": f"文件超过 {max_rows} 条问答：从第 {cut} 行起未读取。"})
        out.rows = out.rows[:max_rows]
    if not out.rows and not out.bad:
        raise FaqFileError("文件里没有问答：每条至少要有标准问题（question）和答案（answer）。")
    return out


def _object(line: str):
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _lines(text: str) -> list[str]:
    """Lines as an editor counts them: split at line breaks only (``str.splitlines`` also splits
    at U+2028 and other characters valid inside a JSON string or a CSV cell)."""
    return list(io.StringIO(text, newline=""))


def _jsonl(text: str) -> tuple[list[Row], list[dict]]:
    rows, bad = [], []
    for n, line in enumerate(_lines(text), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            bad.append({"line": n, "error": f"不是有效的 JSON（第 {exc.colno} 个字符附近）"
                        if isinstance(exc, json.JSONDecodeError) else "不是有效的 JSON"})
            continue
        if isinstance(value, dict):
            rows.append(Row(n, value))
        else:
            bad.append({"line": n, "error": "这一行应为一个 JSON 对象，如 {\"question\": …, \"answer\": …}。"})
    return rows, bad


def _json_or_jsonl(text: str) -> tuple[str, list[Row], list[dict]]:
    """An export (the whole file one JSON value holding a list) or JSONL (one object a line)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if any(_object(line) is not None for line in _lines(text)[:100]):
            return ("jsonl", *_jsonl(text))   # a JSONL file with a broken line: the rest counts
        raise FaqFileError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：文件无法读取，"
                           "请检查括号、引号和逗号；每行一条的 JSONL 文件里坏行会被单独列出。") from None
    if isinstance(data, dict) and "entries" not in data:
        return ("jsonl", *_jsonl(text))       # one entry alone
    entries = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise FaqFileError("JSON 文件应为导出的格式 {\"entries\": [...]}，或问答对象的列表。")
    # where each entry starts: decode the array element by element from its "["
    decoder, rows = json.JSONDecoder(), []
    pos = _entries_at(text, decoder) if isinstance(data, dict) else text.index("[")
    pos, line, counted = pos + 1, 1, 0
    for value in entries:
        pos = _skip(text, pos, " \t\r\n,")
        line, counted = line + text.count("\n", counted, pos), pos
        _, pos = decoder.raw_decode(text, pos)
        rows.append(Row(line, value))
    return "json", rows, []


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _entries_at(text: str, decoder: json.JSONDecoder) -> int:
    """Where the value of the top-level key "entries" starts (the text is valid JSON)."""
    pos = text.index("{") + 1
    while True:
        key, pos = decoder.raw_decode(text, _skip(text, pos, " \t\r\n,"))
        pos = _skip(text, _skip(text, pos, " \t\r\n") + 1, " \t\r\n")   # past the ":"
        if key == "entries":
            return pos
        _, pos = decoder.raw_decode(text, pos)


def _csv(text: str) -> tuple[list[Row], list[dict], list[str]]:
    lines = _lines(text)
    head = lines[0] if lines else ""
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    names = [_HEADER.get(h) for h in header]
    if "question" not in names or "answer" not in names:
        raise FaqFileError("CSV 文件第 1 行应为表头，至少包含 question 和 answer 两列（也可写作“标准问题”"
                           f"和“答案”），可选 {'、'.join(list(FIELDS)[2:])}；读到的是："
                           f"{'、'.join(header)[:200] or '（空行）'}。")
    ignored = [h for h, n in zip(header, names) if n is None and h]
    rows, bad, start = [], [], reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:      # a cell past csv's size limit: a quote left open swallows the rest
            bad.append({"line": start, "error": "CSV 格式错误：单元格过长，或从这一行起英文双引号没有配对。"})
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if start > len(lines) and start - line > 1 and len(cells) < len(header):
            bad.append({"line": line, "error": f"CSV 格式错误：从这一行起英文双引号没有配对，"
                        f"第 {line} 到 {start - 1} 行都被读成了一个单元格。"})
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            bad.append({"line": line, "error": f"这一行有 {len(cells)} 列，比表头多（表头 {len(header)} 列）："
                        "含逗号的内容请用英文双引号括起来。"})
            continue
        data = {n: c for n, c in zip(names, cells) if n}
        if data.get("paraphrases"):
            data["paraphrases"] = [p for p in _SPLIT.split(data["paraphrases"]) if p]
        rows.append(Row(line, data))
    return rows, bad, ignored


def check_rows(rows: list[Row], index, *, default_source: str = "") -> tuple[list[tuple[int, FaqEntry]], list[dict]]:
    """Each row as an entry, checked like the page's form (its article and quote against
    ``index``); a question or id given twice in the file is kept once, at its first line."""
    from .faq import check_source

    good, bad, seen = [], [], {}
    for line, data in rows:
        if not isinstance(data, dict):
            bad.append({"line": line, "error": "格式不正确：每条问答应为一个对象。"})
            continue
        if not str(data.get("doc") or "").strip() and not str(data.get("source") or "").strip():
            if not default_source:      # the form's message names its fields, not the file's
                bad.append({"line": line, "error": "没有注明来源：请填写 doc（来源文章）或 source（来源说明）"
                            "这一列，或在导入时填写默认来源说明。"})
                continue
            data = {**data, "source": default_source}
        try:
            entry = check_faq(data)
            check_source(entry, index)
        except CuratedError as exc:
            bad.append({"line": line, "error": str(exc)})
            continue
        for key in (("q", entry.question), ("id", entry.id)):
            if key[1] and key in seen:
                what = "标准问题" if key[0] == "q" else "编号"
                bad.append({"line": line, "error": f"与第 {seen[key]} 行的{what}重复，未导入。"})
                break
        else:
            seen.update({("q", entry.question): line, ("id", entry.id): line})
            good.append((line, entry))
    return good, bad
