"""Full export → import round trip (`storyline export --all DIR`, `storyline import DIR --db NEW`).

"Equivalent" is checked three ways: exporting the imported database gives byte-identical files; every
stored table of the two databases holds the same rows (only schema_migrations' timestamps differ); and a
`storyline run` of the same folder on the imported database finds nothing new and exports the same rows.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import storyline
from storyline import api
from storyline.errors import ExportTargetNotEmpty, ExportVersionError, ImportTargetNotEmpty, MalformedExport
from storyline.store.export import EXPORTS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "belarus-china"
DEDUP = ROOT / "tests" / "fixtures" / "dedup"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """examples + dedup fixtures, run, then a user actor and a story split (edits the export must keep)."""
    base = tmp_path_factory.mktemp("roundtrip")
    corpus = base / "corpus"
    shutil.copytree(EXAMPLES, corpus / "ex")
    shutil.copytree(DEDUP, corpus / "dd")
    (corpus / "feed.jsonl").write_text('{"id": "x", "title": "no text"}\n{broken\n', encoding="utf-8")
    db = base / "kb.db"
    storyline.run([corpus], db=db)
    api.add_actors(db, [{"id": "per:jane-analyst", "name": "Jane Analyst", "type": "PER", "country": "GBR",
                         "aliases": ["J. Analyst"]}])
    with api.open_kb(db) as k:
        members = list(k.rows("story_members"))
    sizes: dict[str, int] = {}
    for m in members:
        sizes[m["story_id"]] = sizes.get(m["story_id"], 0) + 1
    big = next(m["article_id"] for m in members if sizes[m["story_id"]] > 1 and not m["is_copy"])
    api.edit_stories(db, "split", [big])
    exports = {fmt: base / f"export-{fmt}" for fmt in ("jsonl", "parquet")}
    for fmt, folder in exports.items():
        api.export_all(db, folder, fmt)
    return {"base": base, "corpus": corpus, "db": db, **exports}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _stored(db: Path) -> dict[str, list[tuple]]:
    """Every table of the database with all its rows (sorted), but the migration timestamps."""
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(map(tuple, con.execute(f"SELECT * FROM {t}")), key=repr)
                for t in names if t != "schema_migrations"}
    finally:
        con.close()


def _import(kb: dict[str, Path], name: str, fmt: str = "jsonl") -> Path:
    db = kb["base"] / name
    api.import_export(kb[fmt], db)
    return db


def test_export_holds_every_table_the_edits_and_a_manifest(kb: dict[str, Path]) -> None:
    m = json.loads((kb["jsonl"] / "manifest.json").read_text())
    assert (m["format"], m["format_version"], m["file_format"]) == ("storyline-export", 1, "jsonl")
    assert m["schema_version"] >= 6 and m["storyline_version"] == storyline.__version__
    assert set(m["tables"]) == set(EXPORTS)
    for table, entry in m["tables"].items():
        lines = (kb["jsonl"] / entry["file"]).read_text(encoding="utf-8").splitlines()
        assert len(lines) == entry["rows"], table
        assert not lines or list(json.loads(lines[0])) == EXPORTS[table][1] == entry["columns"]
    assert m["restore"]["actor_edits"]["rows"] == 1 and m["restore"]["story_edits"]["rows"] == 1
    assert m["tables"]["rejects"]["rows"] == 2 and m["tables"]["duplicates"]["rows"] > 0
    assert m["restore"]["fingerprints"]["rows"] == m["tables"]["articles"]["rows"]
    actors = [json.loads(line) for line in (kb["jsonl"] / "actors.jsonl").read_text().splitlines()]
    assert any(a["id"] == "per:jane-analyst" and a["origin"] == "user" for a in actors)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_roundtrip_is_exact(kb: dict[str, Path], fmt: str) -> None:
    db = _import(kb, f"imported-{fmt}.db", fmt)
    again = kb["base"] / f"again-{fmt}"
    api.export_all(db, again, fmt)
    first, second = _files(kb[fmt]), _files(again)
    assert list(first) == list(second)
    for name in first:
        assert first[name] == second[name], name
    original, imported = _stored(kb["db"]), _stored(db)
    assert list(original) == list(imported)  # a table the full export forgets fails here
    for table in original:
        assert original[table] == imported[table], table


def test_imported_kb_serves_the_web_app(kb: dict[str, Path]) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from storyline.web.app import create_app

    db = _import(kb, "served.db")
    with api.open_kb(db) as k:
        story = next(iter(k.rows("stories")))["id"]
        actor = sorted(k.rows("actors"), key=lambda r: -r["n_mentions"])[0]["id"]
        article = next(iter(k.rows("articles")))["id"]
    client = TestClient(create_app(db, allowed_hosts={"testserver"}))
    original = TestClient(create_app(kb["db"], allowed_hosts={"testserver"}))
    for path in ("/", "/stories", f"/story/{story}", f"/actor/{actor}", f"/article/{article}", "/actors"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert client.get("/api/stats").json() == original.get("/api/stats").json()
    assert client.get(f"/api/stories/{story}").json() == original.get(f"/api/stories/{story}").json()


def test_run_on_the_imported_kb_adds_nothing(kb: dict[str, Path]) -> None:
    db = _import(kb, "rerun.db")
    report = storyline.run([kb["corpus"]], db=db)
    assert report.articles_new == 0 and report.articles_analysed == 0
    assert report.files_unchanged == report.files  # the file completion marks came along
    after = kb["base"] / "after-rerun"
    api.export_all(db, after, "jsonl")
    for table in EXPORTS:  # events and stories were rebuilt from the restored state: the same rows
        name = f"{table}.jsonl"
        assert (after / name).read_bytes() == (kb["jsonl"] / name).read_bytes(), name
    for name in ("story_state", "dup_matches", "dup_groups", "fingerprints", "actor_edits", "story_edits"):
        assert (after / "restore" / f"{name}.jsonl").read_bytes() == \
            (kb["jsonl"] / "restore" / f"{name}.jsonl").read_bytes(), name


def test_import_into_a_non_empty_db_refuses_unless_forced(kb: dict[str, Path]) -> None:
    db = _import(kb, "twice.db")
    before = _stored(db)
    with pytest.raises(ImportTargetNotEmpty) as exc:
        api.import_export(kb["jsonl"], db)
    assert exc.value.code == "SL-E230" and "--force" in exc.value.hint
    assert _stored(db) == before
    api.import_export(kb["parquet"], db, force=True)  # replaces everything, from the other format
    assert _stored(db) == _stored(kb["db"])


def test_export_into_a_non_empty_folder_refuses_unless_forced(kb: dict[str, Path]) -> None:
    with pytest.raises(ExportTargetNotEmpty) as exc:
        api.export_all(kb["db"], kb["jsonl"], "jsonl")
    assert exc.value.code == "SL-E233"
    folder = kb["base"] / "overwrite"
    api.export_all(kb["db"], folder, "parquet")
    api.export_all(kb["db"], folder, "jsonl", force=True)
    assert _files(folder) == _files(kb["jsonl"])  # the previous Parquet files are gone


# ---------------------------------------------------------------------------------------- corrupt exports
def _edit_line(path: Path, number: int, fn) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = fn(lines[number - 1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _without(key: str):  # type: ignore[no-untyped-def]
    def fn(line: str) -> str:
        row = json.loads(line)
        del row[key]
        return json.dumps(row)
    return fn


def _set(key: str, value: object):  # type: ignore[no-untyped-def]
    def fn(line: str) -> str:
        return json.dumps({**json.loads(line), key: value})
    return fn


def _swap_first_lines(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0], lines[1] = lines[1], lines[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _drop_last_line(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")


def _repeat_first_line(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[0]]) + "\n", encoding="utf-8")


def _manifest(**changes: object):  # type: ignore[no-untyped-def]
    def fn(folder: Path) -> None:
        m = json.loads((folder / "manifest.json").read_text())
        m.update(changes)
        (folder / "manifest.json").write_text(json.dumps(m))
    return fn


CORRUPTIONS = {
    "missing-file": (lambda d: (d / "mentions.jsonl").unlink(), MalformedExport, "mentions.jsonl: missing"),
    "bad-json-line": (lambda d: _edit_line(d / "timexes.jsonl", 3, lambda s: s[:20]), MalformedExport,
                      "timexes.jsonl line 3: not valid JSON"),
    "missing-column": (lambda d: _edit_line(d / "quotes.jsonl", 2, _without("kind")), MalformedExport,
                       "quotes.jsonl line 2: missing column 'kind'"),
    "wrong-type": (lambda d: _edit_line(d / "removals.jsonl", 1, _set("start", "x")), MalformedExport,
                   "removals.jsonl line 1: column 'start' should be int"),
    "not-an-object": (lambda d: _edit_line(d / "events.jsonl", 2, lambda s: "[1, 2]"), MalformedExport,
                      "events.jsonl line 2: not a JSON object"),
    "truncated": (lambda d: _drop_last_line(d / "articles.jsonl"), MalformedExport,
                  "articles.jsonl: 9 rows, manifest.json lists 10"),
    "duplicate-row": (lambda d: _repeat_first_line(d / "removals.jsonl"), MalformedExport,
                      "cannot be stored in removals (UNIQUE constraint failed"),
    "restore-out-of-step": (lambda d: _swap_first_lines(d / "restore" / "articles.jsonl"), MalformedExport,
                            "restore/articles.jsonl line 1: id"),
    "bad-base64": (lambda d: _edit_line(d / "restore" / "fingerprints.jsonl", 1, _set("data", "%%%")),
                   MalformedExport, "restore/fingerprints.jsonl line 1: column 'data' is not base64"),
    "dangling-reference": (lambda d: _edit_line(d / "removals.jsonl", 1, _set("article_id", "f" * 16)),
                           MalformedExport, "removals.jsonl: the imported knowledge base exports"),
    "no-manifest": (lambda d: (d / "manifest.json").unlink(), MalformedExport, "has no manifest.json"),
    "manifest-not-json": (lambda d: (d / "manifest.json").write_text("{"), MalformedExport,
                          "manifest.json: not valid JSON"),
    "newer-format": (_manifest(format_version=99), ExportVersionError, "export format version 99"),
    "other-schema": (_manifest(schema_version=1), ExportVersionError, "schema version 1"),
    "table-not-listed": (lambda d: _manifest(tables={})(d), MalformedExport, "tables entry 'articles'"),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corrupt_export_is_one_coded_error_and_leaves_no_database(kb: dict[str, Path], tmp_path: Path,
                                                                      case: str) -> None:
    corrupt, error, message = CORRUPTIONS[case]
    folder = tmp_path / "export"
    shutil.copytree(kb["jsonl"], folder)
    corrupt(folder)
    db = tmp_path / "new.db"
    with pytest.raises(error) as exc:
        api.import_export(folder, db)
    assert message in exc.value.message
    assert exc.value.code == ("SL-E232" if error is ExportVersionError else "SL-E231")
    assert "\n" not in exc.value.one_line()
    assert not db.exists()  # a failed import leaves no half-built database behind


def test_a_failed_forced_import_keeps_the_database_as_it_was(kb: dict[str, Path], tmp_path: Path) -> None:
    db = _import(kb, "kept.db")
    folder = tmp_path / "export"
    shutil.copytree(kb["jsonl"], folder)
    _edit_line(folder / "story_members.jsonl", 2, lambda s: "{")
    with pytest.raises(MalformedExport, match="story_members.jsonl line 2"):
        api.import_export(folder, db, force=True)
    assert _stored(db) == _stored(kb["db"])


def test_parquet_missing_column_and_unreadable_file(kb: dict[str, Path], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    folder = tmp_path / "export"
    shutil.copytree(kb["parquet"], folder)
    table = pq.read_table(folder / "quotes.parquet")
    pq.write_table(table.drop_columns(["kind"]), folder / "quotes.parquet")
    with pytest.raises(MalformedExport, match=r"quotes\.parquet: missing column 'kind'"):
        api.import_export(folder, tmp_path / "a.db")
    shutil.copy(kb["parquet"] / "quotes.parquet", folder / "quotes.parquet")
    (folder / "timexes.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(MalformedExport, match=r"timexes\.parquet: not a readable Parquet file"):
        api.import_export(folder, tmp_path / "b.db")


# ---------------------------------------------------------------------------------------- command line
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storyline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_cli_export_all_import_and_one_line_errors(kb: dict[str, Path], tmp_path: Path) -> None:
    ok = _cli("export", "--db", str(kb["db"]), "--all", "dump", "--format", "parquet", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert f"wrote {len(EXPORTS)} tables" in ok.stderr
    ok = _cli("import", "dump", "--db", "new.db", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert _stored(tmp_path / "new.db") == _stored(kb["db"])

    again = _cli("import", "dump", "--db", "new.db", cwd=tmp_path)
    assert again.returncode == 3
    assert again.stderr.startswith("error[SL-E230]: ") and again.stderr.count("\n") == 1

    busy = _cli("export", "--db", str(kb["db"]), "--all", "dump", cwd=tmp_path)
    assert busy.returncode == 2 and busy.stderr.startswith("error[SL-E233]: ") and busy.stderr.count("\n") == 1

    (tmp_path / "dump" / "restore" / "runs.parquet").unlink()
    broken = _cli("import", "dump", "--db", "other.db", cwd=tmp_path)
    assert broken.returncode == 3 and broken.stderr.count("\n") == 1
    assert broken.stderr.startswith("error[SL-E231]: restore/runs.parquet: missing")
    assert "Traceback" not in broken.stderr and not (tmp_path / "other.db").exists()
