"""What editors keep beside the index: curated answers (FAQ), and words and synonyms added to the
ones the index finds in its articles.

Both live in one folder (``PARKQA_CURATED``, default ``curated/`` beside ``index/``), never in an
index generation: publishing a new generation replaces ``index/`` whole, and this data must
outlive it. ``faq.json`` is read by every worker before its next answer (its modification time
is checked, as the index link is); ``lexicon.json`` is applied by the next re-index, and an index
built from other words or synonyms is stale. Writes replace a file in one ``rename(2)`` under a
file lock, so a reader sees the old file or the new one and two editors never lose each other's
change.

Example::

    >>> store = Curated(Path("curated"))                                    # doctest: +SKIP
    >>> store.save_lexicon(["晋创谷"], [["中科潞安", "山西中科潞安紫外光电科技有限公司"]])  # doctest: +SKIP
    >>> store.put_faq({"question": "园区咨询电话是多少？", "answer": "0355-1234567",
    ...                "source": "园区管委会办公室"})                          # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
import unicodedata
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock

FAQ_FILE, LEXICON_FILE = "faq.json", "lexicon.json"
MAX_QUESTION, MAX_ANSWER, MAX_SOURCE, MAX_PARAPHRASES = 200, 2000, 300, 20
MAX_FAQ, MAX_WORDS, MAX_GROUPS, MAX_GROUP, MAX_WORD = 2000, 5000, 2000, 20, 30
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff][0-9A-Za-z\u3400-\u9fff·\-&.()（）]*")


class CuratedError(ValueError):
    """Editor input that cannot be saved; the message is Chinese, for the page."""


@dataclass
class FaqEntry:
    question: str
    answer: str
    paraphrases: list[str] = field(default_factory=list)
    doc: str = ""         # the article that holds the answer (a file in seeds/)
    quote: str = ""       # the words of that article to cite and mark (optional)
    source: str = ""      # a source in words, when no article holds it ("管委会办公室，2026年")
    id: str = ""
    updated: str = ""

    def questions(self) -> list[str]:
        return [self.question, *self.paraphrases]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class EditorLexicon:
    words: list[str] = field(default_factory=list)
    synonyms: list[list[str]] = field(default_factory=list)   # each group names one thing

    def to_dict(self) -> dict:
        return {"words": self.words, "synonyms": self.synonyms}

    def fingerprint(self) -> str:
        """What an index built from these entries records: "" when there are none."""
        if not self.words and not self.synonyms:
            return ""
        data = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def clean_text(value, what: str, limit: int, *, required: bool = True) -> str:
    text = " ".join(unicodedata.normalize("NFC", str(value or "")).split())
    if required and not text:
        raise CuratedError(f"{what}不能为空。")
    if len(text) > limit:
        raise CuratedError(f"{what}太长（超过 {limit} 字）。")
    if any(unicodedata.category(c)[0] == "C" for c in text):
        raise CuratedError(f"{what}含有控制字符。")
    return text


def clean_word(value) -> str:
    """A word as jieba and the index's text see it (NFKC: full-width letters and digits)."""
    word = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not (2 <= len(word) <= MAX_WORD) or not _WORD.fullmatch(word):
        raise CuratedError(f"词语不可用：“{word[:40]}”（2 到 {MAX_WORD} 个汉字、字母或数字，不含空格）。")
    return word


def check_lexicon(words, synonyms) -> EditorLexicon:
    """Validated entries, duplicates dropped, order kept."""
    if not isinstance(words, list) or not isinstance(synonyms, list):
        raise CuratedError("格式不正确：words 应为词语列表，synonyms 应为同义词组的列表。")
    if len(words) > MAX_WORDS or len(synonyms) > MAX_GROUPS:
        raise CuratedError(f"词语最多 {MAX_WORDS} 个，同义词组最多 {MAX_GROUPS} 组。")
    clean_words = list(dict.fromkeys(clean_word(w) for w in words))
    groups, seen = [], {}
    for n, group in enumerate(synonyms, 1):
        if not isinstance(group, list) or len(group) > MAX_GROUP:
            raise CuratedError(f"第 {n} 组同义词格式不正确（最多 {MAX_GROUP} 个词）。")
        variants = list(dict.fromkeys(clean_word(v) for v in group))
        if len(variants) < 2:
            raise CuratedError(f"第 {n} 组同义词至少要有两个不同的写法。")
        for v in variants:
            if v in seen:
                raise CuratedError(f"“{v}”同时出现在第 {seen[v]} 组和第 {n} 组同义词里。")
            seen[v] = n
        groups.append(variants)
    return EditorLexicon(clean_words, groups)


def check_faq(data: dict) -> FaqEntry:
    """An FAQ entry from an editor's fields (its source checked against the index elsewhere)."""
    if not isinstance(data, dict):
        raise CuratedError("格式不正确：每条问答应为一个对象。")
    paraphrases = data.get("paraphrases") or []
    if isinstance(paraphrases, str):       # one per line, as the page's text box sends them
        paraphrases = paraphrases.splitlines()
    if not isinstance(paraphrases, list) or len(paraphrases) > MAX_PARAPHRASES:
        raise CuratedError(f"相似问法最多 {MAX_PARAPHRASES} 个。")
    question = clean_text(data.get("question"), "标准问题", MAX_QUESTION)
    others = [clean_text(p, "相似问法", MAX_QUESTION, required=False) for p in paraphrases]
    entry = FaqEntry(
        question=question, answer=clean_text(data.get("answer"), "答案", MAX_ANSWER),
        paraphrases=[p for p in dict.fromkeys(others) if p and p != question],
        doc=clean_text(data.get("doc"), "来源文章", 200, required=False),
        quote=clean_text(data.get("quote"), "引用原文", MAX_ANSWER, required=False),
        source=clean_text(data.get("source"), "来源说明", MAX_SOURCE, required=False),
        id=str(data.get("id") or "").strip()[:40], updated=str(data.get("updated") or ""))
    if entry.quote and not entry.doc:
        raise CuratedError("填写了引用原文，请同时选择它所在的文章。")
    if not entry.doc and not entry.source:
        raise CuratedError("请注明答案的来源：选择一篇文章，或填写来源说明。")
    if entry.id and not re.fullmatch(r"[A-Za-z0-9_-]+", entry.id):
        raise CuratedError("问答编号只能含字母、数字、-、_。")
    return entry


class Curated:
    """The editor's folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _read(self, name: str) -> dict:
        try:
            return json.loads((self.folder / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CuratedError(f"{self.folder / name} 无法读取：{exc}") from exc

    def _write(self, name: str, data: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{name}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.folder / name)

    def _lock(self) -> FileLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.folder / ".lock"), timeout=30)

    # ------------------------------------------------------------ words and synonyms
    def lexicon(self) -> EditorLexicon:
        data = self._read(LEXICON_FILE)
        return EditorLexicon(list(data.get("words", [])), [list(g) for g in data.get("synonyms", [])])

    def save_lexicon(self, words, synonyms) -> EditorLexicon:
        lex = check_lexicon(words, synonyms)
        with self._lock():
            self._write(LEXICON_FILE, {"version": 1, **lex.to_dict()})
        return lex

    # ------------------------------------------------------------ curated answers
    def faq_version(self) -> tuple[int, int] | None:
        """Changes whenever faq.json is replaced (one ``stat``)."""
        try:
            st = os.stat(self.folder / FAQ_FILE)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino

    def faq(self) -> list[FaqEntry]:
        try:
            return [FaqEntry(**e) for e in self._read(FAQ_FILE).get("entries", [])]
        except (TypeError, AttributeError) as exc:     # a hand-edited file gone wrong
            raise CuratedError(f"{self.folder / FAQ_FILE} 格式不正确：{exc}") from exc

    def put_faq(self, entry: FaqEntry) -> FaqEntry:
        """Add ``entry``, or replace the one with its id."""
        with self._lock():
            entries = self.faq()
            if not entry.id:
                entry.id = "faq-" + uuid.uuid4().hex[:8]
            entry.updated = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            kept = [e for e in entries if e.id != entry.id]
            if len(kept) >= MAX_FAQ:
                raise CuratedError(f"人工审核答案最多 {MAX_FAQ} 条。")
            self._save_faq(kept + [entry])
        return entry

    def delete_faq(self, faq_id: str) -> bool:
        with self._lock():
            entries = self.faq()
            kept = [e for e in entries if e.id != faq_id]
            if len(kept) != len(entries):
                self._save_faq(kept)
        return len(kept) != len(entries)

    def replace_faq(self, entries: list[FaqEntry]) -> None:
        """All entries at once (an import); ids are kept, missing ones are given."""
        if len(entries) > MAX_FAQ:
            raise CuratedError(f"人工审核答案最多 {MAX_FAQ} 条。")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for e in entries:
            e.id = e.id or "faq-" + uuid.uuid4().hex[:8]
            e.updated = e.updated or now
        if len({e.id for e in entries}) != len(entries):
            raise CuratedError("导入的问答编号（id）有重复。")
        with self._lock():
            self._save_faq(entries)

    def merge_faq(self, entries: list[FaqEntry]) -> list[str]:
        """Add ``entries`` to the stored ones in one write (an import from a file): one with a
        stored id, or else a stored question, replaces that entry and keeps its id; the rest are
        added. Nothing else stored changes. Per entry: "added", "updated", "unchanged" or "full"
        (not saved: MAX_FAQ reached)."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        out = []
        with self._lock():
            stored = self.faq()
            by_id = {e.id: i for i, e in enumerate(stored)}
            by_question = {e.question: i for i, e in enumerate(stored)}
            for e in entries:
                i = by_id[e.id] if e.id in by_id else by_question.get(e.question)
                if i is not None:
                    e.id, e.updated = stored[i].id, stored[i].updated
                    if e == stored[i]:
                        out.append("unchanged")
                        continue
                    e.updated, stored[i] = now, e
                    by_question[e.question] = i
                    out.append("updated")
                elif len(stored) >= MAX_FAQ:
                    out.append("full")
                else:
                    e.id, e.updated = e.id or "faq-" + uuid.uuid4().hex[:8], now
                    by_id[e.id] = by_question[e.question] = len(stored)
                    stored.append(e)
                    out.append("added")
            if any(r in ("added", "updated") for r in out):
                self._save_faq(stored)
        return out

    def _save_faq(self, entries: list[FaqEntry]) -> None:
        self._write(FAQ_FILE, {"version": 1, "entries": [e.to_dict() for e in entries]})
