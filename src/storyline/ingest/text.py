"""Single-document files: plain text, Markdown and HTML (optionally gzipped)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import RawDoc, Reject
from .decode import decode_bytes
from .ids import doc_id
from .limits import open_input, read_capped
from .source import Source


def read_document(src: Source) -> Iterator[RawDoc | Reject]:
    """Read the whole (capped) file as one document; problems raise ``BadInput``."""
    cap = src.opts.max_bytes
    with open_input(src.path, src.opts, total_cap=cap) as stream:
        data = read_capped(stream, cap, "the decompressed file")
    decoded = decode_bytes(data, html=src.kind == "html")
    yield RawDoc(
        id=doc_id(src.path.name, "", data),
        source_id=src.stem,
        fmt=src.kind,
        content=decoded.text,
        provenance=src.provenance(),
        encoding=decoded.encoding,
    )
