"""WARC files (``.warc``, ``.warc.gz``) via ``warcio``: HTML ``response`` records become documents.

``record`` is the 0-based index among all WARC records (skipped ones included) and ``offset``
the record's byte offset in the file as stored (for ``.warc.gz``, the offset of its gzip member),
i.e. what ``warcio`` and CDX indexes use. Other record types, non-HTTP responses and non-HTML
responses are skipped and counted in ``Source.skipped``. Records before a malformed or truncated
one are kept; reading stops at the first unparseable record.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from ..model import RawDoc, Reject
from .decode import decode_bytes
from .ids import doc_id
from .limits import CHUNK, BadInput, is_gzip_name
from .source import Source

_FATAL = {"gzip_bomb", "malformed_warc"}  # reading cannot sensibly go on after these
# WARC 1.1 record types; any other WARC-Type value is counted as "warc_other_type".
_WARC_TYPES = frozenset("warcinfo request metadata resource revisit conversion continuation".split())
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)
_LOOKS_HTML = re.compile(rb"^\s*<(?:!doctype\s+html|html|head|body|meta|title|div|p)\b", re.IGNORECASE)


class _QuietArchiveIterator(ArchiveIterator):
    """warcio writes a multi-line warning to stderr for a record not followed by its blank line; that
    damage already ends as a reject or a skipped record here, so the console noise is dropped."""

    INC_RECORD = ""


def read_warc(src: Source) -> Iterator[RawDoc | Reject]:
    with open(src.path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        records = _QuietArchiveIterator(fh)
        index = 0
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except Exception as exc:  # warcio raises assorted errors on bad input
                yield src.reject(*_iteration_error(src, exc), index, records.offset)
                return
            try:
                out = _record(src, records, record, index)
            except BadInput as bad:
                out = src.reject(bad.reason, bad.detail, index, records.offset)
                if bad.reason in _FATAL:
                    yield out
                    return
            except Exception as exc:  # a record warcio cannot read
                detail = f"unreadable record: {type(exc).__name__}: {exc}"
                yield src.reject("malformed_warc", detail, index, records.offset)
                return
            if out is not None:
                yield out
            index += 1
        if records.offset < size:
            reason = "truncated_gzip" if is_gzip_name(src.path) else "malformed_warc"
            detail = f"{size - records.offset} trailing bytes are not a complete record"
            yield src.reject(reason, detail, index, records.offset)


def _iteration_error(src: Source, exc: Exception) -> tuple[str, str]:
    text = f"{type(exc).__name__}: {str(exc).strip()[:200]}"
    if is_gzip_name(src.path) and isinstance(exc, (zlib.error, EOFError, gzip.BadGzipFile)):
        return "corrupt_gzip", text
    return "malformed_warc", text


def _record(src: Source, records: ArchiveIterator, record: Any, index: int) -> RawDoc | Reject | None:
    """One WARC record → document, reject, or None (skipped and counted)."""
    start = records.offset
    if not record.rec_type:
        raise BadInput("malformed_warc", "record has no WARC-Type header")
    if record.rec_type != "response":
        kind = record.rec_type if record.rec_type in _WARC_TYPES else "other_type"
        src.skipped[f"warc_{kind}"] += 1
        return None
    http = record.http_headers
    if http is None:
        src.skipped["warc_response_not_http"] += 1
        return None
    content_type = (http.get_header("content-type") or "").lower()
    if content_type and content_type.split(";")[0].strip() not in _HTML_TYPES:
        src.skipped["warc_response_not_html"] += 1
        return None
    status = http.get_statuscode()
    if status != "200":
        return src.reject("http_error", f"HTTP status {status} for {_target(record)}", index, start)
    data = _payload(src, records, record)
    if not content_type and not _LOOKS_HTML.match(data[:1024]):
        src.skipped["warc_response_not_html"] += 1
        return None
    charset = _CHARSET.search(content_type)
    decoded = decode_bytes(data, html=True, declared=charset.group(1) if charset else None)
    fields = (("url", _target(record)), ("fetched", record.rec_headers.get_header("WARC-Date")))
    return RawDoc(
        id=doc_id(src.path.name, str(index), data),
        source_id=(record.rec_headers.get_header("WARC-Record-ID") or src.stem).strip("<>"),
        fmt="html",
        content=decoded.text,
        provenance=src.provenance(index, start),
        meta={key: value for key, value in fields if value},
        encoding=decoded.encoding,
    )


def _target(record: Any) -> str:
    return record.rec_headers.get_header("WARC-Target-URI") or ""


def _payload(src: Source, records: ArchiveIterator, record: Any) -> bytes:
    """The HTTP body (de-chunked, content-decoded), at most ``max_bytes``; checks truncation."""
    cap = src.opts.max_bytes
    data = _read_upto(record.content_stream(), cap + 1)
    if len(data) > cap:
        compressed = records.fh.tell() - records.offset
        if is_gzip_name(src.path) and len(data) > src.opts.max_ratio * max(compressed, 1):
            ratio = src.opts.max_ratio
            raise BadInput("gzip_bomb", f"record inflates beyond {ratio}:1 and the {cap}-byte limit")
        raise BadInput("too_large", f"record payload is larger than the {cap}-byte limit")
    while record.raw_stream.read(CHUNK):
        pass
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise BadInput("malformed_warc", f"record truncated: {missing} bytes of its declared length are missing")
    return data


def _read_upto(stream: BinaryIO, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while total < limit and (chunk := stream.read(min(CHUNK, limit - total))):
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)
