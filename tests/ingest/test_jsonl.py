"""JSON Lines and JSON: records, metadata normalisation, per-line rejects, offsets, streaming."""

from __future__ import annotations

import codecs
import gzip
import io
import json
from pathlib import Path

import pytest

from storyline.ingest import IngestOptions, read_path
from storyline.model import RawDoc, Reject

from .helpers import only_docs, read_all, reasons, write


def jl(*records: object) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def test_records_meta_and_ids(tmp_path: Path) -> None:
    data = jl(
        {"id": "abc", "text": "Body one.", "url": "https://x/1", "title": "T1", "date": "2025-01-27",
         "source": "AFP", "author": "Jane Roe", "extra": 1},
        {"html": "<p>Two</p>", "text": "Two", "published": "2025-01-28", "outlet": "Reuters",
         "byline": ["A. One", "B. Two"]},
        {"text": "Three", "source": {"id": "bbc", "name": "BBC News"}, "id": 42},
    )  # fmt: skip
    path = write(tmp_path / "feed.jsonl", data)
    one, two, three = read_all(path)
    assert isinstance(one, RawDoc) and isinstance(two, RawDoc) and isinstance(three, RawDoc)
    assert (one.fmt, one.content, one.source_id) == ("text", "Body one.", "abc")
    assert one.meta == {"url": "https://x/1", "title": "T1", "published": "2025-01-27", "outlet": "AFP",
                        "byline": "Jane Roe"}  # fmt: skip
    assert (two.fmt, two.content, two.source_id) == ("html", "<p>Two</p>", "feed")
    assert two.meta == {"published": "2025-01-28", "outlet": "Reuters", "byline": "A. One, B. Two"}
    assert three.meta == {"outlet": "BBC News"} and three.source_id == "42"
    assert one.provenance == {"path": str(path), "format": "jsonl", "record": 0, "offset": 0}
    assert len({one.id, two.id, three.id}) == 3


def test_bad_lines_reject_only_themselves(tmp_path: Path) -> None:
    data = (
        jl({"text": "good 0"})
        + b'{"text": "broken\n'
        + b"\n"
        + jl({"title": "no body"}, {"text": "   "}, [1, 2], {"text": 5})
        + b"\x00\x01\x02\xffgarbage\n"
        + jl({"text": "good 8"})
        + b'{"text": "last line without newline"}'
    )
    items = read_all(write(tmp_path / "mixed.jsonl", data))
    assert [type(i).__name__ for i in items].count("RawDoc") == 3
    assert [d.content for d in only_docs(items)] == ["good 0", "good 8", "last line without newline"]
    assert reasons(items) == ["malformed_json", "json_no_text", "json_no_text", "malformed_json", "json_no_text",
                              "binary"]  # fmt: skip
    records = [i.provenance["record"] if isinstance(i, RawDoc) else i.record for i in items]
    assert records == [0, 1, 3, 4, 5, 6, 7, 8, 9]


def test_offsets_point_at_records(tmp_path: Path) -> None:
    data = jl({"text": "α"}) + b"\n\n" + b"not json\n" + jl({"text": "β" * 50, "id": "b"})
    path = write(tmp_path / "o.jsonl", data)
    items = read_all(path)
    raw = path.read_bytes()
    for item in items:
        offset = item.provenance["offset"] if isinstance(item, RawDoc) else item.offset
        line = raw[offset:].split(b"\n", 1)[0]
        if isinstance(item, RawDoc):
            assert json.loads(line)["text"] == item.content
        else:
            assert line == b"not json"


def test_gzipped_jsonl_offsets_are_into_decompressed_stream(tmp_path: Path) -> None:
    data = jl({"text": "one"}, {"text": "two"})
    path = write(tmp_path / "f.jsonl.gz", data, gz=True)
    docs = only_docs(read_all(path))
    assert [d.content for d in docs] == ["one", "two"]
    plain = gzip.decompress(path.read_bytes())
    assert plain[docs[1].provenance["offset"] :].startswith(b'{"text": "two"}')


def test_truncated_gzip_jsonl_keeps_good_records(tmp_path: Path) -> None:
    data = b"".join(jl({"text": f"record {i} " + "x" * 200}) for i in range(2000))
    blob = gzip.compress(data)
    items = read_all(write(tmp_path / "t.jsonl.gz", blob[: len(blob) * 3 // 4]))
    assert len(only_docs(items)) > 100
    assert reasons(items)[-1] == "truncated_gzip"


def test_overlong_line_is_rejected_and_skipped(tmp_path: Path) -> None:
    data = jl({"text": "short"}, {"text": "y" * 5000}, {"text": "after"})
    items = read_all(write(tmp_path / "long.jsonl", data), max_bytes=1000)
    assert [d.content for d in only_docs(items)] == ["short", "after"]
    assert reasons(items) == ["too_large"]
    assert items[2].provenance["record"] == 2
    assert items[2].provenance["offset"] == data.index(b'{"text": "after"}')


def test_large_jsonl_file_is_streamed_not_capped(tmp_path: Path) -> None:
    data = b"".join(jl({"text": f"doc {i}"}) for i in range(500))
    items = read_all(write(tmp_path / "many.jsonl", data), max_bytes=200)
    assert len(only_docs(items)) == 500


def test_stream_reads_lines_lazily() -> None:
    """The line reader pulls from the stream on demand: the first record comes out before the end."""
    from storyline.ingest.jsonl import read_lines
    from storyline.ingest.source import Source

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            line = b'{"text": "again"}\n'
            n = len(buffer) // len(line) * len(line)
            buffer[:n] = line * (len(buffer) // len(line))
            return n

    src = Source(Path("endless.jsonl"), "jsonl", IngestOptions())
    reader = read_lines(src, io.BufferedReader(Endless()))
    assert [next(reader).content for _ in range(3)] == ["again"] * 3


def test_utf8_bom_and_cp1252_lines(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + jl({"text": "bom"}) + '{"text": "déjà vu — café"}\n'.encode("cp1252")
    path = write(tmp_path / "enc.jsonl", data)
    first, second = read_all(path)
    assert first.content == "bom" and first.provenance["offset"] == 3
    assert second.content == "déjà vu — café" and second.encoding == "cp1252"


def test_utf16_jsonl(tmp_path: Path) -> None:
    text = '{"text": "один"}\n{"text": "два"}\n'
    path = write(tmp_path / "u16.jsonl", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    docs = read_all(path)
    assert [d.content for d in docs] == ["один", "два"]
    raw = path.read_bytes()
    assert raw[docs[1].provenance["offset"] :].decode("utf-16-le").startswith('{"text": "два"}')


def test_json_array_and_single_object(tmp_path: Path) -> None:
    arr = write(tmp_path / "arr.json", b'[\n  {"text": "a", "id": "x1"},\n  {"html": "<p>b</p>"}\n]\n')
    a, b = read_all(arr)
    assert (a.content, a.source_id, b.fmt) == ("a", "x1", "html")
    assert arr.read_bytes()[b.provenance["offset"] :].startswith(b'{"html"')
    [one] = read_all(write(tmp_path / "one.json", b'  {"text": "solo",\n "title": "T"}'))
    assert (one.content, one.meta, one.provenance["record"], one.provenance["offset"]) == ("solo", {"title": "T"}, 0, 2)


def test_json_array_keeps_records_before_error(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.json", b'[{"text": "ok"}, {"text": "also ok"}, {"text": oops}]')
    items = read_all(path)
    assert [d.content for d in only_docs(items)] == ["ok", "also ok"]
    assert reasons(items) == ["malformed_json"]
    assert items[-1].record == 2 and path.read_bytes()[items[-1].offset :].startswith(b'{"text": oops}')


def test_json_file_holding_json_lines(tmp_path: Path) -> None:
    items = read_all(write(tmp_path / "lines.json", jl({"text": "a"}, {"text": "b"})))
    assert [d.content for d in items] == ["a", "b"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json at all", "malformed_json"),
        (b"[]", "empty"),
        (b"\n\n", "empty"),
        (b'"just a string"', "malformed_json"),
        (b"[" * 100_000, "malformed_json"),
    ],
)
def test_bad_json_files(tmp_path: Path, data: bytes, reason: str) -> None:
    assert reasons(read_all(write(tmp_path / "bad.json", data))) == [reason]


def test_deep_nesting_line(tmp_path: Path) -> None:
    data = jl({"text": "ok"}) + b"[" * 100_000 + b"\n"
    assert reasons(read_all(write(tmp_path / "deep.jsonl", data))) == ["malformed_json"]


def test_blank_lines_are_counted_as_skipped(tmp_path: Path) -> None:
    reader = read_path(write(tmp_path / "b.jsonl", b"\n" + jl({"text": "x"}) + b"  \n"))
    assert len(list(reader)) == 1
    assert reader.skipped["blank_line"] == 2


def test_reject_is_plain_reject(tmp_path: Path) -> None:
    [reject] = read_all(write(tmp_path / "r.jsonl", b"nope\n"))
    assert isinstance(reject, Reject) and reject.as_dict()["record"] == 0


def test_big_json_file_streams_lines_but_big_document_is_too_large(tmp_path: Path) -> None:
    lines = write(tmp_path / "lines.json", b"".join(jl({"text": f"doc {i}"}) for i in range(100)))
    assert len(only_docs(read_all(lines, max_bytes=300))) == 100
    array = write(tmp_path / "array.json", json.dumps([{"text": f"doc {i}"} for i in range(100)], indent=1).encode())
    assert reasons(read_all(array, max_bytes=300)) == ["too_large"]
