"""parkqa: cited answers from news articles about Changzhi's industrial parks.

Example::

    >>> import parkqa
    >>> qa = parkqa.load()                       # builds index/ when missing or stale
    >>> ans = qa.ask("长治高新区现在有多少家入区企业？")
    >>> ans.answered, ans.citations[0].doc
    (True, '000_e7ffa1cc56d22445.txt')
"""
from __future__ import annotations

import os

__version__ = "0.1.0"

# OMP_WAIT_POLICY: FAISS's OpenMP threads sleep once a search is done instead of spinning for
# the next one (read when FAISS is loaded, so only if parkqa is imported first). A spinning
# thread takes a core from the Python that answers the rest of the question: at 10^5 sentences
# composing took 12-13 ms p50 after an exact passage search with spinning threads, 7-8 without
for _var, _val in (("HF_HUB_OFFLINE", "1"), ("HF_HUB_DISABLE_TELEMETRY", "1"),
                   ("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1"), ("TOKENIZERS_PARALLELISM", "false"),
                   ("OMP_WAIT_POLICY", "PASSIVE")):
    os.environ.setdefault(_var, _val)

from .pipeline import ParkQA, load  # noqa: E402
from .answering import Answer, Citation  # noqa: E402

__all__ = ["ParkQA", "load", "Answer", "Citation", "__version__"]
