"""What a person sees while parkqa prepares itself: tqdm bars, short notices, one summary line.

Bars go to stderr, and only when stderr is a terminal (never under ``--json``, in a pipe, a log
file or a test); ``PARKQA_PROGRESS=0`` turns them off and ``1`` forces them on. Notices and the
summary are single lines on stderr, shown whenever something slow happens (preparing the model,
building the index), so a first start is never silent; they are logged too.

Example::

    >>> from parkqa import progress
    >>> for art in progress.bar(articles, desc="读取文章 / reading"):   # doctest: +SKIP
    ...     ...
"""
from __future__ import annotations

import logging
import sys

log = logging.getLogger("parkqa")

_forced: bool | None = None   # set by the CLI: False under --json


def set_bars(enabled: bool | None) -> None:
    """``False`` hides bars (``--json``), ``True`` shows them, ``None`` decides by terminal."""
    global _forced
    _forced = enabled


def bars_enabled() -> bool:
    from .config import Settings

    setting = Settings().progress
    if setting is False:
        return False
    if _forced is not None:
        return _forced
    if setting:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):   # replaced or closed stderr
        return False


def bar(iterable=None, *, desc: str, total: int | None = None, unit: str = "it"):
    """A tqdm bar on stderr (a silent one when bars are off); use it as tqdm."""
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True, disable=not bars_enabled(), mininterval=0.2)


class Stages:
    """A bar over named stages: ``next()`` finishes the current one and names the next."""

    def __init__(self, names: list[str], *, desc: str) -> None:
        self.names = list(names)
        self.bar = bar(desc=desc, total=len(self.names), unit="step")
        self.bar.set_postfix_str(self.names[0] if self.names else "")

    def next(self) -> None:
        self.bar.update()
        if self.bar.n < len(self.names):
            self.bar.set_postfix_str(self.names[self.bar.n])

    def close(self) -> None:
        self.bar.close()


def say(message: str) -> None:
    """A one-line notice for the person waiting (stderr), also logged."""
    log.info(message)
    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError):   # no stderr (a daemon): the log has it
        pass


def index_summary(manifest: dict, index_dir) -> str:
    """One line: what the index holds and how long it took to build."""
    c = manifest["counts"]
    skipped = len(manifest.get("skipped") or [])
    line = (f"索引已建好 / index ready: {c['articles']} 篇文章 articles, {c['passages']} 段 "
            f"passages, {c['sentences']} 句 sentences ({c['embedded']} embedded, "
            f"{c['reused']} reused) in {manifest['build_seconds']:.1f} s -> {index_dir}")
    if skipped:
        line += f"; skipped {skipped} file(s)"
    return line
