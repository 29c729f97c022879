"""The Dask engine: the local engine's stages on a Dask cluster, stage outputs in a Parquet dataset.

``storyline run --engine dask`` (or ``RunOptions(engine="dask")``) runs, for one *plan* (the new input
files of this run, cut into deterministic partitions):

1. **clean** — one task per partition on the workers: ``read_path`` + :func:`~storyline.engines.local.
   process_doc` (the local engine's own per-document code) → ``clean/plan=N/part-NNNNN.parquet``.
2. **positions** — the driver admits each record like the local engine (ids already stored or met
   earlier are skipped) and gives each admitted article its arrival position.
3. **dedup** — distributed: every fingerprint emits its content hash, LSH band keys and anchor keys;
   a shuffle groups them by key on the cluster; each bucket yields exactly the candidates the local
   :class:`~storyline.dedup.DedupIndex` would (band bucket: its first ``max_band_bucket`` members;
   anchor bucket: none once over ``max_anchor_bucket``; an exact copy: only its ``exact`` match to
   the first copy); candidate pairs are joined with both fingerprints by two more shuffles (by the
   older, then the newer article's partition) and verified with :func:`storyline.dedup.verify_candidate`
   → ``dedup/plan=N/matches/part-NNNNN.parquet``. Fingerprints already in the knowledge base take
   part as the earliest positions (exported to ``dedup/plan=N/_base`` for the workers).
4. **load** — :func:`storyline.engines.parts.load_plan` writes the partitions into SQLite in arrival
   order with the local engine's ``Store.write_batch``; then duplicate groups (``_regroup``).
5. **facts** — batches of to-do articles go to the workers (spaCy loaded once per worker process) →
   ``facts/plan=N/part-NNNNN-<key>.parquet`` → ``Store.write_facts`` in batch order.
6. **events, stories** — on the driver, with the local engine's code (story blocking is not distributed).

Every file is written atomically; the plan (``_plans/plan-NNNNN.json``) records how far it got, so a
run killed anywhere resumes: clean partitions present are not recomputed, a finished dedup is not redone,
a cut-short load is repeated (idempotent) and facts batches already written are reused.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import logging
import os
import sqlite3
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from ..dedup import DedupConfig, DedupIndex, DupMatch, Fingerprint, jaccard_estimate, verify_candidate
from ..errors import MissingDependency, NoInputFiles
from ..ingest import IngestOptions, discover, read_path
from ..limits import DocLimits
from ..model import Reject
from ..pipeline import Stats
from . import parts as P
from .local import (ProgressFn, RunOptions, RunReport, _facts_stage, _finish_run, _limits, _regroup, make_coder,
                    rebuild_events, rebuild_stories, skip_unchanged, source_state, timed)

PART_MAX_FILES = 256  # files per clean partition at most ...
PART_MAX_BYTES = 32 * 1024 * 1024  # ... and input bytes (a single larger file is a partition of its own)
BASE_PART_ROWS = 50_000  # stored fingerprints per exported base partition


def _require_dask() -> None:
    try:
        import dask.bag  # noqa: F401
        import distributed  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise MissingDependency(exc.name or "dask", "dask") from exc


def run(
    paths: Sequence[str | os.PathLike[str]],
    db: str | os.PathLike[str],
    options: RunOptions | None = None,
    progress: ProgressFn | None = None,
) -> RunReport:
    """Process every file under ``paths`` into ``db`` on a Dask cluster; the same knowledge base as the
    local engine. Stage outputs stay in the dataset folder (``options.dataset``, default ``<db>.parts``)."""
    _require_dask()
    from ..store import Store

    opts = options or RunOptions(engine="dask")
    files = list(discover([Path(p) for p in paths]))
    if not files:
        raise NoInputFiles(f"no input files under {', '.join(str(p) for p in paths)}")
    if opts.facts:
        make_coder(opts)  # a bad coder setting fails before any work is done
    ds = P.Dataset(opts.dataset or f"{db}.parts", create=True)
    store = Store(db, lock="storyline run")
    try:
        run_id = store.start_run({"paths": [str(p) for p in paths], "max_bytes": opts.max_bytes, "engine": "dask",
                                  "dataset": str(ds.root)})
        report = RunReport(run_id=run_id, files=len(files))
        stats = Stats()
        status = "failed"
        try:
            with _client(opts) as client:
                _drive(client, store, ds, files, [str(p) for p in paths], opts, stats, report, progress)
            status = "done"
        finally:
            report.stats = stats.as_dict()
            _finish_run(store, run_id, status, report.stats)
        report.summary = store.summary()
        return report
    finally:
        store.close()


@contextlib.contextmanager
def _client(opts: RunOptions) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if opts.scheduler:
        client = Client(opts.scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    n = opts.workers if opts.workers > 0 else (os.cpu_count() or 1)
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def _settings(opts: RunOptions) -> dict[str, Any]:
    """What the clean partitions depend on: a plan made under other settings is not resumed."""
    cfg = asdict(opts.dedup)
    cfg["lsh_weights"] = list(cfg["lsh_weights"])
    return {"max_bytes": opts.max_bytes, "dedup": cfg, "dataset_version": P.DATASET_VERSION,
            "doc_timeout": opts.doc_timeout, "max_chars": opts.max_chars}


def _drive(client: Any, store: Any, ds: P.Dataset, files: list[Path], paths: list[str], opts: RunOptions,
           stats: Stats, report: RunReport, progress: ProgressFn | None) -> None:
    settings = _settings(opts)
    plans = ds.plans()
    if progress:
        progress("total", len(files))
    last = plans[-1] if plans else None
    if last is not None and not last.at_least("loaded"):
        if last.at_least("deduped") or (last.settings == settings and last.paths == paths):
            stats.inc("dask", "plans_resumed")
            _execute(client, store, ds, last, opts, stats, report, None)
        else:  # inputs or settings changed before anything reached the database: start over
            ds.drop(last)
            plans.pop()
            last = plans[-1] if plans else None
    todo = []
    for path in files:
        key, st = source_state(path)
        if skip_unchanged(store, key, st, stats, report, progress):
            continue
        todo.append([str(path), key, st.st_size if st else None, st.st_mtime_ns if st else None])
    if todo:
        last = P.Plan(number=(last.number + 1) if last else 1, paths=paths, settings=settings, files=todo,
                      partitions=_partition(todo, _n_workers(client)))
        ds.save(last)
        _execute(client, store, ds, last, opts, stats, report, progress)
    elif progress and report.files_unchanged < len(files):
        progress("advance", len(files) - report.files_unchanged)
    if not opts.facts:
        return
    if opts.reanalyse:
        store.invalidate_facts()
    from ..facts.stage import FACTS_VERSION

    if store.facts_todo_count(FACTS_VERSION):
        if last is None:  # a knowledge base that no plan of this dataset built: its facts still go here
            last = P.Plan(number=1, paths=paths, settings=settings, files=[], partitions=[], state="loaded")
            _position(store, ds, last)
        with timed(stats, "facts"):
            _facts(client, store, ds, last, opts, stats, report, progress)
    with timed(stats, "events"):
        rebuild_events(store, stats)
    with timed(stats, "stories"):
        rebuild_stories(store, stats)
    last.state = "done"
    ds.save(last)


def _n_workers(client: Any) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def _partition(files: list[list[Any]], workers: int) -> list[list[int]]:
    """Cut the file list (in discovery order) into partitions: at most PART_MAX_FILES files and
    PART_MAX_BYTES bytes each, and at least four per worker when there are enough files."""
    per = max(1, min(PART_MAX_FILES, -(-len(files) // (4 * workers))))
    out: list[list[int]] = []
    cur: list[int] = []
    size = 0
    for i, f in enumerate(files):
        b = f[2] or 0
        if cur and (len(cur) >= per or size + b > PART_MAX_BYTES):
            out.append(cur)
            cur, size = [], 0
        cur.append(i)
        size += b
    if cur:
        out.append(cur)
    return out


def _execute(client: Any, store: Any, ds: P.Dataset, plan: P.Plan, opts: RunOptions, stats: Stats,
             report: RunReport, progress: ProgressFn | None) -> None:
    """Bring ``plan`` to the state "loaded": clean, positions, dedup, load + regroup (each skipped if done)."""
    with timed(stats, "clean"):  # partitions present are kept; a lost one is recomputed (deterministic)
        _clean(client, ds, plan, opts, stats, progress)
    if not plan.at_least("cleaned"):
        plan.state = "cleaned"
        ds.save(plan)
    if not plan.at_least("positioned"):
        _position(store, ds, plan)
    if not plan.at_least("deduped"):
        with timed(stats, "dedup"):
            _dedup(client, store, ds, plan, opts.dedup, stats)
        plan.state = "deduped"
        ds.save(plan)
    with timed(stats, "load"):
        _load(store, ds, plan, opts, stats, report)
    plan.state = "loaded"
    ds.save(plan)


def _load(store: Any, ds: P.Dataset, plan: P.Plan, opts: RunOptions, stats: Stats, report: RunReport) -> None:
    if P.check_target(store, plan):
        return
    counts = P.LoadCounts()
    P.load_plan(store, ds, plan, run_id=report.run_id, stats=stats, counts=counts, batch_size=opts.batch_size)
    report.articles_new += counts.articles_new
    report.articles_existing += counts.articles_existing
    report.rejects.extend(counts.rejects[: max(0, 1000 - len(report.rejects))])
    report.reject_counts.update(counts.reject_counts)
    _regroup(store)


# ------------------------------------------------------------------ phase 1: clean (workers)
def _clean(client: Any, ds: P.Dataset, plan: P.Plan, opts: RunOptions, stats: Stats,
           progress: ProgressFn | None) -> None:
    from distributed import as_completed

    futures = {}
    for i, idx in enumerate(plan.partitions):
        out = ds.clean_part(plan.number, i)
        if out.exists():
            stats.inc("dask", "clean_partitions_reused")
            if progress:
                progress("advance", len(idx))
            continue
        fut = client.submit(clean_partition, [plan.files[j][0] for j in idx], idx, str(out), opts.max_bytes,
                            opts.dedup, _limits(opts), pure=False, key=f"storyline-clean-{plan.number}-{i}-{os.urandom(4).hex()}")
        futures[fut] = idx
    for fut in as_completed(list(futures)):
        fut.result()
        stats.inc("dask", "clean_partitions_computed")
        if progress:
            progress("advance", len(futures[fut]))


def clean_partition(paths: list[str], file_indexes: list[int], out: str, max_bytes: int, cfg: DedupConfig,
                    limits: DocLimits | None = None) -> int:
    """Worker task: ingest, clean and fingerprint the files of one partition → one Parquet file, under the
    run's per-document ``limits`` (Dask runs tasks off the main thread: the time limit is checked at the
    stage's check points there, see storyline.limits)."""
    from ..dedup import Fingerprint as Fp
    from .local import process_doc

    opts = IngestOptions(max_bytes=max_bytes)
    rows: list[dict[str, Any]] = []
    for path, fi in zip(paths, file_indexes, strict=True):
        for rec in read_path(Path(path), opts):
            if isinstance(rec, Reject):
                rows.append(P.reject_row(len(rows), fi, None, rec, None))
                continue
            result, fp, st = process_doc(rec, cfg, limits)
            if isinstance(result, Reject):
                rows.append(P.reject_row(len(rows), fi, rec.id, result, st))
            else:
                rows.append(P.article_row(len(rows), fi, rec.id, result, Fp.from_bytes(fp).n_words, fp, st))
        rows.append(P.file_end_row(len(rows), fi))
    P.write_table(rows, P.clean_schema(), Path(out))
    return len(rows)


# ------------------------------------------------------------------ phase 2: arrival positions (driver)
def _position(store: Any, ds: P.Dataset, plan: P.Plan) -> None:
    """Admit records like the local engine (skip ids already stored or met earlier in the plan) and give
    admitted articles their arrival positions. The ids met are kept in a scratch SQLite file (flat memory)."""
    plan.base_count = store.fingerprint_count()
    plan.base_last_id = plan.first_id = None
    if plan.base_count:
        row = store.conn.execute(
            "SELECT f.data FROM fingerprints f JOIN articles a ON a.id = f.article_id ORDER BY a.seq"
            " LIMIT 1 OFFSET ?", (plan.base_count - 1,)).fetchone()
        plan.base_last_id = Fingerprint.from_bytes(row[0]).article_id
    scratch = ds.root / "dedup" / f"plan={plan.number}" / "_ids.sqlite"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    scratch.unlink(missing_ok=True)
    seen = sqlite3.connect(scratch, isolation_level=None)
    seen.execute("PRAGMA journal_mode = OFF")
    seen.execute("PRAGMA synchronous = OFF")
    seen.execute("CREATE TABLE ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
    skipped: list[dict[str, Any]] = []
    plan.part_start, plan.part_articles = [], []
    pos = plan.base_count
    try:
        for part in range(len(plan.partitions)):
            rows = [r for r in P.iter_rows(ds.clean_part(plan.number, part), ["ordinal", "kind", "raw_id"])
                    if r["raw_id"] is not None]
            stored = store.existing_ids(sorted({r["raw_id"] for r in rows}))
            plan.part_start.append(pos)
            n = 0
            seen.execute("BEGIN")
            for r in rows:
                if r["raw_id"] in stored or seen.execute("INSERT OR IGNORE INTO ids VALUES (?)",
                                                         (r["raw_id"],)).rowcount == 0:
                    skipped.append({"part": part, "ordinal": r["ordinal"], "raw_id": r["raw_id"]})
                elif r["kind"] == "article":
                    n += 1
                    if plan.first_id is None:
                        plan.first_id = r["raw_id"]
            seen.execute("COMMIT")
            plan.part_articles.append(n)
            pos += n
    finally:
        seen.close()
        scratch.unlink(missing_ok=True)
    P.write_table(skipped, P.skipped_schema(), ds.skipped_file(plan.number))
    if plan.state == "cleaned":
        plan.state = "positioned"
    ds.save(plan)


# ------------------------------------------------------------------ phase 3: dedup (cluster)
def _dedup(client: Any, store: Any, ds: P.Dataset, plan: P.Plan, cfg: DedupConfig, stats: Stats) -> None:
    import shutil

    import dask.bag as dbag

    shutil.rmtree(ds.matches_dir(plan.number), ignore_errors=True)
    specs = _base_specs(store, ds, plan)
    skipped: dict[int, list[int]] = {}
    for r in P.iter_rows(ds.skipped_file(plan.number), ["part", "ordinal"]):
        skipped.setdefault(r["part"], []).append(r["ordinal"])
    for part in range(len(plan.partitions)):
        specs.append({"kind": "clean", "path": str(ds.clean_part(plan.number, part)), "start": plan.part_start[part],
                      "part": part, "skipped": skipped.get(part, []),
                      "out": str(ds.matches_part(plan.number, part))})
    if not plan.n_positions:
        shutil.rmtree(ds.base_dir(plan.number), ignore_errors=True)
        return
    starts = [s["start"] for s in specs]
    part_of = partial(_spec_of, starts)
    n = max(len(specs), 2 * _n_workers(client))
    base = plan.base_count
    keyed = dbag.from_sequence(specs, npartitions=len(specs)).map_partitions(_emit_keys, cfg)
    buckets = keyed.groupby(_first, shuffle="tasks", npartitions=n)
    found = buckets.map_partitions(_bucket_candidates, cfg, base)
    pairs = found.filter(_is_pair).groupby(partial(_key_at, part_of, 2), shuffle="tasks", npartitions=len(specs))
    attached = pairs.map_partitions(_attach_older, specs)
    exact = found.filter(_is_exact)
    by_new = dbag.concat([attached, exact]).groupby(partial(_key_at, part_of, 1), shuffle="tasks",
                                                   npartitions=len(specs))
    written = by_new.map_partitions(_verify_and_write, specs, cfg)
    results = client.compute(written).result()
    stats.inc("dask", "dedup_matches", sum(k for _, k in results))
    shutil.rmtree(ds.base_dir(plan.number), ignore_errors=True)


def _base_specs(store: Any, ds: P.Dataset, plan: P.Plan) -> list[dict[str, Any]]:
    """Export the fingerprints stored before this plan (the earliest positions) for the workers."""
    import shutil

    folder = ds.base_dir(plan.number)
    shutil.rmtree(folder, ignore_errors=True)
    specs = []
    it = islice(store.iter_fingerprints(0), plan.base_count)
    start = 0
    while True:
        chunk = [{"fingerprint": b} for b in islice(it, BASE_PART_ROWS)]
        if not chunk:
            break
        path = folder / f"part-{len(specs):05d}.parquet"
        P.write_table(chunk, _base_schema(), path)
        specs.append({"kind": "base", "path": str(path), "start": start})
        start += len(chunk)
    return specs


def _base_schema() -> Any:
    import pyarrow as pa

    return pa.schema([("fingerprint", pa.binary())])


def _spec_of(starts: list[int], pos: int) -> int:
    return bisect.bisect_right(starts, pos) - 1


def _first(rec: tuple[Any, ...]) -> Any:
    return rec[0]


def _key_at(part_of: Any, i: int, rec: tuple[Any, ...]) -> int:
    return part_of(rec[i])


def _is_pair(rec: tuple[Any, ...]) -> bool:
    return rec[0] == "p"


def _is_exact(rec: tuple[Any, ...]) -> bool:
    return rec[0] == "x"


def _listed(fn: Any) -> Any:
    """Make a generator function return a list (bag partitions travel between workers; generators cannot)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> list[Any]:
        return list(fn(*args, **kwargs))

    return wrapper


def _read_fps(spec: dict[str, Any]) -> Iterator[tuple[int, Fingerprint]]:
    """(arrival position, fingerprint) of the admitted articles of one base or clean partition."""
    pos = spec["start"]
    if spec["kind"] == "base":
        for row in P.iter_rows(Path(spec["path"]), ["fingerprint"]):
            yield pos, Fingerprint.from_bytes(row["fingerprint"])
            pos += 1
        return
    skipped = set(spec["skipped"])
    for row in P.iter_rows(Path(spec["path"]), ["ordinal", "kind", "fingerprint"]):
        if row["kind"] == "article" and row["ordinal"] not in skipped:
            yield pos, Fingerprint.from_bytes(row["fingerprint"])
            pos += 1


@_listed
def _emit_keys(specs: list[dict[str, Any]], cfg: DedupConfig) -> Iterator[tuple[Any, ...]]:
    """Per fingerprint: its content hash (group 0) and, when long enough to be searchable, every band
    key (group 1) and anchor key (group 2) — the keys the local index's buckets are made of."""
    index = DedupIndex(cfg)
    for spec in specs:
        for pos, fp in _read_fps(spec):
            index._check(fp)
            if fp.n_words == 0:
                continue  # the local index neither records nor matches an empty text
            chash = int(fp.content_hash, 16)
            yield (0, chash), pos, fp.article_id
            if fp.n_words >= cfg.min_words:
                bands, anchors = index.bucket_keys(fp)
                for k in bands:
                    yield (1, k), pos, chash
                for k in anchors:
                    yield (2, k), pos, chash


@_listed
def _bucket_candidates(groups: list[tuple[Any, list[tuple[Any, ...]]]], cfg: DedupConfig,
                       base: int) -> Iterator[tuple[Any, ...]]:
    """The candidates each bucket gives its members, exactly as the local index would at their arrival.

    Content-hash group: every later copy → one ``exact`` match to the first. Band/anchor bucket: copies
    are dropped (the local index never inserts them; they share every key with their first copy, which
    is in the same bucket earlier), then the member at rank i sees the first min(i, max_band_bucket)
    members of a band bucket, and all i members of an anchor bucket while i <= max_anchor_bucket."""
    for (kind, _), recs in groups:
        recs = sorted(recs, key=lambda r: r[1])
        if kind == 0:
            first = recs[0]
            for r in recs[1:]:
                if r[1] >= base and r[2] != first[2]:
                    yield "x", r[1], r[2], first[2]
            continue
        first_pos: dict[int, int] = {}
        members: list[int] = []
        for _, pos, chash in recs:
            if first_pos.setdefault(chash, pos) == pos:
                members.append(pos)
        cap = cfg.max_band_bucket if kind == 1 else cfg.max_anchor_bucket
        done: set[int] = set()
        for i, pos in enumerate(members):
            if pos in done:
                continue  # a key twice in one document: its first occurrence decides
            done.add(pos)
            if pos < base:
                continue
            if kind == 1:
                before = members[: min(i, cap)]
            else:
                before = members[:i] if i <= cap else []
            for old in set(before):
                if old != pos:
                    yield "p", pos, old


@_listed
def _attach_older(groups: list[tuple[int, list[tuple[Any, ...]]]], specs: list[dict[str, Any]]
                  ) -> Iterator[tuple[Any, ...]]:
    """Candidate pairs grouped by the older article's partition: attach its id, size and sketches."""
    for spec_i, recs in groups:
        wanted = {r[2] for r in recs}
        fps = {pos: fp for pos, fp in _read_fps(specs[spec_i]) if pos in wanted}
        for _, new, old in set(recs):
            fp = fps[old]
            yield "p", new, old, fp.article_id, fp.n_shingles, fp.signature, fp.sketch


@_listed
def _verify_and_write(groups: list[tuple[int, list[tuple[Any, ...]]]], specs: list[dict[str, Any]],
                      cfg: DedupConfig) -> Iterator[tuple[int, int]]:
    """Pairs grouped by the newer article's partition: verify them (the local index's code) and write
    the partition's matches file. Yields (partition, matches)."""
    for spec_i, recs in groups:
        spec = specs[spec_i]
        wanted = {r[1] for r in recs}
        fps = {pos: fp for pos, fp in _read_fps(spec) if pos in wanted}
        found: list[tuple[int, DupMatch]] = []
        for r in recs:
            if r[0] == "x":
                found.append((r[1], DupMatch(r[2], r[3], "exact", 1.0, 1.0)))
                continue
            _, new, _old, other_id, n_other, sig, sketch = r
            fp = fps[new]
            if other_id == fp.article_id:
                continue
            m = verify_candidate(cfg, fp, other_id, n_other, sketch, jaccard_estimate(fp.signature, sig, cfg.num_perm))
            if m is not None:
                found.append((new, m))
        found.sort(key=lambda t: (t[0], -t[1].similarity, -t[1].containment, t[1].other_id))
        P.write_table([{"position": p, "article_id": m.article_id, "other_id": m.other_id, "reason": m.reason,
                        "similarity": m.similarity, "containment": m.containment} for p, m in found],
                      P.matches_schema(), Path(spec["out"]))
        yield spec["part"], len(found)


# ------------------------------------------------------------------ phase 5: facts (workers)
_STAGES: dict[str, Any] = {}  # per worker process: one FactsStage (and spaCy pipeline) per settings key


def facts_task(articles: list[Any], out: str, settings_key: str, edits_rows: list[Any], coder: dict[str, Any],
               version: int, key: str, limits: DocLimits | None = None) -> int:
    """Worker task: the facts stage over one batch of articles → one Parquet file (stats in its metadata)."""
    stage = _STAGES.get(settings_key)
    if stage is None:
        stage = _facts_stage(edits_rows, make_coder(RunOptions(**coder)), limits or DocLimits())
        _STAGES.clear()
        _STAGES[settings_key] = stage
    stats = Stats()
    done = stage.process_batch(articles, stats)
    rows = P.facts_rows(done, stage.registry)
    P.write_table(rows, P.facts_schema(), Path(out),
                  {"stats": json.dumps(stats.as_dict()), "facts_version": str(version), "key": key})
    return len(rows)


def _facts(client: Any, store: Any, ds: P.Dataset, plan: P.Plan, opts: RunOptions, stats: Stats,
           report: RunReport, progress: ProgressFn | None) -> None:
    """The facts stage over every article whose facts are missing or stale, batches on the workers,
    written to the database in batch order (so the result is the local engine's)."""
    from ..facts.stage import FACTS_VERSION

    todo = store.facts_todo_count(FACTS_VERSION)
    if progress:
        progress("facts_total", todo)
    edits = store.actor_edits()
    coder = {"coder": opts.coder, "llm_url": opts.llm_url, "llm_model": opts.llm_model}
    settings_key = hashlib.sha1(json.dumps([edits, coder, FACTS_VERSION, opts.doc_timeout, opts.max_chars],
                                           sort_keys=True, default=str)
                                .encode()).hexdigest()[:16]
    folder = ds.facts_dir(plan.number)
    existing = ds.facts_parts(plan.number)
    number = 1 + max((int(p.name.split("-")[1]) for p in existing), default=-1)
    window: deque[tuple[Path, Any]] = deque()
    limit = 2 * _n_workers(client)

    def drain_one() -> None:
        path, fut = window.popleft()
        if fut is not None:
            fut.result()
            stats.inc("dask", "facts_partitions_computed")
        else:
            stats.inc("dask", "facts_partitions_reused")
        n, st = P.load_facts_part(store, path, FACTS_VERSION, report.run_id)
        P.merge_stats(stats, st)
        report.articles_analysed += n
        if progress:
            progress("facts_advance", n)

    for batch in store.iter_facts_todo(FACTS_VERSION, opts.facts_batch):
        key = hashlib.sha1(json.dumps([settings_key, [(a.id, a.published, a.published_source, a.title)
                                                      for a in batch]]).encode()).hexdigest()[:16]
        found = sorted(folder.glob(f"part-*-{key}.parquet"))
        if found:
            window.append((found[0], None))
        else:
            path = folder / f"part-{number:05d}-{key}.parquet"
            number += 1
            window.append((path, client.submit(facts_task, batch, str(path), settings_key, edits, coder,
                                               FACTS_VERSION, key, _limits(opts), pure=False)))
        while len(window) >= limit:
            drain_one()
    while window:
        drain_one()
