"""Property tests: arbitrary bytes never crash a reader; valid text survives unchanged."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.errors import REJECT_REASONS
from storyline.ingest import read_path
from storyline.model import RawDoc, Reject

from .helpers import read_all

NAMES = ["x.txt", "x.md", "x.html", "x.jsonl", "x.json", "x.warc", "x.txt.gz", "x.jsonl.gz", "x.html.gz", "x.warc.gz"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

raw_bytes = st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from([b'{"text": "a"}', b"\n", b"\xff", b"<p>", b"WARC/1.0\r\n", b"\x1f\x8b", b"{"])).map(
        b"".join
    ),
)


def _check(items: list[RawDoc | Reject]) -> None:
    assert items, "every file is accounted for"
    for item in items:
        assert isinstance(item, (RawDoc, Reject))
        if isinstance(item, Reject):
            assert item.reason in REJECT_REASONS
            assert item.reason != "internal_error", item.detail
        else:
            assert item.content.strip() and len(item.id) == 16


@SETTINGS
@given(data=raw_bytes, name=st.sampled_from(NAMES), compress=st.booleans())
def test_arbitrary_bytes_never_raise(data: bytes, name: str, compress: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(gzip.compress(data) if compress and name.endswith(".gz") else data)
        _check(list(read_path(path)))


@SETTINGS
@given(data=st.binary(min_size=20, max_size=600), cut=st.integers(min_value=1, max_value=10_000))
def test_truncated_or_flipped_gzip_never_raises(data: bytes, cut: int) -> None:
    blob = bytearray(gzip.compress(data))
    if cut % 2:
        blob = blob[: cut % len(blob)]
    else:
        blob[cut % len(blob)] ^= 0x55
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.txt.gz"
        path.write_bytes(bytes(blob))
        _check(list(read_path(path)))


printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff"), min_size=1
).filter(str.strip)


@SETTINGS
@given(text=printable)
def test_utf8_text_round_trips(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.txt"
        path.write_bytes(text.encode())
        [doc] = read_all(path)
        assert isinstance(doc, RawDoc) and doc.content == text and doc.encoding == "utf-8"


@SETTINGS
@given(texts=st.lists(printable, min_size=1, max_size=5))
def test_jsonl_records_round_trip(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.jsonl"
        path.write_bytes(b"".join(json.dumps({"text": t}).encode() + b"\n" for t in texts))
        docs = read_all(path)
        assert [d.content for d in docs] == texts
        assert [d.provenance["record"] for d in docs] == list(range(len(texts)))
