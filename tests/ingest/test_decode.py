from __future__ import annotations

import codecs

import pytest

from storyline.ingest.decode import declared_charset, decode_bytes
from storyline.ingest.limits import BadInput

RUSSIAN = "Президент Беларуси Александр Лукашенко заявил, что Минск и Пекин укрепляют сотрудничество."
FRENCH = "Le président a déclaré que l’économie française était « forte » — même en 2025."
GERMAN = "Die Straße führt über die Brücke nach Köln, sagte Müller."


def test_utf8_and_ascii() -> None:
    assert decode_bytes("naïve ✓".encode()).encoding == "utf-8"
    assert decode_bytes(b"plain ascii").text == "plain ascii"


@pytest.mark.parametrize("text", [FRENCH, GERMAN, "Café « naïve » — 5€"])
def test_cp1252_is_detected(text: str) -> None:
    decoded = decode_bytes(text.encode("cp1252"))
    assert decoded.text == text
    assert decoded.encoding == "cp1252"


def test_koi8r_russian() -> None:
    decoded = decode_bytes(RUSSIAN.encode("koi8-r"))
    assert decoded.text == RUSSIAN
    assert decoded.encoding == "koi8-r"


def test_cp1251_russian() -> None:
    assert decode_bytes(RUSSIAN.encode("cp1251")).text == RUSSIAN


@pytest.mark.parametrize(
    ("bom", "codec", "recorded"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    ],
)
def test_boms(bom: bytes, codec: str, recorded: str) -> None:
    decoded = decode_bytes(bom + RUSSIAN.encode(codec))
    assert decoded.text == RUSSIAN  # BOM stripped
    assert decoded.encoding == recorded


def test_bomless_utf16_text() -> None:
    decoded = decode_bytes(GERMAN.encode("utf-16-le"))
    assert decoded.text == GERMAN


def test_html_meta_charset_wins_over_detection() -> None:
    page = f'<html><head><meta charset="koi8-r"><title>x</title></head><body>{RUSSIAN}</body></html>'
    decoded = decode_bytes(page.encode("koi8-r"), html=True)
    assert decoded.encoding == "koi8-r"
    assert RUSSIAN in decoded.text


def test_http_equiv_and_latin1_alias() -> None:
    page = f'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>{GERMAN}</p>'
    decoded = decode_bytes(page.encode("cp1252"), html=True)
    assert decoded.encoding == "cp1252"
    assert GERMAN in decoded.text


def test_wrong_meta_charset_falls_back() -> None:
    page = f'<meta charset="utf-8"><p>{FRENCH}</p>'.encode("cp1252")
    assert FRENCH in decode_bytes(page, html=True).text


def test_declared_charset_parsing() -> None:
    assert declared_charset(b'<meta charset="Windows-1251">') == "cp1251"
    assert declared_charset(b"<?xml version='1.0' encoding='utf-8'?>") == "utf-8"
    assert declared_charset(b'<meta charset="no-such-charset">') is None
    assert declared_charset(b"<p>no declaration</p>") is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\r\n ", "empty"),
        (codecs.BOM_UTF8 + b"   ", "empty"),
        (b"PK\x03\x04\x00\x00binary\x00zip", "binary"),
        (bytes(range(32)) * 20, "binary"),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfa bad", "invalid_encoding"),
    ],
)
def test_bad_bytes(data: bytes, reason: str) -> None:
    with pytest.raises(BadInput) as err:
        decode_bytes(data)
    assert err.value.reason == reason


def test_valid_utf8_beats_stale_meta_declaration() -> None:
    page = '<meta charset="windows-1252"><p>Café — “quoted”</p>'.encode()
    decoded = decode_bytes(page, html=True)
    assert decoded.encoding == "utf-8" and "Café — “quoted”" in decoded.text


def test_ascii_follows_declared_seven_bit_encoding() -> None:
    data = "<meta charset='iso-2022-jp'><p>日本語</p>".encode("iso2022_jp")
    assert data.isascii()
    assert "日本語" in decode_bytes(data, html=True).text


def test_random_high_bytes_are_invalid_encoding() -> None:
    with pytest.raises(BadInput) as err:
        decode_bytes(bytes(range(128, 256)) * 3)
    assert err.value.reason == "invalid_encoding"
