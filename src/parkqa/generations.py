"""Index generations: every build writes a complete folder of its own, and one atomic switch
publishes it.

``index/`` (``PARKQA_INDEX``) is a symbolic link to the current generation, a folder in
``.index.generations/`` beside it. Publishing replaces the link with ``rename(2)``, which is
atomic, so a reader that resolves the link once and reads everything from the folder it names
sees the old index or the new one, never a mix. Every worker process compares the link's target
with the generation it has loaded before each answer (one ``readlink``), so all of them switch
before their next answer. Generations that stopped being current are removed once they have been
retired for longer than the grace period: a worker that resolved the link just before a switch
has that long to finish loading from it (loading takes seconds; the default grace is 10 minutes).

An ``index/`` that is a plain folder (made before generations, or copied) is read as it is, and
becomes the first retired generation when a build publishes the next one.

Example::

    >>> from parkqa.generations import current_folder, publish
    >>> publish(build_folder, Path("index"), grace=600)     # doctest: +SKIP
    >>> current_folder(Path("index")).name                  # doctest: +SKIP
    '20261126T160102-000001'
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 600


def generations_dir(index: Path) -> Path:
    return index.parent / f".{index.name}.generations"


@contextlib.contextmanager
def build_lock(index: Path):
    """One builder at a time per index (other processes wait for it)."""
    index.parent.mkdir(parents=True, exist_ok=True)
    with open(index.parent / f".{index.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def new_build_folder(index: Path) -> Path:
    """An empty folder to build the next generation in. Call it holding ``build_lock``: build
    folders left by killed builds are removed first, since no other build can be running."""
    for stale in index.parent.glob(f".{index.name}.build-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".{index.name}.build-", dir=index.parent))


def current_folder(index: Path) -> Path:
    """The folder of the generation ``index`` names now (``index`` itself for a plain folder).
    Readers resolve it once and read every file from it."""
    return Path(os.path.realpath(index))


def current_id(index: Path) -> str | None:
    """The current generation's name, cheaply (one ``readlink``); None without one. A plain
    folder is named by its path and inode, so replacing it is noticed too."""
    try:
        return os.readlink(index)
    except FileNotFoundError:
        return None
    except OSError:        # not a link: a plain folder (or a file, which load_index rejects)
        try:
            st = os.stat(index)
        except OSError:
            return None
        return f"{index}@{st.st_ino}"


def publish(build: Path, index: Path, *, grace: float = DEFAULT_GRACE_SECONDS) -> Path:
    """Make the finished ``build`` folder the current generation of ``index`` in one atomic
    switch; retire the one it replaces and remove those retired longer than ``grace`` seconds.
    Call it holding ``build_lock``. Returns the new generation's folder."""
    home = generations_dir(index)
    home.mkdir(exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"
    folder = home / name
    os.rename(build, folder)
    previous = _current_generation(index)
    if index.is_dir() and not index.is_symlink():
        # a plain folder cannot be replaced by a link in one rename: move it into the
        # generations first (readers opening the index in this instant find none and retry)
        previous = home / f"{name}-before"
        os.rename(index, previous)
    link = index.parent / f".{index.name}.link-{os.getpid()}-{time.time_ns()}"
    os.symlink(os.path.relpath(folder, index.parent), link)
    os.replace(link, index)     # the switch
    if previous is not None and previous.exists():
        os.utime(previous)      # retired now: its grace period starts
    remove_retired(index, grace=grace)
    log.info("published index generation %s", folder.name)
    return folder


def _current_generation(index: Path) -> Path | None:
    if not index.is_symlink():
        return None
    return current_folder(index)


def remove_retired(index: Path, *, grace: float = DEFAULT_GRACE_SECONDS) -> list[str]:
    """Remove the generations other than the current one that were retired (or, never having
    been current, written) more than ``grace`` seconds ago. Returns their names."""
    home = generations_dir(index)
    if not home.is_dir():
        return []
    current = _current_generation(index)
    removed = []
    for folder in home.iterdir():
        if folder == current or not folder.is_dir():
            continue
        try:
            age = time.time() - folder.stat().st_mtime
        except OSError:
            continue
        if age > grace:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    if removed:
        log.info("removed retired index generations: %s", ", ".join(sorted(removed)))
    return removed
