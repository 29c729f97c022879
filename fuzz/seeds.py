"""Seed corpora for the fuzz targets, built from tests/fixtures and examples/ (nothing downloaded).

    python fuzz/seeds.py OUT_DIR        # writes OUT_DIR/<target>/<seed files>

Each seed is exactly what the target's fuzz input would be (see ``fuzz_readers.py``): the file
bytes for plain reader targets, a mode byte plus data for ``*_gz`` and cleaner targets.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
TEXTS = sorted((ROOT / "examples" / "belarus-china").glob("*.txt")) + sorted((ROOT / "tests/fixtures/dedup").glob("*.txt"))
HTMLS = sorted((ROOT / "tests/fixtures/html").glob("*.html"))
GZ, RAW = b"\x01", b"\x00"  # mode bytes of the *_gz targets: gzip the rest / write it as is


def _warc(pages: list[tuple[str, bytes]], *, gz: bool) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("seed.warc", {"software": "storyline-fuzz"}))
    for i, (ctype, body) in enumerate(pages):
        uri = f"https://news.example/{i}"
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http))
        req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example")], is_http_request=True)
        writer.write_record(writer.create_warc_record(uri, "request", payload=io.BytesIO(b""), http_headers=req))
    return buf.getvalue()


def seeds() -> dict[str, list[bytes]]:
    texts = [p.read_bytes() for p in TEXTS]
    htmls = [p.read_bytes() for p in HTMLS]
    first = texts[0].decode()
    encoded = [first.encode("utf-16"), first.encode("utf-16-le"), "Минск. Президент сказал в понедельник.\n".encode("cp1251"),
               "Café crème, déjà vu.\n".encode("latin-1")]  # fmt: skip
    records = [{"id": f"r{i}", "text": t.decode(), "title": f"T{i}", "published": "2025-01-27"} for i, t in enumerate(texts[:3])]
    records += [{"html": h.decode("utf-8", "replace"), "url": f"https://x.example/{i}"} for i, h in enumerate(htmls[:2])]
    jsonl = [b"".join(json.dumps(r).encode() + b"\n" for r in records[i : i + 2]) for i in range(0, len(records), 2)]
    jsonl += [b'{"text": "a"}\n\n{"text": 1}\n[1]\n{"text": "b", "authors": ["x", 2]}\n{bad\n']
    pages = [("text/html; charset=utf-8", h) for h in htmls[:3]] + [("application/pdf", b"%PDF-1.4")]
    warc = _warc(pages, gz=False)
    return {
        "txt": texts + encoded,
        "md": texts[:3],
        "html": htmls,
        "html_gz": [GZ + h for h in htmls[:3]] + [RAW + gzip.compress(htmls[0], mtime=0)],
        "jsonl": jsonl,
        "json": [json.dumps(records).encode(), json.dumps(records[0]).encode(), jsonl[0]],
        "warc": [warc, _warc(pages[:1], gz=False)],
        "warc_gz": [RAW + _warc(pages, gz=True), GZ + warc],
        "clean_text": [RAW + t for t in texts] + [GZ + t for t in texts[:3]],
        "clean_html": [RAW + h for h in htmls],
    }


def write(out: Path) -> dict[str, int]:
    counts = {}
    for target, items in seeds().items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for data in items:
            (folder / f"seed-{hashlib.sha1(data).hexdigest()[:12]}").write_bytes(data)
        counts[target] = len(items)
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(write(Path(sys.argv[1])))
