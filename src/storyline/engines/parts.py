"""The Parquet dataset of stage outputs, and `storyline load` (dataset → SQLite knowledge base).

Layout (every folder and column is documented in docs/dataset.md)::

    DATASET/
      _dataset.json                       format marker and version
      _plans/plan-00001.json              one run's plan: inputs, settings, partitions, progress
      clean/plan=1/part-00000.parquet     ingest → clean → fingerprint, one row per record, arrival order
      dedup/plan=1/skipped.parquet        rows not admitted (id already stored, or met earlier in the plan)
      dedup/plan=1/matches/part-00000.parquet   duplicate matches, by the newcomer's clean partition
      facts/plan=1/part-00000-<key>.parquet     facts (spans, date, actors) of one batch of articles

A *plan* is one run's worth of new input; plans are numbered in the order they were loaded, and a
dataset loaded plan by plan into a new database gives the knowledge base the runs built. Files are
written to a temporary name and renamed, so a file that exists is complete (resume skips it).

Only this module knows the row layout; the Dask engine (:mod:`storyline.engines.dask`) writes it with
:func:`clean_rows` / :func:`facts_rows` and loads it with :func:`load_plan` / :func:`load_facts`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..errors import DatasetError, DatasetMismatch
from ..model import Article, Reject, Span
from ..pipeline import Stats

DATASET_VERSION = 1
PLAN_STATES = ("planned", "cleaned", "positioned", "deduped", "loaded", "done")


def _pa() -> Any:
    import pyarrow as pa

    return pa


# ------------------------------------------------------------------ schemas
def clean_schema() -> Any:
    pa = _pa()
    s, i32, i64 = pa.string(), pa.int32(), pa.int64()
    return pa.schema([
        ("ordinal", i32), ("file", i32), ("kind", s), ("raw_id", s), ("stats", s),
        ("id", s), ("source_id", s), ("source_path", s), ("fmt", s), ("provenance", s), ("original", s),
        ("text", s), ("title", s), ("subtitle", s), ("byline", s), ("published", s), ("published_source", s),
        ("outlet", s), ("url", s), ("language", s), ("meta_sources", s), ("removals", s), ("spans", s),
        ("content_hash", s), ("fp_n_words", i32), ("fingerprint", pa.binary()),
        ("reject_reason", s), ("reject_stage", s), ("reject_detail", s), ("reject_record", i64),
        ("reject_offset", i64), ("reject_doc_id", s),
    ])


def matches_schema() -> Any:
    pa = _pa()
    return pa.schema([("position", pa.int64()), ("article_id", pa.string()), ("other_id", pa.string()),
                      ("reason", pa.string()), ("similarity", pa.float64()), ("containment", pa.float64())])


def skipped_schema() -> Any:
    pa = _pa()
    return pa.schema([("part", pa.int32()), ("ordinal", pa.int32()), ("raw_id", pa.string())])


def facts_schema() -> Any:
    pa = _pa()
    s = pa.string()
    return pa.schema([("article_id", s), ("status", s), ("reason", s), ("error", s), ("dct_input", s),
                      ("date", s), ("spans", s), ("new_actors", s), ("actors", s)])


def _dumps(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, default=str)


# ------------------------------------------------------------------ rows
_ART_STR = ("id", "source_id", "source_path", "fmt", "original", "text", "title", "subtitle", "byline", "published",
            "published_source", "outlet", "url", "language", "content_hash")


def article_row(ordinal: int, file: int, raw_id: str, art: Article, fp_words: int, fp: bytes,
                stats: Stats) -> dict[str, Any]:
    row: dict[str, Any] = {"ordinal": ordinal, "file": file, "kind": "article", "raw_id": raw_id,
                           "stats": _dumps(stats.as_dict())}
    for name in _ART_STR:
        row[name] = getattr(art, name)
    row["provenance"] = _dumps(art.provenance)
    row["meta_sources"] = _dumps(art.meta_sources)
    row["removals"] = _dumps([s.as_dict() for s in art.removals])
    row["spans"] = _dumps({k: [s.as_dict() for s in v] for k, v in art.spans.items()})
    row["fp_n_words"] = fp_words
    row["fingerprint"] = fp
    return row


def reject_row(ordinal: int, file: int, raw_id: str | None, rej: Reject, stats: Stats | None) -> dict[str, Any]:
    return {"ordinal": ordinal, "file": file, "kind": "reject", "raw_id": raw_id,
            "stats": None if stats is None else _dumps(stats.as_dict()), "source_path": rej.source_path,
            "reject_reason": rej.reason, "reject_stage": rej.stage, "reject_detail": rej.detail,
            "reject_record": rej.record, "reject_offset": rej.offset, "reject_doc_id": rej.doc_id}


def file_end_row(ordinal: int, file: int) -> dict[str, Any]:
    return {"ordinal": ordinal, "file": file, "kind": "file_end"}


def row_article(row: dict[str, Any]) -> Article:
    a = Article(**{name: row[name] for name in _ART_STR}, provenance=json.loads(row["provenance"]),
                meta_sources=json.loads(row["meta_sources"]))
    a.removals = [Span(**d) for d in json.loads(row["removals"])]
    a.spans = {k: [Span(**d) for d in v] for k, v in json.loads(row["spans"]).items()}
    return a


def row_reject(row: dict[str, Any]) -> Reject:
    return Reject(source_path=row["source_path"], reason=row["reject_reason"], detail=row["reject_detail"] or "",
                  stage=row["reject_stage"], record=row["reject_record"], offset=row["reject_offset"],
                  doc_id=row["reject_doc_id"])


def _actor_dict(actor: Any) -> dict[str, Any]:
    return {"id": actor.id, "name": actor.name, "type": actor.type, "country": actor.country,
            "sector": actor.sector, "aliases": list(actor.aliases), "attrs": dict(actor.attrs or {})}


def facts_rows(articles: list[Article], registry: Any) -> list[dict[str, Any]]:
    """One row per analysed article: its fact spans, date, status and the actor records it refers to."""
    from .local import referenced_actors

    rows = []
    for a in articles:
        f = a.facts
        d = f.get("date")
        date = None if d is None else {"value": d.value, "provenance": d.provenance, "confidence": d.confidence,
                                       "start": d.start, "end": d.end}
        rows.append({
            "article_id": a.id, "status": f.get("status", "ok"), "reason": f.get("reason"), "error": f.get("error"),
            "dct_input": f.get("dct_input"), "date": _dumps(date),
            "spans": _dumps({k: [s.as_dict() for s in v] for k, v in a.spans.items()}),
            "new_actors": _dumps([_actor_dict(x) for x in f.get("new_actors", ())]),
            "actors": _dumps([_actor_dict(x) for x in referenced_actors([a], registry)]),
        })
    return rows


def _facts_article(row: dict[str, Any]) -> tuple[Article, list[Any]]:
    from ..facts.actors import Actor

    a = Article(id=row["article_id"], source_id="", source_path="", fmt="", provenance={}, original="")
    a.spans = {k: [Span(**d) for d in v] for k, v in json.loads(row["spans"]).items()}
    date = json.loads(row["date"])
    a.facts = {"status": row["status"], "reason": row["reason"], "dct_input": row["dct_input"],
               "date": None if date is None else SimpleNamespace(**date),
               "new_actors": [Actor(**x) for x in json.loads(row["new_actors"])]}
    if row["error"] is not None:
        a.facts["error"] = row["error"]
    return a, [Actor(**x) for x in json.loads(row["actors"])]


# ------------------------------------------------------------------ files
def write_table(rows: list[dict[str, Any]], schema: Any, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write ``rows`` as one Parquet file, atomically (temporary name, then rename)."""
    import pyarrow.parquet as pq

    pa = _pa()
    table = pa.Table.from_pylist(rows, schema=schema)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               **{k.encode(): v.encode() for k, v in metadata.items()}})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def iter_rows(path: Path, columns: list[str] | None = None, batch: int = 512) -> Iterator[dict[str, Any]]:
    """Rows of one Parquet file, a record batch at a time (flat memory)."""
    import pyarrow.parquet as pq

    f = pq.ParquetFile(path)
    for rb in f.iter_batches(batch_size=batch, columns=columns):
        yield from rb.to_pylist()


def file_metadata(path: Path) -> dict[str, str]:
    import pyarrow.parquet as pq

    md = pq.read_schema(path).metadata or {}
    return {k.decode(): v.decode() for k, v in md.items() if not k.startswith(b"ARROW")}


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


# ------------------------------------------------------------------ the dataset and its plans
@dataclass
class Plan:
    """One run's worth of input: the files, how they are cut into partitions, and how far it got."""

    number: int
    paths: list[str]
    settings: dict[str, Any]
    files: list[list[Any]]  # [path as given, resolved path, size | None, mtime_ns | None]
    partitions: list[list[int]]  # file indexes per clean partition
    state: str = "planned"
    base_count: int = 0  # fingerprints stored before this plan (its first arrival position)
    base_last_id: str | None = None  # article id at position base_count - 1 (checks the target database)
    first_id: str | None = None  # the plan's first admitted article (at position base_count)
    part_start: list[int] = field(default_factory=list)  # first arrival position of each partition
    part_articles: list[int] = field(default_factory=list)  # admitted articles per partition
    facts_parts: int = 0  # facts partitions written so far (numbers the next one)

    def at_least(self, state: str) -> bool:
        return PLAN_STATES.index(self.state) >= PLAN_STATES.index(state)

    @property
    def n_positions(self) -> int:
        return sum(self.part_articles)


class Dataset:
    """A storyline Parquet dataset folder (see the module docstring)."""

    def __init__(self, root: str | os.PathLike[str], *, create: bool = False):
        self.root = Path(root)
        marker = self.root / "_dataset.json"
        if not marker.exists():
            if not create:
                what = "does not exist" if not self.root.exists() else "is not a storyline dataset (no _dataset.json)"
                raise DatasetError(f"{self.root} {what}")
            if self.root.exists() and not self.root.is_dir():
                raise DatasetError(f"{self.root} is a file, not a dataset folder")
            write_json(marker, {"format": "storyline-dataset", "version": DATASET_VERSION})
        try:
            info = json.loads(marker.read_text())
        except (OSError, ValueError) as exc:
            raise DatasetError(f"{marker} is unreadable ({exc})") from exc
        if info.get("format") != "storyline-dataset" or info.get("version") != DATASET_VERSION:
            raise DatasetError(f"{self.root} is not a version-{DATASET_VERSION} storyline dataset")

    # paths
    def plan_file(self, n: int) -> Path:
        return self.root / "_plans" / f"plan-{n:05d}.json"

    def clean_part(self, n: int, part: int) -> Path:
        return self.root / "clean" / f"plan={n}" / f"part-{part:05d}.parquet"

    def skipped_file(self, n: int) -> Path:
        return self.root / "dedup" / f"plan={n}" / "skipped.parquet"

    def matches_dir(self, n: int) -> Path:
        return self.root / "dedup" / f"plan={n}" / "matches"

    def matches_part(self, n: int, part: int) -> Path:
        return self.matches_dir(n) / f"part-{part:05d}.parquet"

    def base_dir(self, n: int) -> Path:
        return self.root / "dedup" / f"plan={n}" / "_base"

    def facts_dir(self, n: int) -> Path:
        return self.root / "facts" / f"plan={n}"

    # plans
    def plans(self) -> list[Plan]:
        out = []
        for p in sorted((self.root / "_plans").glob("plan-*.json")):
            try:
                out.append(Plan(**json.loads(p.read_text())))
            except (OSError, ValueError, TypeError) as exc:
                raise DatasetError(f"{p} is unreadable ({exc})") from exc
        return out

    def save(self, plan: Plan) -> None:
        write_json(self.plan_file(plan.number), asdict(plan))

    def drop(self, plan: Plan) -> None:
        """Forget an unfinished plan that never reached the database (its inputs changed)."""
        import shutil

        for folder in ("clean", "dedup", "facts"):
            shutil.rmtree(self.root / folder / f"plan={plan.number}", ignore_errors=True)
        self.plan_file(plan.number).unlink(missing_ok=True)

    def facts_parts(self, n: int) -> list[Path]:
        """Facts partitions of plan ``n`` in the order they were written."""
        return sorted(self.facts_dir(n).glob("part-*.parquet"))


# ------------------------------------------------------------------ loading into SQLite
@dataclass
class LoadCounts:
    articles_new: int = 0
    articles_existing: int = 0
    rejects: list[Reject] = field(default_factory=list)
    reject_counts: dict[str, int] = field(default_factory=dict)


def skipped_rows(ds: Dataset, plan: Plan) -> set[tuple[int, int]]:
    path = ds.skipped_file(plan.number)
    return {(r["part"], r["ordinal"]) for r in iter_rows(path, ["part", "ordinal"])} if path.exists() else set()


def check_target(store: Any, plan: Plan) -> bool:
    """True when ``plan`` is already fully in ``store``; raises DatasetMismatch when it cannot go there."""
    count = store.fingerprint_count()
    if plan.base_count:
        row = store.conn.execute(
            "SELECT f.data FROM fingerprints f JOIN articles a ON a.id = f.article_id ORDER BY a.seq"
            " LIMIT 1 OFFSET ?", (plan.base_count - 1,)).fetchone()
        from ..dedup import Fingerprint

        if row is None or Fingerprint.from_bytes(row[0]).article_id != plan.base_last_id:
            raise DatasetMismatch(f"plan {plan.number} of the dataset was deduplicated against another knowledge "
                                  f"base ({plan.base_count} earlier articles, the database holds {count})")
    elif count and not _plan_started(store, plan):
        raise DatasetMismatch(f"plan {plan.number} of the dataset starts a new knowledge base, but the database "
                              f"already holds {count} articles")
    if plan.n_positions and (count < plan.base_count + plan.n_positions or not _plan_started(store, plan)):
        return False
    # the last batch of a load holds the completion marks of the plan's last files
    return all(store.source_done(key, size, mtime) for _, key, size, mtime in plan.files if size is not None)


def _plan_started(store: Any, plan: Plan) -> bool:
    """Whether the plan's first admitted article is stored (a load of it began)."""
    if not plan.n_positions:
        return True
    row = store.conn.execute(
        "SELECT f.article_id FROM fingerprints f JOIN articles a ON a.id = f.article_id ORDER BY a.seq"
        " LIMIT 1 OFFSET ?", (plan.base_count,)).fetchone()
    return row is not None and row[0] == plan.first_id


def load_plan(store: Any, ds: Dataset, plan: Plan, *, run_id: int, stats: Stats, counts: LoadCounts,
              batch_size: int = 256, max_reported: int = 1000) -> None:
    """Write the plan's clean partitions, with their duplicate matches, into ``store`` in arrival order,
    through the same :meth:`Store.write_batch` the local engine uses (idempotent: a load cut short and
    run again gives the same database). Replays the ingest/clean counters into ``stats``."""
    from ..dedup import DupMatch
    from .local import _Batch, _kw

    skipped = skipped_rows(ds, plan)
    batch = _Batch()

    def flush() -> None:
        nonlocal batch
        counts.articles_new += store.write_batch(**_kw(batch), run_id=run_id)
        batch = _Batch()

    for part in range(len(plan.partitions)):
        mpath = ds.matches_part(plan.number, part)
        matches: dict[str, list[DupMatch]] = {}
        if mpath.exists():
            for m in iter_rows(mpath):
                matches.setdefault(m["article_id"], []).append(
                    DupMatch(m["article_id"], m["other_id"], m["reason"], m["similarity"], m["containment"]))
        n_articles = n_rejects = 0
        for row in iter_rows(ds.clean_part(plan.number, part)):
            kind = row["kind"]
            if kind == "file_end":
                _, key, size, mtime = plan.files[row["file"]]
                stats.inc("ingest", "files")
                if size is not None:
                    batch.sources.append((key, size, mtime, n_articles, n_rejects))
                n_articles = n_rejects = 0
            elif row["raw_id"] is None:  # an ingest reject: no id to check
                rej = row_reject(row)
                stats.drop("ingest", rej.reason)
                _add_reject(batch, counts, rej, max_reported)
                n_rejects += 1
            else:
                stats.inc("ingest", "records")
                if (part, row["ordinal"]) in skipped:
                    counts.articles_existing += 1
                    stats.inc("ingest", "already_stored")
                    continue
                st = json.loads(row["stats"])
                for stage, c in st.items():
                    for k, v in c.items():
                        stats.inc(stage, k, v)
                if kind == "reject":
                    _add_reject(batch, counts, row_reject(row), max_reported)
                    n_rejects += 1
                else:
                    art = row_article(row)
                    batch.articles.append(art)
                    batch.fingerprints.append((art.id, row["fingerprint"]))
                    batch.matches.extend(matches.pop(art.id, ()))
                    n_articles += 1
            if len(batch) >= batch_size:
                flush()
    if len(batch):
        flush()


def _add_reject(batch: Any, counts: LoadCounts, rej: Reject, max_reported: int) -> None:
    batch.rejects.append(rej)
    counts.reject_counts[rej.reason] = counts.reject_counts.get(rej.reason, 0) + 1
    if len(counts.rejects) < max_reported:
        counts.rejects.append(rej)


def load_facts_part(store: Any, path: Path, version: int, run_id: int | None) -> tuple[int, dict[str, Any]]:
    """Write one facts partition into ``store`` (one transaction). Returns (articles, the stage's counters)."""
    articles, actors = [], {}
    for row in iter_rows(path):
        a, refs = _facts_article(row)
        articles.append(a)
        for actor in refs:
            actors.setdefault(actor.id, actor)
    meta = file_metadata(path)
    store.write_facts(articles, list(actors.values()), int(meta.get("facts_version", version)), run_id)
    return len(articles), json.loads(meta.get("stats", "{}"))


def merge_stats(stats: Stats, counts: dict[str, dict[str, int]]) -> None:
    for stage, c in counts.items():
        for k, v in c.items():
            stats.inc(stage, k, v)


def load(dataset: str | os.PathLike[str], db: str | os.PathLike[str], *, batch_size: int = 256) -> Any:
    """Load every plan of ``dataset`` not yet in ``db`` (created if missing), each as one run of its own (as
    the runs that wrote them): articles, rejects, matches, duplicate groups, facts, then events and stories.
    Returns a :class:`storyline.engines.local.RunReport` over all of them (``run_id``: the last load run,
    0 when every plan was already there)."""
    from ..facts.stage import FACTS_VERSION
    from ..store import Store
    from .local import RunReport, _finish_run, rebuild_events, rebuild_stories

    ds = Dataset(dataset)
    plans = [p for p in ds.plans() if p.at_least("deduped")]
    store = Store(db, lock="storyline load")
    report = RunReport(run_id=0)
    try:
        for plan in plans:
            if check_target(store, plan):
                continue
            report.run_id = run_id = store.start_run({"load": str(ds.root), "plan": plan.number})
            stats = Stats()
            status = "failed"
            try:
                load_one(store, ds, plan, run_id, stats, report, batch_size=batch_size, facts_version=FACTS_VERSION)
                if ds.facts_parts(plan.number):  # as the run did: events and stories after its facts
                    rebuild_events(store, stats)
                    rebuild_stories(store, stats)
                status = "done"
            finally:
                _finish_run(store, run_id, status, stats.as_dict())
            merge_stats(report_stats := Stats(counts={}), report.stats)
            merge_stats(report_stats, stats.as_dict())
            report.stats = report_stats.as_dict()
        report.summary = store.summary()
        return report
    finally:
        store.close()


def load_one(store: Any, ds: Dataset, plan: Plan, run_id: int, stats: Stats, report: Any, *, batch_size: int,
             facts_version: int) -> bool:
    """Load one plan (clean rows, matches, groups, its facts). False when it was already in the database."""
    from .local import _regroup

    if check_target(store, plan):
        return False
    counts = LoadCounts()
    load_plan(store, ds, plan, run_id=run_id, stats=stats, counts=counts, batch_size=batch_size)
    _regroup(store)
    report.files += len(plan.files)
    report.articles_new += counts.articles_new
    report.articles_existing += counts.articles_existing
    report.rejects.extend(counts.rejects[: max(0, 1000 - len(report.rejects))])
    report.reject_counts.update(counts.reject_counts)
    for path in ds.facts_parts(plan.number):
        n, st = load_facts_part(store, path, facts_version, run_id)
        report.articles_analysed += n
        merge_stats(stats, st)
    return True
