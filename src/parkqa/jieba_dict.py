"""jieba's dictionary, loaded fast: the main cost of a cold ``parkqa ask`` was jieba reading its
own cache (a marshal of 500k separate strings: 1.3-2.5 s on this machine). Kept in the parkqa
cache instead as one string of words and one array of counts, the same dict is rebuilt in
~0.4 s: the same entries in the same order, so every text is cut exactly as before.

Example::

    >>> from parkqa import jieba_dict
    >>> freq, total = jieba_dict.load()
    >>> freq["高新区"] > 0 and total > 10**7
    True
"""
from __future__ import annotations

import array
import hashlib
import logging
import marshal
import os
import tempfile
from pathlib import Path

import jieba

log = logging.getLogger(__name__)


def cache_file() -> Path:
    """Named by jieba's version and its dictionary file, so a changed dictionary is reread."""
    from .config import Settings

    source = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    st = source.stat()
    key = hashlib.sha1(f"{jieba.__version__}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()
    return Settings().cache / f"jieba-dict-{key[:12]}.bin"


def load() -> tuple[dict[str, int], int]:
    """jieba's (FREQ, total) for its default dictionary, as ``jieba.Tokenizer.initialize``
    makes them (word and prefix -> count, sum of counts)."""
    path = cache_file()
    try:
        words, counts, total = marshal.loads(path.read_bytes())
        freq = array.array("q")
        freq.frombytes(counts)
        return dict(zip(words.split("\n"), freq)), total
    except (OSError, ValueError, EOFError, TypeError):
        pass                                       # no cache yet, or a damaged one: rebuild
    tok = jieba.Tokenizer()
    tok.initialize()
    blob = marshal.dumps(("\n".join(tok.FREQ), array.array("q", tok.FREQ.values()).tobytes(),
                          tok.total))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as fh:
            fh.write(blob)
        os.chmod(fh.name, 0o644)                   # the cache may be shared by several users
        os.replace(fh.name, path)                  # readers see the whole file or none
    except OSError as exc:                         # a read-only cache: only slower next time
        log.info("jieba dictionary not cached in %s: %s", path, exc)
    return tok.FREQ, tok.total
