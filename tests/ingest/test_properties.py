"""Property tests: hostile inputs never crash a reader, every record is accounted for, ids are stable.

Strategies build realistic-but-hostile files for every format (random bytes and unicode with
control, RTL and zero-width characters and lone surrogates; mixed encodings; truncated or
corrupt gzip; broken JSONL; damaged WARC; tag soup), then check that reading never raises,
yields only RawDoc/Reject, and that the clean stage turns every RawDoc into an Article or a
Reject with a known reason. Runs are derandomized and database-less, so CI is reproducible;
``STORYLINE_PROPERTY_EXAMPLES=2000`` explores more (randomized) — see docs/fuzzing.md.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.clean import CleanStage
from storyline.errors import REJECT_REASONS
from storyline.ingest import read_path
from storyline.model import Article, RawDoc, Reject

from .._hypothesis import property_settings
from .helpers import read_all



NAMES = ["x.txt", "x.md", "x.html", "x.jsonl", "x.json", "x.warc", "x.txt.gz", "x.jsonl.gz", "x.html.gz", "x.warc.gz"]
SETTINGS = property_settings(100)
CLEAN = CleanStage()

# ------------------------------------------------------------------ strategies

HOSTILE_CHARS = "\x00\x01\x07\x0b\x0c\x1b\x7f\x85\x9f\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2028\u2029\ufeff\ufffd\ud800\udc00\udfff"
hostile_text = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(HOSTILE_CHARS), st.sampled_from("абвгдеёжАБВ éàüß 中文 \n\t")),
    max_size=300,
)
def _errors(enc: str) -> str:
    """Lone surrogates pass into UTF-8/16/32 bytes (hostile, invalid); other codecs write '?'."""
    return "surrogatepass" if enc.startswith("utf") else "replace"


ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1251", "latin-1", "koi8-r", "gb18030", "shift_jis"]


@st.composite
def encoded_text(draw: st.DrawFn) -> bytes:
    """Text pieces, each in its own encoding (mixed-encoding files), unencodable chars escaped."""
    pieces = draw(st.lists(st.tuples(hostile_text, st.sampled_from(ENCODINGS), st.booleans()), min_size=1, max_size=4))
    out = b""
    for text, enc, bom in pieces:
        data = text.encode(enc, _errors(enc))
        if bom and enc == "utf-8":
            data = b"\xef\xbb\xbf" + data
        out += data
    return out


BOILERPLATE = [
    "Skip to content", "Share this article", "Read also:", "Subscribe to our newsletter", "Original url:",
    "<https://www.example.com/2025/01/27/a-story-a1>", "By [AFP](#)", "January 27, 2025", "Photo: Jane Doe / Reuters",
    "# A Headline About Things", "**Related article:** [Another story](#)", "  1. A numbered teaser line.",
    "The minister said on Monday that talks would continue next week, officials confirmed.", "", "---", "> quoted",
]  # fmt: skip
text_docs = st.lists(st.one_of(st.sampled_from(BOILERPLATE), hostile_text), max_size=30).map("\n".join)


ODD_MARKUP = ["&amp;", "&#0;", "&#xD800;", "&bogus;", "<!--", "-->", "<![CDATA[", "<?xml ?>", "<meta charset='utf-16'>"]
CONTENT_TYPES = [
    "text/html; charset=utf-8", "text/html; charset=cp1251", "text/html; charset=bogus", "application/pdf", "image/png",
    "", "text/plain",
]  # fmt: skip


@st.composite
def html_docs(draw: st.DrawFn) -> str:
    """Tag soup: unclosed and deeply nested tags, script-only pages, empty bodies, stray entities."""
    tags = ["p", "div", "span", "b", "article", "nav", "footer", "pre", "table", "td", "li", "h1", "script", "style", "noscript", "template", "svg"]
    kind = draw(st.sampled_from(["soup", "deep", "script_only", "empty_body", "wrapped"]))
    if kind == "deep":
        depth = draw(st.integers(1, 400))
        tag = draw(st.sampled_from(tags))
        return f"<html><body>{f'<{tag}>' * depth}deep text{f'</{tag}>' * draw(st.integers(0, depth))}"
    if kind == "script_only":
        return f"<html><head><script>{draw(hostile_text)}</script></head><body><script>var x=1;</script></body></html>"
    if kind == "empty_body":
        return f"<html><head><title>{draw(hostile_text)}</title></head><body>{draw(st.sampled_from(['', ' ', '<br>', '<p></p>']))}</body></html>"
    parts = draw(st.lists(st.one_of(
        st.sampled_from(tags).map(lambda t: f"<{t}>"), st.sampled_from(tags).map(lambda t: f"</{t}>"),
        st.sampled_from(BOILERPLATE), hostile_text, st.sampled_from(ODD_MARKUP),
    ), max_size=40))  # fmt: skip
    body = "".join(parts)
    return f"<html><body>{body}</body></html>" if kind == "wrapped" else body


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text)
json_values = st.recursive(json_leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(hostile_text, c, max_size=4), max_leaves=12)
text_values = st.one_of(text_docs, html_docs(), json_values, st.just(""), st.just("\u0000"), st.just("\ud800 lone"))


@st.composite
def jsonl_lines(draw: st.DrawFn) -> bytes:
    """JSON Lines with broken lines, huge numbers, nesting, wrong types and `text` not a string."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["record", "html", "value", "broken", "huge", "nested", "blank"]))
        if kind == "record":
            obj = {"text": draw(text_values), "title": draw(json_values), "id": draw(json_values), "authors": draw(json_values)}
            line = json.dumps(obj, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        elif kind == "html":
            line = json.dumps({"html": draw(html_docs()), "url": draw(hostile_text)}).encode()
        elif kind == "value":
            line = json.dumps(draw(json_values)).encode()
        elif kind == "broken":
            full = json.dumps({"text": draw(text_docs)}).encode()
            line = full[: draw(st.integers(0, len(full)))]
        elif kind == "huge":
            line = b'{"text": "a", "n": ' + draw(st.sampled_from([b"1e999999", b"9" * 5000, b"-" + b"9" * 400, b"NaN", b"Infinity"])) + b"}"
        elif kind == "nested":
            depth = draw(st.integers(1, 5000))
            line = b'{"text": ' + b"[" * depth + b'"x"' + b"]" * draw(st.integers(0, depth)) + b"}"
        else:
            line = draw(st.sampled_from([b"", b"   ", b"\r"]))
        lines.append(line)
    sep = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = sep.join(lines)
    if draw(st.booleans()):  # also as a JSON array document (good for .json)
        data = b"[" + b",".join(lines) + b"]"
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "utf-32", "cp1251"]))
    return data if enc == "utf-8" else data.decode("utf-8", "replace").encode(enc, "replace")


def _warc(records: list[tuple[str, str, bytes]], gz: bool) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for i, (status, ctype, body) in enumerate(records):
        http = StatusAndHeaders(status, [("Content-Type", ctype)] if ctype else [], protocol="HTTP/1.1")
        ids = {"WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-{i:012d}>", "WARC-Date": "2025-01-27T00:00:00Z"}
        rec = writer.create_warc_record(
            f"https://n.example/{i}", "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict=ids
        )
        writer.write_record(rec)
    return buf.getvalue()


@st.composite
def warc_files(draw: st.DrawFn) -> tuple[bytes, bool]:
    """WARC (or .warc.gz) with broken headers, truncated records and non-HTML payloads."""
    gz = draw(st.booleans())
    payload = st.one_of(html_docs().map(lambda s: s.encode("utf-8", "surrogatepass")), encoded_text(), st.binary(max_size=200))
    records = draw(st.lists(st.tuples(
        st.sampled_from(["200 OK", "404 Not Found", "301 Moved", "200", "abc"]),
        st.sampled_from(CONTENT_TYPES),
        payload,
    ), min_size=1, max_size=4))  # fmt: skip
    data = _warc(records, gz)
    damage = draw(st.sampled_from(["none", "truncate", "flip", "header", "garbage_tail"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "flip" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    elif damage == "header" and not gz:
        bad = draw(st.sampled_from([b"Content-Length: -5", b"Content-Length: 99999999", b"Content-Length: x", b"WARC-Type: \x00", b""]))
        data = data.replace(b"Content-Length: ", bad + b"\r\nX-Was: ", 1)
    elif damage == "garbage_tail":
        data += draw(st.binary(min_size=1, max_size=100))
    return data, gz


# ------------------------------------------------------------------ checks


def _storable(value: object) -> None:
    if isinstance(value, str):
        assert "\x00" not in value
        value.encode("utf-8")  # no lone surrogates: SQLite and hashing need valid UTF-8


def check_file(path: Path) -> list[RawDoc | Reject]:
    """Read ``path``; every item is a RawDoc or a known Reject, and each RawDoc cleans to an
    Article or a Reject: every input ends as an article or a reject, never an exception."""
    items = list(read_path(path))
    assert items, "every file is accounted for"
    for item in items:
        assert isinstance(item, (RawDoc, Reject))
        if isinstance(item, Reject):
            assert item.reason in REJECT_REASONS and item.reason != "internal_error", item.detail
            _storable(item.detail)
            continue
        assert item.content.strip() and len(item.id) == 16
        for value in (item.content, item.source_id, *item.meta.values()):
            _storable(value)
        out = CLEAN.process(item)
        assert isinstance(out, (Article, Reject))
        if isinstance(out, Reject):
            assert out.reason in REJECT_REASONS and out.reason != "internal_error", out.detail
            assert out.doc_id == item.id
        else:
            assert out.id == item.id and out.text.strip()
            _storable(out.text)
            for span in out.removals:
                assert 0 <= span.start < span.end <= len(out.original)
                assert out.original[span.start : span.end] == span.text
    return items


def _signature(items: list[RawDoc | Reject]) -> list[tuple[str, str]]:
    return [("doc", i.id) if isinstance(i, RawDoc) else ("reject", i.reason) for i in items]


def check_bytes(name: str, data: bytes) -> None:
    """Check the file, then the same bytes under the same name elsewhere: same ids (deterministic)."""
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        first = Path(one) / name
        first.write_bytes(data)
        items = check_file(first)
        second = Path(two) / "sub" / name
        second.parent.mkdir()
        shutil.copy(first, second)
        assert _signature(list(read_path(second))) == _signature(items)


# ------------------------------------------------------------------ properties

raw_bytes = st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from([b'{"text": "a"}', b"\n", b"\xff", b"<p>", b"WARC/1.0\r\n", b"\x1f\x8b", b"{"])).map(b"".join),
)


@SETTINGS
@given(data=raw_bytes, name=st.sampled_from(NAMES), compress=st.booleans())
def test_arbitrary_bytes_never_raise(data: bytes, name: str, compress: bool) -> None:
    check_bytes(name, gzip.compress(data) if compress and name.endswith(".gz") else data)


@SETTINGS
@given(data=st.binary(min_size=20, max_size=600), cut=st.integers(min_value=1, max_value=10_000))
def test_truncated_or_flipped_gzip_never_raises(data: bytes, cut: int) -> None:
    blob = bytearray(gzip.compress(data))
    if cut % 2:
        blob = blob[: cut % len(blob)]
    else:
        blob[cut % len(blob)] ^= 0x55
    check_bytes("x.txt.gz", bytes(blob))


@property_settings(80)
@given(data=encoded_text(), name=st.sampled_from(["x.txt", "x.md", "x.html", "x.txt.gz"]))
def test_mixed_encodings_and_hostile_unicode(data: bytes, name: str) -> None:
    check_bytes(name, gzip.compress(data) if name.endswith(".gz") else data)


@property_settings(60)
@given(doc=text_docs, enc=st.sampled_from(["utf-8", "utf-16", "cp1251"]), name=st.sampled_from(["x.txt", "x.md"]))
def test_boilerplate_text_and_markdown(doc: str, enc: str, name: str) -> None:
    check_bytes(name, doc.encode(enc, _errors(enc)))


@property_settings(40)
@given(doc=html_docs(), gz=st.booleans())
def test_tag_soup_html(doc: str, gz: bool) -> None:
    data = doc.encode("utf-8", "surrogatepass")
    check_bytes("x.html.gz" if gz else "x.html", gzip.compress(data) if gz else data)


@property_settings(60)
@given(data=jsonl_lines(), name=st.sampled_from(["x.jsonl", "x.json", "x.jsonl.gz"]))
def test_hostile_json_lines(data: bytes, name: str) -> None:
    check_bytes(name, gzip.compress(data) if name.endswith(".gz") else data)


@property_settings(50)
@given(warc=warc_files())
def test_damaged_warc(warc: tuple[bytes, bool]) -> None:
    data, gz = warc
    check_bytes("x.warc.gz" if gz else "x.warc", data)


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
