"""Single-document files (txt, md, html) incl. .gz variants and file-level bad input."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import pytest

from storyline.ingest import read_path
from storyline.model import RawDoc, Reject

from .helpers import read_all, reasons, write

ARTICLE = "Minsk, Jan 27 — Lukashenko claimed a seventh term.\n\nBeijing sent congratulations.\n"


@pytest.mark.parametrize(("name", "fmt"), [("a.txt", "text"), ("a.md", "markdown"), ("a.html", "html")])
@pytest.mark.parametrize("gz", [False, True])
def test_each_single_format(tmp_path: Path, name: str, fmt: str, gz: bool) -> None:
    path = write(tmp_path / (name + (".gz" if gz else "")), ARTICLE.encode(), gz=gz)
    [doc] = read_all(path)
    assert isinstance(doc, RawDoc)
    assert doc.fmt == fmt
    assert doc.content == ARTICLE
    assert doc.source_id == "a"
    assert doc.provenance == {"path": str(path), "format": fmt}
    assert doc.meta == {}
    assert len(doc.id) == 16 and int(doc.id, 16) >= 0


def test_html_meta_charset_file(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1251"></head><body><p>Минск и Пекин</p></body></html>'
    [doc] = read_all(write(tmp_path / "p.htm", page.encode("cp1251")))
    assert doc.encoding == "cp1251"
    assert "Минск и Пекин" in doc.content


@pytest.mark.parametrize(
    ("codec", "prefix", "recorded"),
    [("cp1252", b"", "cp1252"), ("utf-16-le", b"\xff\xfe", "utf-16-le"), ("koi8-r", b"", "koi8-r")],
)
def test_encodings_in_files(tmp_path: Path, codec: str, prefix: bytes, recorded: str) -> None:
    text = (
        "Президент Беларуси Александр Лукашенко заявил о победе на выборах."
        if codec == "koi8-r"
        else "Le président a déclaré « victoire » — l’opposition dénonce une élection truquée."
    )
    [doc] = read_all(write(tmp_path / "enc.txt", prefix + text.encode(codec)))
    assert isinstance(doc, RawDoc)
    assert doc.content == text
    assert doc.encoding == recorded


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n\t  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(128, 256)) * 4, "invalid_encoding"),
    ],
)
@pytest.mark.parametrize("gz", [False, True])
def test_bad_content(tmp_path: Path, data: bytes, reason: str, gz: bool) -> None:
    path = write(tmp_path / ("bad.txt.gz" if gz else "bad.txt"), data, gz=gz)
    [reject] = read_all(path)
    assert isinstance(reject, Reject)
    assert reject.reason == reason
    assert reject.source_path == str(path)
    assert reject.stage == "ingest"


def test_too_large_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "big.txt", b"word " * 300)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file must not be opened")

    monkeypatch.setattr("builtins.open", no_open)
    assert reasons(read_all(path, max_bytes=1000)) == ["too_large"]


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "locked.txt", b"secret")
    if os.geteuid() != 0:
        path.chmod(0)
        assert reasons(read_all(path)) == ["unreadable"]
        path.chmod(0o644)
    monkeypatch.setattr("storyline.ingest.os.access", lambda *a: False)
    [reject] = read_all(path)
    assert reject.reason == "unreadable" and "permission" in reject.detail


def test_open_failure_mid_read_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "io.txt", b"text")

    def failing_open(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("storyline.ingest.limits.open", failing_open, raising=False)
    assert reasons(read_all(path)) == ["unreadable"]


def test_special_and_dangling_files(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    os.symlink(tmp_path / "nowhere.txt", tmp_path / "dangling.txt")
    assert reasons(read_all(tmp_path / "pipe.txt")) == ["unreadable"]
    assert reasons(read_all(tmp_path / "dangling.txt")) == ["unreadable"]


def test_truncated_gzip(tmp_path: Path) -> None:
    blob = gzip.compress(ARTICLE.encode() * 50)
    path = write(tmp_path / "t.txt.gz", blob[: len(blob) // 2])
    assert reasons(read_all(path)) == ["truncated_gzip"]


def test_corrupt_gzip(tmp_path: Path) -> None:
    blob = bytearray(gzip.compress(ARTICLE.encode() * 50))
    blob[20:40] = b"\xff" * 20
    assert reasons(read_all(write(tmp_path / "c.txt.gz", bytes(blob)))) == ["corrupt_gzip"]
    assert reasons(read_all(write(tmp_path / "n.md.gz", b"not gzip at all"))) == ["corrupt_gzip"]


def test_gzip_crc_mismatch_is_corrupt(tmp_path: Path) -> None:
    blob = bytearray(gzip.compress(ARTICLE.encode()))
    blob[-8] ^= 0xFF
    assert reasons(read_all(write(tmp_path / "crc.txt.gz", bytes(blob)))) == ["corrupt_gzip"]


def _bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed, built without holding them in memory."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"a" * (1 << 20)
    parts = [comp.compress(chunk) for _ in range(size >> 20)]
    return b"".join(parts) + comp.flush()


def test_gzip_bomb_over_cap(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.html.gz", _bomb(64 << 20))
    assert path.stat().st_size < 200_000
    [reject] = read_all(path, max_bytes=2 << 20, max_ratio=10**9)
    assert reject.reason == "gzip_bomb"


def test_gzip_bomb_by_ratio(tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.txt.gz", _bomb(8 << 20))
    [reject] = read_all(path)  # default 20 MB cap is not reached: the ratio gives it away
    assert reject.reason == "gzip_bomb"
    assert "ratio" in reject.detail


def test_highly_compressible_small_file_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path / "small.txt.gz", b"la " * 300_000, gz=True)  # 900 KB, ratio >> 100, under 1 MB
    [doc] = read_all(path)
    assert isinstance(doc, RawDoc)


def test_reader_never_raises_on_directory_path(tmp_path: Path) -> None:
    assert reasons(list(read_path(tmp_path))) == ["unreadable"]
