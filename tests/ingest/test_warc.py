"""WARC: HTML responses become documents; other records skipped and counted; bad records rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storyline.ingest import read_path
from storyline.model import RawDoc, Reject

from .helpers import html_page, only_docs, read_all, reasons, warc_bytes, write

HTML = "text/html; charset=utf-8"


@pytest.mark.parametrize("gz", [False, True])
def test_html_responses_become_docs(tmp_path: Path, gz: bool) -> None:
    data = warc_bytes(
        [("200 OK", HTML, html_page(0)), ("200 OK", "image/png", b"\x89PNG\x00"), ("200 OK", HTML, html_page(2))],
        gz=gz,
    )
    path = write(tmp_path / ("crawl.warc.gz" if gz else "crawl.warc"), data)
    reader = read_path(path)
    docs = list(reader)
    assert all(isinstance(d, RawDoc) for d in docs)
    assert [d.content for d in docs] == [html_page(0).decode(), html_page(2).decode()]
    first = docs[0]
    assert first.fmt == "html" and first.encoding == "utf-8"
    assert first.meta["url"] == "https://news.example/0"
    assert first.meta["fetched"].startswith("20")
    assert first.source_id.startswith("urn:uuid:")
    assert first.provenance["format"] == "warc"
    assert [d.provenance["record"] for d in docs] == [1, 4]  # warcinfo=0, request=2, png=3
    assert reader.skipped == {"warc_warcinfo": 1, "warc_request": 1, "warc_response_not_html": 1}


@pytest.mark.parametrize("gz", [False, True])
def test_offsets_seek_to_the_record(tmp_path: Path, gz: bool) -> None:
    data = warc_bytes([("200 OK", HTML, html_page(i)) for i in range(3)], gz=gz)
    path = write(tmp_path / ("o.warc.gz" if gz else "o.warc"), data)
    for doc in read_all(path):
        with path.open("rb") as fh:
            fh.seek(doc.provenance["offset"])
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Record-ID").strip("<>") == doc.source_id
            assert record.content_stream().read().decode() == doc.content


def test_non_200_is_http_error(tmp_path: Path) -> None:
    data = warc_bytes([("404 Not Found", HTML, html_page(0)), ("301 Moved", "", b""), ("200 OK", HTML, html_page(2))])
    items = read_all(write(tmp_path / "e.warc", data))
    assert reasons(items) == ["http_error", "http_error"]
    assert "404" in items[0].detail and items[0].record == 1
    assert len(only_docs(items)) == 1


def test_charset_from_http_header(tmp_path: Path) -> None:
    body = "<html><body><p>Минск и Пекин укрепляют сотрудничество</p></body></html>".encode("koi8-r")
    data = warc_bytes([("200 OK", "text/html; charset=KOI8-R", body)])
    [doc] = read_all(write(tmp_path / "k.warc", data))
    assert doc.encoding == "koi8-r" and "Минск" in doc.content


def test_missing_content_type_is_sniffed(tmp_path: Path) -> None:
    data = warc_bytes([("200 OK", "", html_page(0)), ("200 OK", "", b"just some bytes")])
    reader = read_path(write(tmp_path / "s.warc", data))
    assert [d.content for d in reader] == [html_page(0).decode()]
    assert reader.skipped["warc_response_not_html"] == 1


def test_empty_body_is_rejected(tmp_path: Path) -> None:
    data = warc_bytes([("200 OK", HTML, b"   "), ("200 OK", HTML, html_page(1))])
    items = read_all(write(tmp_path / "b.warc", data))
    assert reasons(items) == ["empty"] and len(only_docs(items)) == 1


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_warc_keeps_earlier_records(tmp_path: Path, gz: bool) -> None:
    data = warc_bytes([("200 OK", HTML, html_page(i) * 20) for i in range(3)], gz=gz)
    path = write(tmp_path / ("t.warc.gz" if gz else "t.warc"), data[: len(data) - 300])
    items = read_all(path)
    assert [d.content for d in only_docs(items)] == [html_page(0).decode() * 20, html_page(1).decode() * 20]
    assert reasons(items) in (["malformed_warc"], ["truncated_gzip"])
    assert items[-1].record == 4


@pytest.mark.parametrize("gz", [False, True])
def test_garbage_after_good_records(tmp_path: Path, gz: bool) -> None:
    data = warc_bytes([("200 OK", HTML, html_page(0))], gz=gz) + b"this is not a WARC header\r\n\r\n"
    items = read_all(write(tmp_path / ("g.warc.gz" if gz else "g.warc"), data))
    assert len(only_docs(items)) == 1
    assert reasons(items) == ["malformed_warc"]
    assert items[-1].offset == len(data) - len(b"this is not a WARC header\r\n\r\n")


def test_corruption_in_the_middle(tmp_path: Path) -> None:
    data = warc_bytes([("200 OK", HTML, html_page(i)) for i in range(3)])
    cut = data.index(b"WARC/1.", data.index(html_page(0)))
    items = read_all(write(tmp_path / "m.warc", data[:cut] + b"XXXX" + data[cut:]))
    assert [d.content for d in only_docs(items)] == [html_page(0).decode()]
    assert reasons(items) == ["malformed_warc"]


@pytest.mark.parametrize("data", [b"hello world\n", bytes(range(256)) * 4, b"WARC/1.0\r\nbroken"])
def test_not_a_warc(tmp_path: Path, data: bytes) -> None:
    assert reasons(read_all(write(tmp_path / "x.warc", data))) == ["malformed_warc"]


def test_only_skipped_records_is_accounted_for(tmp_path: Path) -> None:
    data = warc_bytes([("200 OK", "application/pdf", b"%PDF-1.4")])
    [reject] = read_all(write(tmp_path / "p.warc", data))
    assert isinstance(reject, Reject) and reject.reason == "empty" and "warc_response_not_html=1" in reject.detail


def test_oversized_record_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    data = warc_bytes([("200 OK", HTML, html_page(0) * 100), ("200 OK", HTML, html_page(1))], gz=True)
    items = read_all(write(tmp_path / "big.warc.gz", data), max_bytes=1000)
    assert reasons(items) == ["too_large"]
    assert [d.content for d in only_docs(items)] == [html_page(1).decode()]


def test_gzip_bomb_record_stops_the_file(tmp_path: Path) -> None:
    bomb = b"<html><body>" + b"a" * (4 << 20) + b"</body></html>"
    data = warc_bytes([("200 OK", HTML, html_page(0)), ("200 OK", HTML, bomb)], gz=True)
    items = read_all(write(tmp_path / "bomb.warc.gz", data), max_bytes=1 << 20)
    assert len(only_docs(items)) == 1
    assert reasons(items) == ["gzip_bomb"]


def test_corrupt_gzip_warc(tmp_path: Path) -> None:
    data = bytearray(warc_bytes([("200 OK", HTML, html_page(i) * 50) for i in range(3)], gz=True))
    data[len(data) // 2 : len(data) // 2 + 40] = b"\x00" * 40
    items = read_all(write(tmp_path / "c.warc.gz", bytes(data)))
    assert items and isinstance(items[-1], Reject)
    assert items[-1].reason in {"corrupt_gzip", "malformed_warc"}
