"""The local engine: ingest → clean → fingerprint (per document, optionally in worker processes)
→ dedup (cross-document, in the driver) → SQLite, in short atomic batches.

Resumable by construction: a batch is one transaction holding its articles, removals,
fingerprints, duplicate matches, rejects and the completion marks of the files it finished.
A run killed at any point leaves whole batches; the next run skips finished files (same size
and mtime), skips stored article ids, rebuilds the dedup index from stored fingerprints and
recomputes duplicate groups from the stored matches.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
import time
from contextlib import contextmanager
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..clean import CleanStage
from ..dedup import META_FIELDS, DedupConfig, DedupIndex, Fingerprint, GroupMember, build_groups, fingerprint
from ..errors import NoInputFiles, StorylineError
from ..ingest import IngestOptions, discover, read_path
from ..ingest.decode import path_text
from ..limits import DOC_TIMEOUT, MAX_CHARS, DocLimits
from ..model import Article, RawDoc, Reject
from ..pipeline import Stats
from ..store import Store



@dataclass
class RunOptions:
    max_bytes: int = 20 * 1024 * 1024
    batch_size: int = 256
    # worker processes for the per-document stages; 0 = all cores (os.cpu_count()), except for a small
    # input (under AUTO_POOL_MIN_BYTES), where starting processes costs more than it saves
    workers: int = 0
    dedup: DedupConfig = field(default_factory=DedupConfig)
    # "disk": the dedup index lives in <db>.dedup, a rebuildable cache (flat memory as the corpus grows);
    # "memory": rebuilt in RAM from the stored fingerprints at every run start (faster, ~4 KB per article)
    dedup_index: str = "disk"
    facts: bool = True  # run the facts stage (spaCy: actors, timexes, quotes) over new or stale articles
    facts_batch: int = 64  # articles per facts transaction
    reanalyse: bool = False  # recompute the facts of every stored article (e.g. after changing the coder)
    coder: str = "rules"  # event coder: "rules" (default), "classifier" or "llm" (needs llm_url and llm_model)
    llm_url: str | None = None  # OpenAI-compatible API base, e.g. http://localhost:8080/v1
    llm_model: str | None = None
    # per-document limits (storyline.limits): seconds per document and stage, characters of clean text;
    # a document over one becomes a `time_limit` / `too_large` reject (an article's facts: skipped with that reason)
    doc_timeout: float | None = DOC_TIMEOUT
    max_chars: int | None = MAX_CHARS
    engine: str = "local"  # "local" (this module) or "dask" (storyline.engines.dask; needs storyline[dask])
    scheduler: str | None = None  # dask: address of a running scheduler; None starts a LocalCluster
    dataset: str | None = None  # dask: the Parquet dataset folder for stage outputs (default <db>.parts)


@dataclass
class RunReport:
    run_id: int
    files: int = 0
    files_unchanged: int = 0
    articles_new: int = 0
    articles_existing: int = 0
    articles_analysed: int = 0  # articles the facts stage (re)processed in this run
    rejects: list[Reject] = field(default_factory=list)  # the first MAX_REPORTED_REJECTS of this run
    reject_counts: Counter[str] = field(default_factory=Counter)  # all of this run's rejects, by reason
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


MAX_REPORTED_REJECTS = 1000  # the report keeps this many in memory; the database keeps all of them
# (event, amount): "total" files, "advance" files done; "facts_total" articles, "facts_advance" articles done
ProgressFn = Callable[[str, int], None]


# ------------------------------------------------------------------ per-document work (pure)
@lru_cache(maxsize=8)
def _clean_stage(limits: DocLimits) -> CleanStage:
    return CleanStage(timeout=limits.timeout, max_chars=limits.max_chars)


def process_doc(raw: RawDoc, cfg: DedupConfig, limits: DocLimits | None = None,
                ) -> tuple[Article | Reject, bytes | None, Stats]:
    """Clean one document and fingerprint it under the per-document ``limits``. Pure: safe in a worker process."""
    stats = Stats()
    out = _clean_stage(limits or DocLimits()).apply(raw, stats)
    if isinstance(out, Reject):
        return out, None, stats
    fp = fingerprint(out.id, out.text, cfg)
    out.content_hash = fp.content_hash
    return out, fp.to_bytes(), stats


def _process_star(args: tuple[RawDoc, DedupConfig, DocLimits]) -> tuple[Article | Reject, bytes | None, Stats]:
    return process_doc(*args)


# ------------------------------------------------------------------ the driver
class _Batch:
    def __init__(self) -> None:
        self.articles: list[Article] = []
        self.fingerprints: list[tuple[str, bytes]] = []
        self.matches: list[Any] = []
        self.rejects: list[Reject] = []
        self.sources: list[tuple[str, int, int, int, int]] = []

    def __len__(self) -> int:
        return len(self.articles) + len(self.rejects) + len(self.sources)


def run(
    paths: Sequence[str | os.PathLike[str]],
    db: str | os.PathLike[str],
    options: RunOptions | None = None,
    progress: ProgressFn | None = None,
) -> RunReport:
    """Process every file under ``paths`` into the database ``db``; returns what happened."""
    opts = options or RunOptions()
    if opts.engine != "local":
        if opts.engine != "dask":
            from ..errors import UsageError

            raise UsageError(f"unknown engine {opts.engine!r}", hint="use --engine local or --engine dask")
        from .dask import run as run_dask

        return run_dask(paths, db, opts, progress)
    files = list(discover([Path(p) for p in paths]))
    if not files:
        raise NoInputFiles(f"no input files under {', '.join(str(p) for p in paths)}")
    coder = make_coder(opts) if opts.facts else None  # a bad coder setting fails before any work is done
    store = Store(db, lock="storyline run")  # one writer at a time: a second run is refused (RunInProgress)
    try:
        run_id = store.start_run({"paths": [str(p) for p in paths], "max_bytes": opts.max_bytes})
        report = RunReport(run_id=run_id, files=len(files))
        stats = Stats()
        status = "failed"
        try:
            with timed(stats, "ingest_clean_dedup"):
                _run_files(store, files, opts, stats, report, progress)
            with timed(stats, "regroup"):
                _regroup(store)
            if opts.facts:
                if opts.reanalyse:
                    store.invalidate_facts()
                with timed(stats, "facts"):
                    run_facts(store, stats, report, progress, batch_size=opts.facts_batch, coder=coder,
                              limits=_limits(opts), workers=opts.workers if opts.workers > 0 else (os.cpu_count() or 1),
                              coder_options={"coder": opts.coder, "llm_url": opts.llm_url,
                                             "llm_model": opts.llm_model})
                with timed(stats, "events"):
                    rebuild_events(store, stats)
                with timed(stats, "stories"):
                    rebuild_stories(store, stats)
            status = "done"
        finally:
            report.stats = stats.as_dict()
            _finish_run(store, run_id, status, report.stats)
        report.summary = store.summary()
        return report
    except (sqlite3.Error, OSError) as exc:  # disk full, read-only database: one coded error, nothing half-written
        from ..store.sqlite import storage_error

        mapped = storage_error(exc, db)
        if mapped is None:
            raise
        raise mapped from exc
    finally:
        store.close()


@contextmanager
def timed(stats: Stats, step: str) -> Iterator[None]:
    """Add the wall time of the block to ``stats`` as ``timing_ms[step]`` (shown by ``run --json``)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        stats.inc("timing_ms", step, round((time.perf_counter() - t0) * 1000))


def _finish_run(store: Store, run_id: int, status: str, stats: dict[str, Any]) -> None:
    """Record how the run ended. When the run already failed (e.g. the disk is full) and even this small
    write fails, the run's own error is the one to report: its row then stays 'running', like a killed run."""
    try:
        store.finish_run(run_id, status, stats)
    except (sqlite3.Error, OSError, StorylineError):
        if status == "done":
            raise


def _run_files(
    store: Store, files: list[Path], opts: RunOptions, stats: Stats, report: RunReport,
    progress: ProgressFn | None,
) -> None:
    ingest_opts = IngestOptions(max_bytes=opts.max_bytes)
    cache = Path(f"{store.path}.dedup") if opts.dedup_index == "disk" else None
    index = DedupIndex.open(opts.dedup, cache)
    sync = index.sync(store.fingerprint_count(), store.iter_fingerprints)
    if sync.rebuilt:
        stats.inc("dedup", "index_rebuilt")
    if sync.loaded:
        stats.inc("dedup", "index_loaded", sync.loaded)  # fingerprints (re)loaded from the knowledge base
    if progress:
        progress("total", len(files))
    batch = _Batch()
    seen: set[str] = set()  # ids met but not yet stored: an id enters the index once, like the store
    workers = resolve_workers(opts.workers, files)
    pool = mp.get_context("spawn").Pool(workers) if workers > 1 else None
    try:
        for path in files:
            key, st = source_state(path)
            if skip_unchanged(store, key, st, stats, report, progress):
                continue
            stats.inc("ingest", "files")
            n_articles = n_rejects = 0
            records = read_path(path, ingest_opts)
            for out, fp_bytes in _process_stream(records, store, opts, stats, report, pool, seen):
                if isinstance(out, Reject):
                    batch.rejects.append(out)
                    report.reject_counts[out.reason] += 1
                    if len(report.rejects) < MAX_REPORTED_REJECTS:
                        report.rejects.append(out)
                    n_rejects += 1
                else:
                    fp = Fingerprint.from_bytes(fp_bytes)
                    batch.matches.extend(index.add(fp))
                    batch.articles.append(out)
                    batch.fingerprints.append((out.id, fp_bytes))
                    n_articles += 1
                if len(batch) >= opts.batch_size:
                    report.articles_new += store.write_batch(**_kw(batch), run_id=report.run_id)
                    index.flush()
                    seen.difference_update(a.id for a in batch.articles)  # stored now: the store answers
                    batch = _Batch()
            if st:
                batch.sources.append((key, st.st_size, st.st_mtime_ns, n_articles, n_rejects))
            if progress:
                progress("advance", 1)
        if len(batch):
            report.articles_new += store.write_batch(**_kw(batch), run_id=report.run_id)
    finally:
        index.close()
        if pool is not None:
            pool.close()
            pool.join()


def _process_stream(
    records: Iterable[RawDoc | Reject], store: Store, opts: RunOptions, stats: Stats, report: RunReport,
    pool: Any,
    seen: set[str],
) -> Iterator[tuple[Article | Reject, bytes | None]]:
    """Skip records already stored, then clean + fingerprint the rest (in a pool if given)."""

    def fresh() -> Iterator[RawDoc | Reject]:
        for rec in records:
            if isinstance(rec, Reject):
                stats.drop("ingest", rec.reason)
                yield rec
                continue
            stats.inc("ingest", "records")
            if rec.id in seen or store.existing_ids([rec.id]):
                report.articles_existing += 1
                stats.inc("ingest", "already_stored")
                continue
            seen.add(rec.id)
            yield rec

    todo = fresh()
    if pool is None:
        for rec in todo:
            if isinstance(rec, Reject):
                yield rec, None
                continue
            out, fp, st = process_doc(rec, opts.dedup, _limits(opts))
            stats.merge(st)
            yield out, fp
        return
    # keep rejects in order: send everything through the pool, rejects pass through untouched
    for rec, result in _pool_map(pool, todo, opts.dedup, _limits(opts)):
        if result is None:
            yield rec, None
        else:
            out, fp, st = result
            stats.merge(st)
            yield out, fp


def _limits(opts: RunOptions) -> DocLimits:
    return DocLimits(timeout=opts.doc_timeout, max_chars=opts.max_chars)


def _pool_map(pool: Any, records: Iterator[RawDoc | Reject], cfg: DedupConfig,
              limits: DocLimits | None = None) -> Iterator[tuple[Any, Any]]:
    window: list[RawDoc | Reject] = []

    def flush() -> Iterator[tuple[Any, Any]]:
        docs = [r for r in window if not isinstance(r, Reject)]
        results = iter(pool.imap(_process_star, [(d, cfg, limits or DocLimits()) for d in docs], chunksize=16))
        for r in window:
            yield (r, None) if isinstance(r, Reject) else (r, next(results))

    for rec in records:
        window.append(rec)
        if len(window) >= 512:
            yield from flush()
            window = []
    if window:
        yield from flush()


def _kw(batch: _Batch) -> dict[str, Any]:
    return {
        "articles": batch.articles,
        "fingerprints": batch.fingerprints,
        "matches": batch.matches,
        "rejects": batch.rejects,
        "sources_done": batch.sources,
    }


AUTO_POOL_MIN_BYTES = 4 * 1024 * 1024


def resolve_workers(workers: int, files: Sequence[Path] = ()) -> int:
    """``workers`` when positive; for 0 (auto) every core, or 1 when ``files`` add up to less than
    :data:`AUTO_POOL_MIN_BYTES` (a pool's start-up would cost more than it saves)."""
    if workers > 0:
        return workers
    total = 0
    for path in files:
        st = _stat(path)
        total += st.st_size if st else 0
        if total >= AUTO_POOL_MIN_BYTES:
            return os.cpu_count() or 1
    return 1


def source_state(path: Path) -> tuple[str, os.stat_result | None]:
    """The key a file's completion mark is stored under (its resolved path as text) and its stat."""
    return path_text(path.resolve()), _stat(path)


def skip_unchanged(store: Store, key: str, st: os.stat_result | None, stats: Stats, report: RunReport,
                   progress: ProgressFn | None) -> bool:
    """True (and counted) when a file with the same size and mtime was finished by an earlier run."""
    if not (st and store.source_done(key, st.st_size, st.st_mtime_ns)):
        return False
    report.files_unchanged += 1
    stats.inc("ingest", "files_unchanged")
    if progress:
        progress("advance", 1)
    return True


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _regroup(store: Store) -> None:
    """Rebuild duplicate groups from every stored pairwise match (cheap: O(number of matches))."""
    from ..dedup import DupMatch

    matches = [
        DupMatch(article_id=r["a"], other_id=r["b"], reason=r["reason"], similarity=r["similarity"],
                 containment=r["containment"])
        for r in store.iter_matches()
    ]
    ids = {m.article_id for m in matches} | {m.other_id for m in matches}
    members = {r["id"]: _own_member(r) for r in store.group_members(sorted(ids))}
    store.replace_groups(build_groups(matches, members, propagate=META_FIELDS))


def _own_member(row: Any) -> GroupMember:
    """A group member with only its *own* metadata: fields an earlier regroup filled in from another
    member (``meta_sources[field] == "merged:<id>"``) are left out, so ranking and merging give the
    same groups on every run (idempotent), whatever earlier runs wrote."""
    import json

    sources = json.loads(row["meta_sources"] or "{}")
    own = {name: (None if str(sources.get(name, "")).startswith("merged:") else row[name])
           for name in ("title", "byline", "published", "published_source", "outlet", "url")}
    if own["published"] is None:
        own["published_source"] = None
    return GroupMember(id=row["id"], text_len=row["text_len"], **own)


def make_coder(opts: RunOptions) -> Any:
    """The event coder the options ask for (None: the stage's default rule coder)."""
    if opts.coder == "rules":
        return None
    if opts.coder == "classifier":
        from ..events.classifier import ClassifierCoder

        return ClassifierCoder()
    if opts.coder == "llm":
        from ..errors import UsageError
        from ..events.llm import LLMCoder

        if not opts.llm_url or not opts.llm_model:
            raise UsageError("--coder llm needs --llm-url and --llm-model",
                             hint="e.g. --llm-url http://localhost:8080/v1 --llm-model qwen2.5-7b-instruct")
        return LLMCoder(opts.llm_url, opts.llm_model)
    from ..errors import UsageError

    raise UsageError(f"unknown coder {opts.coder!r}", hint="use --coder rules, classifier or llm")


FACTS_POOL_MIN = 256  # to-do articles below which the facts stage stays in one process (spaCy loads per worker)


def run_facts(store: Store, stats: Stats, report: RunReport | None = None, progress: ProgressFn | None = None,
              *, batch_size: int = 64, coder: Any = None, limits: DocLimits | None = None, workers: int = 1,
              coder_options: dict[str, Any] | None = None) -> int:
    """Run the facts stage over every article whose facts are missing or stale; one transaction per batch.
    ``limits``: per-article time and size limits (an article over one is skipped with that reason).
    ``workers`` > 1 (and at least :data:`FACTS_POOL_MIN` articles to do): batches go to that many worker
    processes, each with its own spaCy pipeline; results are written in batch order, so the knowledge base
    is the same as with one process. ``coder_options`` (coder, llm_url, llm_model) rebuild ``coder`` there.

    Resumable: a killed pass leaves whole batches, and the next one picks up the articles without
    current facts. Returns the number of articles processed."""
    from ..facts.stage import FACTS_VERSION

    todo = store.facts_todo_count(FACTS_VERSION)
    if not todo:
        return 0
    limits = limits or DocLimits()
    if progress:
        progress("facts_total", todo)
    edits = store.actor_edits()
    done = 0

    def write(articles: list[Article], actors: list[Any], st: Stats | None) -> None:
        nonlocal done
        if st is not None:
            stats.merge(st)
        store.write_facts(articles, actors, FACTS_VERSION, report.run_id if report else None)
        done += len(articles)
        if report is not None:
            report.articles_analysed += len(articles)
        if progress:
            progress("facts_advance", len(articles))

    batches = store.iter_facts_todo(FACTS_VERSION, batch_size)
    if workers > 1 and todo >= FACTS_POOL_MIN:
        from collections import deque

        copts = coder_options or {"coder": "rules"}
        if coder is not None and coder_options is None:
            raise ValueError("run_facts: pass coder_options with a custom coder to use worker processes")
        window: deque[Any] = deque()
        with mp.get_context("spawn").Pool(workers, initializer=_facts_worker_init,
                                          initargs=(edits, copts, limits)) as pool:
            for batch in batches:
                window.append(pool.apply_async(_facts_worker_batch, (batch,)))
                if len(window) >= 2 * workers:  # bounded: at most 2 batches per worker in flight
                    write(*window.popleft().get())
            while window:
                write(*window.popleft().get())
        return done
    stage = _facts_stage(edits, coder, limits)
    for batch in batches:
        articles = stage.process_batch(batch, stats)
        write(articles, referenced_actors(articles, stage.registry), None)
    return done


def _facts_stage(edits: Any, coder: Any, limits: DocLimits) -> Any:
    from ..facts.edits import Edits
    from ..facts.stage import FactsStage

    return FactsStage(edits=Edits.from_rows(edits), coder=coder, timeout=limits.timeout,
                      max_doc_chars=limits.max_chars)


_WORKER_STAGE: list[Any] = []  # the facts stage of a worker process (built once by the pool's initializer)


def _facts_worker_init(edits: Any, coder_options: dict[str, Any], limits: DocLimits) -> None:
    # an exception escaping a Pool initializer makes the pool respawn the worker forever (a hang): keep it
    # and raise it from the first task instead, so the driver gets the error (e.g. a missing spaCy model)
    try:
        _WORKER_STAGE[:] = [_facts_stage(edits, make_coder(RunOptions(**coder_options)), limits)]
    except Exception as exc:  # noqa: BLE001 - re-raised in _facts_worker_batch
        _WORKER_STAGE[:] = [exc]


def _facts_worker_batch(batch: list[Article]) -> tuple[list[Article], list[Any], Stats]:
    stage = _WORKER_STAGE[0]
    if isinstance(stage, Exception):
        raise stage
    st = Stats()
    articles = stage.process_batch(batch, st)
    return articles, referenced_actors(articles, stage.registry), st


def rebuild_events(store: Store, stats: Stats | None = None) -> int:
    """Merge every stored event mention into events (cross-document; O(mentions)). Returns the count."""
    from ..events.merge import build_events

    events = build_events(store.iter_event_mentions(), store.source_keys())
    with store.transaction():  # one commit: readers never see new events with stale actor aggregates
        store.replace_events(events)
        store.refresh_actor_stats()  # per-actor aggregates for the web app and `actors list`
    if stats is not None:
        stats.inc("events", "mentions", sum(e.n_mentions for e in events))
        stats.inc("events", "events", len(events))
        stats.inc("events", "new_events", sum(e.is_new for e in events))
    return len(events)


def rebuild_stories(store: Store, stats: Stats | None = None) -> int:
    """Cluster articles into stories (cross-document). Incremental: the clusterer's state is kept in the
    knowledge base and only articles it has not seen are added; the user's story edits are replayed on
    top; records and arcs are rebuilt. Returns the number of stories."""
    from ..stories.cluster import (StoryEdit, StoryIndex, StoryStateError, apply_edits, build_arcs, build_story,
                                   canonical_order, story_dyads)
    from ..stories.inputs import storydocs_from_rows
    from ..store.export import iter_rows

    docs = storydocs_from_rows(iter_rows(store, "articles"), iter_rows(store, "mentions"),
                               iter_rows(store, "event_mentions"), iter_rows(store, "timexes"))
    by_id = {d.id: d for d in docs}
    index = None
    state = store.story_state()
    if state:
        try:
            index = StoryIndex.from_bytes(state)
        except StoryStateError:
            index = None  # a corrupt or foreign cache: rebuilt below
    if index is not None and not set(index.assignment()) <= set(by_id):
        index = None  # articles were removed from the knowledge base: start over
    if index is None:
        index = StoryIndex.rebuild(docs)
        added = len(docs)
    else:
        new = sorted((d for d in docs if index.story_of(d.id) is None), key=canonical_order)
        index.add_many(new)
        added = len(new)
    assignment, warnings = apply_edits(index.assignment(), [StoryEdit.from_dict(e) for e in store.story_edits()])
    members: dict[str, list[Any]] = {}
    for article_id, story_id in assignment.items():
        members.setdefault(story_id, []).append(by_id[article_id])
    records = {sid: build_story(sid, ms) for sid, ms in members.items()}
    arcs = build_arcs({sid: story_dyads(ms) for sid, ms in members.items()})
    for arc in arcs:
        for sid in arc.story_ids:
            records[sid].arc_id = arc.id
    from ..stories.compare import compare

    from ..stories.contradict import story_contradictions

    comparisons, multi = {}, {}
    for sid, record in records.items():
        independent = [(m.article_id, m.outlet or f"unknown outlet (article {m.article_id})", by_id[m.article_id].text)
                       for m in record.members if not m.is_copy]
        if len(independent) > 1:  # a comparison needs two sources
            comparisons[sid] = compare(independent)
            multi[sid] = [(a, src, text, by_id[a].group_id) for a, src, text in independent]
    contradictions = story_contradictions(store, multi, comparisons)  # all multi-source stories, as comparisons
    store.replace_stories(sorted(records.values(), key=lambda r: r.id), arcs, index.to_bytes(), comparisons,
                          contradictions)
    from ..stories.page import precompute_story_pages

    # the page data (summary, timeline, framing) of large stories, whose live build reads every member's text
    pages = precompute_story_pages(store, {sid: len(r.members) for sid, r in records.items()})
    if stats is not None:
        stats.inc("stories", "articles_added", added)
        stats.inc("stories", "stories", len(records))
        stats.inc("stories", "arcs", len(arcs))
        stats.inc("stories", "contradictions", sum(map(len, contradictions.values())))
        stats.inc("stories", "pages_precomputed", pages)
        for w in warnings:  # an edit naming articles no longer stored: skipped, counted in the run's stats
            stats.inc("stories", f"edit_skipped:{w[:120]}")
    return len(records)


def referenced_actors(articles: Sequence[Article], registry: Any) -> list[Any]:
    """The actor records the mentions of ``articles`` point to (new ones first met there, or registry ones)."""
    out: dict[str, Any] = {}
    for a in articles:
        for actor in a.facts.get("new_actors", ()):
            actor.attrs.setdefault("origin", "discovered")
            out.setdefault(actor.id, actor)
        for m in a.spans.get("mentions", ()):
            aid = m.attrs["actor_id"]
            if aid not in out:
                found = registry.get(aid)
                if found is not None:
                    out[aid] = found
    return list(out.values())
