"""Read-only queries for the web app and HTTP API.

Every statement here is a constant string with ``?`` parameters: no SQL is ever built from what a user
typed (the only formatted parts are fixed column lists chosen from constants in this module). The
knowledge base is opened read-only (``mode=ro``), one connection per worker thread.

Full-text search runs on a separate SQLite FTS5 file next to the database (``<db>.search``): the
knowledge base itself is never written. The index records the database's size and modification times
(of the file and its WAL) and is rebuilt when they change.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import FtsQueryError, UsageError  # noqa: F401 - FtsQueryError re-exported for the app
from ..store import Store
from ..store.sqlite import MONTHLY_SQL, RELATED_TOP, top_partners

# the date an article is filed under: the resolved publication date, else its metadata date
_ADATE = "substr(coalesce(f.date_value, a.published), 1, 10)"
_ARTICLE_COLS = (
    "a.id, a.title, a.outlet, a.url, a.byline, a.published, " + _ADATE + " AS date, a.duplicate_of, a.group_id,"
    " a.n_words, a.seq"
)
_ARTICLE_FROM = " FROM articles a LEFT JOIN article_facts f ON f.article_id = a.id"
# filters shared by article listings; each is (clause, number of times its parameter is used)
_ARTICLE_WHERE = (
    " WHERE (:outlet IS NULL OR a.outlet = :outlet)"
    " AND (:date_from IS NULL OR " + _ADATE + " >= :date_from)"
    " AND (:date_to IS NULL OR " + _ADATE + " <= :date_to)"
    " AND (:actor IS NULL OR EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id AND m.actor_id = :actor))"
    " AND (:canonical = 0 OR a.duplicate_of IS NULL)"
)
_ARTICLE_ORDER = " ORDER BY (" + _ADATE + " IS NULL), " + _ADATE + " DESC, a.seq DESC"

STORIES_MISSING = "stories are not built yet"
FRAMING_OWN_MAX = 300    # an outlet's latest canonical articles read for its framing terms
FRAMING_SAMPLE = 1000    # articles of the whole corpus sampled (evenly) as the baseline outlets are contrasted with
STORY_PAGE_MEMBERS = 200  # members listed on a story page (all of them: /api/stories/{id}/members)
MEMO_SIZE = 2048  # cached page aggregates (per database version)
PAGE_MEMO_CHARS = 32_000_000  # rendered actor/story pages kept (per database version), in characters
SEARCH_KINDS = ("articles", "quotes")


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _row(r: sqlite3.Row | None) -> dict[str, Any] | None:
    return dict(r) if r is not None else None


def favour_z(k1: int, n1: int, k2: int, n2: int) -> float:
    """z-score of the log-odds ratio of k1 of n1 against k2 of n2 (0.5 added to every cell): > 0 when the
    first group uses something more often. 0 when either group is empty."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    a, b, c, d = k1 + 0.5, n1 - k1 + 0.5, k2 + 0.5, n2 - k2 + 0.5
    return math.log((a / b) / (c / d)) / math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)


class Queries:
    """Read-only access to one knowledge base, safe to share between threads."""

    def __init__(self, db: str | os.PathLike[str], search_path: str | os.PathLike[str] | None = None,
                 search_refresh: str = "background"):
        self.db = Path(db)
        # opening validates the file (exists, is a storyline database, schema up to date) with coded errors
        Store(self.db, create=False, readonly=True).close()
        self._local = threading.local()
        self._memo: dict[tuple[Any, ...], tuple[str, Any]] = {}
        self._memo_lock = threading.Lock()
        self._pages: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._pages_chars = 0
        self._search = SearchIndex(self, search_path, search_refresh)

    # ------------------------------------------------------------------ cache
    def db_stamp(self) -> str:
        """Size and mtime of the database and its WAL: changes whenever the knowledge base is written. An
        empty WAL counts by its size only: readers opening the database touch it without changing anything
        (a commit grows it; a checkpoint that empties it writes the database file)."""
        parts = []
        for p in (self.db, Path(str(self.db) + "-wal")):
            try:
                st = p.stat()
                parts.append(f"{st.st_size}:{st.st_mtime_ns if st.st_size else 0}")
            except OSError:
                parts.append("-")
        return "|".join(parts)

    def cached(self, key: tuple[Any, ...], fn: Any) -> Any:
        """``fn()``, memoised until the knowledge base changes (aggregates over millions of rows are computed
        once per database version, not per request). Bounded: the oldest entries go first."""
        stamp = self.db_stamp()
        with self._memo_lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] == stamp:
                self._memo[key] = self._memo.pop(key)  # most recently used last
                return hit[1]
        value = fn()
        with self._memo_lock:
            self._memo[key] = (stamp, value)
            while len(self._memo) > MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
        return value

    def cached_html(self, key: tuple[Any, ...], fn: Any) -> str:
        """A rendered page, kept until the knowledge base changes; bounded by size (PAGE_MEMO_CHARS in all,
        the least recently used go first). For pages that depend on their address only."""
        stamp = self.db_stamp()
        with self._memo_lock:
            hit = self._pages.get(key)
            if hit is not None and hit[0] == stamp:
                self._pages[key] = self._pages.pop(key)
                return hit[1]
        html = fn()
        with self._memo_lock:
            old = self._pages.pop(key, None)
            self._pages_chars -= len(old[1]) if old else 0
            self._pages[key] = (stamp, html)
            self._pages_chars += len(html)
            while self._pages_chars > PAGE_MEMO_CHARS and len(self._pages) > 1:
                _, dropped = self._pages.pop(next(iter(self._pages)))
                self._pages_chars -= len(dropped)
        return html

    # ------------------------------------------------------------------ connections
    @property
    def store(self) -> Store:
        st = getattr(self._local, "store", None)
        if st is None:
            st = Store(self.db, create=False, readonly=True)
            self._local.store = st
        return st

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.conn

    def _all(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(sql, params)]

    def _one(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row is not None else None

    def has_table(self, name: str) -> bool:
        return self._one("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) > 0

    # ------------------------------------------------------------------ corpus
    def stats(self) -> dict[str, Any]:
        c = self.conn
        one = lambda sql: c.execute(sql).fetchone()[0]  # noqa: E731 - constant SQL only
        return {
            "articles": one("SELECT count(*) FROM articles"),
            "canonical_articles": one("SELECT count(*) FROM articles WHERE duplicate_of IS NULL"),
            "duplicates": one("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
            "duplicate_groups": one("SELECT count(*) FROM dup_groups"),
            "rejects": one("SELECT count(*) FROM rejects"),
            "removals": one("SELECT count(*) FROM removals"),
            "outlets": one("SELECT count(DISTINCT outlet) FROM articles WHERE outlet IS NOT NULL"),
            "actors": one("SELECT count(*) FROM actors"),
            "mentions": one("SELECT count(*) FROM mentions"),
            "timexes": one("SELECT count(*) FROM timexes"),
            "quotes": one("SELECT count(*) FROM quotes"),
            "events": one("SELECT count(*) FROM events"),
            "new_events": one("SELECT count(*) FROM events WHERE negated + hypothetical + future + historical = 0"),
            "stories": self.stories_count(),
        }

    def volume(self) -> list[dict[str, Any]]:
        """Articles per month (canonical articles; undated ones under period null)."""
        return self._all(
            "SELECT substr(" + _ADATE + ", 1, 7) AS period, count(*) AS n" + _ARTICLE_FROM
            + " WHERE a.duplicate_of IS NULL GROUP BY 1 ORDER BY (period IS NULL), period")

    # ------------------------------------------------------------------ articles
    def articles(self, *, limit: int, offset: int, outlet: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, actor: str | None = None, canonical_only: bool = False,
                 ) -> tuple[list[dict[str, Any]], int]:
        p = {"outlet": outlet, "date_from": date_from, "date_to": date_to, "actor": actor,
             "canonical": int(canonical_only), "limit": limit, "offset": offset}
        if actor is not None and outlet is None and date_from is None and date_to is None:
            # driven by the mentions index rather than a scan of every article
            src = (_ARTICLE_FROM.replace(" FROM articles a", " FROM (SELECT DISTINCT article_id FROM mentions"
                                         " WHERE actor_id = :actor) am JOIN articles a ON a.id = am.article_id")
                   + " WHERE (:canonical = 0 OR a.duplicate_of IS NULL)")
            total = self._one("SELECT count(*)" + src, p)
            rows = self._all("SELECT " + _ARTICLE_COLS + src + _ARTICLE_ORDER + " LIMIT :limit OFFSET :offset", p)
            return rows, total
        total = self._one("SELECT count(*)" + _ARTICLE_FROM + _ARTICLE_WHERE, p)
        rows = self._all("SELECT " + _ARTICLE_COLS + _ARTICLE_FROM + _ARTICLE_WHERE + _ARTICLE_ORDER
                         + " LIMIT :limit OFFSET :offset", p)
        return rows, total

    def article(self, article_id: str) -> dict[str, Any] | None:
        a = _row(self.conn.execute(
            "SELECT a.id, a.source_id, a.source_path, a.fmt AS format, a.title, a.subtitle, a.byline, a.published,"
            " a.published_source, a.outlet, a.url, a.language, a.text, a.duplicate_of, a.group_id, a.n_words,"
            " " + _ADATE + " AS date" + _ARTICLE_FROM + " WHERE a.id = ?", (article_id,)).fetchone())
        if a is None:
            return None
        aid = (article_id,)
        a["facts"] = _row(self.conn.execute(
            "SELECT date_value, date_provenance, date_confidence, date_start, date_end, status, reason,"
            " n_mentions, n_timexes, n_quotes FROM article_facts WHERE article_id = ?", aid).fetchone())
        a["removals"] = self._all(
            'SELECT seq, start, "end", text, reason, rule FROM removals WHERE article_id = ? ORDER BY seq', aid)
        a["mentions"] = self._all(
            'SELECT m.start, m."end", m.text, m.actor_id, x.name AS actor_name, m.kind, m.country, m.sector'
            " FROM mentions m LEFT JOIN actors x ON x.id = m.actor_id WHERE m.article_id = ?"
            ' ORDER BY m.start, m."end"', aid)
        a["timexes"] = self._all(
            'SELECT start, "end", text, type, value, mod, reason FROM timexes WHERE article_id = ? ORDER BY start',
            aid)
        a["quotes"] = self.quotes_of_article(article_id)
        a["event_mentions"] = [self._event_mention(r) for r in self.conn.execute(
            'SELECT event_id, seq, start, "end", text, trigger, trigger_start, trigger_end, type, described_type,'
            " mode, quad, intensity, actor_ids, recipient_ids, date, location, negated, hypothetical, future,"
            " historical, reported_in_quote FROM event_mentions WHERE article_id = ? ORDER BY seq", aid)]
        a["duplicates"] = []
        if a["group_id"]:
            a["duplicates"] = self._all(
                "SELECT d.article_id, d.is_canonical, d.reason, d.similarity, d.containment, x.outlet, x.url,"
                " x.title, x.published FROM duplicates d JOIN articles x ON x.id = d.article_id"
                " WHERE d.group_id = ? ORDER BY d.is_canonical DESC, d.article_id", (a["group_id"],))
            for d in a["duplicates"]:
                d["is_canonical"] = bool(d["is_canonical"])
        names = self.actor_names({i for e in a["event_mentions"] for i in e["actor_ids"] + e["recipient_ids"]})
        for e in a["event_mentions"]:
            e["actors"] = [{"id": i, "name": names.get(i, i)} for i in e["actor_ids"]]
            e["recipients"] = [{"id": i, "name": names.get(i, i)} for i in e["recipient_ids"]]
        return a

    @staticmethod
    def _event_mention(r: sqlite3.Row) -> dict[str, Any]:
        d = dict(r)
        d["actor_ids"] = _loads(d["actor_ids"])
        d["recipient_ids"] = _loads(d["recipient_ids"])
        for k in ("negated", "hypothetical", "future", "historical", "reported_in_quote"):
            d[k] = bool(d[k])
        return d

    def quotes_of_article(self, article_id: str) -> list[dict[str, Any]]:
        rows = self._all(
            'SELECT start, "end", text, kind, speaker_id, speaker_name, speaker_text, cue,'
            " json_extract(attrs, '$.cue_type') AS cue_type, channel FROM quotes WHERE article_id = ? ORDER BY start",
            (article_id,))
        return rows

    def actor_names(self, ids: set[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in ids:
            name = self._one("SELECT name FROM actors WHERE id = ?", (i,))
            if name is not None:
                out[i] = name
        return out

    # ------------------------------------------------------------------ outlets
    def outlets(self, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        total = self._one("SELECT count(DISTINCT outlet) FROM articles WHERE outlet IS NOT NULL")
        rows = self._all(
            "SELECT a.outlet AS name, count(*) AS n_articles, sum(a.duplicate_of IS NOT NULL) AS n_duplicates,"
            " min(" + _ADATE + ") AS first_date, max(" + _ADATE + ") AS last_date" + _ARTICLE_FROM
            + " WHERE a.outlet IS NOT NULL GROUP BY a.outlet ORDER BY n_articles DESC, name LIMIT ? OFFSET ?",
            (limit, offset))
        return rows, total

    def outlet(self, name: str) -> dict[str, Any] | None:
        row = _row(self.conn.execute(
            "SELECT a.outlet AS name, count(*) AS n_articles, sum(a.duplicate_of IS NOT NULL) AS n_duplicates,"
            " min(" + _ADATE + ") AS first_date, max(" + _ADATE + ") AS last_date" + _ARTICLE_FROM
            + " WHERE a.outlet = ? GROUP BY a.outlet", (name,)).fetchone())
        if row is None:
            return None
        # outlets that carried the same stories (duplicate groups shared with this outlet)
        row["shares_copies_with"] = self._all(
            "SELECT b.outlet AS name, count(DISTINCT b.group_id) AS n_groups FROM articles a"
            " JOIN articles b ON b.group_id = a.group_id AND b.id != a.id"
            " WHERE a.outlet = ? AND a.group_id IS NOT NULL AND b.outlet IS NOT NULL AND b.outlet != a.outlet"
            " GROUP BY b.outlet ORDER BY n_groups DESC, name LIMIT 50", (name,))
        row["top_actors"] = self._all(
            "SELECT m.actor_id AS id, x.name, count(DISTINCT m.article_id) AS n_articles FROM articles a"
            " JOIN mentions m ON m.article_id = a.id LEFT JOIN actors x ON x.id = m.actor_id"
            " WHERE a.outlet = ? GROUP BY m.actor_id ORDER BY n_articles DESC, m.actor_id LIMIT 20", (name,))
        return row

    def outlet_volume(self, name: str) -> list[dict[str, Any]]:
        """The outlet's articles per month (undated ones under period null), memoised per database version."""
        return self.cached(("outlet-volume", name), lambda: self._all(
            "SELECT substr(" + _ADATE + ", 1, 7) AS period, count(*) AS n" + _ARTICLE_FROM
            + " WHERE a.outlet = ? GROUP BY 1 ORDER BY (period IS NULL), period", (name,)))

    def _framing_sample(self) -> list[tuple[str | None, frozenset[tuple[str, str]]]]:
        """(outlet, framing terms it uses) for a systematic sample of the whole corpus — at most FRAMING_SAMPLE
        articles evenly spaced in insertion order (read through the seq index, not a scan), canonical ones
        only: the baseline outlets are contrasted with. Memoised per database version."""
        def build() -> list[tuple[str | None, frozenset[tuple[str, str]]]]:
            from ..stories.framing import article_terms, load_lexicon

            lo, hi = self.conn.execute("SELECT min(seq), max(seq) FROM articles").fetchone()
            if lo is None:
                return []
            seqs = list(range(lo, hi + 1, max(1, -(-(hi - lo + 1) // FRAMING_SAMPLE))))[:FRAMING_SAMPLE]
            lex = load_lexicon()
            return [(outlet, frozenset((label, cat) for label, cat, _ in article_terms(text, [], lex)))
                    for outlet, text in self.conn.execute(
                        "SELECT a.outlet, a.text FROM json_each(?) k JOIN articles a ON a.seq = k.value"
                        " WHERE a.duplicate_of IS NULL", (json.dumps(seqs),))]

        return self.cached(("framing-sample",), build)

    def outlet_framing(self, name: str) -> dict[str, Any]:
        """Framing terms (stories.framing's lexicon) the outlet favours or avoids compared with the rest of the
        corpus: for each term, the share of the outlet's canonical articles using it (its latest
        FRAMING_OWN_MAX) against the share of other outlets' articles using it (an even sample of at most
        FRAMING_SAMPLE articles of the whole corpus), with a smoothed log-odds z-score; ``favours``
        when z ≥ 1.96 and at least two of its articles use the term, ``avoids`` when z ≤ −1.96. Also whom
        the outlet's designations are attached to. Memoised per database version."""
        def build() -> dict[str, Any]:
            from ..stories.brief import actor_names
            from ..stories.framing import article_terms, load_lexicon

            lex = load_lexicon()
            own: Counter[tuple[str, str]] = Counter()
            targets: dict[tuple[str, str], Counter[str]] = {}
            n_own = 0
            for aid, text in self.conn.execute(
                    "SELECT id, text FROM articles WHERE outlet = ? AND duplicate_of IS NULL ORDER BY seq DESC"
                    " LIMIT ?", (name, FRAMING_OWN_MAX)):
                mentions = self._all('SELECT start, "end", actor_id, kind FROM mentions WHERE article_id = ?', (aid,))
                terms = article_terms(text, mentions, lex)
                n_own += 1
                own.update({(label, cat) for label, cat, _ in terms})
                for (label, cat, target), k in terms.items():
                    if target is not None:
                        targets.setdefault((label, cat), Counter())[target] += k
            rest: Counter[tuple[str, str]] = Counter()
            n_rest = 0
            for outlet, terms in self._framing_sample():
                if outlet != name:
                    n_rest += 1
                    rest.update(terms)
            names = actor_names(self.store, sorted({t for c in targets.values() for t in c}))
            out = []
            for key in sorted(set(own) | set(rest)):
                k1, k2 = own[key], rest[key]
                z = favour_z(k1, n_own, k2, n_rest)
                verdict = ("favours" if z >= 1.96 and k1 >= 2 else "avoids" if z <= -1.96 else None)
                if k1 == 0 and verdict is None:
                    continue  # a term neither used nor notably avoided by this outlet
                out.append({"label": key[0], "category": key[1], "n_articles": k1,
                            "share": round(k1 / n_own, 4) if n_own else None, "n_articles_elsewhere": k2,
                            "share_elsewhere": round(k2 / n_rest, 4) if n_rest else None, "z": round(z, 2),
                            "verdict": verdict,
                            "targets": [{"id": t, "name": names.get(t, t), "n": k}
                                        for t, k in targets.get(key, Counter()).most_common(5)]})
            out.sort(key=lambda r: (r["verdict"] != "favours", r["verdict"] == "avoids", -r["z"], r["label"]))
            return {"n_articles": n_own, "n_articles_elsewhere": n_rest, "terms": out,
                    "method": "share of canonical articles using each lexicon term, this outlet (latest "
                              f"{FRAMING_OWN_MAX}) vs other outlets (even sample of at most {FRAMING_SAMPLE} "
                              "articles of the corpus); "
                              "smoothed log-odds z ≥ 1.96 (and ≥ 2 articles): favours; ≤ −1.96: avoids"}

        return self.cached(("outlet-framing", name), build)

    # ------------------------------------------------------------------ actors
    def actors(self, *, limit: int, offset: int, type: str | None = None, country: str | None = None,
               name: str | None = None) -> tuple[list[dict[str, Any]], int]:
        p = {"type": type, "country": country, "name": name, "limit": limit, "offset": offset}
        where = (" WHERE (:type IS NULL OR x.type = :type) AND (:country IS NULL OR x.country = :country)"
                 " AND (:name IS NULL OR instr(lower(x.name), lower(:name)) > 0 OR EXISTS (SELECT 1 FROM aliases l"
                 " WHERE l.actor_id = x.id AND instr(lower(l.alias), lower(:name)) > 0))")
        total = self._one("SELECT count(*) FROM actors x" + where, p)
        rows = self._all(
            "SELECT x.id, x.name, x.type, x.country, x.sector, x.origin,"
            " (SELECT count(*) FROM mentions m WHERE m.actor_id = x.id) AS n_mentions,"
            " (SELECT count(DISTINCT m.article_id) FROM mentions m WHERE m.actor_id = x.id) AS n_articles"
            " FROM actors x" + where + " ORDER BY n_mentions DESC, x.id LIMIT :limit OFFSET :offset", p)
        return rows, total

    def actor(self, actor_id: str, *, max_aliases: int | None = None) -> dict[str, Any] | None:
        """One actor with its counts and aliases (all, or the first ``max_aliases``; ``n_aliases`` counts all)."""
        a = _row(self.conn.execute(
            "SELECT id, name, type, country, sector, origin, attrs FROM actors WHERE id = ?", (actor_id,)).fetchone())
        if a is None:
            return None
        a["attrs"] = _loads(a["attrs"])
        a["aliases"] = [r[0] for r in self.conn.execute(
            "SELECT alias FROM aliases WHERE actor_id = ? ORDER BY alias LIMIT ?",
            (actor_id, -1 if max_aliases is None else max_aliases))]
        a["n_aliases"] = (len(a["aliases"]) if max_aliases is None or len(a["aliases"]) < max_aliases
                          else self._one("SELECT count(*) FROM aliases WHERE actor_id = ?", (actor_id,)))
        st = self.actor_stats(actor_id)
        if st is not None:  # aggregates computed at the end of the run
            a["n_mentions"], a["n_articles"], a["n_quotes"] = st["n_mentions"], st["n_articles"], st["n_quotes"]
            a["mention_kinds"] = dict(sorted(_loads(st["kinds"]).items(), key=lambda kv: -kv[1]))
            return a
        a["n_mentions"] = self._one("SELECT count(*) FROM mentions WHERE actor_id = ?", (actor_id,))
        a["n_articles"] = self._one("SELECT count(DISTINCT article_id) FROM mentions WHERE actor_id = ?", (actor_id,))
        a["n_quotes"] = self._one("SELECT count(*) FROM quotes WHERE speaker_id = ?", (actor_id,))
        a["mention_kinds"] = dict(self.conn.execute(
            "SELECT kind, count(*) FROM mentions WHERE actor_id = ? GROUP BY kind ORDER BY 2 DESC", (actor_id,)))
        return a

    def actor_stats(self, actor_id: str) -> dict[str, Any] | None:
        """The run's aggregates for one actor (None: not there), without the full dyads list — for a hub it
        is megabytes, and only :meth:`dyads` reads it — memoised per database version."""
        if not self.has_table("actor_stats"):
            return None

        def build() -> dict[str, Any] | None:
            cols = [r[1] for r in self.conn.execute("PRAGMA table_info(actor_stats)") if r[1] != "dyads"]
            return _row(self.conn.execute(f"SELECT {', '.join(cols)} FROM actor_stats WHERE actor_id = ?",
                                          (actor_id,)).fetchone())  # column names from the schema itself

        return self.cached(("actor-stats", actor_id), build)

    def latest_articles_of(self, actor_id: str) -> tuple[list[dict[str, Any]], int] | None:
        """The actor's latest canonical articles and their number, from the run's aggregates (None: not there)."""
        st = self.actor_stats(actor_id)
        if st is None:
            return None
        ids = _loads(st["latest_articles"])
        rows = {r["id"]: r for r in self._all(
            "SELECT " + _ARTICLE_COLS + _ARTICLE_FROM + " WHERE a.id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),))}
        return [rows[i] for i in ids if i in rows], st["n_canonical_articles"]

    def actor_quotes(self, actor_id: str, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        st = self.actor_stats(actor_id)
        keys = _loads(st["latest_quotes"]) if st is not None else []
        if st is not None and (offset + limit <= len(keys) or len(keys) == st["n_quotes"]):
            # the latest quotes were listed at the end of the run: fetch just those
            want = keys[offset: offset + limit]
            found = {(r["article_id"], r["start"], r["end"]): r for r in self._all(
                'SELECT q.article_id, q.start, q."end", q.text, q.kind, q.cue, json_extract(q.attrs, \'$.cue_type\')'
                " AS cue_type, q.channel, a.title, a.outlet, " + _ADATE + " AS date FROM json_each(?) k"
                " JOIN quotes q ON q.article_id = json_extract(k.value, '$[0]') AND q.start = json_extract(k.value,"
                " '$[1]') AND q.\"end\" = json_extract(k.value, '$[2]') JOIN articles a ON a.id = q.article_id"
                " LEFT JOIN article_facts f ON f.article_id = a.id", (json.dumps(want),))}
            return [found[tuple(k)] for k in want if tuple(k) in found], st["n_quotes"]
        total = self._one("SELECT count(*) FROM quotes WHERE speaker_id = ?", (actor_id,))
        rows = self._all(
            'SELECT q.article_id, q.start, q."end", q.text, q.kind, q.cue, json_extract(q.attrs, \'$.cue_type\')'
            " AS cue_type, q.channel, a.title, a.outlet, " + _ADATE + " AS date FROM quotes q"
            " JOIN articles a ON a.id = q.article_id LEFT JOIN article_facts f ON f.article_id = a.id"
            " WHERE q.speaker_id = ? ORDER BY (date IS NULL), date DESC, a.seq, q.start LIMIT ? OFFSET ?",
            (actor_id, limit, offset))
        return rows, total

    _EVENT_COLS = ("e.id, e.type, e.mode, e.quad, e.intensity, e.actor_ids, e.recipient_ids, e.date, e.date_source,"
                   " e.location, e.negated, e.hypothetical, e.future, e.historical, e.n_mentions, e.n_articles,"
                   " e.n_sources, e.first_article_id")

    def _events_out(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids: set[str] = set()
        for e in rows:
            e["actor_ids"] = _loads(e["actor_ids"])
            e["recipient_ids"] = _loads(e["recipient_ids"])
            for k in ("negated", "hypothetical", "future", "historical"):
                e[k] = bool(e[k])
            e["is_new"] = not (e["negated"] or e["hypothetical"] or e["future"] or e["historical"])
            ids.update(e["actor_ids"] + e["recipient_ids"])
        names = self.actor_names(ids)
        for e in rows:
            e["actors"] = [{"id": i, "name": names.get(i, i)} for i in e["actor_ids"]]
            e["recipients"] = [{"id": i, "name": names.get(i, i)} for i in e["recipient_ids"]]
        return rows

    def events_of(self, actor_id: str, role: str, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Events with ``actor_id`` as ``role`` (actor | recipient), newest first (indexed: event_actors; the
        first page of each list is listed at the end of the run)."""
        st = self.actor_stats(actor_id)
        if st is not None and st.get("latest_events") is not None:
            keys = _loads(st["latest_events"]).get(role, [])
            total = _loads(st["n_events"]).get(role, 0)
            if offset + limit <= len(keys) or len(keys) == total:
                want = keys[offset: offset + limit]
                found = {r["id"]: r for r in self._all(
                    "SELECT " + self._EVENT_COLS + " FROM events e WHERE e.id IN (SELECT value FROM json_each(?))",
                    (json.dumps(want),))}
                return self._events_out([found[i] for i in want if i in found]), total
        total = self._one("SELECT count(*) FROM event_actors WHERE actor_id = ? AND role = ?", (actor_id, role))
        rows = self._all("SELECT " + self._EVENT_COLS + " FROM event_actors x JOIN events e ON e.id = x.event_id"
                         " WHERE x.actor_id = ? AND x.role = ? ORDER BY (e.date IS NULL), e.date DESC, e.id"
                         " LIMIT ? OFFSET ?", (actor_id, role, limit, offset))
        return self._events_out(rows), total

    def events(self, *, limit: int, offset: int, actor: str | None = None, recipient: str | None = None,
               type: str | None = None, date_from: str | None = None, date_to: str | None = None,
               new_only: bool = False) -> tuple[list[dict[str, Any]], int]:
        if (actor is None) != (recipient is None) and type is None and date_from is None and date_to is None \
                and not new_only:
            return self.events_of(actor or recipient or "", "actor" if actor else "recipient", limit=limit,
                                  offset=offset)
        p = {"actor": actor, "recipient": recipient, "type": type, "date_from": date_from, "date_to": date_to,
             "new": int(new_only), "limit": limit, "offset": offset}
        where = (" WHERE (:actor IS NULL OR EXISTS (SELECT 1 FROM json_each(e.actor_ids) j WHERE j.value = :actor))"
                 " AND (:recipient IS NULL OR EXISTS (SELECT 1 FROM json_each(e.recipient_ids) j"
                 " WHERE j.value = :recipient))"
                 " AND (:type IS NULL OR e.type = :type)"
                 " AND (:date_from IS NULL OR substr(e.date, 1, 10) >= :date_from)"
                 " AND (:date_to IS NULL OR substr(e.date, 1, 10) <= :date_to)"
                 " AND (:new = 0 OR e.negated + e.hypothetical + e.future + e.historical = 0)")
        total = self._one("SELECT count(*) FROM events e" + where, p)
        rows = self._all("SELECT " + self._EVENT_COLS + " FROM events e" + where
                         + " ORDER BY (e.date IS NULL), e.date DESC, e.id LIMIT :limit OFFSET :offset", p)
        return self._events_out(rows), total

    _PAIR = (" FROM event_actors x JOIN event_actors y ON y.event_id = x.event_id AND y.role != x.role"
             " JOIN events e ON e.id = x.event_id WHERE x.actor_id = :a AND y.actor_id = :b")

    def _smaller_first(self, a: str, b: str) -> tuple[str, str, bool]:
        """The pair ordered so that the join starts from the actor with fewer events (True: swapped)."""
        n = {x: self._one("SELECT count(*) FROM (SELECT 1 FROM event_actors WHERE actor_id = ? LIMIT 100000)",
                          (x,)) for x in (a, b)}
        return (b, a, True) if n[b] < n[a] else (a, b, False)

    def dyad_monthly(self, a: str, b: str) -> list[dict[str, Any]]:
        """New events between two actors (either direction) per month and direction (``role``: ``a``'s):
        counts, cooperation, conflict and mean intensity (indexed: event_actors; memoised)."""
        def build() -> list[dict[str, Any]]:
            x, y, swapped = self._smaller_first(a, b)
            rows = self._all(
                "SELECT substr(e.date, 1, 7) AS period, x.role AS role, count(*) AS n_events, sum(e.quad <= 2) AS"
                " n_cooperation, sum(e.quad >= 3) AS n_conflict, round(avg(e.intensity), 2) AS intensity_mean"
                + self._PAIR + " AND e.negated + e.hypothetical + e.future + e.historical = 0"
                " GROUP BY 1, 2", {"a": x, "b": y})
            for r in rows:
                if swapped:
                    r["role"] = "recipient" if r["role"] == "actor" else "actor"
            return sorted(rows, key=lambda r: (r["period"] is None, r["period"] or "", r["role"]))

        return self.cached(("dyad-monthly", a, b), build)

    def dyad_events(self, a: str, b: str, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Events between two actors in either direction (all, flagged ones too), newest first (memoised)."""
        def build() -> tuple[list[dict[str, Any]], int]:
            x, y, _ = self._smaller_first(a, b)
            p = {"a": x, "b": y, "limit": limit, "offset": offset}
            total = self._one("SELECT count(DISTINCT e.id)" + self._PAIR, p)
            rows = self._all("SELECT DISTINCT " + self._EVENT_COLS + self._PAIR
                             + " ORDER BY (e.date IS NULL), e.date DESC, e.id LIMIT :limit OFFSET :offset", p)
            return self._events_out(rows), total

        return self.cached(("dyad-events", a, b, limit, offset), build)

    def monthly(self, actor_id: str) -> list[dict[str, Any]]:
        """New events per month involving the actor in either role, each event once (the plot's data)."""
        st = self.actor_stats(actor_id)
        if st is not None and st.get("monthly") is not None:
            return _loads(st["monthly"])
        return [{"period": p, "n_events": n, "intensity_sum": t, "n_cooperation": c, "n_conflict": k}
                for _, p, n, t, c, k in self.conn.execute(MONTHLY_SQL.format(where=" WHERE actor_id = ?"),
                                                           (actor_id,))]

    def dyads_page(self, actor_id: str, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        rows = self.cached(("dyads", actor_id), lambda: self.dyads(actor_id))
        return rows[offset: offset + limit], len(rows)

    def dyads(self, actor_id: str) -> list[dict[str, Any]]:
        """New events per (partner, direction, month) for one actor (as the dyads export; from the run's
        aggregates when present, else indexed)."""
        st = self.actor_stats(actor_id)
        if st is not None:
            return _loads(self._one("SELECT dyads FROM actor_stats WHERE actor_id = ?", (actor_id,)))
        return self._all(
            "SELECT o.actor_id AS partner_id, x.role AS role, substr(e.date, 1, 7) AS period, count(*) AS n_events,"
            " round(sum(e.intensity), 2) AS intensity_sum, sum(e.quad <= 2) AS n_cooperation,"
            " sum(e.quad >= 3) AS n_conflict FROM event_actors x JOIN events e ON e.id = x.event_id"
            " JOIN event_actors o ON o.event_id = x.event_id AND o.role != x.role AND o.actor_id != x.actor_id"
            " WHERE x.actor_id = :id AND e.negated + e.hypothetical + e.future + e.historical = 0"
            " GROUP BY 1, 2, 3 ORDER BY 3, 1", {"id": actor_id})

    def related(self, actor_id: str, limit: int = 30, dyads: list[dict[str, Any]] | None = None,
                ) -> list[dict[str, Any]]:
        """Actors linked to this one: by new events in either direction (``dyads``, computed when not given),
        and by articles mentioning both (counted over at most 500 of this actor's articles)."""
        st = self.actor_stats(actor_id) if dyads is None else None
        if st is not None and st.get("partners") is not None and limit <= RELATED_TOP:
            partners = _loads(st["partners"])  # the partners with most events, listed at the end of the run
        else:
            partners = top_partners(self.dyads(actor_id) if dyads is None else dyads, limit)
        rel: dict[str, dict[str, Any]] = {p["id"]: {**p, "n_coarticles": 0} for p in partners}
        for row in self.conn.execute(
                # co-mentions in (at most) 500 of the actor's articles, read in index order: bounded cost for
                # actors mentioned in tens of thousands of articles
                "SELECT o.actor_id, count(DISTINCT o.article_id) FROM (SELECT DISTINCT m.article_id FROM mentions m"
                " WHERE m.actor_id = ? LIMIT 500) s"
                " JOIN mentions o ON o.article_id = s.article_id AND o.actor_id != ?"
                " GROUP BY o.actor_id ORDER BY 2 DESC LIMIT ?", (actor_id, actor_id, limit)):
            r = rel.setdefault(row[0], {"id": row[0], "n_events": 0, "n_cooperation": 0, "n_conflict": 0,
                                        "intensity_sum": 0.0, "n_coarticles": 0})
            r["n_coarticles"] = row[1]
        names = self.actor_names(set(rel))
        out = sorted(rel.values(), key=lambda r: (-r["n_events"], -r["n_coarticles"], r["id"]))[:limit]
        for r in out:
            r["name"] = names.get(r["id"], r["id"])
            r["intensity_mean"] = round(r["intensity_sum"] / r["n_events"], 2) if r["n_events"] else None
        return out

    # ------------------------------------------------------------------ quotes
    def quotes(self, *, limit: int, offset: int, speaker: str | None = None, article: str | None = None,
               kind: str | None = None) -> tuple[list[dict[str, Any]], int]:
        p = {"speaker": speaker, "article": article, "kind": kind, "limit": limit, "offset": offset}
        where = (" WHERE (:speaker IS NULL OR q.speaker_id = :speaker) AND (:article IS NULL OR q.article_id = :article)"
                 " AND (:kind IS NULL OR q.kind = :kind)")
        total = self._one("SELECT count(*) FROM quotes q" + where, p)
        rows = self._all(
            'SELECT q.article_id, q.start, q."end", q.text, q.kind, q.speaker_id, q.speaker_name, q.cue,'
            " json_extract(q.attrs, '$.cue_type') AS cue_type, q.channel, a.outlet, " + _ADATE + " AS date"
            " FROM quotes q JOIN articles a ON a.id = q.article_id LEFT JOIN article_facts f ON f.article_id = a.id"
            + where + " ORDER BY a.seq, q.start LIMIT :limit OFFSET :offset", p)
        return rows, total

    # ------------------------------------------------------------------ stories (built by a later stage)
    def stories_count(self) -> int | None:
        if not self.has_table("stories"):
            return None
        return self._one("SELECT count(*) FROM stories")

    _STORY_COLS = ("s.id, s.title, s.date_start, s.date_end, s.n_articles, s.n_outlets, s.n_independent,"
                   " s.n_copies, s.arc_id, s.first_report, s.latest_report")

    def stories(self, *, limit: int, offset: int, outlet: str | None = None,
                ) -> tuple[list[dict[str, Any]], int] | None:
        """Stories, largest and latest first (optionally those an outlet reported), or None when the
        knowledge base has no stories table."""
        if not self.has_table("stories"):
            return None
        where = (" WHERE (:outlet IS NULL OR EXISTS (SELECT 1 FROM story_members m WHERE m.story_id = s.id"
                 " AND m.outlet = :outlet))")
        p = {"outlet": outlet, "limit": limit, "offset": offset}
        total = self._one("SELECT count(*) FROM stories s" + where, p)
        rows = self._all("SELECT " + self._STORY_COLS + " FROM stories s" + where
                         + " ORDER BY s.n_independent DESC, ifnull(s.date_end, '') DESC, s.id LIMIT :limit OFFSET :offset",
                         p)
        return rows, total

    def story(self, story_id: str) -> dict[str, Any] | None:
        """One story with its members (by date and outlet), key actors, events, quotes and arc."""
        if not self.has_table("stories"):
            return None
        st = _row(self.conn.execute("SELECT " + self._STORY_COLS + ", s.key_actors FROM stories s WHERE s.id = ?",
                                    (story_id,)).fetchone())
        if st is None:
            return None
        key = _loads(st.pop("key_actors")) or []
        names = self.actor_names(set(key))
        st["key_actors"] = [{"id": i, "name": names.get(i, i)} for i in key]
        # members in the briefing's numbering (the numbers the summary and the timeline cite); the page lists
        # the first STORY_PAGE_MEMBERS, /api/stories/{id}/members all of them
        st["members"], st["n_members"] = self.story_members(story_id, limit=STORY_PAGE_MEMBERS, offset=0)
        st["events"] = self._events_out(self._all(
            "SELECT DISTINCT " + self._EVENT_COLS + " FROM events e JOIN event_mentions em ON em.event_id = e.id"
            " JOIN story_members m ON m.article_id = em.article_id WHERE m.story_id = ?"
            " ORDER BY (e.negated + e.hypothetical + e.future + e.historical) > 0, e.n_sources DESC,"
            " (e.date IS NULL), e.date, e.id LIMIT 100", (story_id,)))
        st["quotes"] = self._all(
            "SELECT q.article_id, q.text, q.kind, q.speaker_id, q.speaker_name, q.cue, q.channel, a.outlet"
            " FROM quotes q JOIN story_members m ON m.article_id = q.article_id JOIN articles a ON a.id = q.article_id"
            " WHERE m.story_id = ? AND m.is_copy = 0 AND q.kind != 'partial' ORDER BY q.article_id, q.start LIMIT 100",
            (story_id,))
        arc = _row(self.conn.execute("SELECT id, title, story_ids FROM arcs WHERE id = ?",
                                     (st["arc_id"],)).fetchone()) if st["arc_id"] else None
        if arc is not None:
            ids = [i for i in _loads(arc["story_ids"]) if i != story_id]
            arc["stories"] = [self._all("SELECT id, title, date_start, date_end FROM stories WHERE id = ?", (i,))[0]
                              for i in ids[:50]]
        st["arc"] = arc
        brief = self.story_brief(story_id) or {}
        st["framing"] = brief.get("framing", [])
        st["summary"] = brief.get("summary", [])
        st["n_timeline"] = len(brief.get("timeline", []))
        claims = self.story_claims(story_id)
        st["n_claims"] = len(claims)
        st["n_shared_claims"] = sum(1 for c in claims if c["shared"])
        st["n_contradictions"] = self.story_contradictions_count(story_id)
        return st

    def story_members(self, story_id: str, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """A story's members numbered as its briefing numbers its sources (by resolved date, then id)."""
        total = self._one("SELECT count(*) FROM story_members WHERE story_id = ?", (story_id,)) or 0
        rows = self._all(
            "SELECT m.article_id AS id, m.outlet, m.is_copy, a.title, a.duplicate_of, " + _ADATE + " AS date"
            " FROM story_members m JOIN articles a ON a.id = m.article_id"
            " LEFT JOIN article_facts f ON f.article_id = a.id WHERE m.story_id = ?"
            " ORDER BY ifnull(f.date_value, a.published), a.id LIMIT ? OFFSET ?", (story_id, limit, offset))
        for n, r in enumerate(rows, offset + 1):
            r["n"], r["is_copy"] = n, bool(r["is_copy"])
        return rows, total

    def story_brief(self, story_id: str) -> dict[str, Any] | None:
        """Summary (every sentence citing its articles), timeline (event dates apart from publication dates)
        and framing per source (:func:`storyline.stories.page.story_page_data`): precomputed at the end of the
        run for large stories (table story_pages), else built here and memoised per database version."""
        if not self.has_table("stories"):
            return None

        def build() -> dict[str, Any] | None:
            from ..stories.page import story_page_data

            if self.has_table("story_pages"):
                stored = self.store.story_page(story_id)
                if stored is not None:
                    return stored
            return story_page_data(self.store, story_id)

        return self.cached(("story-brief", story_id), build)

    def story_claims(self, story_id: str) -> list[dict[str, Any]]:
        """The story's claims (stories.compare, table story_claims), shared ones first: each with the
        sentence that carries it in every article, memoised per database version."""
        if not self.has_table("story_claims"):
            return []

        def build() -> list[dict[str, Any]]:
            claims: dict[int, dict[str, Any]] = {}
            for r in self.conn.execute(
                    'SELECT claim, article_id, start, "end", source, text, n_sources FROM story_claims'
                    " WHERE story_id = ? ORDER BY claim, source, article_id, start", (story_id,)):
                c = claims.setdefault(r[0], {"claim": r[0], "n_sources": r[6], "shared": r[6] > 1, "text": r[5],
                                             "spans": []})
                c["spans"].append({"source": r[4], "article_id": r[1], "start": r[2], "end": r[3], "text": r[5]})
            return list(claims.values())

        return self.cached(("story-claims", story_id), build)

    def story_matrix(self, story_id: str, *, max_claims: int = 40, max_sources: int = 12) -> dict[str, Any]:
        """The comparison matrix the story page draws: at most ``max_claims`` claims (shared first) × at most
        ``max_sources`` sources (those sharing most claims first), each cell the evidence sentence of that
        source; and per source its shared/unique claim counts (all claims)."""
        claims = self.story_claims(story_id)
        per: dict[str, dict[str, Any]] = {}
        for c in claims:
            for src in {s["source"] for s in c["spans"]}:
                p = per.setdefault(src, {"source": src, "n_claims": 0, "n_shared": 0, "n_unique": 0})
                p["n_claims"] += 1
                p["n_shared" if c["shared"] else "n_unique"] += 1
        sources = sorted(per.values(), key=lambda p: (-p["n_shared"], -p["n_claims"], p["source"]))
        columns = [p["source"] for p in sources[:max_sources]]
        rows = []
        for c in claims[:max_claims]:
            first: dict[str, dict[str, Any]] = {}
            for sp in c["spans"]:
                first.setdefault(sp["source"], sp)
            rows.append({**c, "cells": [first.get(src) for src in columns],
                         "n_elsewhere": len(set(first) - set(columns))})
        short = [(src[len("unknown outlet ("):-1] if src.startswith("unknown outlet (") else src) for src in columns]
        return {"columns": columns, "short": short, "rows": rows, "sources": sources, "n_claims": len(claims),
                "n_shared": sum(1 for c in claims if c["shared"])}

    def story_contradictions_count(self, story_id: str) -> int | None:
        if not self.has_table("story_contradictions"):
            return None
        return self._one("SELECT count(*) FROM story_contradictions WHERE story_id = ?", (story_id,))

    def story_contradictions(self, story_id: str, *, limit: int, offset: int,
                             ) -> tuple[list[dict[str, Any]], int] | None:
        """Pairs of statements of a story that disagree (table story_contradictions), or None when the
        knowledge base has no such table."""
        total = self.story_contradictions_count(story_id)
        if total is None:
            return None
        rows = self._all(
            "SELECT c.idx, c.kind, c.subject, c.a_article_id, c.a_start, c.a_end, c.a_text, c.a_value,"
            " c.b_article_id, c.b_start, c.b_end, c.b_text, c.b_value, xa.outlet AS a_outlet, xb.outlet AS b_outlet"
            " FROM story_contradictions c LEFT JOIN articles xa ON xa.id = c.a_article_id"
            " LEFT JOIN articles xb ON xb.id = c.b_article_id WHERE c.story_id = ? ORDER BY c.idx LIMIT ? OFFSET ?",
            (story_id, limit, offset))
        return rows, total

    # ------------------------------------------------------------------ search
    def search(self, q: str, *, kind: str = "articles", limit: int, offset: int, date_from: str | None = None,
               date_to: str | None = None, outlet: str | None = None, actor: str | None = None,
               ) -> tuple[list[dict[str, Any]], int]:
        return self._search.search(q, kind=kind, limit=limit, offset=offset, date_from=date_from,
                                   date_to=date_to, outlet=outlet, actor=actor)

    def ensure_search_index(self) -> Path:
        return self._search.ensure()

    @property
    def search_stale(self) -> bool:
        """The last search was answered from a cache older than the database (a rebuild is under way)."""
        return self._search.stale

    def wait_for_search_index(self, timeout: float | None = None) -> None:
        self._search.wait(timeout)


# ---------------------------------------------------------------------- the FTS5 search file
_SEARCH_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, article_id TEXT NOT NULL, title TEXT, outlet TEXT, date TEXT,
                   url TEXT, n_copies INTEGER NOT NULL);
CREATE TABLE doc_actors (article_id TEXT NOT NULL, actor_id TEXT NOT NULL, PRIMARY KEY (actor_id, article_id))
  WITHOUT ROWID;
CREATE TABLE quote_rows (rowid INTEGER PRIMARY KEY, article_id TEXT NOT NULL, start INTEGER NOT NULL,
                         "end" INTEGER NOT NULL, kind TEXT, speaker_id TEXT, speaker_name TEXT, outlet TEXT,
                         date TEXT, title TEXT);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, text, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE quotes_fts USING fts5(text, speaker, tokenize = 'unicode61 remove_diacritics 2');
"""
SEARCH_VERSION = "1"
# snippet markers: control characters that cannot survive in stored text unescaped; the page escapes the
# snippet and only then turns the markers into <mark> elements
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"


class SearchIndex:
    """The FTS5 search cache file of a knowledge base. When the database changes and an older complete cache
    exists, ``refresh="background"`` (the server's default) keeps answering from it while one background
    thread rebuilds (answers say ``stale``), so searches stay fast during an ingestion; the very first build
    and ``refresh="sync"`` block until the cache is current."""

    def __init__(self, q: Queries, path: str | os.PathLike[str] | None, refresh: str = "background"):
        if refresh not in ("background", "sync"):
            raise UsageError(f"unknown search refresh mode {refresh!r}", hint="use background or sync")
        self.q = q
        self.path = Path(path) if path else Path(str(q.db) + ".search")
        self.refresh = refresh
        self._lock = threading.Lock()
        self._stamp: str | None = None  # the stamp of the database state the current file holds
        self._local = threading.local()
        self._building: threading.Thread | None = None
        self.stale = False  # answers come from a cache older than the database (a rebuild is under way)

    def _db_stamp(self) -> str:
        return f"{SEARCH_VERSION}|{self.q.db_stamp()}"

    def _stored_stamp(self, path: Path) -> str | None:
        if not path.exists():
            return None
        try:
            with sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True) as c:
                row = c.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
            return row[0] if row else None
        except sqlite3.DatabaseError:
            return None

    def ensure(self) -> Path:
        """The search file, (re)built if the database changed since it was built (in the background when an
        older complete file can answer meanwhile, see the class)."""
        stamp = self._db_stamp()
        if stamp == self._stamp:
            self.stale = False
            return self.path
        with self._lock:
            stamp = self._db_stamp()
            if stamp == self._stamp:
                self.stale = False
                return self.path
            if self._building is not None:  # a rebuild is under way: answer from the previous file
                self.stale = True
                return self.path
            stored = self._stored_stamp(self.path)
            if stored is not None and stored != stamp and self.refresh == "background":
                if self._stamp is None:
                    self._stamp = stored  # an older complete file from an earlier start
                self.stale = True
                self._building = threading.Thread(target=self._rebuild_in_background, args=(stamp,),
                                                  name="storyline-search-index", daemon=True)
                self._building.start()
                return self.path
            if stored != stamp:
                try:
                    self._build(self.path, stamp)
                except OSError:
                    # the database's folder is not writable: keep the index in the temp folder instead
                    import hashlib

                    key = hashlib.sha1(str(self.q.db.resolve()).encode()).hexdigest()[:16]
                    self.path = Path(tempfile.gettempdir()) / f"storyline-{key}.search"
                    if self._stored_stamp(self.path) != stamp:
                        self._build(self.path, stamp)
            self._stamp = stamp
            self.stale = False
            self._local = threading.local()  # reconnect every thread to the new file
        return self.path

    def _rebuild_in_background(self, stamp: str) -> None:
        try:
            self._build(self.path, stamp)
        except Exception:  # noqa: BLE001 - the next search retries (synchronously when no file is left)
            with self._lock:
                self._building = None
            return
        with self._lock:
            self._stamp, self._building = stamp, None
            self._local = threading.local()  # reconnect every thread to the new file

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background rebuild to finish (tests, benchmarks)."""
        t = self._building
        if t is not None:
            t.join(timeout)

    def _build(self, path: Path, stamp: str) -> None:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            out = sqlite3.connect(tmp, isolation_level=None)
            try:
                out.execute("PRAGMA journal_mode = OFF")
                out.execute("PRAGMA synchronous = OFF")
                out.execute("BEGIN")
                for stmt in _SEARCH_SCHEMA.split(";"):
                    if stmt.strip():
                        out.execute(stmt)
                src = Store(self.q.db, create=False, readonly=True)
                try:
                    self._fill(src.conn, out)
                finally:
                    src.close()
                out.execute("INSERT INTO meta VALUES ('stamp', ?)", (stamp,))
                out.execute("COMMIT")
                out.execute("INSERT INTO docs_fts(docs_fts) VALUES ('optimize')")
                out.execute("INSERT INTO quotes_fts(quotes_fts) VALUES ('optimize')")
            finally:
                out.close()
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def _fill(src: sqlite3.Connection, out: sqlite3.Connection) -> None:
        # canonical articles only: a duplicate group is one hit (n_copies says how many copies it has)
        rows = src.execute(
            "SELECT a.seq, a.id, a.title, a.outlet, " + _ADATE + ", a.url, ifnull(c.n, 0), a.text" + _ARTICLE_FROM
            + " LEFT JOIN (SELECT duplicate_of, count(*) AS n FROM articles WHERE duplicate_of IS NOT NULL"
            " GROUP BY duplicate_of) c ON c.duplicate_of = a.id WHERE a.duplicate_of IS NULL ORDER BY a.seq")
        for seq, aid, title, outlet, date, url, n_copies, text in rows:
            out.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?)", (seq, aid, title, outlet, date, url, n_copies))
            out.execute("INSERT INTO docs_fts(rowid, title, text) VALUES (?,?,?)", (seq, title or "", text))
        out.executemany("INSERT OR IGNORE INTO doc_actors VALUES (?, ?)", src.execute(
            "SELECT DISTINCT m.article_id, m.actor_id FROM mentions m JOIN articles a ON a.id = m.article_id"
            " WHERE a.duplicate_of IS NULL"))
        rows = src.execute(
            'SELECT q.article_id, q.start, q."end", q.kind, q.speaker_id, q.speaker_name, a.outlet, ' + _ADATE
            + ", a.title, q.text" + " FROM quotes q JOIN articles a ON a.id = q.article_id"
            " LEFT JOIN article_facts f ON f.article_id = a.id WHERE a.duplicate_of IS NULL ORDER BY a.seq, q.start")
        for i, (aid, start, end, kind, sid, sname, outlet, date, title, text) in enumerate(rows, 1):
            out.execute("INSERT INTO quote_rows VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (i, aid, start, end, kind, sid, sname, outlet, date, title))
            out.execute("INSERT INTO quotes_fts(rowid, text, speaker) VALUES (?,?,?)", (i, text, sname or ""))

    def _conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(f"file:{self.path.resolve()}?mode=ro", uri=True)
            c.row_factory = sqlite3.Row
            self._local.conn = c
        return c

    _DOCS_WHERE = (" WHERE docs_fts MATCH :q AND (:outlet IS NULL OR d.outlet = :outlet)"
                   " AND (:date_from IS NULL OR d.date >= :date_from) AND (:date_to IS NULL OR d.date <= :date_to)"
                   " AND (:actor IS NULL OR EXISTS (SELECT 1 FROM doc_actors x WHERE x.actor_id = :actor"
                   " AND x.article_id = d.article_id))")
    _QUOTES_WHERE = (" WHERE quotes_fts MATCH :q AND (:outlet IS NULL OR r.outlet = :outlet)"
                     " AND (:date_from IS NULL OR r.date >= :date_from) AND (:date_to IS NULL OR r.date <= :date_to)"
                     " AND (:actor IS NULL OR r.speaker_id = :actor)")

    def search(self, q: str, *, kind: str, limit: int, offset: int, date_from: str | None, date_to: str | None,
               outlet: str | None, actor: str | None) -> tuple[list[dict[str, Any]], int]:
        if kind not in SEARCH_KINDS:
            raise UsageError(f"unknown search kind {kind!r}", hint="use kind=articles or kind=quotes")
        self.ensure()
        p = {"q": q, "outlet": outlet, "date_from": date_from, "date_to": date_to, "actor": actor,
             "limit": limit, "offset": offset, "mo": MARK_OPEN, "mc": MARK_CLOSE}
        c = self._conn()
        try:
            if kind == "articles":
                frm = " FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid"
                total = c.execute("SELECT count(*)" + frm + self._DOCS_WHERE, p).fetchone()[0]
                rows = [dict(r) for r in c.execute(
                    "SELECT d.article_id, d.title, d.outlet, d.date, d.url, d.n_copies,"
                    " snippet(docs_fts, 1, :mo, :mc, ' … ', 24) AS snippet, round(bm25(docs_fts), 3) AS score"
                    + frm + self._DOCS_WHERE + " ORDER BY bm25(docs_fts), d.rowid LIMIT :limit OFFSET :offset", p)]
            else:
                frm = " FROM quotes_fts JOIN quote_rows r ON r.rowid = quotes_fts.rowid"
                total = c.execute("SELECT count(*)" + frm + self._QUOTES_WHERE, p).fetchone()[0]
                rows = [dict(r) for r in c.execute(
                    'SELECT r.article_id, r.start, r."end", r.kind, r.speaker_id, r.speaker_name, r.outlet, r.date,'
                    " r.title, snippet(quotes_fts, 0, :mo, :mc, ' … ', 40) AS snippet,"
                    " round(bm25(quotes_fts), 3) AS score" + frm + self._QUOTES_WHERE
                    + " ORDER BY bm25(quotes_fts), r.rowid LIMIT :limit OFFSET :offset", p)]
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            # the query is the only user input in these statements: anything but an I/O or schema problem is
            # SQLite refusing the MATCH expression (syntax error, unknown column, unterminated string, …)
            if any(w in msg for w in ("locked", "busy", "disk", "no such table", "unable to open", "interrupted")):
                raise
            raise FtsQueryError(f"cannot parse the search query {q!r} ({msg})") from None
        return rows, total

