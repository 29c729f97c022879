"""Size limits, bad-input signalling and capped (bomb-safe) reading of plain and gzipped files.

Everything here raises :class:`BadInput` for a problem with the *content* of an input; the
readers turn it into a :class:`~storyline.model.Reject`. Nothing is ever inflated into memory
beyond the configured cap.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 64 * 1024
RATIO_FLOOR = 1024 * 1024  # the inflate ratio is only judged past 1 MB of output


@dataclass(slots=True)
class IngestOptions:
    """Limits for reading inputs.

    ``max_bytes`` caps a single-document file on disk, its decompressed size, and every record
    inside a container (a JSONL line, a whole ``.json`` document, a WARC record's payload).
    ``max_ratio``: a gzip stream whose inflated/compressed ratio exceeds this (once past 1 MB
    of output) is treated as a bomb.
    """

    max_bytes: int = 20 * 1024 * 1024
    max_ratio: int = 100


class BadInput(Exception):
    """A content problem that becomes a reject with ``reason`` (a key of REJECT_REASONS)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def is_gzip_name(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


class GzipGuard(io.RawIOBase):
    """A raw stream of the inflated bytes of a gzip file that refuses to inflate too much.

    Raises :class:`BadInput` with ``truncated_gzip``, ``corrupt_gzip`` or ``gzip_bomb``.
    ``total_cap`` (if given) bounds the total inflated size; the ratio check always applies.
    """

    def __init__(self, raw: BinaryIO, opts: IngestOptions, total_cap: int | None) -> None:
        super().__init__()
        self._raw = raw
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self._opts = opts
        self._cap = total_cap
        self.inflated = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.inflated += n
        self._check()
        return n

    def _read(self, size: int) -> bytes:
        try:
            return self._gz.read(size)
        except EOFError as exc:
            raise BadInput("truncated_gzip", f"after {self.inflated} inflated bytes: {exc}") from exc
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise BadInput("corrupt_gzip", f"after {self.inflated} inflated bytes: {exc}") from exc

    def _check(self) -> None:
        if self._cap is not None and self.inflated > self._cap:
            raise BadInput("gzip_bomb", f"inflates beyond the {self._cap}-byte limit")
        if self.inflated > RATIO_FLOOR:
            consumed = max(self._raw.tell(), 1)
            ratio = self.inflated / consumed
            if ratio > self._opts.max_ratio:
                raise BadInput(
                    "gzip_bomb",
                    f"inflate ratio {ratio:.0f}:1 exceeds {self._opts.max_ratio}:1 "
                    f"({self.inflated} bytes from {consumed})",
                )

    def close(self) -> None:
        try:
            self._gz.close()
            self._raw.close()
        finally:
            super().close()


def open_input(path: Path, opts: IngestOptions, *, total_cap: int | None) -> io.BufferedReader:
    """Open ``path`` for reading decompressed bytes (gunzipping a ``.gz`` name on the fly).

    The caller owns the returned stream. ``OSError`` from opening propagates (→ ``unreadable``).
    """
    raw = open(path, "rb")  # noqa: SIM115 - closed via the returned stream
    if not is_gzip_name(path):
        return raw
    return io.BufferedReader(GzipGuard(raw, opts, total_cap), buffer_size=CHUNK)


def read_capped(stream: BinaryIO, cap: int, what: str) -> bytes:
    """Read the whole stream, or raise ``too_large`` if it holds more than ``cap`` bytes."""
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise BadInput("too_large", f"{what} is larger than the {cap}-byte limit")
    return data
