"""SQLite knowledge base: WAL mode, versioned migrations, short idempotent write transactions.

Only this module talks SQL for the core tables. Writes are grouped per batch in one transaction,
so a run killed at any point leaves either the whole batch or none of it; every insert is
``INSERT OR IGNORE`` on stable ids, so re-running adds nothing.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import (DatabaseError, DatabaseLocked, DatabaseNotFound, DatabaseReadOnly, DiskFull,
                      NotAStorylineDatabase, SchemaTooNew, StorylineError)
from ..model import Article, Reject
from .migrations import APPLICATION_ID, LATEST, MIGRATIONS


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


RELATED_TOP = 30  # related actors listed on an actor page (refresh_actor_stats keeps enough for an exact top 30)

# new events per month involving an actor (either role; an event counted once per actor)
MONTHLY_SQL = (
    "SELECT x.actor_id, substr(e.date, 1, 7) AS period, count(*), round(sum(e.intensity), 2), sum(e.quad <= 2),"
    " sum(e.quad >= 3) FROM (SELECT DISTINCT actor_id, event_id FROM event_actors{where}) x"
    " JOIN events e ON e.id = x.event_id WHERE e.negated + e.hypothetical + e.future + e.historical = 0"
    " GROUP BY 1, 2 ORDER BY 1, (period IS NULL), period")


def top_partners(dyads: Sequence[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Per-partner sums over an actor's dyads (both directions, all months): every partner with at least as
    many events as the ``n``-th, so that a top-``n`` ranking that also weighs co-mentions is exact."""
    by: dict[str, dict[str, Any]] = {}
    for d in dyads:
        r = by.setdefault(d["partner_id"], {"id": d["partner_id"], "n_events": 0, "n_cooperation": 0,
                                             "n_conflict": 0, "intensity_sum": 0.0})
        r["n_events"] += d["n_events"]
        r["n_cooperation"] += d["n_cooperation"]
        r["n_conflict"] += d["n_conflict"]
        r["intensity_sum"] = round(r["intensity_sum"] + (d["intensity_sum"] or 0.0), 2)
    ranked = sorted(by.values(), key=lambda r: (-r["n_events"], r["id"]))
    if len(ranked) > n:
        floor = ranked[n - 1]["n_events"]
        ranked = [r for r in ranked if r["n_events"] >= floor]
    return ranked


class Store:
    """A storyline database file. Use as a context manager or call :meth:`close`.

    ``lock`` (a command name such as ``"storyline run"``) takes the database's writer lock
    (:class:`storyline.store.lock.WriterLock`) for the life of the Store: a second writer is refused at
    once with :class:`~storyline.errors.RunInProgress`; readers never take it."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True, readonly: bool = False,
                 lock: str | None = None):
        self.path = Path(path)
        self._lock: Any = None
        if not self.path.exists() and not create:
            raise DatabaseNotFound(f"database not found: {self.path}")
        if self.path.exists() and self.path.is_dir():
            raise NotAStorylineDatabase(f"{self.path} is a directory, not a database file")
        if lock is not None and not readonly:
            from .lock import WriterLock

            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = WriterLock(self.path, lock)
        try:
            self._open(readonly)
        except BaseException:
            if getattr(self, "conn", None) is not None:
                self.conn.close()
            self._release_lock()
            raise

    def _open(self, readonly: bool) -> None:
        try:
            if readonly:
                uri = f"file:{self.path.resolve()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout = 30000")
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = OFF")
            self._check_and_migrate(readonly)
        except sqlite3.DatabaseError as exc:
            mapped = storage_error(exc, self.path)
            if mapped is not None:
                raise mapped from exc
            raise NotAStorylineDatabase(f"{self.path} is not a usable SQLite database ({exc})") from exc

    # ---------------------------------------------------------------- schema
    def _check_and_migrate(self, readonly: bool) -> None:
        app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        n_tables = self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and n_tables > 0):
            raise NotAStorylineDatabase(f"{self.path} is an SQLite database but not a storyline one")
        if version > LATEST:
            raise SchemaTooNew(f"{self.path} has schema version {version}; this storyline knows up to {LATEST}")
        if version == LATEST:
            return
        if readonly:
            raise DatabaseError(f"{self.path} needs a schema upgrade (v{version} → v{LATEST})",
                                hint="open it once without read-only mode (e.g. `storyline run`) to migrate")
        self.migrate()

    def migrate(self) -> list[int]:
        """Apply pending migrations, each in its own transaction. Returns the versions applied."""
        applied = []
        with self.transaction():
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        for number, name, sql in MIGRATIONS:
            if number <= version:
                continue
            with self.transaction():
                # executescript would COMMIT; run statement by statement inside our transaction
                for statement in _split_sql(sql):
                    self.conn.execute(statement)
                self.conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, name, _now()))
                self.conn.execute(f"PRAGMA user_version = {int(number)}")
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            applied.append(number)
        return applied

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``). Nested inside another, it joins the outer one, so
        several replace-whole-table steps can be committed together (readers see all before or all after)."""
        if self.conn.in_transaction:
            yield self.conn
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            mapped = storage_error(exc, self.path)
            if mapped is not None:
                raise mapped from exc
            raise
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:  # SQLite already rolled back after e.g. SQLITE_FULL
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # keep the original error
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        try:
            conn = getattr(self, "conn", None)
            if conn is not None:
                conn.close()
        finally:
            self._release_lock()

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- runs
    def start_run(self, args: dict[str, Any]) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO runs(started_at, status, args) VALUES (?, 'running', ?)", (_now(), json.dumps(args))
            )
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (_now(), status, json.dumps(stats), run_id),
            )

    # ---------------------------------------------------------------- sources
    def source_done(self, path: str, size: int, mtime_ns: int) -> bool:
        row = self.conn.execute("SELECT size, mtime_ns, status FROM sources WHERE path = ?", (path,)).fetchone()
        return bool(row) and row["status"] == "done" and row["size"] == size and row["mtime_ns"] == mtime_ns

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            q = f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            found.update(r[0] for r in self.conn.execute(q, chunk))
        return found

    # ---------------------------------------------------------------- batch write
    def write_batch(
        self,
        *,
        articles: Sequence[Article] = (),
        fingerprints: Sequence[tuple[str, bytes]] = (),
        matches: Sequence[Any] = (),
        rejects: Sequence[Reject] = (),
        sources_done: Sequence[tuple[str, int, int, int, int]] = (),
        run_id: int | None = None,
    ) -> int:
        """Write one batch atomically. Returns the number of new articles."""
        with self.transaction() as c:
            seq = c.execute("SELECT ifnull(max(seq), 0) FROM articles").fetchone()[0]
            new = 0
            for a in articles:
                seq += 1
                cur = c.execute(
                    "INSERT OR IGNORE INTO articles (id, source_id, source_path, fmt, provenance, title, subtitle,"
                    " byline, published, published_source, outlet, url, language, meta_sources, text, original,"
                    " content_hash, n_words, duplicate_of, group_id, run_id, seq)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        a.id, a.source_id, a.source_path, a.fmt, json.dumps(a.provenance), a.title, a.subtitle,
                        a.byline, a.published, a.published_source, a.outlet, a.url, a.language,
                        json.dumps(a.meta_sources), a.text, a.original, a.content_hash, len(a.text.split()),
                        a.duplicate_of, a.group_id, run_id, seq,
                    ),
                )
                if cur.rowcount == 0:
                    seq -= 1
                    continue
                new += 1
                c.executemany(
                    'INSERT OR IGNORE INTO removals (article_id, seq, start, "end", text, reason, rule)'
                    " VALUES (?,?,?,?,?,?,?)",
                    [
                        (a.id, i, s.start, s.end, s.text, s.label, (s.attrs or {}).get("rule"))
                        for i, s in enumerate(a.removals)
                    ],
                )
            c.executemany("INSERT OR IGNORE INTO fingerprints (article_id, data) VALUES (?, ?)", fingerprints)
            c.executemany(
                "INSERT OR IGNORE INTO dup_matches (a, b, reason, similarity, containment) VALUES (?,?,?,?,?)",
                [(*sorted((m.article_id, m.other_id)), m.reason, m.similarity, m.containment) for m in matches],
            )
            for r in rejects:
                c.execute(
                    'INSERT INTO rejects (source_path, record, "offset", doc_id, stage, reason, detail, run_id)'
                    " VALUES (?,?,?,?,?,?,?,?)"
                    " ON CONFLICT DO UPDATE SET detail = excluded.detail, run_id = excluded.run_id,"
                    ' "offset" = excluded."offset", doc_id = excluded.doc_id',
                    (r.source_path, r.record, r.offset, r.doc_id, r.stage, r.reason, r.detail[:2000], run_id),
                )
            for path, size, mtime_ns, n_articles, n_rejects in sources_done:
                c.execute(
                    "INSERT INTO sources (path, size, mtime_ns, status, n_articles, n_rejects, run_id, processed_at)"
                    " VALUES (?,?,?,'done',?,?,?,?) ON CONFLICT(path) DO UPDATE SET size=excluded.size,"
                    " mtime_ns=excluded.mtime_ns, status='done', n_articles=excluded.n_articles,"
                    " n_rejects=excluded.n_rejects, run_id=excluded.run_id, processed_at=excluded.processed_at",
                    (path, size, mtime_ns, n_articles, n_rejects, run_id, _now()),
                )
        return new

    # ---------------------------------------------------------------- dedup state
    def fingerprint_count(self) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM fingerprints f JOIN articles a ON a.id = f.article_id"
        ).fetchone()[0]

    def iter_fingerprints(self, start: int = 0) -> Iterator[bytes]:
        """Stored fingerprints in arrival order from 0-based position ``start`` (the dedup index's order)."""
        for (data,) in self.conn.execute(
            "SELECT f.data FROM fingerprints f JOIN articles a ON a.id = f.article_id"
            " ORDER BY a.seq LIMIT -1 OFFSET ?",
            (start,),
        ):
            yield data

    def iter_matches(self) -> Iterator[sqlite3.Row]:
        yield from self.conn.execute("SELECT a, b, reason, similarity, containment FROM dup_matches ORDER BY a, b")

    def group_members(self, ids: Iterable[str]) -> list[sqlite3.Row]:
        ids = list(ids)
        rows: list[sqlite3.Row] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows += self.conn.execute(
                "SELECT id, length(text) AS text_len, title, byline, published, published_source, outlet, url,"
                f" meta_sources FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        return rows

    def replace_groups(self, groups: Sequence[Any]) -> None:
        """Store duplicate groups (from :func:`storyline.dedup.build_groups`) and merged metadata."""
        with self.transaction() as c:
            c.execute("DELETE FROM dup_groups")
            c.execute("DELETE FROM duplicates")
            c.execute("UPDATE articles SET duplicate_of = NULL, group_id = NULL WHERE group_id IS NOT NULL")
            for g in groups:
                c.execute(
                    "INSERT INTO dup_groups (group_id, canonical_id, n_members, outlets) VALUES (?,?,?,?)",
                    (g.group_id, g.canonical_id, len(g.members), json.dumps(sorted(g.outlets))),
                )
                for m in g.members:
                    is_canon = m.id == g.canonical_id
                    c.execute(
                        "INSERT INTO duplicates (article_id, group_id, canonical_id, is_canonical, reason,"
                        " similarity, containment) VALUES (?,?,?,?,?,?,?)",
                        (m.id, g.group_id, g.canonical_id, int(is_canon), None if is_canon else m.reason,
                         None if is_canon else m.similarity, None if is_canon else m.containment),
                    )
                    c.execute(
                        "UPDATE articles SET group_id = ?, duplicate_of = ? WHERE id = ?",
                        (g.group_id, None if is_canon else g.canonical_id, m.id),
                    )
                for article_id, fields in g.fills.items():
                    self._apply_merged(c, article_id, {k: (f.value, f.provenance) for k, f in fields.items()})

    @staticmethod
    def _apply_merged(c: sqlite3.Connection, article_id: str, fields: dict[str, tuple[Any, str]]) -> None:
        row = c.execute("SELECT meta_sources FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return
        sources = json.loads(row[0] or "{}")
        for name, (value, provenance) in fields.items():
            if name not in _MERGEABLE:
                continue
            if name == "published_source":
                value = provenance  # the date's provenance is the member it was merged from
            c.execute(f"UPDATE articles SET {name} = ? WHERE id = ?", (value, article_id))  # name is whitelisted
            sources[name] = provenance
        c.execute("UPDATE articles SET meta_sources = ? WHERE id = ?", (json.dumps(sources), article_id))

    # ---------------------------------------------------------------- facts
    _FACTS_TODO = (
        " FROM articles a LEFT JOIN article_facts f ON f.article_id = a.id"
        " WHERE (f.article_id IS NULL OR f.version != ? OR ifnull(f.dct_input, '') != ifnull(a.published, ''))"
    )

    def facts_todo_count(self, version: int) -> int:
        """Articles whose facts are missing, from an older stage version, or resolved against another date."""
        return self.conn.execute("SELECT count(*)" + self._FACTS_TODO, (version,)).fetchone()[0]

    def iter_facts_todo(self, version: int, batch: int = 128) -> Iterator[list[Article]]:
        """Batches of articles (text and date fields only) that need the facts stage, in id order.

        Id order, not arrival order: the first article of a pass that meets a discovered actor fixes its
        name, country and sector (``write_facts``), so the same articles give the same actors whatever
        order their files were given in (docs/exports.md, "Determinism")."""
        last = ""
        while True:
            rows = self.conn.execute(
                "SELECT a.id, a.source_id, a.source_path, a.fmt, a.text, a.title, a.published, a.published_source,"
                " a.seq" + self._FACTS_TODO + " AND a.id > ? ORDER BY a.id LIMIT ?",
                (version, last, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1]["id"]
            yield [
                Article(id=r["id"], source_id=r["source_id"], source_path=r["source_path"], fmt=r["fmt"],
                        provenance={}, original="", text=r["text"], title=r["title"], published=r["published"],
                        published_source=r["published_source"])
                for r in rows
            ]

    def write_facts(self, articles: Sequence[Article], actors: Sequence[Any], version: int,
                    run_id: int | None = None) -> None:
        """Replace the facts of ``articles`` and upsert the ``actors`` they refer to, in one transaction.

        ``actors`` are :class:`storyline.facts.actors.Actor`-like objects with an ``origin`` attribute or
        key in ``attrs`` (bundled | discovered | user); existing rows keep their name, new aliases are added."""
        with self.transaction() as c:
            for actor in actors:
                origin = getattr(actor, "origin", None) or (actor.attrs or {}).get("origin", "bundled")
                c.execute(
                    "INSERT INTO actors (id, name, type, country, sector, origin, attrs) VALUES (?,?,?,?,?,?,?)"
                    " ON CONFLICT(id) DO NOTHING",
                    (actor.id, actor.name, actor.type, actor.country, actor.sector, origin,
                     json.dumps({k: v for k, v in (actor.attrs or {}).items() if k != "origin"}, default=str)),
                )
                c.executemany("INSERT OR IGNORE INTO aliases (alias, actor_id) VALUES (?, ?)",
                              [(al, actor.id) for al in {actor.name, *actor.aliases} if al])
            for a in articles:
                for table in ("mentions", "timexes", "quotes"):
                    c.execute(f"DELETE FROM {table} WHERE article_id = ?", (a.id,))  # table from a fixed list
                c.executemany(
                    'INSERT OR IGNORE INTO mentions (article_id, start, "end", text, actor_id, kind, country, sector)'
                    " VALUES (?,?,?,?,?,?,?,?)",
                    [(a.id, s.start, s.end, s.text, s.attrs["actor_id"], s.label, s.attrs.get("country"),
                      s.attrs.get("sector")) for s in a.spans.get("mentions", ())],
                )
                c.executemany(  # every name an actor was matched under becomes one of its aliases
                    "INSERT OR IGNORE INTO aliases (alias, actor_id) VALUES (?, ?)",
                    {(s.text, s.attrs["actor_id"]) for s in a.spans.get("mentions", ()) if s.label in _NAME_KINDS},
                )
                c.executemany(
                    'INSERT OR IGNORE INTO timexes (article_id, start, "end", text, type, value, mod, reason)'
                    " VALUES (?,?,?,?,?,?,?,?)",
                    [(a.id, s.start, s.end, s.text, s.label, s.attrs.get("value"), s.attrs.get("mod"),
                      s.attrs.get("reason")) for s in a.spans.get("timexes", ())],
                )
                c.executemany(
                    'INSERT OR IGNORE INTO quotes (article_id, start, "end", text, kind, speaker_id, speaker_name,'
                    " speaker_start, speaker_end, speaker_text, cue, cue_start, cue_end, channel, channel_start,"
                    " channel_end, attrs) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(a.id, s.start, s.end, s.text, s.label, *(s.attrs.get(k) for k in _QUOTE_ATTRS),
                      json.dumps(s.attrs.get("extra") or {}, default=str)) for s in a.spans.get("quotes", ())],
                )
                c.execute("DELETE FROM event_mentions WHERE article_id = ?", (a.id,))
                c.executemany(
                    "INSERT INTO event_mentions (article_id, seq, start, \"end\", text, trigger_start, trigger_end,"
                    " trigger, type, described_type, mode, context, quad, intensity, actor_ids, recipient_ids, roles,"
                    " date, date_source, date_start, date_end, location, location_start, location_end,"
                    " location_country, negated, hypothetical, future, historical, reported_in_quote, cues, rule,"
                    " coder) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [_event_row(a.id, i, s) for i, s in enumerate(a.spans.get("events", ()))],
                )
                f = a.facts
                d = f.get("date")
                c.execute(
                    "INSERT OR REPLACE INTO article_facts (article_id, version, dct_input, status, reason, detail,"
                    " date_value, date_provenance, date_confidence, date_start, date_end, n_mentions, n_timexes,"
                    " n_quotes, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (a.id, version, f.get("dct_input"), f.get("status", "ok"), f.get("reason"), f.get("error"),
                     getattr(d, "value", None), getattr(d, "provenance", "unknown"), getattr(d, "confidence", 0.0),
                     getattr(d, "start", None), getattr(d, "end", None), len(a.spans.get("mentions", ())),
                     len(a.spans.get("timexes", ())), len(a.spans.get("quotes", ())), run_id),
                )

    def invalidate_facts(self, article_ids: Iterable[str] | None = None) -> int:
        """Mark facts stale (all, or of ``article_ids``) so the next facts pass recomputes them."""
        with self.transaction() as c:
            if article_ids is None:
                return c.execute("DELETE FROM article_facts").rowcount
            ids = list(article_ids)
            n = 0
            for i in range(0, len(ids), 500):
                chunk = ids[i: i + 500]
                n += c.execute(f"DELETE FROM article_facts WHERE article_id IN ({','.join('?' * len(chunk))})",
                               chunk).rowcount
            return n

    # ---------------------------------------------------------------- events (cross-document)
    def iter_event_mentions(self) -> Iterator[dict[str, Any]]:
        """Every stored event mention as a dict (JSON columns decoded), in article order."""
        for r in self.conn.execute(
            "SELECT e.* FROM event_mentions e JOIN articles a ON a.id = e.article_id ORDER BY a.seq, e.seq"
        ):
            d = dict(r)
            for k in ("context", "actor_ids", "recipient_ids", "roles", "cues"):
                d[k] = json.loads(d[k])
            yield d

    def source_keys(self) -> dict[str, str]:
        """Article id → independent-source key (its duplicate group, else itself)."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT id, ifnull(group_id, id) FROM articles")}

    def replace_events(self, events: Sequence[Any]) -> None:
        """Store merged events (:func:`storyline.events.merge.build_events`) and link their mentions."""
        with self.transaction() as c:
            c.execute("DELETE FROM events")
            c.execute("DELETE FROM event_actors")
            c.execute("UPDATE event_mentions SET event_id = NULL")
            for e in events:
                c.execute(
                    "INSERT INTO events (id, type, mode, context, quad, intensity, actor_ids, recipient_ids, date,"
                    " date_source, location, location_country, negated, hypothetical, future, historical, n_mentions,"
                    " n_articles, n_sources, first_article_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (e.id, e.type, e.mode, json.dumps(e.context), e.quad, e.intensity, json.dumps(e.actor_ids),
                     json.dumps(e.recipient_ids), e.date, e.date_source, e.location, e.location_country,
                     int(e.negated), int(e.hypothetical), int(e.future), int(e.historical), e.n_mentions,
                     e.n_articles, e.n_sources, e.first_article_id),
                )
                c.executemany("UPDATE event_mentions SET event_id = ? WHERE article_id = ? AND seq = ?",
                              [(e.id, a, q) for a, q in e.mentions])
                c.executemany("INSERT OR IGNORE INTO event_actors (actor_id, role, event_id) VALUES (?,?,?)",
                              [(x, "actor", e.id) for x in e.actor_ids]
                              + [(x, "recipient", e.id) for x in e.recipient_ids])

    def _remap_event_actors(self, c: sqlite3.Connection, src: str, new: str, aliases: set[str] | None) -> int:
        """Rewrite actor ids inside stored event mentions (all roles of ``src``, or those written as one of
        ``aliases``, casefolded) to ``new``."""
        n = 0
        rows = c.execute("SELECT article_id, seq, roles FROM event_mentions WHERE instr(roles, ?) > 0",
                         (json.dumps(src),)).fetchall()
        for article_id, seq, roles_json in rows:
            roles = json.loads(roles_json)
            changed = False
            for role in (*roles["actors"], *roles["recipients"]):
                if role.get("actor_id") == src and (aliases is None or role["text"].casefold() in aliases):
                    role["actor_id"] = new
                    changed = True
            if changed:
                n += 1
                c.execute("UPDATE event_mentions SET roles = ?, actor_ids = ?, recipient_ids = ?"
                          " WHERE article_id = ? AND seq = ?",
                          (json.dumps(roles), json.dumps(_role_ids(roles["actors"])),
                           json.dumps(_role_ids(roles["recipients"])), article_id, seq))
        return n

    def refresh_actor_stats(self, latest: int = 20, latest_events: int = 50, related: int = RELATED_TOP) -> int:
        """Recompute per-actor aggregates (mentions, articles, quotes, mention kinds, latest canonical
        articles, dyads, the partners with most events, new events per month, the first ``latest_events``
        events as actor and as recipient) in one pass per table. Returns the number of actors."""
        import heapq

        kinds: dict[str, dict[str, int]] = {}
        for actor_id, kind, n in self.conn.execute("SELECT actor_id, kind, count(*) FROM mentions GROUP BY 1, 2"):
            kinds.setdefault(actor_id, {})[kind] = n
        canonical: dict[str, int] = {}
        top: dict[str, list[tuple[str, int, str]]] = {}
        for actor_id, article_id, day, seq in self.conn.execute(
            "SELECT m.actor_id, m.article_id, substr(coalesce(f.date_value, a.published), 1, 10), a.seq"
            " FROM (SELECT DISTINCT actor_id, article_id FROM mentions) m JOIN articles a ON a.id = m.article_id"
            " LEFT JOIN article_facts f ON f.article_id = a.id WHERE a.duplicate_of IS NULL"
        ):
            canonical[actor_id] = canonical.get(actor_id, 0) + 1
            heap = top.setdefault(actor_id, [])
            item = (day or "", seq, article_id)
            if len(heap) < latest:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        quotes_top: dict[str, list[tuple[str, int, int, str, int, int]]] = {}
        for speaker, article_id, start, end, day, seq in self.conn.execute(
            'SELECT q.speaker_id, q.article_id, q.start, q."end", substr(coalesce(f.date_value, a.published), 1, 10),'
            " a.seq FROM quotes q JOIN articles a ON a.id = q.article_id LEFT JOIN article_facts f"
            " ON f.article_id = a.id WHERE q.speaker_id IS NOT NULL"
        ):
            heap = quotes_top.setdefault(speaker, [])
            item = (day or "", -seq, -start, article_id, start, end)
            if len(heap) < 50:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        dyads: dict[str, list[dict[str, Any]]] = {}
        for actor_id, partner, role, period, n, total, coop, conflict in self.conn.execute(
            "SELECT x.actor_id, o.actor_id, x.role, substr(e.date, 1, 7), count(*), round(sum(e.intensity), 2),"
            " sum(e.quad <= 2), sum(e.quad >= 3) FROM event_actors x JOIN events e ON e.id = x.event_id"
            " JOIN event_actors o ON o.event_id = x.event_id AND o.role != x.role AND o.actor_id != x.actor_id"
            " WHERE e.negated + e.hypothetical + e.future + e.historical = 0 GROUP BY 1, 2, 3, 4"
        ):
            dyads.setdefault(actor_id, []).append({"partner_id": partner, "role": role, "period": period,
                                                   "n_events": n, "intensity_sum": total, "n_cooperation": coop,
                                                   "n_conflict": conflict})
        for rows_ in dyads.values():
            rows_.sort(key=lambda d: (d["period"] is not None, d["period"] or "", d["partner_id"]))
        partners = {a: top_partners(rows_, related) for a, rows_ in dyads.items()}
        monthly: dict[str, list[dict[str, Any]]] = {}
        for actor_id, period, n, total, coop, conflict in self.conn.execute(MONTHLY_SQL.format(where="")):
            monthly.setdefault(actor_id, []).append({"period": period, "n_events": n, "intensity_sum": total,
                                                     "n_cooperation": coop, "n_conflict": conflict})
        events_top: dict[str, dict[str, list[str]]] = {}
        n_events: dict[str, dict[str, int]] = {}
        for actor_id, role, event_id, rank, n in self.conn.execute(
            # the first page of the actor page's event lists, in its order (dated first, newest first, then id)
            "SELECT actor_id, role, event_id, rn, n FROM (SELECT x.actor_id, x.role, x.event_id, row_number() OVER"
            " (PARTITION BY x.actor_id, x.role ORDER BY (e.date IS NULL), e.date DESC, e.id) AS rn, count(*) OVER"
            " (PARTITION BY x.actor_id, x.role) AS n FROM event_actors x JOIN events e ON e.id = x.event_id)"
            " WHERE rn <= ? ORDER BY actor_id, role, rn", (latest_events,)
        ):
            events_top.setdefault(actor_id, {}).setdefault(role, []).append(event_id)
            n_events.setdefault(actor_id, {})[role] = n
        with self.transaction() as c:
            c.execute("DELETE FROM actor_stats")
            rows = c.execute("SELECT actor_id, count(*), count(DISTINCT article_id) FROM mentions GROUP BY 1").fetchall()
            quotes = dict(c.execute("SELECT speaker_id, count(*) FROM quotes WHERE speaker_id IS NOT NULL GROUP BY 1"))
            c.executemany(
                "INSERT INTO actor_stats (actor_id, n_mentions, n_articles, n_canonical_articles, n_quotes, kinds,"
                " latest_articles, latest_quotes, dyads, n_dyads, partners, monthly, latest_events, n_events)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(a, n, na, canonical.get(a, 0), quotes.get(a, 0), json.dumps(kinds.get(a, {})),
                  json.dumps([x[2] for x in sorted(top.get(a, []), reverse=True)]),
                  json.dumps([[x[3], x[4], x[5]] for x in sorted(quotes_top.get(a, []), reverse=True)]),
                  json.dumps(dyads.get(a, [])), len(dyads.get(a, [])), json.dumps(partners.get(a, [])),
                  json.dumps(monthly.get(a, [])), json.dumps(events_top.get(a, {})),
                  json.dumps(n_events.get(a, {}))) for a, n, na in rows],
            )
        return len(rows)

    # ---------------------------------------------------------------- stories (cross-document)
    def story_state(self) -> bytes | None:
        row = self.conn.execute("SELECT data FROM story_state WHERE key = 'index'").fetchone()
        return bytes(row[0]) if row else None

    def story_edits(self) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.conn.execute("SELECT args FROM story_edits ORDER BY id")]

    def record_story_edit(self, op: str, args: dict[str, Any]) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO story_edits (op, args, applied_at) VALUES (?,?,?)",
                      (op, json.dumps(args), _now()))

    def replace_stories(self, records: Sequence[Any], arcs: Sequence[Any], state: bytes | None,
                        comparisons: dict[str, Any] | None = None, contradictions: dict[str, Any] | None = None,
                        ) -> None:
        """Store story records (:func:`storyline.stories.cluster.build_story`), arcs and the clusterer state,
        with each story's comparison claims and contradictions (:mod:`storyline.stories.contradict`)."""
        with self.transaction() as c:
            for table in ("stories", "story_members", "arcs"):
                c.execute(f"DELETE FROM {table}")  # table from a fixed list
            for r in records:
                c.execute(
                    "INSERT INTO stories (id, arc_id, title, date_start, date_end, n_articles, n_outlets,"
                    " n_independent, n_copies, first_report, latest_report, key_actors, key_events, attrs)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (r.id, r.arc_id, r.title, _iso(r.date_start), _iso(r.date_end), r.n_articles, r.n_outlets,
                     r.n_independent, r.n_copies, r.first_report, r.latest_report,
                     json.dumps([a for a, _ in r.key_actors]),
                     json.dumps([[k[0], list(k[1]), list(k[2]), _iso(k[3]), n] for k, n in r.key_events], default=str),
                     json.dumps({"title_source": r.title_source, "outlets": r.outlets})),
                )
                c.executemany(
                    "INSERT OR REPLACE INTO story_members (article_id, story_id, outlet, published, is_copy)"
                    " VALUES (?,?,?,?,?)",
                    [(m.article_id, r.id, m.outlet, _iso(m.published), int(m.is_copy)) for m in r.members],
                )
            for arc in arcs:
                c.execute("INSERT INTO arcs (id, title, story_ids, key_actors) VALUES (?,?,?,?)",
                          (arc.id, " – ".join("/".join(d) for d in arc.dyads[:3]) or arc.id,
                           json.dumps(arc.story_ids), json.dumps([list(d) for d in arc.dyads])))
            if state is not None:
                c.execute("INSERT OR REPLACE INTO story_state (key, data) VALUES ('index', ?)", (state,))
            c.execute("DELETE FROM story_claims")
            for story_id, claims in (comparisons or {}).items():
                c.executemany(
                    'INSERT OR IGNORE INTO story_claims (story_id, claim, article_id, start, "end", source, text,'
                    " n_sources) VALUES (?,?,?,?,?,?,?,?)",
                    [(story_id, k, sp.article_id, sp.start, sp.end, sp.source, sp.text, len(cl.sources))
                     for k, cl in enumerate(claims, 1) for sp in cl.spans],
                )
            c.execute("DELETE FROM story_contradictions")
            for story_id, found in (contradictions or {}).items():
                c.executemany(
                    "INSERT INTO story_contradictions (story_id, idx, kind, subject, a_article_id, a_start, a_end,"
                    " a_text, a_value, b_article_id, b_start, b_end, b_text, b_value)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(story_id, k, x.kind, x.subject, x.a.article_id, x.a.start, x.a.end, x.a.text, x.a.value,
                      x.b.article_id, x.b.start, x.b.end, x.b.text, x.b.value) for k, x in enumerate(found, 1)],
                )

    def replace_story_pages(self, pages: dict[str, Any]) -> None:
        """Store precomputed story-page data (story id -> JSON-able dict), replacing all earlier rows."""
        with self.transaction() as c:
            c.execute("DELETE FROM story_pages")
            c.executemany("INSERT INTO story_pages (story_id, data) VALUES (?, ?)",
                          [(k, json.dumps(v, default=str)) for k, v in sorted(pages.items())])

    def story_page(self, story_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT data FROM story_pages WHERE story_id = ?", (story_id,)).fetchone()
        return json.loads(row[0]) if row else None

    # ---------------------------------------------------------------- timelines (storyline.stories.timeline)
    def has_story(self, story_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is not None

    def arc_story_ids(self, arc_id: str) -> list[str] | None:
        row = self.conn.execute("SELECT story_ids FROM arcs WHERE id = ?", (arc_id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def find_actor(self, key: str) -> str | None:
        """An actor id from an id or a name (case-insensitive), or None."""
        row = self.conn.execute("SELECT id FROM actors WHERE id = ? OR lower(name) = lower(?) ORDER BY id = ? DESC"
                                " LIMIT 1", (key, key, key)).fetchone()
        return row[0] if row else None

    def actor_names(self, ids: Sequence[str]) -> dict[str, str]:
        out = {i: i for i in ids}
        for i in range(0, len(ids), 500):
            chunk = list(ids[i:i + 500])
            out.update(self.conn.execute(
                f"SELECT id, name FROM actors WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def timeline_articles(self, *, story_ids: Sequence[str] | None = None,
                          article_ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """article id -> published (resolved publication date), published_provenance, story_id, is_copy
        (a later copy within its story; outside stories, a dedup duplicate), outlet, title; for the members
        of ``story_ids`` or for ``article_ids``."""
        # driven from the members (indexed by story) or from the ids: never a scan of all articles
        frm, arg = ((" FROM story_members sm JOIN articles a ON a.id = sm.article_id"
                     " WHERE sm.story_id IN (SELECT value FROM json_each(?))", story_ids) if story_ids is not None
                    else (" FROM articles a LEFT JOIN story_members sm ON sm.article_id = a.id"
                          " WHERE a.id IN (SELECT value FROM json_each(?))", article_ids or []))
        rows = self.conn.execute(
            "SELECT a.id, ifnull(f.date_value, a.published) AS published, CASE WHEN f.date_value IS NOT NULL"
            " THEN f.date_provenance WHEN a.published IS NOT NULL THEN 'metadata' END AS published_provenance,"
            " sm.story_id, ifnull(sm.is_copy, a.duplicate_of IS NOT NULL) AS is_copy, a.outlet, a.title"
            + frm.replace(" WHERE", " LEFT JOIN article_facts f ON f.article_id = a.id WHERE", 1) + " ORDER BY a.id",
            (json.dumps(list(arg)),))
        return {r["id"]: {**dict(r), "is_copy": bool(r["is_copy"])} for r in rows}

    def timeline_mentions(self, *, article_ids: Sequence[str] | None = None,
                          actor_ids: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Event mention rows (JSON lists decoded) of ``article_ids``, or of the events ``actor_ids`` take
        part in (either role)."""
        where, arg = (("m.article_id IN (SELECT value FROM json_each(?))", article_ids) if article_ids is not None
                      else ("m.event_id IN (SELECT event_id FROM event_actors WHERE actor_id IN"
                            " (SELECT value FROM json_each(?)))", actor_ids or []))
        for r in self.conn.execute(
                'SELECT m.event_id, m.article_id, m.seq, m.start, m."end", m.text, m.type, m.mode, m.actor_ids,'
                " m.recipient_ids, m.date, m.date_source, m.negated, m.hypothetical, m.future, m.historical"
                f" FROM event_mentions m WHERE {where} ORDER BY m.article_id, m.seq", (json.dumps(list(arg)),)):
            d = dict(r)
            d["actor_ids"], d["recipient_ids"] = json.loads(d["actor_ids"]), json.loads(d["recipient_ids"])
            yield d

    # ---------------------------------------------------------------- actor edits
    def actor_edits(self) -> list[tuple[str, dict[str, Any]]]:
        return [(r["op"], json.loads(r["args"])) for r in
                self.conn.execute("SELECT op, args FROM actor_edits ORDER BY id")]

    def record_actor_edit(self, op: str, args: dict[str, Any], conn: sqlite3.Connection | None = None) -> None:
        (conn or self.conn).execute("INSERT INTO actor_edits (op, args, applied_at) VALUES (?,?,?)",
                                    (op, json.dumps(args, default=str), _now()))

    def add_user_actors(self, actors: Sequence[Any]) -> None:
        """Record ``add`` edits and upsert the actors (origin ``user``; aliases are added, never removed)."""
        with self.transaction() as c:
            for actor in actors:
                self.record_actor_edit("add", {"id": actor.id, "name": actor.name, "type": actor.type,
                                               "country": actor.country, "sector": actor.sector,
                                               "aliases": list(actor.aliases)}, c)
                c.execute(
                    "INSERT INTO actors (id, name, type, country, sector, origin, attrs) VALUES (?,?,?,?,?,'user','{}')"
                    " ON CONFLICT(id) DO UPDATE SET name=excluded.name, type=excluded.type,"
                    " country=ifnull(excluded.country, country), sector=ifnull(excluded.sector, sector), origin='user'",
                    (actor.id, actor.name, actor.type, actor.country, actor.sector),
                )
                c.executemany("INSERT OR IGNORE INTO aliases (alias, actor_id) VALUES (?, ?)",
                              [(al, actor.id) for al in {actor.name, *actor.aliases} if al])

    def articles_containing(self, phrases: Iterable[str]) -> list[str]:
        """Ids of articles whose clean text contains any of ``phrases`` (case-insensitive, ASCII folding)."""
        ids: set[str] = set()
        for p in {p for p in phrases if p and len(p) >= 2}:
            ids.update(r[0] for r in self.conn.execute(
                "SELECT id FROM articles WHERE instr(lower(text), lower(?)) > 0", (p,)))
        return sorted(ids)

    def actor_row(self, actor_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM actors WHERE id = ?", (actor_id,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["aliases"] = [r[0] for r in self.conn.execute(
            "SELECT alias FROM aliases WHERE actor_id = ? ORDER BY alias", (actor_id,))]
        out["n_mentions"] = self.conn.execute("SELECT count(*) FROM mentions WHERE actor_id = ?",
                                              (actor_id,)).fetchone()[0]
        return out

    def merge_actors(self, src: str, dst: Any) -> dict[str, int]:
        """Fold actor ``src`` into ``dst`` (an actor record) in the stored data and record the edit."""
        with self.transaction() as c:
            c.execute("INSERT INTO actors (id, name, type, country, sector, origin, attrs) VALUES (?,?,?,?,?,?,'{}')"
                      " ON CONFLICT(id) DO NOTHING",
                      (dst.id, dst.name, dst.type, dst.country, dst.sector,
                       (dst.attrs or {}).get("origin", "bundled")))
            name = c.execute("SELECT name FROM actors WHERE id = ?", (dst.id,)).fetchone()[0]
            moved = c.execute("UPDATE OR IGNORE mentions SET actor_id = ? WHERE actor_id = ?", (dst.id, src)).rowcount
            c.execute("DELETE FROM mentions WHERE actor_id = ?", (src,))  # the same span already held by dst
            quotes = c.execute("UPDATE quotes SET speaker_id = ?, speaker_name = ? WHERE speaker_id = ?",
                               (dst.id, name, src)).rowcount
            c.execute("INSERT OR IGNORE INTO aliases (alias, actor_id) SELECT alias, ? FROM aliases WHERE actor_id = ?",
                      (dst.id, src))
            c.execute("DELETE FROM aliases WHERE actor_id = ?", (src,))
            c.execute("DELETE FROM actors WHERE id = ?", (src,))
            events = self._remap_event_actors(c, src, dst.id, None)
            self.record_actor_edit("merge", {"src": src, "dst": dst.id}, c)
        return {"mentions": moved, "quotes": quotes, "event_mentions": events}

    def split_actor(self, src: str, aliases: Sequence[str], new_id: str, new_name: str) -> dict[str, int]:
        """Give the mentions of ``src`` written as one of ``aliases`` to a new actor; record the edit."""
        with self.transaction() as c:
            row = c.execute("SELECT type, country, sector FROM actors WHERE id = ?", (src,)).fetchone()
            typ, country, sector = (row["type"], row["country"], row["sector"]) if row else ("PER", None, None)
            c.execute("INSERT INTO actors (id, name, type, country, sector, origin, attrs) VALUES (?,?,?,?,?,'user','{}')"
                      " ON CONFLICT(id) DO NOTHING", (new_id, new_name, typ, country, sector))
            folded = [a.casefold() for a in aliases]
            marks = ",".join("?" * len(folded))
            # quotes first: their speaker mention is identified by its span before the mention moves
            quotes = c.execute(
                f"UPDATE quotes SET speaker_id = ?, speaker_name = ? WHERE speaker_id = ? AND EXISTS ("
                " SELECT 1 FROM mentions m WHERE m.article_id = quotes.article_id AND m.actor_id = ?"
                " AND m.start = quotes.speaker_start AND m.\"end\" = quotes.speaker_end"
                f" AND lower(m.text) IN ({marks}))",
                (new_id, new_name, src, src, *folded)).rowcount
            moved = c.execute(f"UPDATE OR IGNORE mentions SET actor_id = ? WHERE actor_id = ? AND lower(text) IN ({marks})",
                              (new_id, src, *folded)).rowcount
            c.executemany("INSERT OR IGNORE INTO aliases (alias, actor_id) VALUES (?, ?)",
                          [(a, new_id) for a in {new_name, *aliases}])
            c.execute(f"DELETE FROM aliases WHERE actor_id = ? AND lower(alias) IN ({marks})", (src, *folded))
            events = self._remap_event_actors(c, src, new_id, set(folded))
            self.record_actor_edit("split", {"src": src, "aliases": list(aliases), "new_id": new_id,
                                             "new_name": new_name}, c)
        return {"mentions": moved, "quotes": quotes, "event_mentions": events}

    # ---------------------------------------------------------------- queries
    def count(self, table: str) -> int:
        if table == "dyads":
            return sum(1 for _ in self.conn.execute(
                "SELECT 1 FROM events e, json_each(e.actor_ids) a, json_each(e.recipient_ids) r"
                " WHERE e.negated + e.hypothetical + e.future + e.historical = 0 AND a.value != r.value"
                " GROUP BY a.value, r.value, substr(e.date, 1, 7)"))
        table = {"facts": "article_facts", "comparisons": "story_claims",
                 "contradictions": "story_contradictions"}.get(table, table)
        if table not in _TABLES:
            raise DatabaseError(f"unknown table {table!r}")
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def summary(self) -> dict[str, Any]:
        c = self.conn
        return {
            "articles": c.execute("SELECT count(*) FROM articles").fetchone()[0],
            "canonical_articles": c.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NULL").fetchone()[0],
            "duplicates": c.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0],
            "duplicate_groups": c.execute("SELECT count(*) FROM dup_groups").fetchone()[0],
            "removals": c.execute("SELECT count(*) FROM removals").fetchone()[0],
            "rejects": c.execute("SELECT count(*) FROM rejects").fetchone()[0],
            "sources": c.execute("SELECT count(*) FROM sources").fetchone()[0],
            "removal_reasons": dict(c.execute("SELECT reason, count(*) FROM removals GROUP BY reason ORDER BY 2 DESC")),
            "reject_reasons": dict(c.execute("SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY 2 DESC")),
            "analysed_articles": c.execute("SELECT count(*) FROM article_facts WHERE status = 'ok'").fetchone()[0],
            "facts_skipped": dict(c.execute(
                "SELECT reason, count(*) FROM article_facts WHERE status = 'skipped' GROUP BY reason ORDER BY 2 DESC")),
            "actors": c.execute("SELECT count(*) FROM actors").fetchone()[0],
            "mentions": c.execute("SELECT count(*) FROM mentions").fetchone()[0],
            "timexes": c.execute("SELECT count(*) FROM timexes").fetchone()[0],
            "quotes": c.execute("SELECT count(*) FROM quotes").fetchone()[0],
            "event_mentions": c.execute("SELECT count(*) FROM event_mentions").fetchone()[0],
            "events": c.execute("SELECT count(*) FROM events").fetchone()[0],
            "stories": c.execute("SELECT count(*) FROM stories").fetchone()[0],
            "story_claims": c.execute("SELECT count(DISTINCT story_id || '/' || claim) FROM story_claims").fetchone()[0],
            "story_contradictions": c.execute("SELECT count(*) FROM story_contradictions").fetchone()[0],
            "arcs": c.execute("SELECT count(*) FROM arcs").fetchone()[0],
            "new_events": c.execute("SELECT count(*) FROM events WHERE negated + hypothetical + future + historical = 0"
                                    ).fetchone()[0],
        }

    def article(self, article_id: str) -> dict[str, Any] | None:
        """One article with its removals, or None."""
        row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["provenance"] = json.loads(out["provenance"])
        out["meta_sources"] = json.loads(out["meta_sources"])
        out["removals"] = [
            dict(r) for r in self.conn.execute(
                'SELECT start, "end", text, reason, rule FROM removals WHERE article_id = ? ORDER BY seq',
                (article_id,))
        ]
        facts = self.conn.execute("SELECT * FROM article_facts WHERE article_id = ?", (article_id,)).fetchone()
        out["facts"] = dict(facts) if facts else None
        out["mentions"] = [dict(r) for r in self.conn.execute(
            'SELECT m.start, m."end", m.text, m.actor_id, x.name AS actor_name, m.kind, m.country, m.sector'
            " FROM mentions m LEFT JOIN actors x ON x.id = m.actor_id WHERE m.article_id = ? ORDER BY m.start",
            (article_id,))]
        out["timexes"] = [dict(r) for r in self.conn.execute(
            'SELECT start, "end", text, type, value, mod, reason FROM timexes WHERE article_id = ? ORDER BY start',
            (article_id,))]
        out["quotes"] = [dict(r) for r in self.conn.execute(
            'SELECT start, "end", text, kind, speaker_id, speaker_name, speaker_start, speaker_end, speaker_text,'
            " cue, cue_start, cue_end, channel, channel_start, channel_end FROM quotes WHERE article_id = ?"
            " ORDER BY start", (article_id,))]
        return out

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[sqlite3.Row]:
        # a for loop, not ``yield from``: closing an abandoned generator must not close the cursor, which
        # fails once the connection is gone (e.g. `storyline export ... | head`)
        for row in self.conn.execute(sql, params):
            yield row


def storage_error(exc: BaseException, path: str | os.PathLike[str]) -> StorylineError | None:
    """The coded error for a storage failure (disk full, read-only, locked), or None if it is none of them.

    Works on ``sqlite3.Error`` (by its extended result code, else its message) and ``OSError`` (errno)."""
    import errno

    if isinstance(exc, StorylineError):
        return exc
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        msg = str(exc).lower()
        if primary == 13 or "disk is full" in msg:  # SQLITE_FULL
            return DiskFull(f"the disk is full (or the database reached its size limit) while writing {path}")
        if primary == 8 or "readonly database" in msg:  # SQLITE_READONLY
            return DatabaseReadOnly(f"the database is read-only: {path} ({exc})")
        if primary in (5, 6) or "locked" in msg or "busy" in msg:  # SQLITE_BUSY, SQLITE_LOCKED
            return DatabaseLocked(f"database is locked: {path}")
        if primary == 14:  # SQLITE_CANTOPEN: e.g. cannot create the -wal/-shm file in a read-only directory
            return DatabaseReadOnly(f"cannot open {path} ({exc}): is it or its directory read-only?")
        return None
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DiskFull(f"the disk is full while writing next to {path} ({exc.strerror}: {exc.filename})")
        if exc.errno == errno.EROFS:
            return DatabaseReadOnly(f"read-only file system while writing next to {path} ({exc.filename})")
    return None


_MERGEABLE = {"title", "subtitle", "byline", "published", "published_source", "outlet", "url"}
_TABLES = {"articles", "removals", "rejects", "duplicates", "dup_groups", "dup_matches", "sources", "runs",
           "fingerprints", "actors", "aliases", "mentions", "timexes", "quotes", "article_facts", "actor_edits",
           "events", "event_mentions", "stories", "story_members", "arcs", "story_edits", "event_actors",
           "actor_stats", "story_claims", "story_contradictions"}
def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _role_ids(roles: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for r in roles:
        if r.get("actor_id") and r["actor_id"] not in out:
            out.append(r["actor_id"])
    return out


def _event_row(article_id: str, seq: int, s: Any) -> tuple[Any, ...]:
    d = s.attrs
    roles = {"actors": d["actors"], "recipients": d["recipients"]}
    return (
        article_id, seq, s.start, s.end, s.text, d["trigger_start"], d["trigger_end"], d["trigger"], s.label,
        d["type"], d.get("mode"), json.dumps(d.get("context") or []), d["quad"], d["intensity"],
        json.dumps(_role_ids(d["actors"])), json.dumps(_role_ids(d["recipients"])), json.dumps(roles, default=str),
        d.get("date"), d.get("date_source") or "unknown", d.get("date_start"), d.get("date_end"), d.get("location"),
        d.get("location_start"), d.get("location_end"), d.get("location_country"), int(d["negated"]),
        int(d["hypothetical"]), int(d["future"]), int(d["historical"]), int(d["reported_in_quote"]),
        json.dumps(d.get("cues") or [], default=str), d.get("rule") or "", d.get("coder") or "",
    )


_NAME_KINDS = {"name", "metonym", "demonym", "place"}
_QUOTE_ATTRS = ("speaker_id", "speaker_name", "speaker_start", "speaker_end", "speaker_text", "cue", "cue_start",
                "cue_end", "channel", "channel_start", "channel_end")


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (SQLite's own tokenizer decides where one ends, so a ';' in
    a comment or a string does not split)."""
    parts, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        stmt = "\n".join(buf).strip()
        if sqlite3.complete_statement(stmt):
            if stmt.strip(";").strip():
                parts.append(stmt)
            buf = []
    tail = "\n".join(buf).strip()
    if tail:
        parts.append(tail)
    return parts
