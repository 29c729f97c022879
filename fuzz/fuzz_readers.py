"""Coverage-guided fuzz targets (atheris / libFuzzer) for every reader and the cleaner.

    python fuzz/fuzz_readers.py TARGET [CORPUS_DIR ...] [libFuzzer flags, e.g. -max_total_time=60 -timeout=10]
    python fuzz/fuzz_readers.py --list

Reader targets (``txt md html html_gz jsonl json warc warc_gz``) write the fuzzer's bytes to a
temporary file with that extension and run the real :func:`storyline.ingest.read_path`, then the
real per-document pipeline step (:func:`storyline.engines.local.process_doc`: clean + fingerprint)
on every RawDoc. For the ``*_gz`` targets an odd first byte means "gzip the rest" (so the fuzzer
explores both the gzip layer and the format under it); an even one writes the bytes as they are.

Cleaner targets (``clean_text``, ``clean_html``) feed text straight to the clean stage: the
first byte picks ``text``/``markdown`` (``clean_text``), the rest is decoded as UTF-8 with U+FFFD
for bad bytes and passed through ``scrub_text`` as every reader does (no NUL, no lone surrogate).

Every input must satisfy :func:`check` — an ``AssertionError`` is a finding, like a crash:
at least one record per file, only RawDoc/Reject from the reader and Article/Reject from the
cleaner, every reason in REJECT_REASONS and never ``internal_error`` (a swallowed exception),
no NUL and nothing unencodable in what would be stored, removal spans inside ``Article.original``
and equal to the text they name, and the same ids when the same bytes are read again.
A hang is caught by libFuzzer's ``-timeout`` (seconds per input).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from targets import CLEAN_TARGETS, READER_TARGETS, TARGETS, file_bytes  # noqa: E402

# Coverage feedback from our code, the WARC parser and the HTML extractor (lxml/zlib/json are C).
with atheris.instrument_imports(include=["storyline", "warcio", "trafilatura", "htmldate"]):
    import storyline.clean.html  # noqa: F401 - imported lazily by the clean stage; instrument it too
    import storyline.clean.text  # noqa: F401
    from storyline.dedup import DedupConfig
    from storyline.engines.local import process_doc
    from storyline.errors import REJECT_REASONS
    from storyline.ingest import read_path
    from storyline.ingest.decode import scrub_text
    from storyline.model import Article, RawDoc, Reject

_CFG = DedupConfig()
# where reader targets write their input file (libFuzzer exits without Python's cleanup:
# run_all.py gives each session a folder and removes it afterwards)
_TMP = Path(os.environ.get("STORYLINE_FUZZ_TMP") or tempfile.mkdtemp(prefix="storyline-fuzz-"))
_TMP.mkdir(parents=True, exist_ok=True)


def clean_input(target: str, data: bytes) -> RawDoc:
    """The RawDoc a cleaner target feeds to the clean stage for fuzzer input ``data``."""
    fmt = "html" if target == "clean_html" else ("markdown" if data[:1] and data[0] & 1 else "text")
    text = scrub_text(data[1:].decode("utf-8", "replace"))  # as every reader delivers it
    return RawDoc(id="0" * 16, source_id="fuzz", fmt=fmt, content=text, provenance={"path": "fuzz", "format": fmt})


def _storable(value: object, what: str) -> None:
    if isinstance(value, str):
        assert "\x00" not in value, f"NUL in {what}"
        value.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate


def check_reject(rej: Reject) -> None:
    assert rej.reason in REJECT_REASONS, f"unknown reject reason {rej.reason!r}"
    assert rej.reason != "internal_error", f"swallowed exception: {rej.detail}"
    _storable(rej.detail, "reject detail")


def check_article(raw: RawDoc, art: Article) -> None:
    assert art.id == raw.id
    assert isinstance(art.text, str) and art.text.strip(), "an article with no text"
    for name in ("text", "original", "title", "subtitle", "byline", "published", "outlet", "url", "language", "source_id"):
        _storable(getattr(art, name), name)
    n = len(art.original)
    last = 0
    for span in art.removals:
        assert 0 <= span.start < span.end <= n, f"removal {span.start}:{span.end} outside original of {n}"
        assert span.start >= last, "removals overlap or are unsorted"
        assert art.original[span.start : span.end] == span.text, "removal text differs from the original"
        assert span.label, "removal without a label"
        last = span.end


def clean(raw: RawDoc) -> Article | Reject:
    out, fp, _ = process_doc(raw, _CFG)
    if isinstance(out, Reject):
        check_reject(out)
        assert fp is None
    else:
        assert isinstance(out, Article), type(out)
        check_article(raw, out)
        assert fp is not None
    return out


def read(path: Path) -> list[RawDoc | Reject]:
    items = list(read_path(path))
    assert items, "a file produced neither a document nor a reject"
    for item in items:
        assert isinstance(item, (RawDoc, Reject)), type(item)
        if isinstance(item, Reject):
            check_reject(item)
        else:
            assert len(item.id) == 16 and item.content.strip()
            for value in (item.content, item.source_id, *item.meta.values()):
                _storable(value, "raw document")
    return items


def check(target: str, data: bytes) -> None:
    """Run one fuzz input through the target and assert every invariant (see the module doc)."""
    if target in CLEAN_TARGETS:
        clean(clean_input(target, data))
        return
    path = _TMP / READER_TARGETS[target]
    path.write_bytes(file_bytes(target, data))
    items = read(path)
    again = [i.id if isinstance(i, RawDoc) else i.reason for i in read_path(path)]
    assert again == [i.id if isinstance(i, RawDoc) else i.reason for i in items], "reading is not deterministic"
    for item in items:
        if isinstance(item, RawDoc):
            clean(item)


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] in ("-h", "--help", "--list") or argv[1] not in TARGETS:
        print(__doc__.split("\n\n")[0].strip())
        print("targets:", " ".join(TARGETS))
        sys.exit(0 if len(argv) > 1 and argv[1] == "--list" else 2)
    target = argv[1]

    def one_input(data: bytes) -> None:
        check(target, data)

    atheris.Setup([argv[0], *argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
