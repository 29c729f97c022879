"""Helpers for the ingest tests: every input is generated in tmp_path."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.ingest import IngestOptions, read_path
from storyline.model import RawDoc, Reject


def read_all(path: Path, **opts: int) -> list[RawDoc | Reject]:
    return list(read_path(path, IngestOptions(**opts)))


def only_docs(items: list[RawDoc | Reject]) -> list[RawDoc]:
    return [i for i in items if isinstance(i, RawDoc)]


def reasons(items: list[RawDoc | Reject]) -> list[str]:
    return [i.reason for i in items if isinstance(i, Reject)]


def write(path: Path, data: bytes, *, gz: bool = False) -> Path:
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def html_page(i: int) -> bytes:
    return f"<html><head><title>Page {i}</title></head><body><p>Body text {i}.</p></body></html>".encode()


def warc_bytes(responses: list[tuple[str, str, bytes]], *, gz: bool = False, extra: bool = True) -> bytes:
    """A WARC with a warcinfo record, then (status line, content type, body) responses, plus a request."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "storyline-tests"}))
    for i, (status, ctype, body) in enumerate(responses):
        headers = StatusAndHeaders(status, [("Content-Type", ctype)] if ctype else [], protocol="HTTP/1.1")
        uri = f"https://news.example/{i}"
        record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)
        writer.write_record(record)
        if extra and i == 0:
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example")], is_http_request=True)
            writer.write_record(writer.create_warc_record(uri, "request", payload=io.BytesIO(b""), http_headers=req))
    return buf.getvalue()


CORPUS = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"
