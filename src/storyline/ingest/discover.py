"""Finding input files and telling their format from the name.

:func:`discover` yields *every* regular (or special) non-hidden file under the given paths,
supported or not, so that each one is accounted for: :func:`~storyline.ingest.read_path`
turns an unsupported one into an ``unsupported_format`` reject.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import InputNotFound

_KINDS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".warc": "warc",
}


def _format_suffix(path: Path) -> str:
    """The format suffix of a name, looking through one trailing ``.gz`` (``a.warc.gz`` → ``.warc``)."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def source_kind(path: Path) -> str | None:
    """``"text"``, ``"markdown"``, ``"html"``, ``"jsonl"``, ``"warc"`` or None (unsupported)."""
    return _KINDS.get(_format_suffix(Path(path)))


def name_stem(path: Path) -> str:
    """The file name without ``.gz`` and without its format suffix (``a.b.txt.gz`` → ``a.b``)."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    suffix = _format_suffix(Path(name))
    if suffix and suffix in _KINDS:
        name = name[: -len(suffix)]
    return name or path.name


def discover(paths: Sequence[str | Path]) -> Iterator[Path]:
    """Yield every non-hidden file under ``paths``, depth-first in name order, each once.

    All paths are checked before anything is yielded: a missing one raises
    :class:`~storyline.errors.InputNotFound`. A file named explicitly is yielded even if hidden;
    inside directories, names starting with ``.`` are skipped. Symlinked directories are
    followed once (loops are cut). Unsupported files are yielded too.
    """
    roots = [Path(p) for p in paths]
    for root in roots:
        if not root.exists():
            raise InputNotFound(f"input path does not exist: {root}")
    return _walk_all(roots)


def _walk_all(roots: list[Path]) -> Iterator[Path]:
    seen_files: set[str] = set()
    seen_dirs: set[str] = set()
    for root in roots:
        files = _walk(root, seen_dirs) if root.is_dir() else iter([root])
        for path in files:
            key = os.path.realpath(path)
            if key not in seen_files:
                seen_files.add(key)
                yield path


def _walk(directory: Path, seen_dirs: set[str]) -> Iterator[Path]:
    real = os.path.realpath(directory)
    if real in seen_dirs:
        return
    seen_dirs.add(real)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        # An unlistable directory is reported as a file the reader cannot open.
        yield directory
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = directory / entry.name
        if _is_dir(entry):
            yield from _walk(path, seen_dirs)
        else:
            yield path


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:
        return False
