"""Regression tests for what fuzzing found (docs/fuzzing.md): each input once broke an invariant.

Files under tests/fixtures/fuzz/ are the exact bytes the fuzzer wrote (minimised where possible);
small inputs are inline.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from storyline.clean import CleanStage
from storyline.clean.html import _shrink, align
from storyline.dedup import DedupConfig
from storyline.engines.local import process_doc
from storyline.errors import REJECT_REASONS
from storyline.ingest import read_path
from storyline.ingest.decode import scrub_text
from storyline.model import Article, RawDoc, Reject

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fuzz"
BODY = "The minister said on Monday that the talks would continue next week in Minsk, officials confirmed."


def _storable(value: str) -> None:
    assert "\x00" not in value
    value.encode("utf-8")


def _read(path: Path) -> list[RawDoc | Reject]:
    items = list(read_path(path))
    assert items
    for item in items:
        if isinstance(item, Reject):
            assert item.reason in REJECT_REASONS and item.reason != "internal_error", item.detail
            _storable(item.detail)
        else:
            for value in (item.content, item.source_id, *[v for v in item.meta.values() if isinstance(v, str)]):
                _storable(value)
    return items


def test_nul_in_warc_type_is_not_echoed_into_the_reject() -> None:
    """A mutated .warc.gz whose WARC-Type held NUL bytes: the skip counter key (and so the
    ``empty`` reject's detail) carried the raw header value, NULs included."""
    reader = read_path(FIXTURES / "nul_in_warc_type.warc.gz")
    [item] = _read(FIXTURES / "nul_in_warc_type.warc.gz")
    list(reader)
    assert isinstance(item, Reject) and item.reason == "empty"
    assert "warc_other_type=1" in item.detail
    assert set(reader.skipped) == {"warc_other_type"}


def test_lone_surrogate_in_json_text_does_not_kill_the_run(tmp_path: Path) -> None:
    """``"\\ud800"`` is valid JSON but not encodable text: fingerprinting raised
    UnicodeEncodeError outside any reject handler and ended the whole run."""
    path = tmp_path / "a.jsonl"
    text = BODY[:20] + "\\ud800" + BODY[20:]
    path.write_text('{"text": "' + text + '", "title": "T\\udfff", "id": "x\\ud800"}\n')
    [doc] = _read(path)
    assert isinstance(doc, RawDoc)
    assert doc.content == BODY[:20] + "\ufffd" + BODY[20:]
    assert doc.meta["title"] == "T\ufffd" and doc.source_id == "x\ufffd"
    out, fp, _ = process_doc(doc, DedupConfig())
    assert isinstance(out, Article) and fp is not None
    _storable(out.text)


def test_nul_escapes_in_json_are_removed(tmp_path: Path) -> None:
    """``"\\u0000"`` reached the article text (and SQLite) unchanged."""
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"text": BODY.replace(" ", " \u0000", 3), "author": "A\u0000B"}, {"text": "\u0000\u0000"}]))
    first, second = _read(path)
    assert isinstance(first, RawDoc) and first.content == BODY and first.meta["byline"] == "AB"
    out = CleanStage().process(first)
    assert isinstance(out, Article) and "\x00" not in out.text
    assert isinstance(second, Reject) and second.reason == "empty" and second.record == 1


def test_reject_detail_echoing_json_keys_is_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"k\\u0000ey": 1, "\\ud800": 2}\n')
    [rej] = _read(path)
    assert isinstance(rej, Reject) and rej.reason == "json_no_text"
    assert "key" in rej.detail and "\ufffd" in rej.detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [("plain", "plain"), ("a\x00b", "ab"), ("x\ud800y\udfff", "x\ufffdy\ufffd"), ("ok \U0001f600", "ok \U0001f600")],
)
def test_scrub_text(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


# --- hangs in clean/html.py found while reviewing what fuzzing cannot reach (inputs over 64 KB)


def test_many_unclosed_script_tags_shrink_in_linear_time() -> None:
    """Pages over 2 MB have script/style bodies cut before parsing; the lazy
    ``<script>.*?</script>`` pattern rescanned to the end of the page for every unclosed
    ``<script>``: ~10 s for 128 KB, hours for the 2 MB where it applies."""
    page = "<script>" * 100_000 + "<style " * 100_000
    started = time.perf_counter()
    assert _shrink(page) == page  # nothing is closed: nothing to cut
    assert time.perf_counter() - started < 5
    small = "<p>a</p><SCRIPT>x()</Script ><script type='application/ld+json'>{}</script><style>p{}</style><script>"
    assert _shrink(small) == "<p>a</p><SCRIPT></SCRIPT><script type='application/ld+json'>{}</script><style></style><script>"


def test_alignment_of_many_short_lines_is_not_quadratic() -> None:
    """Every short main-text line scanned all later lines for the next anchor (O(lines²))."""
    lines = [f"w{i % 50}" for i in range(60_000)]
    started = time.perf_counter()
    covered = align("\n".join(lines), "\n".join(lines))
    assert time.perf_counter() - started < 10
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    assert covered == [(s, s + len(line)) for s, line in zip(starts, lines, strict=True)]  # each line in place


def test_file_name_that_is_not_utf8_is_stored_not_fatal(tmp_path: Path) -> None:
    """A POSIX file name may hold any bytes: `str(path)` then holds lone surrogates, which SQLite refuses.
    The run stores such a path with ``\\xNN`` escapes (distinct names stay distinct) and goes on."""
    import sqlite3

    from storyline.engines.local import RunOptions, run

    folder = tmp_path / "in"
    folder.mkdir()
    bad = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    with open(bad, "wb") as fh:
        fh.write(("A title\n" + BODY + "\n").encode())
    (folder / "ok.txt").write_text("Another title\n" + BODY.replace("Monday", "Tuesday") + " More.\n")
    report = run([folder], tmp_path / "kb.db", RunOptions(facts=False, workers=1))
    assert report.articles_new == 2 and not report.reject_counts
    con = sqlite3.connect(tmp_path / "kb.db")
    paths = sorted(p for (p,) in con.execute("SELECT source_path FROM articles"))
    assert paths[0].endswith("caf\\xe9.txt") and paths[1].endswith("ok.txt")
    # a second run recognises the file as done (the stored key is stable)
    again = run([folder], tmp_path / "kb.db", RunOptions(facts=False, workers=1))
    assert again.files_unchanged == 2
