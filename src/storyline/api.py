"""The Python API. The CLI, and later the web app and HTTP API, are thin layers over it.

>>> import storyline
>>> report = storyline.run(["examples/belarus-china"], db="storyline.db")
>>> kb = storyline.open_kb("storyline.db")
>>> [a["title"] for a in kb.articles()]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from .engines.local import ProgressFn, RunOptions, RunReport
from .engines.local import run as _run_local
from .errors import MissingDependency
from .store import Store
from .store.export import EXPORTS, export, iter_rows


def run(
    paths: Sequence[str | os.PathLike[str]],
    db: str | os.PathLike[str] = "storyline.db",
    *,
    options: RunOptions | None = None,
    progress: ProgressFn | None = None,
) -> RunReport:
    """Ingest, clean and deduplicate every supported file under ``paths`` into ``db``."""
    return _run_local(paths, db, options, progress)


def load(dataset: str | os.PathLike[str], db: str | os.PathLike[str] = "storyline.db") -> RunReport:
    """Load a Parquet dataset written by the Dask engine (``run(..., options=RunOptions(engine="dask"))``)
    into the SQLite knowledge base ``db`` (created if missing); plans already in ``db`` are skipped.
    Needs pyarrow (``storyline[dask]``)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise MissingDependency("pyarrow", "dask") from exc
    from .engines.parts import load as _load

    return _load(dataset, db)


class KnowledgeBase:
    """Read access to a storyline database (opened read-only)."""

    def __init__(self, db: str | os.PathLike[str]):
        self.store = Store(db, create=False, readonly=True)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Rows of an exported table (``articles``, ``removals``, ``duplicates``, ``rejects``)."""
        return iter_rows(self.store, table)

    def articles(self) -> Iterator[dict[str, Any]]:
        return self.rows("articles")

    def removals(self) -> Iterator[dict[str, Any]]:
        return self.rows("removals")

    def duplicates(self) -> Iterator[dict[str, Any]]:
        return self.rows("duplicates")

    def rejects(self) -> Iterator[dict[str, Any]]:
        return self.rows("rejects")

    def actors(self) -> Any:
        """The actor registry of this knowledge base as a DataFrame (id, name, type, country, sector, aliases…)."""
        return self.dataframe("actors")

    def mentions(self) -> Any:
        """Actor mentions (article_id, start, end, text, actor_id, …) as a DataFrame."""
        return self.dataframe("mentions")

    def timexes(self) -> Any:
        """Temporal expressions (article_id, start, end, text, type, value, mod, reason) as a DataFrame."""
        return self.dataframe("timexes")

    def quotes(self) -> Any:
        """Quotes (article_id, start, end, text, kind, speaker_id, speaker_name, …, cue, channel) as a DataFrame."""
        return self.dataframe("quotes")

    def facts(self) -> Any:
        """Per-article facts status and resolved publication date (value, provenance, confidence)."""
        return self.dataframe("facts")

    def events(self) -> Any:
        """Merged PLOVER events (type, mode, actors, recipients, date, flags, n_sources…) as a DataFrame."""
        return self.dataframe("events")

    def event_mentions(self) -> Any:
        """Every coded event mention with its evidence spans, as a DataFrame."""
        return self.dataframe("event_mentions")

    def dyads(self, actor: str | None = None, recipient: str | None = None) -> Any:
        """New events per (actor, recipient, month) with cooperation/conflict intensity, as a DataFrame;
        optionally only the rows of one actor and/or recipient id."""
        df = self.dataframe("dyads")
        if actor is not None:
            df = df[df["actor_id"] == actor]
        if recipient is not None:
            df = df[df["recipient_id"] == recipient]
        return df.reset_index(drop=True)

    def stories(self) -> Any:
        """Stories (id, arc_id, title, date span, n_articles, n_outlets, …) as a DataFrame."""
        return self.dataframe("stories")

    def story_members(self) -> Any:
        """Which article belongs to which story (story_id, article_id, outlet, published, is_copy)."""
        return self.dataframe("story_members")

    def comparisons(self) -> Any:
        """Per story: each claim (sentence) with the sources that carry it; `shared` vs unique to a source."""
        return self.dataframe("comparisons")

    def contradictions(self, story: str | None = None) -> Any:
        """Conflicting statements between a story's independent sources (kind date|number|negation|speaker),
        both sides as evidence spans (a_* and b_*: article_id, start, end, text, value); optionally of one
        story."""
        df = self.dataframe("contradictions")
        if story is not None:
            df = df[df["story_id"] == story].reset_index(drop=True)
        return df

    def timeline(self, *, story: str | None = None, arc: str | None = None, actor: str | None = None,
                 dyad: tuple[str, str] | None = None) -> Any:
        """Dated events (event date and its provenance, apart from the cited article's publication date),
        each citing its article(s) and evidence span, in date order, undated ones last; of exactly one
        story, arc, actor (id or name) or dyad (two actors). Columns: storyline.stories.timeline.COLUMNS."""
        from .stories.timeline import COLUMNS, timeline

        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MissingDependency("pandas") from exc
        df = pd.DataFrame(timeline(self.store, story=story, arc=arc, actor=actor, dyad=dyad), columns=COLUMNS)
        return df.astype({"start": "Int64", "end": "Int64", "n_articles": "Int64"})  # report rows have no span

    def arcs(self) -> Any:
        """Arcs: stories linked by the actor pairs of their events."""
        return self.dataframe("arcs")

    def actor(self, actor_id: str) -> dict[str, Any] | None:
        return self.store.actor_row(actor_id)

    def article(self, article_id: str) -> dict[str, Any] | None:
        return self.store.article(article_id)

    def summary(self) -> dict[str, Any]:
        return self.store.summary()

    def dataframe(self, table: str) -> Any:
        """The table as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MissingDependency("pandas") from exc
        return pd.DataFrame(list(self.rows(table)), columns=EXPORTS[table][1])

    def export(self, table: str, fmt: str, out: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
        return export(self.store, table, fmt, out, progress)

    def count(self, table: str) -> int:
        """Rows the export of ``table`` will have."""
        return self.store.count(table)


def open_kb(db: str | os.PathLike[str]) -> KnowledgeBase:
    return KnowledgeBase(db)


def export_all(db: str | os.PathLike[str], folder: str | os.PathLike[str], fmt: str = "jsonl", *,
               force: bool = False) -> dict[str, Any]:
    """Write every export table of ``db`` plus what :func:`import_export` needs to rebuild it into
    ``folder`` (``fmt``: ``jsonl`` or ``parquet``), from one snapshot; returns the manifest
    (docs/exports.md, "Full export and import")."""
    from .store.dump import export_all as _export_all

    with open_kb(db) as kb:
        return _export_all(kb.store, folder, fmt, force=force)


def import_export(folder: str | os.PathLike[str], db: str | os.PathLike[str], *, force: bool = False
                  ) -> dict[str, int]:
    """Rebuild a knowledge base in ``db`` (new or empty; ``force`` replaces a non-empty one) from a folder
    written by :func:`export_all`; returns rows per stored table."""
    from .store.dump import import_export as _import_export

    return _import_export(folder, db, force=force)


def check(db: str | os.PathLike[str]) -> Any:
    """Verify ``db`` read-only: SQLite's integrity check plus storyline's invariants (duplicates point to
    a canonical article, every span lies inside its article's text, every referenced article, event,
    story and actor exists, latest schema). Returns a :class:`storyline.store.check.CheckReport`
    (``.ok``, ``.problems``)."""
    from .store.check import check as _check

    return _check(db)


# ---------------------------------------------------------------------- actor registry edits
def _writable(db: str | os.PathLike[str], command: str = "storyline edit") -> Store:
    """The database opened for writing under its writer lock: an edit while a `storyline run` writes to the
    same database is refused at once (RunInProgress) rather than interleaved with the run's analysis."""
    return Store(db, create=False, lock=command)


def add_actors(db: str | os.PathLike[str], actors: Sequence[dict[str, Any]], *,
               progress: ProgressFn | None = None) -> dict[str, int]:
    """Add user actors (dicts with id, name, type, country, sector, aliases) to the registry of ``db``
    and re-analyse the stored articles that contain one of their names. Returns counts."""
    from .facts.edits import actor_from_dict, validate_actor

    records = [actor_from_dict(validate_actor(a)) for a in actors]
    with _writable(db, "storyline actors add") as store:
        store.add_user_actors(records)
        ids = store.articles_containing(n for r in records for n in (r.name, *r.aliases))
        store.invalidate_facts(ids)
        n = _reanalyse(store, progress)
    return {"actors": len(records), "articles_reanalysed": n}


def import_actors(db: str | os.PathLike[str], path: str | os.PathLike[str], *,
                  progress: ProgressFn | None = None) -> dict[str, int]:
    """Add every actor of a CSV/YAML/TOML file (format: docs/actors.md) and re-analyse affected articles."""
    from .facts.edits import read_actor_file

    return add_actors(db, read_actor_file(path), progress=progress)


def merge_actors(db: str | os.PathLike[str], src: str, dst: str) -> dict[str, int]:
    """Fold actor ``src`` into ``dst``: stored mentions and quote speakers move now, and later
    analyses resolve to ``dst`` too."""
    from .errors import UsageError
    from .facts.actors import Actor, Registry

    if src == dst:
        raise UsageError("cannot merge an actor into itself", hint="give two different actor ids")
    with _writable(db, "storyline actors merge") as store:
        row = store.actor_row(dst)
        if row is not None:
            target = Actor(id=row["id"], name=row["name"], type=row["type"], country=row["country"],
                           sector=row["sector"], aliases=row["aliases"], attrs={"origin": row["origin"]})
        else:
            target = Registry.bundled().get(dst)
            if target is None:
                raise UsageError(f"unknown actor {dst!r}", hint="list actors with `storyline actors list`")
        if store.actor_row(src) is None and Registry.bundled().get(src) is None:
            raise UsageError(f"unknown actor {src!r}", hint="list actors with `storyline actors list`")
        res = store.merge_actors(src, target)
        _rebuild_events(store)
        return res


def split_actor(db: str | os.PathLike[str], src: str, aliases: Sequence[str], new_id: str,
                new_name: str | None = None) -> dict[str, int]:
    """Give the mentions of ``src`` written as one of ``aliases`` to a new actor ``new_id``."""
    from .errors import UsageError
    from .facts.edits import validate_actor

    if not aliases:
        raise UsageError("split needs at least one --alias", hint="the names that belong to the new actor")
    validate_actor({"id": new_id, "name": new_name or aliases[0]}, where="new actor")
    with _writable(db, "storyline actors split") as store:
        if store.actor_row(src) is None:
            raise UsageError(f"unknown actor {src!r}", hint="list actors with `storyline actors list`")
        if store.actor_row(new_id) is not None:
            raise UsageError(f"actor {new_id!r} already exists", hint="choose a new id, or use `actors merge`")
        res = store.split_actor(src, list(aliases), new_id, new_name or aliases[0])
        _rebuild_events(store)
        return res


def edit_stories(db: str | os.PathLike[str], op: str, items: Sequence[str]) -> int:
    """Merge stories (``op="merge"``, two or more story ids) or split articles off into a new story
    (``op="split"``, article ids). The edit is kept and replayed after every later run. Returns the
    number of stories after the edit."""
    from .engines.local import rebuild_stories
    from .stories.cluster import edit

    e = edit(op, items)
    with _writable(db, f"storyline stories {op}") as store:
        store.record_story_edit(e.op, e.to_dict())
        return rebuild_stories(store)


def brief(db: str | os.PathLike[str], *, story: str | None = None, arc: str | None = None,
          actor: str | None = None, fmt: str = "md") -> str:
    """A self-contained briefing (Markdown or HTML) on one story, one arc, one actor, or all stories."""
    from .errors import UsageError
    from .stories.brief import build_brief, render_html, render_markdown

    if fmt not in ("md", "html"):
        raise UsageError(f"unknown briefing format {fmt!r}", hint="use --format md or --format html")
    if sum(x is not None for x in (story, arc, actor)) > 1:
        raise UsageError("give at most one of --story, --arc, --actor", hint="e.g. storyline brief --arc ID")
    with open_kb(db) as kb:
        heading, briefs = build_brief(kb.store, story=story, arc=arc, actor=actor)
    return render_markdown(heading, briefs) if fmt == "md" else render_html(heading, briefs)


def timeline(db: str | os.PathLike[str], *, story: str | None = None, arc: str | None = None,
             actor: str | None = None, dyad: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """Timeline entries (dicts, :data:`storyline.stories.timeline.COLUMNS`) of exactly one story, arc, actor
    or dyad; ``open_kb(db).timeline(...)`` gives the same as a DataFrame."""
    from .stories.timeline import timeline as _timeline

    with open_kb(db) as kb:
        return _timeline(kb.store, story=story, arc=arc, actor=actor, dyad=dyad)


def analyse(db: str | os.PathLike[str], *, progress: ProgressFn | None = None) -> int:
    """Run the facts stage over stored articles whose facts are missing or stale; returns how many."""
    with _writable(db, "storyline analyse") as store:
        return _reanalyse(store, progress)


def _reanalyse(store: Store, progress: ProgressFn | None) -> int:
    from .engines.local import run_facts
    from .pipeline import Stats

    n = run_facts(store, Stats(), None, progress)
    if n:
        _rebuild_events(store)
        from .engines.local import rebuild_stories

        rebuild_stories(store)
    return n


def _rebuild_events(store: Store) -> None:
    from .engines.local import rebuild_events

    rebuild_events(store)
