"""`storyline check`: clean on a real knowledge base; each invariant, broken by hand with SQL, is reported
precisely (code, table, row, message)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storyline.engines.local import run
from storyline.errors import DatabaseNotFound, NotAStorylineDatabase
from storyline.store.check import MAX_PER_CHECK, check
from storyline.store.migrations import LATEST

ROOT = Path(__file__).resolve().parents[2]
_BUILT: dict[str, Path] = {}


@pytest.fixture
def kb(tmp_path_factory, tmp_path) -> Path:
    """A fresh copy of the example corpus's knowledge base (built once per session)."""
    if "db" not in _BUILT:
        db = tmp_path_factory.mktemp("check") / "kb.db"
        run([ROOT / "examples" / "belarus-china"], db)
        _BUILT["db"] = db
    copy = tmp_path / "kb.db"
    src = sqlite3.connect(_BUILT["db"])
    dst = sqlite3.connect(copy)
    src.backup(dst)  # a consistent single-file copy (the WAL folded in)
    src.close()
    dst.close()
    return copy


def _sql(db: Path, *statements: str, params: tuple = ()) -> list:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        out = []
        for s in statements:
            out = con.execute(s, params if "?" in s else ()).fetchall()
        return out
    finally:
        con.close()


def _one(db: Path, sql: str, params: tuple = ()) -> tuple:
    return _sql(db, sql, params=params)[0]


def _codes(report) -> list[tuple[str, str, str]]:
    return [(p.code, p.table, p.row) for p in report.problems]


def test_real_run_is_clean(kb):
    report = check(kb)
    assert report.ok, [str(p) for p in report.problems]
    assert report.checks == ["integrity", "schema", "foreign_key", "duplicates", "spans", "references"]
    # the example corpus exercises the invariants: it has duplicates, spans and stories to check
    assert _one(kb, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL")[0] > 0
    assert _one(kb, "SELECT count(*) FROM story_members")[0] > 0
    assert _one(kb, "SELECT count(*) FROM event_mentions WHERE event_id IS NOT NULL")[0] > 0


def test_duplicate_pointing_to_a_missing_article(kb):
    (dup,) = _one(kb, "SELECT id FROM articles WHERE duplicate_of IS NOT NULL LIMIT 1")
    _sql(kb, "UPDATE articles SET duplicate_of = 'ghost' WHERE id = ?", params=(dup,))
    report = check(kb)
    assert ("duplicate_target", "articles", f"id={dup}") in _codes(report)
    p = next(p for p in report.problems if p.code == "duplicate_target")
    assert p.message == "duplicate_of=ghost names no stored article"


def test_duplicate_of_a_duplicate(kb):
    dup, canon = _one(kb, "SELECT id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL LIMIT 1")
    (other,) = _one(kb, "SELECT id FROM articles WHERE duplicate_of IS NULL AND id != ? LIMIT 1", (canon,))
    _sql(kb, "UPDATE articles SET duplicate_of = ? WHERE id = ?", params=(dup, other))  # other → dup → canon
    report = check(kb)
    chain = [p for p in report.problems if p.code == "duplicate_chain"]
    assert [(p.table, p.row) for p in chain] == [("articles", f"id={other}")]
    assert chain[0].message == f"duplicate_of={dup}, which is itself a duplicate (of {canon}), not a canonical article"


def test_duplicates_table_disagrees_with_articles(kb):
    dup, canon = _one(kb, "SELECT id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL LIMIT 1")
    _sql(kb, "UPDATE articles SET duplicate_of = NULL WHERE id = ?", params=(dup,))
    report = check(kb)
    assert _codes(report) == [("duplicate_group", "duplicates", f"article_id={dup}")]
    assert report.problems[0].message == f"is_canonical=0 canonical_id={canon} disagrees with articles.duplicate_of=None"


@pytest.mark.parametrize("table,start,end,cols,text_col", [
    ("mentions", "start", "end", ("article_id", "start", "end", "actor_id"), "text"),
    ("timexes", "start", "end", ("article_id", "start", "end"), "text"),
    ("quotes", "start", "end", ("article_id", "start", "end"), "text"),
    ("quotes", "cue_start", "cue_end", ("article_id", "start", "end"), "text"),
    ("event_mentions", "start", "end", ("article_id", "seq"), "text"),
    ("event_mentions", "trigger_start", "trigger_end", ("article_id", "seq"), "text"),
    ("removals", "start", "end", ("article_id", "seq"), "original"),
    ("story_claims", "start", "end", ("story_id", "claim", "article_id", "start"), "text"),
])
def test_span_past_the_end_of_its_text(kb, table, start, end, cols, text_col):
    keys = ", ".join(f'x."{c}"' for c in cols)
    *key, length = _one(kb, f"SELECT {keys}, length(a.{text_col}) FROM {table} x JOIN articles a"
                            f' ON a.id = x.article_id WHERE x."{start}" IS NOT NULL ORDER BY {keys} LIMIT 1')
    cond = " AND ".join(f'"{c}" = ?' for c in cols)
    _sql(kb, f'UPDATE {table} SET "{end}" = {length + 5}, "{start}" = {length + 1} WHERE {cond}', params=tuple(key))
    report = check(kb)
    spans = [p for p in report.problems if p.code == "span" and p.table == table]
    assert len(spans) == 1, [str(p) for p in report.problems]
    key_after = [length + 1 if c == start else length + 5 if c == end else v for c, v in zip(cols, key)]
    assert spans[0].row == " ".join(f"{c}={v}" for c, v in zip(cols, key_after))
    what = "original text" if text_col == "original" else "text"
    assert spans[0].message == (f"{start}..{end} = {length + 1}..{length + 5} is not inside the article's {what}"
                                f" (0..{length})")
    assert {p.code for p in report.problems} == {"span"}  # nothing else is (falsely) reported


def test_reversed_and_negative_spans(kb):
    article_id, seq, s, e = _one(kb, 'SELECT article_id, seq, start, "end" FROM event_mentions LIMIT 1')
    _sql(kb, 'UPDATE event_mentions SET start = "end", "end" = start WHERE article_id = ? AND seq = ?',
         params=(article_id, seq))
    (aid,) = _one(kb, "SELECT article_id FROM article_facts WHERE date_start IS NULL LIMIT 1")
    _sql(kb, "UPDATE article_facts SET date_start = -3, date_end = 2 WHERE article_id = ?", params=(aid,))
    report = check(kb)
    assert {(p.table, p.row, p.message) for p in report.problems if p.code == "span"} == {
        ("event_mentions", f"article_id={article_id} seq={seq}",
         f"start..end = {e}..{s} is not inside the article's text (0..{_len(kb, article_id)})"),
        ("article_facts", f"article_id={aid}",
         f"date_start..date_end = -3..2 is not inside the article's text (0..{_len(kb, aid)})"),
    }


def _len(db: Path, article_id: str) -> int:
    return _one(db, "SELECT length(text) FROM articles WHERE id = ?", (article_id,))[0]


def test_span_whose_offsets_drifted_from_its_text(kb):
    article_id, s, e, actor = _one(kb, 'SELECT article_id, start, "end", actor_id FROM mentions WHERE start > 0 LIMIT 1')
    _sql(kb, 'UPDATE mentions SET start = start - 1, "end" = "end" - 1 WHERE article_id = ? AND start = ? AND actor_id = ?',
         params=(article_id, s, actor))
    report = check(kb)
    assert _codes(report) == [("span_text", "mentions", f"article_id={article_id} start={s - 1} end={e - 1} actor_id={actor}")]
    assert report.problems[0].message.startswith("stored text ")


@pytest.mark.parametrize("table,key", [
    ("story_members", "article_id"), ("removals", "article_id, seq"), ("fingerprints", "article_id"),
    ("mentions", "article_id, start, \"end\", actor_id"), ("event_mentions", "article_id, seq"),
    ("article_facts", "article_id"),
])
def test_row_naming_a_missing_article(kb, table, key):
    cols = [c.strip().strip('"') for c in key.split(",")]
    row = _one(kb, f"SELECT {key} FROM {table} LIMIT 1")
    cond = " AND ".join(f'"{c}" = ?' for c in cols)
    _sql(kb, f"UPDATE {table} SET article_id = 'gone' WHERE {cond}", params=tuple(row))
    report = check(kb)
    refs = [p for p in report.problems if p.code == "reference" and p.table == table]
    new_key = ["gone" if c == "article_id" else v for c, v in zip(cols, row)]
    assert [(p.row, p.message) for p in refs] == [
        (" ".join(f"{c}={v}" for c, v in zip(cols, new_key)), "article_id=gone names no stored article")]
    assert not [p for p in report.problems if p.code == "foreign_key"]  # reported once, precisely


def test_deleted_article_is_reported_everywhere_it_is_named(kb):
    (aid,) = _one(kb, "SELECT article_id FROM story_members LIMIT 1")
    _sql(kb, "DELETE FROM articles WHERE id = ?", params=(aid,))
    report = check(kb)
    tables = {p.table for p in report.problems if p.code == "reference"}
    assert {"story_members", "fingerprints", "article_facts"} <= tables
    assert ("reference", "story_members", f"article_id={aid}") in _codes(report)


def test_event_mention_of_a_missing_event_and_member_of_a_missing_story(kb):
    article_id, seq, event_id = _one(kb, "SELECT article_id, seq, event_id FROM event_mentions"
                                         " WHERE event_id IS NOT NULL LIMIT 1")
    _sql(kb, "UPDATE event_mentions SET event_id = 'ev-none' WHERE article_id = ? AND seq = ?", params=(article_id, seq))
    member, story = _one(kb, "SELECT article_id, story_id FROM story_members LIMIT 1")
    _sql(kb, "UPDATE story_members SET story_id = 'st-none' WHERE article_id = ?", params=(member,))
    report = check(kb)
    assert ("reference", "event_mentions", f"article_id={article_id} seq={seq}") in _codes(report)
    assert ("reference", "story_members", f"article_id={member}") in _codes(report)
    msgs = {p.table: p.message for p in report.problems}
    assert msgs["event_mentions"] == "event_id=ev-none names no stored event"
    assert msgs["story_members"] == "story_id=st-none names no stored story"


def test_mention_of_an_unknown_actor(kb):
    article_id, s, e, actor = _one(kb, 'SELECT article_id, start, "end", actor_id FROM mentions LIMIT 1')
    _sql(kb, "UPDATE mentions SET actor_id = 'per:nobody' WHERE article_id = ? AND start = ? AND actor_id = ?",
         params=(article_id, s, actor))
    report = check(kb)
    assert [(p.code, p.table, p.row, p.message) for p in report.problems] == [
        ("reference", "mentions", f"article_id={article_id} start={s} end={e} actor_id=per:nobody",
         "actor_id=per:nobody names no stored actor")]


def test_old_schema_version(kb):
    _sql(kb, f"PRAGMA user_version = {LATEST - 1}")
    report = check(kb)
    assert _codes(report) == [("schema", "-", f"user_version={LATEST - 1}")]
    assert f"expected {LATEST}" in report.problems[0].message


def test_many_problems_are_listed_up_to_a_limit_and_counted(kb):
    n = _one(kb, "SELECT count(*) FROM mentions")[0]
    assert n > MAX_PER_CHECK
    _sql(kb, 'UPDATE mentions SET "end" = start - 1')
    report = check(kb)
    spans = [p for p in report.problems if p.code == "span" and p.table == "mentions"]
    assert len(spans) == MAX_PER_CHECK
    assert report.omitted == {"span mentions": n - MAX_PER_CHECK}
    assert report.n_problems == n


def test_damaged_file_fails_the_integrity_check(kb):
    # overwrite pages in the middle of the file: SQLite's integrity check must notice
    size = kb.stat().st_size
    with open(kb, "r+b") as fh:
        fh.seek(size // 2)
        fh.write(b"\x07" * 8192)
    report = check(kb)
    assert not report.ok
    assert report.problems[0].code == "integrity"


def test_not_found_and_foreign_files(tmp_path):
    with pytest.raises(DatabaseNotFound):
        check(tmp_path / "missing.db")
    other = tmp_path / "other.db"
    _sql(other, "CREATE TABLE t (x)")
    with pytest.raises(NotAStorylineDatabase):
        check(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    report = check(junk)
    assert [p.code for p in report.problems] == ["integrity"]


def test_cli_exit_codes_and_json(kb, tmp_path):
    cmd = [sys.executable, "-m", "storyline", "check", "--db", str(kb)]
    clean = subprocess.run(cmd, capture_output=True, text=True)
    assert clean.returncode == 0 and clean.stdout.startswith("ok: ") and clean.stderr == ""
    (dup,) = _one(kb, "SELECT id FROM articles WHERE duplicate_of IS NOT NULL LIMIT 1")
    _sql(kb, "UPDATE articles SET duplicate_of = 'ghost' WHERE id = ?", params=(dup,))
    bad = subprocess.run(cmd, capture_output=True, text=True)
    assert bad.returncode == 6
    assert f"duplicate_target articles [id={dup}]: duplicate_of=ghost names no stored article" in bad.stdout
    assert bad.stderr.startswith("error[SL-E208]: ") and len(bad.stderr.strip().splitlines()) == 1
    as_json = subprocess.run(cmd + ["--json"], capture_output=True, text=True)
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 6 and data["ok"] is False
    assert {"code": "duplicate_group", "table": "duplicates", "row": f"article_id={dup}",
            "message": data["problems"][1]["message"]} in data["problems"]
    assert data["problems"][0] == {"code": "duplicate_target", "table": "articles", "row": f"id={dup}",
                                   "message": "duplicate_of=ghost names no stored article"}
    missing = subprocess.run([sys.executable, "-m", "storyline", "check", "--db", str(tmp_path / "nope.db")],
                             capture_output=True, text=True)
    assert missing.returncode == 3 and missing.stderr.startswith("error[SL-E201]")


def test_check_never_writes(kb):
    before = kb.read_bytes()
    assert check(kb).ok
    assert kb.read_bytes() == before
