"""Full export of a knowledge base to a folder, and import of such a folder into a new database.

``export_all`` writes, in one read snapshot of the database:

* ``<table>.jsonl`` (or ``.parquet``) for every table of :data:`storyline.store.export.EXPORTS`: the
  documented export schema, byte for byte what ``storyline export --table T`` writes;
* ``restore/<name>.jsonl|parquet``: what those tables do not carry but the knowledge base needs to go on
  exactly as before: the stored columns the export views leave out (articles' original text and arrival
  order, facts' inputs, story attributes), the user's actor and story edits, aliases, dedup fingerprints,
  pairwise duplicate matches and groups, the story clusterer's state, the file completion marks and the
  run history;
* ``manifest.json`` last (format name and version, schema version, storyline version, every file with its
  row count and columns): a folder without it is an unfinished export and is refused by the import.

``import_export`` restores the stored tables directly from those rows (no re-analysis: fast and exact),
recomputes only what is derived and deterministic (``event_actors`` from the events, ``actor_stats``, ``story_pages``),
and checks that every export table of the new database has the manifest's row count. All of it happens in
one transaction: a failed import leaves the target as it was (and removes a database it created).
docs/exports.md, "Full export and import".
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ExportTargetNotEmpty, ExportVersionError, ImportTargetNotEmpty, MalformedExport, UsageError
from .export import EXPORTS, export, parquet_schema
from .migrations import LATEST
from .sqlite import Store

FORMAT_NAME = "storyline-export"
FORMAT_VERSION = 1
ALL_FORMATS = ("jsonl", "parquet")
MANIFEST = "manifest.json"
RESTORE_DIR = "restore"

# name -> (SQL, [(column, kind)]); kind: str | int | float | bool | json | bytes. Ordered like the export
# table each one completes (the import reads the two in step and checks that their keys agree).
RESTORE: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "articles": ("SELECT id, seq, run_id, original FROM articles ORDER BY seq",
                 [("id", "str"), ("seq", "int"), ("run_id", "int"), ("original", "str")]),
    "article_facts": ("SELECT f.article_id, f.dct_input, f.detail, f.run_id FROM article_facts f"
                      " JOIN articles a ON a.id = f.article_id ORDER BY a.seq",
                      [("article_id", "str"), ("dct_input", "str"), ("detail", "str"), ("run_id", "int")]),
    "stories": ("SELECT id, attrs FROM stories ORDER BY ifnull(date_end, ''), id",
                [("id", "str"), ("attrs", "json")]),
    "aliases": ("SELECT alias, actor_id FROM aliases ORDER BY actor_id, alias",
                [("alias", "str"), ("actor_id", "str")]),
    "fingerprints": ("SELECT f.article_id, f.data FROM fingerprints f JOIN articles a ON a.id = f.article_id"
                     " ORDER BY a.seq", [("article_id", "str"), ("data", "bytes")]),
    "dup_matches": ("SELECT a, b, reason, similarity, containment FROM dup_matches ORDER BY a, b",
                    [("a", "str"), ("b", "str"), ("reason", "str"), ("similarity", "float"),
                     ("containment", "float")]),
    "dup_groups": ("SELECT group_id, canonical_id, n_members, outlets FROM dup_groups ORDER BY group_id",
                   [("group_id", "str"), ("canonical_id", "str"), ("n_members", "int"), ("outlets", "json")]),
    "actor_edits": ("SELECT id, op, args, applied_at FROM actor_edits ORDER BY id",
                    [("id", "int"), ("op", "str"), ("args", "json"), ("applied_at", "str")]),
    "story_edits": ("SELECT id, op, args, applied_at FROM story_edits ORDER BY id",
                    [("id", "int"), ("op", "str"), ("args", "json"), ("applied_at", "str")]),
    "story_state": ("SELECT key, data FROM story_state ORDER BY key", [("key", "str"), ("data", "bytes")]),
    "sources": ("SELECT path, size, mtime_ns, status, n_articles, n_rejects, run_id, processed_at FROM sources"
                " ORDER BY path",
                [("path", "str"), ("size", "int"), ("mtime_ns", "int"), ("status", "str"), ("n_articles", "int"),
                 ("n_rejects", "int"), ("run_id", "int"), ("processed_at", "str")]),
    "runs": ("SELECT id, started_at, finished_at, status, args, stats FROM runs ORDER BY id",
             [("id", "int"), ("started_at", "str"), ("finished_at", "str"), ("status", "str"), ("args", "json"),
              ("stats", "json")]),
}


class _Load:
    """How one export table goes back into its stored table: renamed columns, the columns that are
    derived (computed by the export query, not stored) and the restore file that completes the row."""

    def __init__(self, target: str | None, *, derived: tuple[str, ...] = (), rename: dict[str, str] | None = None,
                 extra: tuple[str, str, str] | None = None):
        self.target = target            # stored table; None: the whole export table is derived
        self.derived = set(derived)
        self.rename = rename or {}
        self.extra = extra              # (restore name, key column in the export row, key column in it)


LOADS: dict[str, _Load] = {
    "articles": _Load("articles", rename={"format": "fmt"}, extra=("articles", "id", "id")),
    "removals": _Load("removals"),
    "duplicates": _Load("duplicates", derived=("outlet", "url", "title")),
    "rejects": _Load("rejects"),
    "actors": _Load("actors", derived=("aliases", "n_mentions", "n_articles")),
    "mentions": _Load("mentions", derived=("actor_name",)),
    "timexes": _Load("timexes"),
    "quotes": _Load("quotes", derived=("cue_type",)),
    "facts": _Load("article_facts", derived=("published",), extra=("article_facts", "article_id", "article_id")),
    "events": _Load("events", derived=("is_new",)),
    "event_mentions": _Load("event_mentions"),
    "dyads": _Load(None),
    "stories": _Load("stories", extra=("stories", "id", "id")),
    "story_members": _Load("story_members", derived=("title",)),
    "comparisons": _Load("story_claims", derived=("shared",)),
    "contradictions": _Load("story_contradictions"),
    "arcs": _Load("arcs"),
}
# every stored table the import fills (the rest — schema_migrations — belongs to the new database)
_STORED = ("articles", "removals", "duplicates", "rejects", "actors", "aliases", "mentions", "timexes", "quotes",
           "article_facts", "events", "event_mentions", "event_actors", "stories", "story_members", "story_claims",
           "story_contradictions", "arcs", "fingerprints", "dup_matches", "dup_groups", "actor_edits", "story_edits",
           "story_state", "sources", "runs", "actor_stats", "story_pages")
ProgressFn = Callable[[str, int], None]


def export_kinds(table: str) -> list[tuple[str, str]]:
    """(column, kind) of an export table, from its documented Parquet schema."""
    import pyarrow as pa

    _, columns, json_cols = EXPORTS[table]
    schema = parquet_schema(table)
    kinds = []
    for col in columns:
        t = schema.field(col).type
        kind = ("json" if col in json_cols else "int" if pa.types.is_integer(t) else
                "float" if pa.types.is_floating(t) else "bool" if pa.types.is_boolean(t) else "str")
        kinds.append((col, kind))
    return kinds


# ====================================================================== export
def export_all(store: Store, folder: str | os.PathLike[str], fmt: str = "jsonl", *, force: bool = False,
               progress: ProgressFn | None = None) -> dict[str, Any]:
    """Write every export table plus the restore files and ``manifest.json`` to ``folder``; returns the
    manifest. ``force`` overwrites a previous export there (other files are left alone)."""
    if fmt not in ALL_FORMATS:
        raise UsageError(f"format {fmt!r} cannot hold a full export",
                         hint=f"use --format with one of: {', '.join(ALL_FORMATS)} (CSV loses types and nulls)")
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file, not a folder", hint="give a new or empty folder for the export")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise ExportTargetNotEmpty(f"{out} is not empty")
        _remove_previous(out)
    (out / RESTORE_DIR).mkdir(parents=True, exist_ok=True)
    from .. import __version__

    manifest: dict[str, Any] = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                                "storyline_version": __version__, "schema_version": store.schema_version,
                                "file_format": fmt, "tables": {}, "restore": {}}
    with _snapshot(store):
        for table in EXPORTS:
            name = f"{table}.{fmt}"
            with open(out / name, "wb") as fh:
                n = export(store, table, fmt, fh)
            manifest["tables"][table] = {"file": name, "rows": n, "columns": EXPORTS[table][1]}
            if progress:
                progress(table, n)
        for rname, (sql, kinds) in RESTORE.items():
            name = f"{RESTORE_DIR}/{rname}.{fmt}"
            rows = (dict(zip([c for c, _ in kinds], tuple(r))) for r in store.query(sql))
            n = _write_rows(rows, kinds, fmt, out / name)
            manifest["restore"][rname] = {"file": name, "rows": n, "columns": [c for c, _ in kinds]}
            if progress:
                progress(f"{RESTORE_DIR}/{rname}", n)
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out / MANIFEST)  # last: a folder with a manifest holds a whole export
    return manifest


def _remove_previous(out: Path) -> None:
    (out / MANIFEST).unlink(missing_ok=True)
    for ext in ALL_FORMATS:
        for table in EXPORTS:
            (out / f"{table}.{ext}").unlink(missing_ok=True)
        for rname in RESTORE:
            (out / RESTORE_DIR / f"{rname}.{ext}").unlink(missing_ok=True)


@contextmanager
def _snapshot(store: Store) -> Iterator[None]:
    """One read transaction: every file of the export sees the same state of the database (WAL mode lets
    a `storyline run` go on writing meanwhile)."""
    store.conn.execute("BEGIN")
    try:
        yield
    finally:
        store.conn.execute("COMMIT")


def _write_rows(rows: Iterator[dict[str, Any]], kinds: list[tuple[str, str]], fmt: str, path: Path) -> int:
    if fmt == "jsonl":
        n = 0
        with open(path, "wb") as fh:
            for row in rows:
                for col, kind in kinds:
                    v = row[col]
                    if v is not None and kind == "json":
                        row[col] = json.loads(v)
                    elif v is not None and kind == "bytes":
                        row[col] = base64.b64encode(bytes(v)).decode("ascii")
                fh.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
                n += 1
        return n
    from .export import write_parquet

    def prepare(row: dict[str, Any]) -> dict[str, Any]:
        for col, kind in kinds:
            if row[col] is not None and kind == "bytes":
                row[col] = bytes(row[col])
        return row

    return write_parquet(map(prepare, rows), _restore_schema(kinds), path)


def _restore_schema(kinds: list[tuple[str, str]]) -> Any:
    import pyarrow as pa

    types = {"str": pa.string(), "json": pa.string(), "int": pa.int64(), "float": pa.float64(),
             "bool": pa.bool_(), "bytes": pa.binary()}
    return pa.schema([(c, types[k]) for c, k in kinds])


# ====================================================================== import
def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a full export, checked: format, versions, and every expected file listed."""
    root = Path(folder)
    if not root.is_dir():
        raise MalformedExport(f"export folder not found: {root}" if not root.exists() else f"{root} is not a folder",
                              hint="give the folder `storyline export --all DIR` wrote")
    path = root / MANIFEST
    if not path.is_file():
        raise MalformedExport(f"{root} has no {MANIFEST}: not a full export, or an unfinished one",
                              hint="write it again with `storyline export --all DIR`")
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedExport(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(m, dict) or m.get("format") != FORMAT_NAME:
        raise MalformedExport(f"{path}: not a storyline export manifest (format is not {FORMAT_NAME!r})")
    version = m.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ExportVersionError(f"{path}: export format version {version!r}; this storyline reads up to "
                                 f"{FORMAT_VERSION}", hint="upgrade storyline to import this export")
    if m.get("schema_version") != LATEST:
        newer = isinstance(m.get("schema_version"), int) and m["schema_version"] > LATEST
        raise ExportVersionError(
            f"{path}: the export holds schema version {m.get('schema_version')!r}; this storyline writes "
            f"version {LATEST}",
            hint="upgrade storyline to import it" if newer else
            "import it with the storyline version that wrote it, open the database once with this version "
            "(it migrates) and export it again")
    if m.get("file_format") not in ALL_FORMATS:
        raise MalformedExport(f"{path}: unknown file_format {m.get('file_format')!r}")
    for section, names in (("tables", EXPORTS), ("restore", RESTORE)):
        listed = m.get(section)
        if not isinstance(listed, dict):
            raise MalformedExport(f"{path}: no {section!r} section")
        for name in names:
            entry = listed.get(name)
            if (not isinstance(entry, dict) or not isinstance(entry.get("file"), str)
                    or not isinstance(entry.get("rows"), int)):
                raise MalformedExport(f"{path}: {section} entry {name!r} is missing or incomplete")
            if Path(entry["file"]).is_absolute() or ".." in Path(entry["file"]).parts:
                raise MalformedExport(f"{path}: {section} entry {name!r} points outside the export folder")
    return m


def import_export(folder: str | os.PathLike[str], db: str | os.PathLike[str], *, force: bool = False,
                  progress: ProgressFn | None = None) -> dict[str, int]:
    """Rebuild a knowledge base in ``db`` from a full export; returns rows per stored table.

    ``db`` must be new or empty; ``force`` replaces the contents of a non-empty one (in the same
    transaction). Raises :class:`MalformedExport` naming the file and row of the first problem."""
    root = Path(folder)
    manifest = read_manifest(root)
    target = Path(db)
    created = not target.exists()
    try:
        store = _open_writer(target)
    except BaseException:
        if created:
            _remove_db(target)
        raise
    ok = False
    try:
        counts = _import_into(store, root, manifest, force, progress)
        store.refresh_actor_stats()  # derived: per-actor aggregates of the web app and `actors list`
        counts["actor_stats"] = store.count("actor_stats")
        from ..stories.page import precompute_story_pages  # derived: the page data of large stories

        sizes = dict(store.conn.execute("SELECT story_id, count(*) FROM story_members GROUP BY 1"))
        counts["story_pages"] = precompute_story_pages(store, sizes)
        for suffix in ("", "-wal", "-shm"):  # the dedup index cache of what the database held before
            Path(f"{target}.dedup{suffix}").unlink(missing_ok=True)
        ok = True
    finally:
        store.close()
        if not ok and created:
            _remove_db(target)
    return counts


def _open_writer(path: Path) -> Store:
    try:
        return Store(path, lock="storyline import")  # the writer lock, where this Store has one
    except TypeError:  # pragma: no cover - a Store without writer locks
        return Store(path)


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _import_into(store: Store, root: Path, manifest: dict[str, Any], force: bool,
                 progress: ProgressFn | None) -> dict[str, int]:
    fmt = manifest["file_format"]
    counts: dict[str, int] = {}
    with store.transaction() as c:
        held = [t for t in _STORED if c.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]  # fixed names
        if held and not force:
            raise ImportTargetNotEmpty(f"{store.path} already holds a knowledge base ({', '.join(held[:4])}"
                                       f"{' …' if len(held) > 4 else ''} not empty)")
        for t in _STORED:
            c.execute(f"DELETE FROM {t}")  # fixed names; only reached when empty or with force
        for table, load in LOADS.items():
            if load.target is None:
                continue
            rows = _rows(root, manifest["tables"][table], export_kinds(table), fmt)
            if load.extra is not None:
                rname, key, extra_key = load.extra
                extra = _rows(root, manifest["restore"][rname], RESTORE[rname][1], fmt)
                rows = _zip(rows, extra, key, extra_key, manifest["tables"][table]["file"],
                            manifest["restore"][rname]["file"])
            kinds = export_kinds(table)
            columns = [load.rename.get(col, col) for col, _ in kinds if col not in load.derived]
            if load.extra is not None:
                columns += [col for col, _ in RESTORE[load.extra[0]][1] if col != load.extra[2]]
            counts[load.target] = _insert(c, load.target, columns, rows, {v: k for k, v in load.rename.items()})
            if progress:
                progress(table, counts[load.target])
        for rname, (_, kinds) in RESTORE.items():
            if rname in {load.extra[0] for load in LOADS.values() if load.extra}:
                continue
            rows = _rows(root, manifest["restore"][rname], kinds, fmt)
            counts[rname] = _insert(c, rname, [col for col, _ in kinds], rows, {})
            if progress:
                progress(f"{RESTORE_DIR}/{rname}", counts[rname])
        # derived and deterministic: who takes part in each event (as Store.replace_events writes it)
        c.execute("INSERT OR IGNORE INTO event_actors (actor_id, role, event_id) SELECT a.value, 'actor', e.id"
                  " FROM events e, json_each(e.actor_ids) a")
        c.execute("INSERT OR IGNORE INTO event_actors (actor_id, role, event_id) SELECT r.value, 'recipient', e.id"
                  " FROM events e, json_each(e.recipient_ids) r")
        counts["event_actors"] = c.execute("SELECT count(*) FROM event_actors").fetchone()[0]
        # the rebuilt database must export what was exported: a row that references nothing (an article,
        # an event) would silently drop out of the export views
        for table, (sql, _, _) in EXPORTS.items():
            n = c.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
            want = manifest["tables"][table]["rows"]
            if n != want:
                raise MalformedExport(
                    f"{manifest['tables'][table]['file']}: the imported knowledge base exports {n} {table} rows, "
                    f"the manifest lists {want} (rows that reference missing articles, events or stories?)")
    return counts


def _zip(rows: Iterator[tuple[str, int, dict[str, Any]]], extra: Iterator[tuple[str, int, dict[str, Any]]],
         key: str, extra_key: str, name: str, extra_name: str) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """Rows of an export table completed with the columns of its restore file (same order, same keys)."""
    for file, line, row in rows:
        nxt = next(extra, None)
        if nxt is None:
            raise MalformedExport(f"{extra_name}: ends before {name} (no row for {key} {row[key]!r} of {name} "
                                  f"{_where(file, line)})")
        xfile, xline, xrow = nxt
        if xrow[extra_key] != row[key]:
            raise MalformedExport(f"{extra_name} {_where(xfile, xline)}: {extra_key} {xrow[extra_key]!r} does not "
                                  f"match {key} {row[key]!r} of {name} {_where(file, line)}")
        merged = dict(row)
        merged.update({k: v for k, v in xrow.items() if k != extra_key})
        yield file, line, merged
    rest = next(extra, None)
    if rest is not None:
        raise MalformedExport(f"{extra_name} {_where(rest[0], rest[1])}: more rows than {name}")


def _where(file: str, line: int) -> str:
    return f"line {line}" if file.endswith(".jsonl") else f"row {line}"


def _insert(c: sqlite3.Connection, table: str, columns: list[str], rows: Iterator[tuple[str, int, dict[str, Any]]],
            source_name: dict[str, str]) -> int:
    """Insert ``rows`` (export column names; ``source_name`` maps stored → export names where they differ)."""
    sql = (f"INSERT INTO {table} ({', '.join(chr(34) + col + chr(34) for col in columns)})"
           f" VALUES ({', '.join('?' * len(columns))})")
    names = [source_name.get(col, col) for col in columns]
    n = 0
    for file, line, row in rows:
        try:
            c.execute(sql, [row[name] for name in names])
        except sqlite3.IntegrityError as exc:
            raise MalformedExport(f"{file} {_where(file, line)}: cannot be stored in {table} ({exc})") from exc
        n += 1
    return n


def _rows(root: Path, entry: dict[str, Any], kinds: list[tuple[str, str]], fmt: str
          ) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(file, line/row number, row with SQLite-ready values) of one file; checks columns, types, count."""
    name = entry["file"]
    path = root / name
    if not path.is_file():
        raise MalformedExport(f"{name}: missing from the export folder {root}",
                              hint="the export is incomplete; write it again with `storyline export --all DIR`")
    n = 0
    reader = _jsonl_rows(path, name) if fmt == "jsonl" else _parquet_rows(path, name, kinds)
    for line, row in reader:
        yield name, line, _check_row(row, kinds, name, line, fmt)
        n += 1
    if n != entry["rows"]:
        raise MalformedExport(f"{name}: {n} rows, {MANIFEST} lists {entry['rows']} (a truncated or edited file)")


def _jsonl_rows(path: Path, name: str) -> Iterator[tuple[int, Any]]:
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield line_no, json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise MalformedExport(f"{name} line {line_no}: not valid JSON ({exc})") from exc


def _parquet_rows(path: Path, name: str, kinds: list[tuple[str, str]]) -> Iterator[tuple[int, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        missing = [col for col, _ in kinds if col not in pf.schema_arrow.names]
        if missing:
            raise MalformedExport(f"{name}: missing column {missing[0]!r}")
        n = 0
        for batch in pf.iter_batches(batch_size=2000, columns=[col for col, _ in kinds]):
            for row in batch.to_pylist():
                n += 1
                yield n, row
    except (pa.ArrowException, OSError) as exc:
        raise MalformedExport(f"{name}: not a readable Parquet file ({exc})") from exc


_PY = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool, int)}


def _check_row(row: Any, kinds: list[tuple[str, str]], name: str, line: int, fmt: str) -> dict[str, Any]:
    where = f"{name} {_where(name, line)}"
    if not isinstance(row, dict):
        raise MalformedExport(f"{where}: not a JSON object")
    out: dict[str, Any] = {}
    for col, kind in kinds:
        if col not in row:
            raise MalformedExport(f"{where}: missing column {col!r}")
        v = row[col]
        if v is None:
            out[col] = None
            continue
        if kind == "json":
            if fmt == "parquet":  # JSON-typed columns are JSON strings in Parquet
                try:
                    v = json.loads(v)
                except (TypeError, json.JSONDecodeError) as exc:
                    raise MalformedExport(f"{where}: column {col!r} is not valid JSON ({exc})") from exc
            out[col] = json.dumps(v)  # as the stages store JSON (json.dumps defaults)
        elif kind == "bytes":
            if fmt == "jsonl":
                try:
                    v = base64.b64decode(v, validate=True)
                except (TypeError, ValueError) as exc:
                    raise MalformedExport(f"{where}: column {col!r} is not base64 ({exc})") from exc
            out[col] = bytes(v)
        else:
            if not isinstance(v, _PY[kind]) or (kind in ("int", "float") and isinstance(v, bool)):
                raise MalformedExport(f"{where}: column {col!r} should be {kind}, not {type(v).__name__}")
            out[col] = int(v) if kind == "bool" else v
    return out
