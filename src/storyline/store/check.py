"""``storyline check``: verify a knowledge base — SQLite's own integrity check plus storyline's invariants.

Read-only (the database is opened with ``mode=ro`` and never migrated), safe while a run writes to it
(WAL: the check reads one consistent snapshot). Each problem names its code, table, row and what is
wrong; at most :data:`MAX_PER_CHECK` problems are listed per check, and the rest are counted.

Invariants (docs/storage.md):

- ``integrity``: ``PRAGMA integrity_check`` is ``ok``; ``foreign_key``: ``PRAGMA foreign_key_check``
  finds nothing (for tables without a dedicated reference check below);
- ``schema``: the file is a storyline database at the latest schema version;
- ``duplicate_target``: every ``articles.duplicate_of`` names a stored article; ``duplicate_chain``:
  that canonical is not itself a duplicate; ``duplicate_group``: ``duplicates``/``dup_groups`` agree with
  ``articles.duplicate_of`` and name stored articles;
- ``span_text``: a span's stored text equals the article's text at that span (the offsets did not drift);
- ``span``: every stored span lies inside the text it indexes (removals: ``articles.original``; mentions,
  timexes, quotes and their speaker/cue/channel spans, event mentions and their trigger/date/location
  spans, the publication-date span of ``article_facts``, story claims: ``articles.text``) with
  ``0 <= start <= end``;
- ``reference``: every row that names an article (removals, fingerprints, facts, mentions, timexes, quotes,
  event mentions, story members, story claims, duplicate matches) names a stored one; every event
  mention's event, story member's story, story's arc and event actor's event exists, and every actor named
  by a mention, quote speaker, event actor or alias is in ``actors``.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DatabaseNotFound, NotAStorylineDatabase
from .sqlite import storage_error
from .migrations import APPLICATION_ID, LATEST

MAX_PER_CHECK = 100  # problems listed per check; more are counted in CheckReport.omitted


@dataclass(frozen=True)
class Problem:
    code: str  # integrity foreign_key schema duplicate_target duplicate_chain duplicate_group span span_text reference
    table: str
    row: str  # the row's key, e.g. "id=ab12" or "article_id=ab12 start=10 end=20"
    message: str

    def __str__(self) -> str:
        return f"{self.code} {self.table} [{self.row}]: {self.message}"


@dataclass
class CheckReport:
    db: str
    problems: list[Problem] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)  # "code table" -> problems not listed
    checks: list[str] = field(default_factory=list)  # what was checked, in order

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def n_problems(self) -> int:
        return len(self.problems) + sum(self.omitted.values())

    def as_dict(self) -> dict[str, Any]:
        return {"db": self.db, "ok": self.ok, "n_problems": self.n_problems,
                "problems": [asdict(p) for p in self.problems], "omitted": dict(self.omitted),
                "checks": list(self.checks)}


# (table, key columns, start column, end column, text column of articles the span indexes)
_SPANS: list[tuple[str, tuple[str, ...], str, str, str]] = [
    ("removals", ("article_id", "seq"), "start", "end", "original"),
    ("mentions", ("article_id", "start", "end", "actor_id"), "start", "end", "text"),
    ("timexes", ("article_id", "start", "end"), "start", "end", "text"),
    ("quotes", ("article_id", "start", "end"), "start", "end", "text"),
    ("quotes", ("article_id", "start", "end"), "speaker_start", "speaker_end", "text"),
    ("quotes", ("article_id", "start", "end"), "cue_start", "cue_end", "text"),
    ("quotes", ("article_id", "start", "end"), "channel_start", "channel_end", "text"),
    ("event_mentions", ("article_id", "seq"), "start", "end", "text"),
    ("event_mentions", ("article_id", "seq"), "trigger_start", "trigger_end", "text"),
    ("event_mentions", ("article_id", "seq"), "date_start", "date_end", "text"),
    ("event_mentions", ("article_id", "seq"), "location_start", "location_end", "text"),
    ("article_facts", ("article_id",), "date_start", "date_end", "text"),
    ("story_claims", ("story_id", "claim", "article_id", "start"), "start", "end", "text"),
]

# (table, key columns, column naming an article)
_ARTICLE_REFS: list[tuple[str, tuple[str, ...], str]] = [
    ("removals", ("article_id", "seq"), "article_id"),
    ("fingerprints", ("article_id",), "article_id"),
    ("article_facts", ("article_id",), "article_id"),
    ("mentions", ("article_id", "start", "end", "actor_id"), "article_id"),
    ("timexes", ("article_id", "start", "end"), "article_id"),
    ("quotes", ("article_id", "start", "end"), "article_id"),
    ("event_mentions", ("article_id", "seq"), "article_id"),
    ("story_members", ("article_id",), "article_id"),
    ("story_claims", ("story_id", "claim", "article_id", "start"), "article_id"),
    ("duplicates", ("article_id",), "article_id"),
    ("duplicates", ("article_id",), "canonical_id"),
    ("dup_groups", ("group_id",), "canonical_id"),
    ("dup_matches", ("a", "b"), "a"),
    ("dup_matches", ("a", "b"), "b"),
]

# (table, key columns, column, parent table, parent key): other references
_OTHER_REFS: list[tuple[str, tuple[str, ...], str, str, str]] = [
    ("event_mentions", ("article_id", "seq"), "event_id", "events", "id"),
    ("event_actors", ("actor_id", "role", "event_id"), "event_id", "events", "id"),
    ("story_members", ("article_id",), "story_id", "stories", "id"),
    ("story_claims", ("story_id", "claim", "article_id", "start"), "story_id", "stories", "id"),
    ("stories", ("id",), "arc_id", "arcs", "id"),
    ("mentions", ("article_id", "start", "end", "actor_id"), "actor_id", "actors", "id"),
    ("quotes", ("article_id", "start", "end"), "speaker_id", "actors", "id"),
    ("event_actors", ("actor_id", "role", "event_id"), "actor_id", "actors", "id"),
    ("aliases", ("alias", "actor_id"), "actor_id", "actors", "id"),
]
# spans that carry the text they cover in a `text` column: it must equal the article's text at the span
_SPAN_TEXT = [("removals", ("article_id", "seq"), "original"), ("mentions", ("article_id", "start", "end", "actor_id"), "text"),
              ("timexes", ("article_id", "start", "end"), "text"), ("quotes", ("article_id", "start", "end"), "text"),
              ("event_mentions", ("article_id", "seq"), "text"),
              ("story_claims", ("story_id", "claim", "article_id", "start"), "text")]
_NOUNS = {"events": "event", "stories": "story", "arcs": "arc", "actors": "actor"}
_COVERED_FK = {"removals", "fingerprints"}  # tables whose REFERENCES the reference checks above cover


def _short(text: str | None, n: int = 40) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Checker:
    def __init__(self, conn: sqlite3.Connection, report: CheckReport):
        self.conn = conn
        self.report = report
        self.tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def add(self, code: str, table: str, rows: list[tuple[str, str]]) -> None:
        """Record up to MAX_PER_CHECK of ``rows`` (row key, message); count the rest."""
        for key, msg in rows[:MAX_PER_CHECK]:
            self.report.problems.append(Problem(code, table, key, msg))
        if len(rows) > MAX_PER_CHECK:
            k = f"{code} {table}"
            self.report.omitted[k] = self.report.omitted.get(k, 0) + len(rows) - MAX_PER_CHECK

    def has(self, *tables: str) -> bool:
        return all(t in self.tables for t in tables)

    @staticmethod
    def key(cols: tuple[str, ...], values: tuple[Any, ...]) -> str:
        return " ".join(f"{c}={v}" for c, v in zip(cols, values))

    # ------------------------------------------------------------------ checks
    def integrity(self) -> bool:
        self.report.checks.append("integrity")
        rows = [r[0] for r in self.conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            self.add("integrity", "-", [("-", r) for r in rows])
            return False
        return True

    def schema(self) -> None:
        self.report.checks.append("schema")
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version != LATEST:
            self.add("schema", "-", [(f"user_version={version}",
                                      f"schema version {version}, expected {LATEST} (open it with `storyline run` "
                                      "to migrate)" if version < LATEST else
                                      f"schema version {version} is newer than this storyline ({LATEST})")])
        applied = {r[0] for r in self.conn.execute("SELECT version FROM schema_migrations")} \
            if self.has("schema_migrations") else set()
        missing = sorted(set(range(1, min(version, LATEST) + 1)) - applied)
        if missing:
            self.add("schema", "schema_migrations", [(f"version={v}", f"migration {v} is not recorded as applied")
                                                     for v in missing])

    def foreign_keys(self) -> None:
        self.report.checks.append("foreign_key")
        rows = [r for r in self.conn.execute("PRAGMA foreign_key_check") if r[0] not in _COVERED_FK]
        self.add("foreign_key", "-", [(f"{r[0]} rowid={r[1]}", f"{r[0]} references a missing {r[2]} row (fk {r[3]})")
                                      for r in rows])

    def duplicates(self) -> None:
        self.report.checks.append("duplicates")
        rows = self.conn.execute(
            "SELECT d.id, d.duplicate_of FROM articles d WHERE d.duplicate_of IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM articles c WHERE c.id = d.duplicate_of) ORDER BY d.seq"
            " LIMIT ?", (MAX_PER_CHECK + 1,)).fetchall()
        self.add("duplicate_target", "articles", self._all(rows, "duplicate_target", lambda r: (
            f"id={r[0]}", f"duplicate_of={r[1]} names no stored article"),
            "SELECT count(*) FROM articles d WHERE d.duplicate_of IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM articles c WHERE c.id = d.duplicate_of)"))
        rows = self.conn.execute(
            "SELECT d.id, c.id, c.duplicate_of FROM articles d JOIN articles c ON c.id = d.duplicate_of"
            " WHERE c.duplicate_of IS NOT NULL ORDER BY d.seq LIMIT ?", (MAX_PER_CHECK + 1,)).fetchall()
        self.add("duplicate_chain", "articles", self._all(rows, "duplicate_chain", lambda r: (
            f"id={r[0]}", f"duplicate_of={r[1]}, which is itself a duplicate (of {r[2]}), not a canonical article"),
            "SELECT count(*) FROM articles d JOIN articles c ON c.id = d.duplicate_of WHERE c.duplicate_of IS NOT NULL"))
        if self.has("duplicates"):
            sql = ("FROM duplicates x JOIN articles a ON a.id = x.article_id"
                   " WHERE (x.is_canonical = 1 AND (a.duplicate_of IS NOT NULL OR x.canonical_id != x.article_id))"
                   " OR (x.is_canonical = 0 AND ifnull(a.duplicate_of, '') != x.canonical_id)")
            rows = self.conn.execute(f"SELECT x.article_id, x.is_canonical, x.canonical_id, a.duplicate_of {sql}"
                                     " LIMIT ?", (MAX_PER_CHECK + 1,)).fetchall()
            self.add("duplicate_group", "duplicates", self._all(rows, "duplicate_group", lambda r: (
                f"article_id={r[0]}",
                f"is_canonical={r[1]} canonical_id={r[2]} disagrees with articles.duplicate_of={r[3]}"),
                f"SELECT count(*) {sql}"))

    def spans(self) -> None:
        self.report.checks.append("spans")
        for table, keys, start, end, text_col in _SPANS:
            if not self.has(table, "articles"):
                continue
            s, e = f"x.{_q(start)}", f"x.{_q(end)}"
            cond = (f"(({s} IS NULL) != ({e} IS NULL) OR {s} < 0 OR {e} < {s} OR {e} > length(a.{text_col}))")
            sql = f"FROM {table} x JOIN articles a ON a.id = x.article_id WHERE {cond}"
            cols = ", ".join(f"x.{_q(k)}" for k in keys)
            rows = self.conn.execute(f"SELECT {cols}, {s}, {e}, length(a.{text_col}) {sql} LIMIT ?",
                                     (MAX_PER_CHECK + 1,)).fetchall()
            n = len(keys)
            what = "original text" if text_col == "original" else "text"
            self.add("span", table, self._all(rows, "span", lambda r, n=n, what=what: (
                self.key(keys, tuple(r[:n])),
                f"{start}..{end} = {r[n]}..{r[n + 1]} is not inside the article's {what} (0..{r[n + 2]})"),
                f"SELECT count(*) {sql}"))
        for table, keys, text_col in _SPAN_TEXT:
            if not self.has(table, "articles"):
                continue
            sql = (f"FROM {table} x JOIN articles a ON a.id = x.article_id WHERE x.start >= 0"
                   f' AND x."end" >= x.start AND x."end" <= length(a.{text_col})'
                   f' AND x.text != substr(a.{text_col}, x.start + 1, x."end" - x.start)')
            cols = ", ".join(f"x.{_q(k)}" for k in keys)
            rows = self.conn.execute(f'SELECT {cols}, x.start, x."end", x.text, substr(a.{text_col}, x.start + 1,'
                                     f' x."end" - x.start) {sql} LIMIT ?', (MAX_PER_CHECK + 1,)).fetchall()
            n = len(keys)
            self.add("span_text", table, self._all(rows, "span_text", lambda r, n=n, keys=keys, col=text_col: (
                self.key(keys, tuple(r[:n])),
                f"stored text {_short(r[n + 2])!r} differs from the article's {col}[{r[n]}:{r[n + 1]}] "
                f"{_short(r[n + 3])!r}"), f"SELECT count(*) {sql}"))

    def references(self) -> None:
        self.report.checks.append("references")
        for table, keys, col in _ARTICLE_REFS:
            self._ref(table, keys, col, "articles", "id", "article")
        for table, keys, col, parent, pkey in _OTHER_REFS:
            self._ref(table, keys, col, parent, pkey, _NOUNS[parent])

    def _ref(self, table: str, keys: tuple[str, ...], col: str, parent: str, pkey: str, noun: str) -> None:
        if not self.has(table, parent):
            return
        sql = (f"FROM {table} x WHERE x.{_q(col)} IS NOT NULL"
               f" AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{_q(pkey)} = x.{_q(col)})")
        cols = ", ".join(f"x.{_q(k)}" for k in keys)
        rows = self.conn.execute(f"SELECT {cols}, x.{_q(col)} {sql} LIMIT ?", (MAX_PER_CHECK + 1,)).fetchall()
        n = len(keys)
        self.add("reference", table, self._all(rows, "reference", lambda r: (
            self.key(keys, tuple(r[:n])), f"{col}={r[n]} names no stored {noun}"), f"SELECT count(*) {sql}"))

    def _all(self, rows: list[Any], code: str, fmt: Any, count_sql: str) -> list[tuple[str, str]]:
        """Format ``rows`` (fetched with LIMIT MAX_PER_CHECK + 1); when the limit was hit, pad with the true
        count so :meth:`add` counts the omitted ones."""
        out = [fmt(r) for r in rows]
        if len(rows) > MAX_PER_CHECK:
            total = self.conn.execute(count_sql).fetchone()[0]
            out += [("", "")] * (total - len(out))
        return out


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def check(db: str | os.PathLike[str]) -> CheckReport:
    """Check the knowledge base ``db`` (read-only). Raises only when it cannot be checked at all:
    :class:`DatabaseNotFound`, or :class:`NotAStorylineDatabase` for a foreign SQLite file."""
    path = Path(db)
    if not path.exists():
        raise DatabaseNotFound(f"database not found: {path}")
    if path.is_dir():
        raise NotAStorylineDatabase(f"{path} is a directory, not a database file")
    report = CheckReport(db=str(path))
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        try:
            try:
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            except sqlite3.OperationalError:
                wal = Path(f"{path}-wal")
                if _writable(path) or (wal.exists() and wal.stat().st_size > 0):
                    raise  # (an immutable read would miss what the WAL holds)
                # a WAL database in a read-only place (its -shm cannot be written): nobody can write to it
                # either, so read it as immutable
                conn.close()
                conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro&immutable=1", uri=True, isolation_level=None)
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                report.checks.append("read-only file: checked as immutable")
            n_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            mapped = storage_error(exc, path)
            if mapped is not None and isinstance(exc, sqlite3.OperationalError):
                raise mapped from exc  # read-only place, locked: not a problem *in* the database
            report.checks.append("integrity")
            report.problems.append(Problem("integrity", "-", "-", f"the file cannot be read as SQLite ({exc})"))
            return report
        if app_id != APPLICATION_ID and not (app_id == 0 and n_tables == 0):
            raise NotAStorylineDatabase(f"{path} is an SQLite database but not a storyline one")
        conn.execute("BEGIN")  # one snapshot for every check, even while a run writes
        checker = _Checker(conn, report)
        try:
            if not checker.integrity():
                return report  # a damaged file: the invariants' queries could fail or mislead
            checker.schema()
            checker.foreign_keys()
            if checker.has("articles"):
                checker.duplicates()
                checker.spans()
                checker.references()
        except sqlite3.DatabaseError as exc:  # corruption the integrity check did not see
            report.problems.append(Problem("integrity", "-", "-", f"reading the database failed: {exc}"))
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        return report
    finally:
        conn.close()
