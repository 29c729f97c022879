"""Bytes → text: BOMs, declared charsets, UTF-8, then statistical detection; binary sniffing.

Order: a byte-order mark wins; then strict UTF-8 if the bytes hold non-ASCII and are valid
UTF-8 (legacy-encoded text practically never is, while stale ``<meta charset>`` declarations on
re-encoded pages are common); then a charset the transport declared (HTTP ``Content-Type`` in
WARC) or, for HTML, a ``<meta charset>`` / XML declaration in the first bytes; then
``charset-normalizer``. Among detection candidates whose mess
score is within :data:`CHAOS_SLACK` of the best, the most common web encoding wins
(charset-normalizer alone often prefers e.g. ``cp775`` over ``cp1252`` on short Latin text).
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .limits import BadInput

SNIFF_BYTES = 64 * 1024
HEAD_BYTES = 4096
MAX_CONTROL_RATIO = 0.05
CHAOS_SLACK = 0.05

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),  # before UTF-16 LE: same first two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

# Preference among equally plausible detections, most common on the web first.
_PREFERRED = (
    "cp1252", "cp1251", "koi8-r", "cp1250", "iso8859-15", "cp1253", "cp1254", "cp1256",
    "cp1255", "cp1257", "cp1258", "gb18030", "big5", "cp932", "shift_jis", "euc_jp",
    "cp949", "euc_kr", "koi8-u", "iso8859-2", "iso8859-5", "cp874",
)  # fmt: skip
_PRIORITY = {name: rank for rank, name in enumerate(_PREFERRED)}

# WHATWG: these labels mean something else in practice.
_ALIASES = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}

_CHARSET_RE = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
# C0 controls other than \t \n \v \f \r, DEL, and C1 controls.
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_CONTROL_CHARS_RE = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def path_text(path: "os.PathLike[str] | str") -> str:
    """A file path as storable text: the same string for a UTF-8 name; bytes of a name that is not valid
    UTF-8 (POSIX allows any bytes) as ``\\xNN`` escapes, so distinct names stay distinct and the text
    encodes (``str(path)`` would hold lone surrogates, which SQLite and hashing refuse)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def scrub_text(text: str) -> str:
    """``text`` without NUL characters and with lone surrogates replaced by U+FFFD.

    Byte decoding never yields a lone surrogate and rarely a NUL (UTF-16 text), but JSON
    escapes can yield both (``"\\u0000"``, ``"\\ud800"``):
    a lone surrogate cannot be encoded as UTF-8 (hashing and SQLite would fail) and a NUL
    truncates text in C APIs. Valid text comes back unchanged (the same object).
    """
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATE_RE.sub("\ufffd", text)
    return text


def canonical(name: str) -> str | None:
    """Python's canonical codec name for ``name`` after WHATWG aliasing, or None if unknown."""
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return _ALIASES.get(codec, codec)


def bom_encoding(data: bytes) -> tuple[str, str, int] | None:
    """``(codec, recorded name, BOM length)`` for a leading byte-order mark, else None."""
    for bom, codec, recorded in _BOMS:
        if data.startswith(bom):
            return codec, recorded, len(bom)
    return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML ``<meta>`` or XML declaration names in the first bytes, if any."""
    head = data[:HEAD_BYTES]
    end = head.lower().find(b"</head")
    match = _CHARSET_RE.search(head if end < 0 else head[:end])
    return canonical(match.group(1).decode("ascii")) if match else None


def decode_bytes(data: bytes, *, html: bool = False, declared: str | None = None) -> Decoded:
    """Decode ``data`` to text or raise :class:`BadInput` (``empty``, ``binary``, ``invalid_encoding``).

    ``declared`` is a charset from the transport (e.g. an HTTP header); ``html`` enables the
    ``<meta charset>`` prescan. Decoding is always strict: no replacement characters are invented.
    """
    if not data.strip():
        raise BadInput("empty", "no bytes" if not data else "whitespace only")
    bom = bom_encoding(data)
    if bom is not None:
        codec, recorded, size = bom
        return _checked(_strict(data[size:], codec, recorded), f"{recorded} with BOM")
    if b"\x00" in data[:SNIFF_BYTES]:
        return _bomless_utf16(data)
    if _control_ratio(data[:SNIFF_BYTES]) > MAX_CONTROL_RATIO:
        raise BadInput("binary", "too many control bytes for text")
    meta = declared_charset(data) if html else None
    # Valid UTF-8 with non-ASCII bytes is UTF-8 whatever a (often stale) declaration says;
    # pure ASCII follows the declaration (7-bit encodings such as ISO-2022-JP exist).
    hints = (declared, meta, "utf-8") if data.isascii() else ("utf-8", declared, meta)
    for hint in hints:
        name = canonical(hint) if hint else None
        if name and not name.startswith(("utf-16", "utf-32")):
            decoded = _try_strict(data, name)
            if decoded is not None and not _too_many_controls(decoded.text):
                return decoded
    return _checked(_detect(data), "detected encoding")


def _strict(data: bytes, codec: str, recorded: str) -> Decoded:
    decoded = _try_strict(data, codec)
    if decoded is None:
        raise BadInput("invalid_encoding", f"bytes are not valid {recorded}")
    return Decoded(decoded.text, recorded)


def _try_strict(data: bytes, codec: str) -> Decoded | None:
    try:
        return Decoded(data.decode(codec), canonical(codec) or codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _checked(decoded: Decoded, how: str) -> Decoded:
    if not decoded.text.strip():
        raise BadInput("empty", f"whitespace only ({how})")
    if _too_many_controls(decoded.text):
        raise BadInput("invalid_encoding", f"{how} {decoded.encoding} gives control characters, not text")
    return decoded


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def _too_many_controls(text: str) -> bool:
    sample = text[:SNIFF_BYTES]
    return len(_CONTROL_CHARS_RE.findall(sample)) > MAX_CONTROL_RATIO * max(len(sample), 1)


def _bomless_utf16(data: bytes) -> Decoded:
    """NUL bytes mean binary, unless they sit in every other byte like BOM-less UTF-16 text."""
    sample = data[:SNIFF_BYTES]
    half = max(len(sample) // 2, 1)
    even_nuls = sample[0::2].count(0) / half
    odd_nuls = sample[1::2].count(0) / half
    for codec, nuls, other in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if nuls > 0.4 and other < 0.05 and len(data) % 2 == 0:
            decoded = _try_strict(data, codec)
            if decoded is not None and not _too_many_controls(decoded.text):
                return _checked(decoded, "BOM-less UTF-16")
    raise BadInput("binary", "contains NUL bytes")


def _detect(data: bytes) -> Decoded:
    """Statistical detection; prefers common web encodings among near-equal candidates."""
    matches = list(from_bytes(data, cp_exclusion=["utf_16", "utf_16_le", "utf_16_be", "utf_32"]))
    if not matches:
        raise BadInput("invalid_encoding", "no plausible text encoding found")
    best_chaos = min(m.chaos for m in matches)
    candidates: list[tuple[int, int, str]] = []
    for order, match in enumerate(matches):
        if match.chaos > best_chaos + CHAOS_SLACK:
            continue
        for name in [match.encoding, *match.could_be_from_charset]:
            codec = canonical(name)
            if codec and not codec.startswith(("utf-16", "utf-32")):
                candidates.append((_PRIORITY.get(codec, len(_PRIORITY)), order, codec))
    for _, _, codec in sorted(candidates):
        decoded = _try_strict(data, codec)
        if decoded is not None:
            return decoded
    raise BadInput("invalid_encoding", "no plausible text encoding decodes the bytes")
