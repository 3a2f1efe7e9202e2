"""What an article says about itself: title, subtitle, where and when it was printed, and who
wrote it, read from the newspaper layout when the index is built and saved with it as data.

Chinese newspapers print these in a few places, whatever the paper: the main title (主题) with a
dash-led subtitle (副题) below or above it, or a kicker (引题) just above it; masthead lines before
the body (the paper's name, the date, 第3版, a special issue such as 两会特刊, "（上接第一版）");
a byline under the title ("本报记者 张三 通讯员 李四"), at the head of the first paragraph
("本报讯（记者 张三）", "新华社北京1月5日电（记者 张三）") or at the end ("张三/文 李四/图", or bare
names after the last sentence: "……迈进。 张三 李四"). Only those places are read: a date or a
paper named inside the body text is news, not the article's own. When the text has no date, a
web page's own date (trafilatura), a date in the file name, then the file's time stand in, and
``date_from`` says which.

Example::

    >>> meta = read_meta([Line("长治日报 2026年1月5日 第3版", True),
    ...                   Line("园区新签约项目62个 总投资超百亿元", True),
    ...                   Line("本报记者 张三", True), Line("今年以来，" + "园区" * 30 + "。", False)])
    >>> meta.title, meta.source, meta.date, meta.byline
    ('园区新签约项目62个 总投资超百亿元', '长治日报 第3版', '2026-01-05', '本报记者 张三')
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

from .punctuation import SENTENCE_END, ends_complete, squash

_MARKERS = "①②③④⑤←↓→↑▶"          # picture captions and arrows, never a title
_DECOR = "▶►▷■□●○◆◇★☆•·—-=*#|｜ \u3000"
_SCAN = 20                          # masthead and byline lines sit within the first blocks

_ROLE = re.compile(r"(?:本报|本刊|本台|本网|首席|特约|见习|实习)*"
                   r"(?:记者|通讯员|实习生|评论员|撰稿人?|作者|摄影|摄像)")
_CREDIT = re.compile(r"文|图|摄|文图|图文|文字|视频")            # "张三/文", "文/张三", "张三 摄"
_EDITOR = re.compile(r"编辑|责编|校对|审核|审校|美编|组版|编审|监制|排版")
_NAME = re.compile(r"[\u4e00-\u9fff·]{2,5}")
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年\s*|[-./])(\d{1,2})\s*(?:月\s*|[-./])"
                   r"(\d{1,2})(?!\d)")
_COMPACT_DATE = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d{2})(\d{2})(\d{2})(?![0-9A-Za-z])")
_YEAR_LINE = re.compile(r"((?:19|20)\d{2})\s*年?")
# a paper's name: these endings name one anywhere; a bare 报 or 网 only beside a date or a page
_PAPER = re.compile(r"(?:^|[\s《|｜·])([\u4e00-\u9fff]{2,8}?(?:(日报|晚报|早报|晨报|时报|商报|周报|导报)|"
                    r"报|网))(?=$|[\s》|｜·])")
_ISSUE = re.compile(r"[\u4e00-\u9fff\d]{0,8}(?:特刊|专刊|增刊|副刊|专版|特辑)|总?第\s*[\d,]+\s*期")
_PAGE = re.compile(r"(上接|下转)?\s*(第\s*(?:[A-Z]?\d{1,2}|[一二三四五六七八九十]{1,3})\s*版|"
                   r"[A-Z]\d{1,2}\s*版)")
_DATELINE = re.compile(r"^(?:本报讯|([\u4e00-\u9fff]{2,4}社)[\u4e00-\u9fff]{0,6}\d{1,2}月\d{1,2}日电)"
                       r"\s*[（(]([^）)]{2,40})[）)]")


@dataclass
class Line:
    """One paragraph or heading line of an article as printed (inner spaces kept)."""
    text: str
    heading: bool


@dataclass
class ArticleMeta:
    title: str = ""          # the main title (主题)
    subtitle: str = ""       # the dash-led 副题, else the kicker (引题) printed above the title
    newspaper: str = ""      # the paper, agency or web site that printed it
    issue: str = ""          # a special issue or number as printed: 两会特刊, 第12345期
    page: str = ""           # 第3版, A3版, or 上接第一版 for a continued article
    date: str = ""           # ISO: 2026-01-05, 2026-01 or 2026
    date_from: str = ""      # text | page (web page's date) | file name | file time
    byline: str = ""         # reporters and authors as printed: 本报记者 张三 通讯员 李四

    @property
    def source(self) -> str:
        """Where it was printed, in one line: "长治日报 两会特刊 第3版"."""
        return " ".join(x for x in (self.newspaper, self.issue, self.page) if x)

    def full_title(self) -> str:
        return full_title(self.title, self.subtitle)

    def credits(self) -> str:
        return credits(self.source, self.date, self.date_from, self.byline)

    def citation_fields(self) -> dict:
        """What every citation carries about its article (the JSON contract's fields)."""
        return {"title": self.title, "subtitle": self.subtitle, "source": self.source,
                "date": self.date, "date_from": self.date_from, "byline": self.byline}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ArticleMeta":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def full_title(title: str, subtitle: str = "") -> str:
    """Title and subtitle the way a Chinese citation joins them: 主题——副题."""
    return f"{title}——{subtitle}" if subtitle else title


def date_zh(date: str, date_from: str = "") -> str:
    """An ISO date in Chinese; a file's time is said to be one, never passed off as printed."""
    if not date:
        return ""
    text = "".join(f"{int(v)}{u}" for v, u in zip(date.split("-"), "年月日"))
    return f"文件日期 {text}" if date_from == "file time" else text


def credits(source: str, date: str, date_from: str, byline: str) -> str:
    """By whom, where and when, in the order a Chinese citation gives them:
    "本报记者 张三 · 长治日报 第3版 · 2026年1月5日"."""
    return " · ".join(x for x in (byline, source, date_zh(date, date_from)) if x)


# ---------------------------------------------------------------- title

def _is_subtitle_line(text: str) -> bool:
    return text.startswith("——") and len(text) <= 60 and not ends_complete(text)


def title_lines(lines: list[Line]) -> tuple[int | None, int | None]:
    """Indexes of the title line and of its dash-led subtitle (above or below it), if any.
    A line marked as a title (``# ``) wins; else the first heading of 8 characters or more."""
    headings = [(i, x.text.lstrip("#").strip()) for i, x in enumerate(lines) if x.heading]
    marked = [(i, x.text.lstrip("#").strip()) for i, x in enumerate(lines)
              if x.text.startswith("# ")]
    for i, text in marked + headings:
        bare = text.strip("—-— ")
        if (len(squash(bare)) >= 8 and bare[:1] not in _MARKERS and not text.startswith("——")
                and not _masthead(text) and not _byline(text)):
            # the first line of this text holds the title (a copy may sit earlier, e.g. a kicker)
            i = next(j for j, x in enumerate(lines) if x.text.lstrip("#").strip().strip("—-— ") == bare)
            sub = next((j for j in (i + 1, i - 1) if 0 <= j < len(lines)
                        and _is_subtitle_line(lines[j].text.strip())), None)
            return i, sub
    return None, None


def search_title(lines: list[Line], doc: str) -> str:
    """The title as questions are matched against it: title and dash-led subtitle in one string
    (the file's stem when the article has no title line)."""
    i, sub = title_lines(lines)
    if i is None:
        return Path(doc).stem
    title = lines[i].text.lstrip("#").strip().strip("—-— ")
    return title + (lines[sub].text.strip() if sub is not None else "")


def _kicker(lines: list[Line], i: int) -> str:
    """A heading just above the title that is neither masthead nor byline: the 引题."""
    text = lines[i - 1].text.strip() if i and lines[i - 1].heading else ""
    if (text.startswith("#") or text[:1] in _MARKERS or ends_complete(text)
            or not 6 <= len(squash(text)) <= 40 or _masthead(text) or _byline(text)):
        return ""
    return text


# ---------------------------------------------------------------- bylines

def _name(part: str) -> bool:
    return bool(_NAME.fullmatch(part)) and len(part.replace("·", "")) <= 4


def _looks_like_names(parts: list[str]) -> bool:
    """Bare names (no 记者, no /文) only count when jieba reads each as a person's name."""
    import jieba.posseg

    return all(_name(p) and all(w.flag.startswith("nr") for w in jieba.posseg.lcut(p))
               for p in parts)


def _byline(text: str, *, bare: bool = False) -> str:
    """``text`` as a byline (decorations dropped, spacing kept), or "" when it is not one: every
    piece must be a role word (记者, 通讯员, /文, 摄) or a person's name, with at least one name.
    With ``bare``, names alone are accepted when they read as names."""
    text = text.strip().lstrip(_DECOR).strip()
    if text[:1] in "（(" and text[-1:] in "）)":
        text = text[1:-1].strip()
    if (not text or len(text) > 60 or any(c in text for c in SENTENCE_END | set("，,；;"))
            or re.search(r"\d", text) or _EDITOR.search(text)):
        return ""
    names, roles = [], 0
    for token in re.sub(r"\s*[/／|｜]\s*", "/", text.replace("：", " ").replace(":", " ")).split():
        for part in re.split(f"({_ROLE.pattern})|/", token):
            if not part:
                continue
            if _ROLE.fullmatch(part) or _CREDIT.fullmatch(part):
                roles += 1
                continue
            if part.endswith("摄") and _name(part[:-1]):   # "张三摄"
                part, roles = part[:-1], roles + 1
            if not _name(part):
                return ""
            names.append(part)
    if not names or not (roles or (bare and len(names) <= 4 and _looks_like_names(names))):
        return ""
    return " ".join(text.split())


def _tail(text: str) -> str:
    """What follows the last sentence end of a paragraph, set off by a space ("……迈进。 张三")."""
    cut = max(text.rfind(c) for c in SENTENCE_END)
    tail = text[cut + 1:] if cut >= 0 else ""
    return tail.strip() if tail[:1].isspace() or tail.lstrip()[:1] in "（(" else ""


# ---------------------------------------------------------------- masthead

def _masthead(text: str) -> dict:
    """Newspaper, issue, page and date found in one masthead line (a line, not a sentence)."""
    if any(c in text for c in SENTENCE_END) or len(squash(text)) > 40:
        return {}
    found: dict = {}
    issue = _ISSUE.search(text)
    if issue:
        found["issue"] = squash(issue.group(0))
    page = _PAGE.search(text)
    if page and page.group(1) != "下转":          # "continued on page 3" says nothing of this page
        found["page"] = squash((page.group(1) or "") + page.group(2))
    date = _iso(_DATE.search(text))
    if date:
        found["date"] = date
    source = re.match(r"\s*(?:来源|稿源)\s*[:：]\s*《?([^\s》]+)", text)
    paper = _PAPER.search(text)
    if source:
        found["newspaper"] = _DATE.split(source.group(1))[0]
    elif paper and not paper.group(1).startswith("本") and (paper.group(2) or found):
        found["newspaper"] = paper.group(1)
    return found


def _iso(m: re.Match | None) -> str:
    if m is None:
        return ""
    year, month, day = (int(g) for g in m.groups())
    try:
        return datetime(year, month, day).strftime("%Y-%m-%d")
    except ValueError:
        return ""


def _body(lines: list[Line]) -> tuple[int, int]:
    """The first and last paragraphs of running text (captions and mastheads are short)."""
    body = [i for i, x in enumerate(lines) if not x.heading and len(squash(x.text)) >= 30
            and any(c in x.text for c in SENTENCE_END)]
    start = next((i for i in body if len(squash(lines[i].text)) >= 50), len(lines))
    return start, (body[-1] if body else -1)


def read_meta(lines: list[Line]) -> ArticleMeta:
    """Everything the text itself says about the article (no file names, no file times)."""
    meta = ArticleMeta()
    i, sub = title_lines(lines)
    if i is not None:
        meta.title = lines[i].text.lstrip("#").strip().strip("—-— ")
        meta.subtitle = (lines[sub].text.strip().strip("—-— ") if sub is not None
                         else _kicker(lines, i))
    start, end = _body(lines)
    taken = {i, sub, i - 1 if i and meta.subtitle and sub is None else None}
    front = [x.text for k, x in enumerate(lines[:min(start, _SCAN)]) if k not in taken]
    back = [x.text for x in lines[end + 1:]] if end >= start else []
    bylines: list[str] = []
    for text in front + back:
        for key, value in _masthead(text).items():
            setattr(meta, key, getattr(meta, key) or value)
        found = _byline(text)
        if found and found not in bylines:
            bylines.append(found)
    if not meta.date:   # a year alone on a masthead line ("2026" over a special issue)
        year = next((m.group(1) for t in front if (m := _YEAR_LINE.fullmatch(t.strip()))), "")
        meta.date = year
    if start < len(lines):
        head = _DATELINE.match(lines[start].text.strip())
        if head:
            meta.newspaper = meta.newspaper or (head.group(1) or "")
            found = _byline(head.group(2))
            if found and found not in bylines:
                bylines.insert(0, found)
    if end >= 0:
        found = _byline(_tail(lines[end].text), bare=True)
        if found and found not in bylines:
            bylines.append(found)
    meta.byline = "；".join(bylines)
    meta.date_from = "text" if meta.date else ""
    if not meta.title:   # no title line: the opening words, never the file name
        first = lines[start].text if start < len(lines) else (lines[0].text if lines else "")
        meta.title = first[:24] + ("…" if len(first) > 24 else "")
    return meta


def complete(meta: ArticleMeta, path: Path, page: dict) -> None:
    """Fill what the text did not say: a web page's own site, author and date (``page``, from
    ``parkqa.ingest``), else a date in the file name ("2026-01-05_…", "20260105"), else the
    file's modification time (marked as such)."""
    meta.newspaper = meta.newspaper or page.get("site", "")
    meta.byline = meta.byline or page.get("author", "")
    if meta.date:
        return
    named = _iso(_DATE.search(path.stem) or _COMPACT_DATE.search(path.stem))
    if page.get("date") or named:
        meta.date, meta.date_from = (page["date"], "page") if page.get("date") else (named, "file name")
    else:
        meta.date = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d")
        meta.date_from = "file time"
