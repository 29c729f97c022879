"""Reading raw inputs: discovery, format readers, decoding, and bad input turned into rejects.

Public API::

    for path in discover(["corpus/"]):          # every non-hidden file, sorted; missing path → InputNotFound
        reader = read_path(path, IngestOptions())
        for item in reader:                     # RawDoc or Reject; never raises for bad content
            ...
        reader.skipped                          # Counter of records skipped without a reject

See ``docs/formats.md`` for formats, fields and what becomes a reject.
"""

from __future__ import annotations

import os
import stat
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from ..model import RawDoc, Reject
from .decode import path_text, scrub_text
from .discover import discover, source_kind
from .jsonl import read_json_source
from .limits import BadInput, IngestOptions, is_gzip_name
from .source import Source
from .text import read_document
from .warc import read_warc

__all__ = ["IngestOptions", "PathReader", "discover", "read_path", "source_kind"]

_READERS: dict[str, Callable[[Source], Iterator[RawDoc | Reject]]] = {
    "text": read_document,
    "markdown": read_document,
    "html": read_document,
    "jsonl": read_json_source,
    "warc": read_warc,
}
_CONTAINERS = {"jsonl", "warc"}


class PathReader(Iterator[RawDoc | Reject]):
    """The iterator :func:`read_path` returns; ``skipped`` counts records dropped without a
    reject (blank JSONL lines, non-HTML or non-response WARC records), by kind."""

    def __init__(self, path: Path, opts: IngestOptions) -> None:
        self.path = path
        self.kind = source_kind(path)
        self.skipped: Counter[str] = Counter()
        self._items = self._run(opts)

    def __next__(self) -> RawDoc | Reject:
        return next(self._items)

    def _run(self, opts: IngestOptions) -> Iterator[RawDoc | Reject]:
        path = path_text(self.path)
        problem = _precheck(self.path, self.kind, opts)
        if problem is not None:
            yield _scrubbed(Reject(source_path=path, reason=problem[0], detail=problem[1]))
            return
        assert self.kind is not None
        src = Source(self.path, self.kind, opts, self.skipped)
        produced = 0
        try:
            for item in _READERS[self.kind](src):
                produced += 1
                yield _scrubbed(item)
        except BadInput as bad:
            produced += 1
            yield _scrubbed(Reject(source_path=path, reason=bad.reason, detail=bad.detail))
        except OSError as exc:
            produced += 1
            yield _scrubbed(Reject(source_path=path, reason="unreadable", detail=f"{type(exc).__name__}: {exc}"))
        except Exception as exc:  # one bad file never kills a run
            produced += 1
            detail = f"{type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc, limit=-3))}"
            yield _scrubbed(Reject(source_path=path, reason="internal_error", detail=detail))
        if produced == 0:
            skipped = ", ".join(f"{k}={v}" for k, v in sorted(self.skipped.items())) or "nothing"
            yield _scrubbed(Reject(source_path=path, reason="empty", detail=f"no records (skipped: {skipped})"))


def read_path(path: Path, opts: IngestOptions = IngestOptions()) -> PathReader:  # noqa: B008 - immutable use
    """Read one input file into RawDocs and Rejects (see :class:`PathReader`).

    Never raises for bad content: every problem — including an unsupported extension, an
    unreadable file, or a single bad record inside a container — is a
    :class:`~storyline.model.Reject` with a reason from :data:`storyline.errors.REJECT_REASONS`.
    """
    return PathReader(Path(path), opts)


def _scrubbed(item: RawDoc | Reject) -> RawDoc | Reject:
    """No NUL and no lone surrogate in any text a reader yields (see :func:`scrub_text`)."""
    if isinstance(item, Reject):
        item.detail = scrub_text(item.detail)
        return item
    item.content = scrub_text(item.content)
    if not item.content.strip():
        prov = item.provenance
        detail = "no text once NUL characters are removed"
        return Reject(str(prov.get("path", "")), "empty", detail, record=prov.get("record"), offset=prov.get("offset"))
    item.source_id = scrub_text(item.source_id)
    item.meta = {k: scrub_text(v) if isinstance(v, str) else v for k, v in item.meta.items()}
    return item


def _precheck(path: Path, kind: str | None, opts: IngestOptions) -> tuple[str, str] | None:
    """Reasons to reject without reading: unreadable, not a file, unsupported, too large."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}"
    if stat.S_ISDIR(info.st_mode):
        return "unreadable", "a directory that could not be listed"
    if not stat.S_ISREG(info.st_mode):
        return "unreadable", "not a regular file"
    if kind is None:
        return "unsupported_format", f"unsupported extension: {path.name}"
    if not os.access(path, os.R_OK):
        return "unreadable", "permission denied"
    single = kind not in _CONTAINERS
    if single and info.st_size > opts.max_bytes:
        what = "compressed file" if is_gzip_name(path) else "file"
        return "too_large", f"{what} is {info.st_size} bytes, over the {opts.max_bytes}-byte limit"
    return None
