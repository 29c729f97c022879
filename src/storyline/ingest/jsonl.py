"""JSON Lines (``.jsonl``) and JSON (``.json``: one object, an array of objects, or JSON Lines).

JSON Lines are streamed line by line; one bad line rejects only that line. ``record`` is the
0-based line index (blank lines count but yield nothing) and ``offset`` the byte offset of the
line in the (decompressed) stream. A ``.json`` file no larger than ``max_bytes`` is parsed as a
document: an array yields one record per element (good elements before a syntax error still
come through); a larger ``.json`` is streamed as JSON Lines.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

from ..model import RawDoc, Reject
from .decode import bom_encoding, decode_bytes
from .ids import doc_id
from .limits import CHUNK, BadInput, open_input
from .source import Source

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# meta key → record keys that supply it, first present wins
_META_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("url", ("url",)),
    ("title", ("title",)),
    ("published", ("published", "date")),
    ("outlet", ("outlet", "source")),
    ("byline", ("byline", "author", "authors")),
    ("language", ("language", "lang")),
)


def read_json_source(src: Source) -> Iterator[RawDoc | Reject]:
    """Dispatch ``.json`` (document or lines) and ``.jsonl`` (lines)."""
    if src.path.name.lower().removesuffix(".gz").endswith(".json"):
        with open_input(src.path, src.opts, total_cap=None) as stream:
            head = stream.read(src.opts.max_bytes + 1)
        if len(head) <= src.opts.max_bytes:
            yield from _read_document(src, head)
            return
        if not _first_line_is_json(head[: 1 << 20].decode("utf-8-sig", "ignore").rsplit("\n", 1)[0]):
            limit = src.opts.max_bytes
            raise BadInput("too_large", f"JSON document over the {limit}-byte limit (only JSON Lines stream)")
    with open_input(src.path, src.opts, total_cap=None) as stream:
        yield from read_lines(src, stream)


def read_lines(src: Source, buffered: io.BufferedReader) -> Iterator[RawDoc | Reject]:
    """Stream JSON Lines from a byte stream, never holding more than one line."""
    bom = bom_encoding(buffered.peek(4)[:4])
    if bom is not None and bom[0] != "utf-8":
        yield from _text_lines(src, buffered, bom[0], bom[2])
        return
    offset = len(buffered.read(bom[2])) if bom else 0
    cap = src.opts.max_bytes
    index = 0
    while line := buffered.readline(cap + 1):
        start, offset = offset, offset + len(line)
        if len(line) > cap and not line.endswith(b"\n"):
            offset += _skip_rest_of_line(buffered)
            yield src.reject("too_large", f"line longer than the {cap}-byte limit", index, start)
        elif line.strip():
            yield _line_record(src, line, index, start)
        else:
            src.skipped["blank_line"] += 1
        index += 1


def _skip_rest_of_line(stream: io.BufferedReader) -> int:
    skipped = 0
    while chunk := stream.readline(CHUNK):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def _text_lines(src: Source, stream: io.BufferedReader, codec: str, bom_size: int) -> Iterator[RawDoc | Reject]:
    """JSON Lines in UTF-16/32 (with BOM): read as text, offsets from re-encoded lengths."""
    stream.read(bom_size)
    text_stream = io.TextIOWrapper(stream, encoding=codec, newline="")
    offset, index, cap = bom_size, 0, src.opts.max_bytes
    try:
        while line := text_stream.readline(cap + 1):
            raw = line.encode(codec, "surrogatepass")
            start, offset = offset, offset + len(raw)
            if len(line) > cap and not line.endswith("\n"):
                while not line.endswith("\n") and (line := text_stream.readline(CHUNK)):
                    offset += len(line.encode(codec, "surrogatepass"))
                yield src.reject("too_large", f"line longer than the {cap}-character limit", index, start)
            elif line.strip():
                yield _parse_record(src, line, raw, codec, index, start)
            else:
                src.skipped["blank_line"] += 1
            index += 1
    except UnicodeDecodeError as exc:
        yield src.reject("invalid_encoding", f"not valid {codec}: {exc.reason}", index, offset)


def _line_record(src: Source, line: bytes, index: int, offset: int) -> RawDoc | Reject:
    try:
        text, encoding = line.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            decoded = decode_bytes(line)
        except BadInput as bad:
            return src.reject(bad.reason, bad.detail, index, offset)
        text, encoding = decoded.text, decoded.encoding
    return _parse_record(src, text, line, encoding, index, offset)


def _parse_record(src: Source, text: str, raw: bytes, encoding: str, index: int, offset: int) -> RawDoc | Reject:
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return src.reject("malformed_json", _json_error(exc), index, offset)
    return make_record(src, obj, raw, encoding, index, offset)


def _json_error(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    return str(exc)[:200]


def _read_document(src: Source, data: bytes) -> Iterator[RawDoc | Reject]:
    """A ``.json`` file held in memory (at most ``max_bytes``)."""
    decoded = decode_bytes(data)
    text = decoded.text
    bom = bom_encoding(data)
    codec, base = (bom[0], bom[2]) if bom else (decoded.encoding, 0)
    pos = _skip_ws(text)
    if text.startswith("[", pos):
        yield from _read_array(src, text, _ByteOffsets(text, codec, base), decoded.encoding, pos)
        return
    try:
        obj, end = _DECODER.raw_decode(text, pos)
        complete = _skip_ws(text, end) == len(text)
    except (ValueError, RecursionError) as exc:
        obj, complete, error = None, False, _json_error(exc)
    else:
        error = "extra data after the first JSON value"
    if complete:
        raw = text[pos:].encode("utf-8", "surrogatepass")
        yield make_record(src, obj, raw, decoded.encoding, 0, base + len(text[:pos].encode(codec, "replace")))
    elif _first_line_is_json(text):
        yield from read_lines(src, io.BufferedReader(io.BytesIO(data)))
    else:
        raise BadInput("malformed_json", error)


def _skip_ws(text: str, pos: int = 0) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _first_line_is_json(text: str) -> bool:
    for line in io.StringIO(text):
        if line.strip():
            try:
                json.loads(line)
            except (ValueError, RecursionError):
                return False
            return True
    return False


class _ByteOffsets:
    """Converts increasing character positions in ``text`` to byte offsets in its source."""

    def __init__(self, text: str, codec: str, base: int) -> None:
        self._text, self._codec = text, codec
        self._char, self._byte = 0, base

    def at(self, char_pos: int) -> int:
        self._byte += len(self._text[self._char : char_pos].encode(self._codec, "replace"))
        self._char = char_pos
        return self._byte


def _read_array(src: Source, text: str, offsets: _ByteOffsets, encoding: str, pos: int) -> Iterator[RawDoc | Reject]:
    index, pos = 0, _skip_ws(text, pos + 1)
    if text.startswith("]", pos):
        return
    while True:
        try:
            obj, end = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            yield src.reject("malformed_json", _json_error(exc), index, offsets.at(pos))
            return
        raw = text[pos:end].encode("utf-8", "surrogatepass")
        yield make_record(src, obj, raw, encoding, index, offsets.at(pos))
        index, pos = index + 1, _skip_ws(text, end)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
            continue
        if text.startswith("]", pos) and _skip_ws(text, pos + 1) == len(text):
            return
        yield src.reject("malformed_json", f"expected ',' or ']' at character {pos}", index, offsets.at(pos))
        return


def make_record(src: Source, obj: Any, raw: bytes, encoding: str, index: int, offset: int) -> RawDoc | Reject:
    """A parsed JSON value → RawDoc (``html`` preferred over ``text``) or a reject."""
    if not isinstance(obj, dict):
        return src.reject("malformed_json", f"record is a JSON {type(obj).__name__}, not an object", index, offset)
    fmt, content = _content(obj)
    if content is None:
        keys = ", ".join(sorted(map(str, obj))[:12]) or "none"
        return src.reject("json_no_text", f"no non-empty 'text' or 'html' string (keys: {keys})", index, offset)
    record_id = obj.get("id")
    has_id = isinstance(record_id, (str, int)) and not isinstance(record_id, bool) and str(record_id).strip()
    return RawDoc(
        id=doc_id(src.path.name, str(index), raw),
        source_id=str(record_id).strip() if has_id else src.stem,
        fmt=fmt,
        content=content,
        provenance=src.provenance(index, offset),
        meta=_meta(obj),
        encoding=encoding,
    )


def _content(obj: dict[str, Any]) -> tuple[str, str | None]:
    for key in ("html", "text"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return key, value
    return "text", None


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for name, keys in _META_KEYS:
        for key in keys:
            value = _meta_value(obj.get(key))
            if value:
                meta[name] = value
                break
    return meta


def _meta_value(value: Any) -> str | None:
    """A metadata value as a string: strings, numbers, lists of strings, ``{"name": ...}``."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return ", ".join(v.strip() for v in value if isinstance(v, str) and v.strip()) or None
    if isinstance(value, dict):
        return _meta_value(value.get("name"))
    return None
