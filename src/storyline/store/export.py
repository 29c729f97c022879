"""Exports of the knowledge base tables to JSONL, CSV and Parquet, streamed in batches.

Column lists here are the documented export schema (docs/exports.md); keep them in sync.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from ..errors import UsageError
from .sqlite import Store

# table -> (SQL, columns, JSON-typed columns)
# table -> (SQL, columns, JSON-typed columns); the first table of each FROM is what row counts use
EXPORTS: dict[str, tuple[str, list[str], set[str]]] = {
    "articles": (
        "SELECT id, source_id, source_path, fmt AS format, provenance, title, subtitle, byline, published,"
        " published_source, outlet, url, language, meta_sources, text, duplicate_of, group_id, content_hash,"
        " n_words FROM articles ORDER BY seq",
        ["id", "source_id", "source_path", "format", "provenance", "title", "subtitle", "byline", "published",
         "published_source", "outlet", "url", "language", "meta_sources", "text", "duplicate_of", "group_id",
         "content_hash", "n_words"],
        {"provenance", "meta_sources"},
    ),
    "removals": (
        'SELECT r.article_id, r.seq, r.start, r."end", r.text, r.reason, r.rule FROM removals r'
        " JOIN articles a ON a.id = r.article_id ORDER BY a.seq, r.seq",
        ["article_id", "seq", "start", "end", "text", "reason", "rule"],
        set(),
    ),
    "duplicates": (
        "SELECT d.group_id, d.article_id, d.canonical_id, d.is_canonical, d.reason, d.similarity, d.containment,"
        " a.outlet, a.url, a.title FROM duplicates d JOIN articles a ON a.id = d.article_id"
        " ORDER BY d.group_id, d.is_canonical DESC, d.article_id",
        ["group_id", "article_id", "canonical_id", "is_canonical", "reason", "similarity", "containment",
         "outlet", "url", "title"],
        set(),
    ),
    "rejects": (
        'SELECT source_path, record, "offset", doc_id, stage, reason, detail, run_id FROM rejects ORDER BY id',
        ["source_path", "record", "offset", "doc_id", "stage", "reason", "detail", "run_id"],
        set(),
    ),
    "actors": (
        "SELECT x.id, x.name, x.type, x.country, x.sector,"
        " (SELECT json_group_array(alias) FROM (SELECT alias FROM aliases WHERE actor_id = x.id ORDER BY alias)),"
        " x.origin, (SELECT count(*) FROM mentions m WHERE m.actor_id = x.id),"
        " (SELECT count(DISTINCT m.article_id) FROM mentions m WHERE m.actor_id = x.id), x.attrs"
        " FROM actors x ORDER BY x.id",
        ["id", "name", "type", "country", "sector", "aliases", "origin", "n_mentions", "n_articles", "attrs"],
        {"aliases", "attrs"},
    ),
    "mentions": (
        'SELECT m.article_id, m.start, m."end", m.text, m.actor_id, x.name, m.kind, m.country, m.sector'
        " FROM mentions m JOIN articles a ON a.id = m.article_id LEFT JOIN actors x ON x.id = m.actor_id"
        " ORDER BY a.seq, m.start, m.\"end\"",
        ["article_id", "start", "end", "text", "actor_id", "actor_name", "kind", "country", "sector"],
        set(),
    ),
    "timexes": (
        'SELECT t.article_id, t.start, t."end", t.text, t.type, t.value, t.mod, t.reason'
        " FROM timexes t JOIN articles a ON a.id = t.article_id ORDER BY a.seq, t.start",
        ["article_id", "start", "end", "text", "type", "value", "mod", "reason"],
        set(),
    ),
    "quotes": (
        'SELECT q.article_id, q.start, q."end", q.text, q.kind, q.speaker_id, q.speaker_name, q.speaker_start,'
        " q.speaker_end, q.speaker_text, q.cue, q.cue_start, q.cue_end, json_extract(q.attrs, '$.cue_type'),"
        " q.channel, q.channel_start, q.channel_end, q.attrs"
        " FROM quotes q JOIN articles a ON a.id = q.article_id ORDER BY a.seq, q.start",
        ["article_id", "start", "end", "text", "kind", "speaker_id", "speaker_name", "speaker_start", "speaker_end",
         "speaker_text", "cue", "cue_start", "cue_end", "cue_type", "channel", "channel_start", "channel_end",
         "attrs"],
        {"attrs"},
    ),
    "facts": (
        "SELECT f.article_id, a.published, f.date_value, f.date_provenance, f.date_confidence, f.date_start,"
        " f.date_end, f.status, f.reason, f.n_mentions, f.n_timexes, f.n_quotes, f.version"
        " FROM article_facts f JOIN articles a ON a.id = f.article_id ORDER BY a.seq",
        ["article_id", "published", "date_value", "date_provenance", "date_confidence", "date_start", "date_end",
         "status", "reason", "n_mentions", "n_timexes", "n_quotes", "version"],
        set(),
    ),
    "events": (
        "SELECT e.id, e.type, e.mode, e.context, e.quad, e.intensity, e.actor_ids, e.recipient_ids, e.date,"
        " e.date_source, e.location, e.location_country, e.negated, e.hypothetical, e.future, e.historical,"
        " (e.negated + e.hypothetical + e.future + e.historical) = 0, e.n_mentions, e.n_articles, e.n_sources,"
        " e.first_article_id FROM events e ORDER BY ifnull(e.date, ''), e.id",
        ["id", "type", "mode", "context", "quad", "intensity", "actor_ids", "recipient_ids", "date", "date_source",
         "location", "location_country", "negated", "hypothetical", "future", "historical", "is_new", "n_mentions",
         "n_articles", "n_sources", "first_article_id"],
        {"context", "actor_ids", "recipient_ids"},
    ),
    "event_mentions": (
        'SELECT m.event_id, m.article_id, m.seq, m.start, m."end", m.text, m.trigger, m.trigger_start, m.trigger_end,'
        " m.type, m.described_type, m.mode, m.context, m.quad, m.intensity, m.actor_ids, m.recipient_ids, m.roles,"
        " m.date, m.date_source, m.date_start, m.date_end, m.location, m.location_start, m.location_end,"
        " m.location_country, m.negated, m.hypothetical, m.future, m.historical, m.reported_in_quote, m.cues,"
        " m.rule, m.coder FROM event_mentions m JOIN articles a ON a.id = m.article_id ORDER BY a.seq, m.seq",
        ["event_id", "article_id", "seq", "start", "end", "text", "trigger", "trigger_start", "trigger_end", "type",
         "described_type", "mode", "context", "quad", "intensity", "actor_ids", "recipient_ids", "roles", "date",
         "date_source", "date_start", "date_end", "location", "location_start", "location_end", "location_country",
         "negated", "hypothetical", "future", "historical", "reported_in_quote", "cues", "rule", "coder"],
        {"context", "actor_ids", "recipient_ids", "roles", "cues"},
    ),
    # new events only (no negated/hypothetical/future/historical), one row per actor, recipient and month
    "dyads": (
        "SELECT a.value, r.value, substr(e.date, 1, 7), count(*), round(sum(e.intensity), 2),"
        " round(avg(e.intensity), 2), sum(e.quad <= 2), sum(e.quad >= 3), sum(e.n_sources),"
        " json_group_array(e.id) FROM events e, json_each(e.actor_ids) a, json_each(e.recipient_ids) r"
        " WHERE e.negated + e.hypothetical + e.future + e.historical = 0 AND a.value != r.value"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        ["actor_id", "recipient_id", "period", "n_events", "intensity_sum", "intensity_mean", "n_cooperation",
         "n_conflict", "n_sources", "event_ids"],
        {"event_ids"},
    ),
    "stories": (
        "SELECT s.id, s.arc_id, s.title, s.date_start, s.date_end, s.n_articles, s.n_outlets, s.n_independent,"
        " s.n_copies, s.first_report, s.latest_report, s.key_actors, s.key_events FROM stories s"
        " ORDER BY ifnull(s.date_end, ''), s.id",
        ["id", "arc_id", "title", "date_start", "date_end", "n_articles", "n_outlets", "n_independent", "n_copies",
         "first_report", "latest_report", "key_actors", "key_events"],
        {"key_actors", "key_events"},
    ),
    "story_members": (
        "SELECT m.story_id, m.article_id, m.outlet, m.published, m.is_copy, a.title FROM story_members m"
        " JOIN articles a ON a.id = m.article_id ORDER BY m.story_id, ifnull(m.published, ''), m.article_id",
        ["story_id", "article_id", "outlet", "published", "is_copy", "title"],
        set(),
    ),
    "comparisons": (
        'SELECT c.story_id, c.claim, c.source, c.article_id, c.start, c."end", c.text, c.n_sources,'
        " c.n_sources > 1 FROM story_claims c ORDER BY c.story_id, c.claim, c.source, c.article_id, c.start",
        ["story_id", "claim", "source", "article_id", "start", "end", "text", "n_sources", "shared"],
        set(),
    ),
    # both sides of each conflicting statement (storyline.stories.contradict), offsets into clean text
    "contradictions": (
        "SELECT c.story_id, c.idx, c.kind, c.subject, c.a_article_id, c.a_start, c.a_end, c.a_text, c.a_value,"
        " c.b_article_id, c.b_start, c.b_end, c.b_text, c.b_value FROM story_contradictions c"
        " ORDER BY c.story_id, c.idx",
        ["story_id", "idx", "kind", "subject", "a_article_id", "a_start", "a_end", "a_text", "a_value",
         "b_article_id", "b_start", "b_end", "b_text", "b_value"],
        set(),
    ),
    "arcs": (
        "SELECT id, title, story_ids, key_actors FROM arcs ORDER BY id",
        ["id", "title", "story_ids", "key_actors"],
        {"story_ids", "key_actors"},
    ),
}
FORMATS = ("jsonl", "csv", "parquet", "plover", "gdelt")
EVENT_FORMATS = ("plover", "gdelt")  # only for the events table
_BOOL_COLUMNS = {"shared", "is_copy", "is_canonical", "negated", "hypothetical", "future", "historical", "is_new", "reported_in_quote"}


def iter_rows(store: Store, table: str) -> Iterator[dict[str, Any]]:
    if table not in EXPORTS:
        raise UsageError(f"unknown table {table!r}", hint=f"choose one of: {', '.join(EXPORTS)}")
    sql, columns, json_cols = EXPORTS[table]
    for row in store.query(sql):
        out = dict(zip(columns, tuple(row)))
        for col in json_cols:
            if out[col] is not None:
                out[col] = json.loads(out[col])
        for flag in _BOOL_COLUMNS.intersection(out):
            if out[flag] is not None:
                out[flag] = bool(out[flag])
        yield out


def export(
    store: Store, table: str, fmt: str, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> int:
    """Write ``table`` in ``fmt`` to the binary stream ``out``. Returns the number of rows.

    ``progress`` is called with 1 for every row written (for a progress bar)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint=f"choose one of: {', '.join(FORMATS)}")
    if fmt in EVENT_FORMATS:
        if table != "events":
            raise UsageError(f"format {fmt!r} is for the events table only", hint="use --table events")
        from .events_export import gdelt_tsv, plover_records

        records = plover_records(store)
        if progress is not None:
            records = _tap(records, progress)
        return _jsonl(records, out) if fmt == "plover" else gdelt_tsv(records, out)
    rows = iter_rows(store, table)
    if progress is not None:
        rows = _tap(rows, progress)
    columns = EXPORTS[table][1]
    if fmt == "jsonl":
        return _jsonl(rows, out)
    if fmt == "csv":
        return _csv(rows, columns, out)
    return _parquet(rows, table, out)


def _tap(rows: Iterator[dict[str, Any]], progress: Callable[[int], None]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield row
        progress(1)


def _jsonl(rows: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        n += 1
    return n


def _csv(rows: Iterator[dict[str, Any]], columns: list[str], out: IO[bytes]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                         for k, v in row.items()})
        n += 1
    text.flush()
    text.detach()
    return n


def parquet_schema(table: str) -> Any:
    import pyarrow as pa

    types = {
        "start": pa.int64(), "end": pa.int64(), "seq": pa.int64(), "record": pa.int64(), "offset": pa.int64(),
        "run_id": pa.int64(), "n_words": pa.int64(), "similarity": pa.float64(), "containment": pa.float64(),
        "is_canonical": pa.bool_(), "speaker_start": pa.int64(), "speaker_end": pa.int64(), "cue_start": pa.int64(),
        "cue_end": pa.int64(), "channel_start": pa.int64(), "channel_end": pa.int64(), "date_start": pa.int64(),
        "date_end": pa.int64(), "date_confidence": pa.float64(), "n_mentions": pa.int64(), "n_timexes": pa.int64(),
        "n_quotes": pa.int64(), "version": pa.int64(), "n_articles": pa.int64(), "quad": pa.int64(),
        "intensity": pa.float64(), "trigger_start": pa.int64(), "trigger_end": pa.int64(),
        "location_start": pa.int64(), "location_end": pa.int64(), "n_sources": pa.int64(), "n_events": pa.int64(),
        "intensity_sum": pa.float64(), "intensity_mean": pa.float64(), "n_cooperation": pa.int64(),
        "n_conflict": pa.int64(), "claim": pa.int64(), "n_outlets": pa.int64(), "n_independent": pa.int64(), "n_copies": pa.int64(),
        "idx": pa.int64(), "a_start": pa.int64(), "a_end": pa.int64(), "b_start": pa.int64(), "b_end": pa.int64(), **{b: pa.bool_() for b in _BOOL_COLUMNS},
    }
    if table == "stories":  # a story's date span is ISO dates, not the character offsets of facts/events
        types["date_start"] = types["date_end"] = pa.string()
    _, columns, json_cols = EXPORTS[table]
    # JSON-typed columns are stored as JSON strings in Parquet (stable schema for Dask/Spark/DuckDB)
    return pa.schema([(c, types.get(c, pa.string())) for c in columns])


def _parquet(rows: Iterator[dict[str, Any]], table: str, out: IO[bytes], batch: int = 2000) -> int:
    json_cols = EXPORTS[table][2]

    def prepare(row: dict[str, Any]) -> dict[str, Any]:
        for col in json_cols:
            if row[col] is not None:
                row[col] = json.dumps(row[col], ensure_ascii=False)
        return row

    return write_parquet(map(prepare, rows), parquet_schema(table), out, batch)


def write_parquet(rows: Iterable[dict[str, Any]], schema: Any, out: Any, batch: int = 2000) -> int:
    """Stream ``rows`` (dicts matching ``schema``) into one zstd Parquet file in batches; returns the count.
    An empty input still writes the schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        buf: list[dict[str, Any]] = []
        for row in rows:
            buf.append(row)
            if len(buf) >= batch:
                writer.write_table(pa.Table.from_pylist(buf, schema=schema))
                n += len(buf)
                buf = []
        if buf or n == 0:
            writer.write_table(pa.Table.from_pylist(buf, schema=schema))
            n += len(buf)
    return n
