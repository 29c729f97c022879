"""Fuzz input → input file, shared by the atheris harness and the corpus replay (no atheris here)."""

from __future__ import annotations

import gzip

READER_TARGETS = {
    "txt": "x.txt",
    "md": "x.md",
    "html": "x.html",
    "html_gz": "x.html.gz",
    "jsonl": "x.jsonl",
    "json": "x.json",
    "warc": "x.warc",
    "warc_gz": "x.warc.gz",
}
CLEAN_TARGETS = ("clean_text", "clean_html")
TARGETS = (*READER_TARGETS, *CLEAN_TARGETS)


def file_bytes(target: str, data: bytes) -> bytes:
    """What a reader target writes to disk for fuzzer input ``data``: for ``*_gz`` targets an
    odd first byte means "gzip the rest", an even one "the rest as it is"."""
    if target.endswith("_gz"):
        if not data:
            return data
        return gzip.compress(data[1:], mtime=0) if data[0] & 1 else data[1:]
    return data
