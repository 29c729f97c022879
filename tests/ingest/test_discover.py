from __future__ import annotations

import os
from pathlib import Path

import pytest

from storyline.errors import InputNotFound
from storyline.ingest import discover, read_path, source_kind

from .helpers import CORPUS


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.txt", "text"),
        ("a.TXT", "text"),
        ("a.md", "markdown"),
        ("a.markdown", "markdown"),
        ("a.html", "html"),
        ("a.htm", "html"),
        ("a.jsonl", "jsonl"),
        ("a.json", "jsonl"),
        ("a.warc", "warc"),
        ("a.warc.gz", "warc"),
        ("a.txt.gz", "text"),
        ("a.jsonl.gz", "jsonl"),
        ("a.html.gz", "html"),
        ("a.pdf", None),
        ("a.gz", None),
        ("a.tar.gz", None),
        ("README", None),
        (".txt", None),
    ],
)
def test_source_kind(name: str, kind: str | None) -> None:
    assert source_kind(Path(name)) == kind


def _tree(root: Path) -> None:
    (root / "b").mkdir()
    (root / "a").mkdir()
    (root / ".hidden").mkdir()
    for rel in ["z.txt", "b/2.html", "b/1.md", "a/x.jsonl", "a/notes.pdf", ".secret.txt", ".hidden/h.txt"]:
        (root / rel).write_text("hello")


def test_discover_recursive_sorted_skips_hidden(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a/notes.pdf", "a/x.jsonl", "b/1.md", "b/2.html", "z.txt"]


def test_discover_is_deterministic_and_dedupes(tmp_path: Path) -> None:
    _tree(tmp_path)
    once = list(discover([tmp_path]))
    assert list(discover([tmp_path])) == once
    twice = list(discover([tmp_path, tmp_path / "z.txt", tmp_path / "b"]))
    assert twice == once


def test_discover_explicit_hidden_file_is_yielded(tmp_path: Path) -> None:
    hidden = tmp_path / ".x.txt"
    hidden.write_text("hi")
    assert list(discover([hidden])) == [hidden]


def test_discover_missing_path_raises_before_yielding(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("hi")
    with pytest.raises(InputNotFound) as err:
        discover([tmp_path, tmp_path / "missing"])
    assert err.value.code == "SL-E101"
    assert "missing" in err.value.one_line()


def test_discover_symlink_loop_terminates(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("hi")
    os.symlink(tmp_path, tmp_path / "d" / "loop")
    assert [p.name for p in discover([tmp_path])] == ["f.txt"]


def test_unsupported_files_are_yielded_and_rejected(tmp_path: Path) -> None:
    _tree(tmp_path)
    pdf = next(p for p in discover([tmp_path]) if p.suffix == ".pdf")
    [reject] = list(read_path(pdf))
    assert reject.reason == "unsupported_format"
    assert reject.source_path == str(pdf)


def test_example_corpus_reads_cleanly() -> None:
    docs = [item for path in discover([CORPUS]) for item in read_path(path)]
    assert len(docs) == 5
    assert all(type(d).__name__ == "RawDoc" and d.fmt == "text" and d.encoding == "utf-8" for d in docs)
    assert len({d.id for d in docs}) == 5
    assert docs[0].source_id == "000_8eefe61f26b0be27"
