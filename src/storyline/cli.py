"""Command line: thin — parses, calls the library API, prints.

Exit codes (docs/cli.md): 0 success (rejects, if any, are listed in the summary); 1 unexpected
internal error; 2 usage error; 3 database error; 4 missing optional dependency; 5 `--strict` and
at least one input was rejected; 6 `storyline check` found problems; 130 interrupted.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import api
from .engines.local import RunOptions
from .errors import StorylineError, UsageError
from .limits import DOC_TIMEOUT, MAX_CHARS
from .store.export import EXPORTS, FORMATS

app = typer.Typer(
    name="storyline",
    help="Turn raw scraped news into a clean, deduplicated, evidence-backed knowledge base.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DB_OPTION = typer.Option("storyline.db", "--db", help="SQLite knowledge base file.")


@app.command()
def run(
    paths: list[Path] = typer.Argument(..., help="Files or directories (recursive) to ingest."),
    db: Path = DB_OPTION,
    max_bytes: int = typer.Option(20 * 1024 * 1024, "--max-bytes", help="Per-file/record size limit in bytes."),
    workers: int = typer.Option(0, "--workers", "-w", min=0,
                                help="Worker processes (local) or Dask workers to start; 0: all cores."),
    engine: str = typer.Option("local", "--engine", help="local (this machine) or dask (needs storyline[dask])."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="Dask scheduler address (tcp://host:8786); default: a local cluster."),
    dataset: Optional[Path] = typer.Option(None, "--dataset",
                                           help="Dask: Parquet dataset folder for stage outputs (default DB.parts)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with code 5 if any input was rejected."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    facts: bool = typer.Option(True, "--facts/--no-facts", help="Extract actors, dates, quotes and events (spaCy)."),
    reanalyse: bool = typer.Option(False, "--reanalyse", help="Recompute the facts of every stored article."),
    coder: str = typer.Option("rules", "--coder", help="Event coder: rules, classifier (rules re-labelled by a trained model), or llm (a local OpenAI-compatible endpoint)."),
    llm_url: Optional[str] = typer.Option(None, "--llm-url", help="API base of the LLM endpoint, e.g. http://localhost:8080/v1."),
    llm_model: Optional[str] = typer.Option(None, "--llm-model", help="Model name the endpoint serves."),
    doc_timeout: float = typer.Option(DOC_TIMEOUT, "--doc-timeout", min=0,
                                      help="Seconds per document and stage; a document over it is rejected (time_limit). 0: no limit."),
    max_chars: int = typer.Option(MAX_CHARS, "--max-chars", min=0,
                                  help="Characters of clean text per document; a longer one is rejected (too_large). 0: no limit."),
) -> None:
    """Ingest, clean, deduplicate PATHS and extract their facts into the knowledge base (incremental, resumable)."""
    options = RunOptions(max_bytes=max_bytes, workers=workers, facts=facts, reanalyse=reanalyse, coder=coder,
                         llm_url=llm_url, llm_model=llm_model, engine=engine, scheduler=scheduler,
                         dataset=str(dataset) if dataset else None, doc_timeout=doc_timeout or None,
                         max_chars=max_chars or None)
    show_progress = not quiet and not as_json and err.is_terminal
    with _progress_bar(show_progress) as progress:
        report = api.run(paths, db, options=options, progress=progress)
    if as_json:
        payload = {
            "run_id": report.run_id, "db": str(db), "files": report.files, "files_unchanged": report.files_unchanged,
            "articles_new": report.articles_new, "articles_existing": report.articles_existing,
            "reject_counts": dict(report.reject_counts), "rejects": [r.as_dict() for r in report.rejects], "stats": report.stats, "knowledge_base": report.summary,
        }
        out.print_json(json.dumps(payload))
    else:
        _print_run(report, db)
    if strict and report.reject_counts:
        raise typer.Exit(5)


@app.command()
def load(
    dataset: Path = typer.Argument(..., help="Parquet dataset folder written by `run --engine dask`."),
    db: Path = DB_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the load summary as JSON."),
) -> None:
    """Load a Parquet dataset (docs/dataset.md) into the SQLite knowledge base for serving."""
    report = api.load(dataset, db)
    if as_json:
        out.print_json(json.dumps({
            "run_id": report.run_id, "db": str(db), "dataset": str(dataset), "articles_new": report.articles_new,
            "articles_analysed": report.articles_analysed, "reject_counts": dict(report.reject_counts),
            "stats": report.stats, "knowledge_base": report.summary}))
    else:
        _print_run(report, db)


def _date_cell(article: dict, facts: dict | None) -> str:
    """The article's date: its metadata date, else the resolved one marked with where it came from."""
    if article["published"]:
        return article["published"]
    if facts and facts["date_value"]:
        return f"{facts['date_value']} ({facts['date_provenance']})"
    return ""


class _progress_bar:  # noqa: N801 - used as a context manager like a function
    """Two Rich bars: files ingested, then articles analysed by the facts stage."""

    def __init__(self, show: bool):
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err, disable=not show, transient=True)
        self.tasks: dict[str, int] = {}

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, event: str, n: int) -> None:
        kind = "facts" if event.startswith("facts") else "files"
        if kind not in self.tasks:
            label = "analysing articles" if kind == "facts" else "ingesting files"
            self.tasks[kind] = self.bar.add_task(label, total=None)
        if event.endswith("total"):
            self.bar.update(self.tasks[kind], total=n)
        else:
            self.bar.advance(self.tasks[kind], n)


def _print_run(report: api.RunReport, db: Path) -> None:
    s = report.summary
    table = Table(title=f"storyline run #{report.run_id} → {db}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("files seen", str(report.files))
    table.add_row("files unchanged (skipped)", str(report.files_unchanged))
    table.add_row("new articles", str(report.articles_new))
    table.add_row("already stored (skipped)", str(report.articles_existing))
    n_rejects = sum(report.reject_counts.values())
    table.add_row("rejected inputs (this run)", str(n_rejects))
    table.add_row("articles in knowledge base", str(s["articles"]))
    table.add_row("duplicate groups", str(s["duplicate_groups"]))
    table.add_row("articles that are duplicates", str(s["duplicates"]))
    table.add_row("removed boilerplate spans", str(s["removals"]))
    table.add_row("articles analysed (this run)", str(report.articles_analysed))
    table.add_row("actors / mentions", f"{s['actors']} / {s['mentions']}")
    table.add_row("time expressions", str(s["timexes"]))
    table.add_row("quotes", str(s["quotes"]))
    table.add_row("events: new / all (mentions)", f"{s['new_events']} / {s['events']} ({s['event_mentions']})")
    table.add_row("stories / arcs", f"{s['stories']} / {s['arcs']}")
    out.print(table)
    if 0 < s["articles"] <= 20:  # a small knowledge base: show what is in it
        arts = Table(title="articles", title_justify="left")
        arts.add_column("id", no_wrap=True)
        arts.add_column("date", no_wrap=True)
        arts.add_column("outlet", max_width=16)
        arts.add_column("title", ratio=1)
        arts.add_column("copy of", no_wrap=True)
        with api.open_kb(db) as kb:
            dates = {f["article_id"]: f for f in kb.rows("facts")}
            for a in kb.articles():
                arts.add_row(a["id"], _date_cell(a, dates.get(a["id"])), a["outlet"] or "", a["title"] or "",
                             (a["duplicate_of"] or "")[:8])
            top = sorted(kb.rows("actors"), key=lambda r: (-r["n_mentions"], r["id"]))[:8]
        out.print(arts)
        if top:
            out.print("most mentioned actors: " + ", ".join(f"{r['name']} {r['n_mentions']}" for r in top),
                      highlight=False)
    if s["facts_skipped"]:
        out.print("not analysed, by reason: " + ", ".join(f"{k} {v}" for k, v in s["facts_skipped"].items())
                  + " (storyline export --table facts)")
    if s["removal_reasons"]:
        out.print("removed spans by reason: " + ", ".join(f"{k} {v}" for k, v in s["removal_reasons"].items()))
    if n_rejects:
        out.print(f"[yellow]{n_rejects} input(s) rejected[/] (all kept in the `rejects` table):")
        for reason, n in report.reject_counts.most_common():
            out.print(f"  {reason}: {n}")
        for r in report.rejects[:20]:
            where = r.source_path + (f" #{r.record}" if r.record is not None else "")
            out.print(f"  - {where}: {r.reason} ({r.detail.splitlines()[0][:120] if r.detail else ''})")
        if n_rejects > 20:
            out.print(f"  … {n_rejects - 20} more: storyline export --db {db} --table rejects")


@app.command("export")
def export_cmd(
    db: Path = DB_OPTION,
    table: Optional[str] = typer.Option(None, "--table", "-t", help=f"One of: {', '.join(EXPORTS)}."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help=f"One of: {', '.join(FORMATS)}."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (default: stdout)."),
    all_dir: Optional[Path] = typer.Option(None, "--all", help="Write every table, plus what `storyline import` "
                                           "needs to rebuild the knowledge base, into this folder (jsonl or parquet)."),
    force: bool = typer.Option(False, "--force", help="With --all: overwrite a previous export in the folder."),
) -> None:
    """Export a table as JSONL, CSV or Parquet (stdout by default), or everything with --all DIR."""
    if all_dir is not None:
        if table is not None or out_path is not None:
            raise UsageError("--all writes every table into its folder", hint="drop --table/--out, or drop --all")
        manifest = api.export_all(db, all_dir, fmt, force=force)
        n = sum(t["rows"] for t in manifest["tables"].values())
        err.print(f"wrote {len(manifest['tables'])} tables ({n} rows) and {len(manifest['restore'])} restore files "
                  f"to {all_dir}", highlight=False)
        return
    if table is None:
        raise UsageError("missing --table", hint=f"use --table with one of: {', '.join(EXPORTS)}, or --all DIR")
    if table not in EXPORTS:
        raise UsageError(f"unknown table {table!r}", hint=f"use --table with one of: {', '.join(EXPORTS)}")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint=f"use --format with one of: {', '.join(FORMATS)}")
    if fmt in ("plover", "gdelt") and table != "events":
        raise UsageError(f"format {fmt!r} is for the events table only", hint="use --table events")
    if fmt == "parquet" and out_path is None and sys.stdout.isatty():
        raise UsageError("refusing to write binary Parquet to a terminal", hint="add --out FILE.parquet or redirect")
    with api.open_kb(db) as kb:
        if out_path is None:
            n = kb.export(table, fmt, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with open(out_path, "wb") as fh, Progress(
                TextColumn(f"[bold]export {table}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=err, disable=not err.is_terminal, transient=True,
            ) as bar:
                task = bar.add_task(table, total=kb.count(table))
                n = kb.export(table, fmt, fh, progress=lambda k: bar.advance(task, k))
            err.print(f"wrote {n} {table} rows to {out_path}")


@app.command("import")
def import_cmd(
    folder: Path = typer.Argument(..., help="A folder written by `storyline export --all`."),
    db: Path = DB_OPTION,
    force: bool = typer.Option(False, "--force", help="Replace everything in a non-empty --db."),
) -> None:
    """Rebuild a knowledge base from a full export (`storyline export --all DIR`) into a new --db."""
    counts = api.import_export(folder, db, force=force)
    err.print(f"imported {counts.get('articles', 0)} articles, {counts.get('events', 0)} events and "
              f"{counts.get('stories', 0)} stories from {folder} into {db}", highlight=False)


@app.command()
def stats(db: Path = DB_OPTION, as_json: bool = typer.Option(False, "--json")) -> None:
    """Summarise the knowledge base: counts, removal reasons, reject reasons."""
    with api.open_kb(db) as kb:
        s = kb.summary()
    if as_json:
        out.print_json(json.dumps(s))
        return
    table = Table(show_header=False, title=str(db), title_justify="left")
    for k, v in s.items():
        table.add_row(k, ", ".join(f"{a} {b}" for a, b in v.items()) if isinstance(v, dict) else str(v))
    out.print(table)


@app.command()
def check(db: Path = DB_OPTION, as_json: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Verify the knowledge base: SQLite integrity check plus storyline's invariants (exit 6 on problems)."""
    from .errors import CheckFailed

    report = api.check(db)
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
    else:
        for p in report.problems:
            out.print(str(p), highlight=False, markup=False, soft_wrap=True)
        for what, n in report.omitted.items():
            out.print(f"{what}: {n} more problem(s) of this kind not listed", highlight=False, markup=False)
        if report.ok:
            out.print(f"ok: {db} passed {len(report.checks)} checks ({', '.join(report.checks)})", highlight=False,
                      soft_wrap=True)
    if not report.ok:
        raise CheckFailed(f"{report.n_problems} problem(s) in {db}")


@app.command()
def show(article_id: str = typer.Argument(...), db: Path = DB_OPTION) -> None:
    """Show one article: metadata, clean text, and the removed spans with their reasons."""
    with api.open_kb(db) as kb:
        a = kb.article(article_id)
    if a is None:
        raise UsageError(f"no article with id {article_id!r}", hint="list ids with `storyline export --table articles`")
    for key in ("id", "source_id", "source_path", "title", "subtitle", "byline", "published", "published_source",
                "outlet", "url", "group_id", "duplicate_of"):
        if a.get(key):
            out.print(f"[bold]{key}[/]: {a[key]}", highlight=False)
    out.print()
    out.print(a["text"], highlight=False, markup=False)
    out.print()
    out.print(f"[bold]removed ({len(a['removals'])})[/]")
    for r in a["removals"]:
        snippet = r["text"].replace("\n", "⏎")
        out.print(f"  [{r['start']}:{r['end']}] {r['reason']}: {snippet[:100]}", highlight=False, markup=False)
    f = a.get("facts")
    if f:
        out.print(f"[bold]publication date[/]: {f['date_value'] or 'unknown'} ({f['date_provenance']}, "
                  f"confidence {f['date_confidence']:.2f})" + (f" — {f['reason']}" if f["reason"] else ""))
    if a.get("quotes"):
        out.print(f"[bold]quotes ({len(a['quotes'])})[/]")
        for q in a["quotes"]:
            who = q["speaker_name"] or "?"
            via = f" via {q['channel']}" if q["channel"] else ""
            out.print(f"  [{q['start']}:{q['end']}] {q['kind']} — {who} ({q['cue'] or '-'}{via}): "
                      f"{q['text'][:100]}", highlight=False, markup=False)
    if a.get("timexes"):
        out.print(f"[bold]time expressions ({len(a['timexes'])})[/]")
        for t in a["timexes"]:
            val = t["value"] or f"unresolved: {t['reason']}"
            mod = f" {t['mod']}" if t["mod"] else ""
            out.print(f"  [{t['start']}:{t['end']}] {t['text']!r} → {t['type']} {val}{mod}", highlight=False,
                      markup=False)
    if a.get("mentions"):
        by_actor: dict[str, list[str]] = {}
        for m in a["mentions"]:
            by_actor.setdefault(f"{m['actor_name'] or m['actor_id']} ({m['actor_id']})", []).append(m["text"])
        out.print(f"[bold]actors ({len(by_actor)})[/]")
        for who, texts in sorted(by_actor.items(), key=lambda kv: -len(kv[1])):
            out.print(f"  {who}: " + ", ".join(dict.fromkeys(texts)), highlight=False, markup=False)


@app.command()
def serve(
    db: Path = DB_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; a non-loopback one needs --token."),
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="TCP port."),
    token: Optional[str] = typer.Option(None, "--token", envvar="STORYLINE_TOKEN",
                                        help="Access token every request must carry (Bearer header or ?token=)."),
) -> None:
    """Serve the knowledge base read-only as a web app and HTTP API (docs/web.md)."""
    from .web.serve import serve as _serve

    _serve(db, host=host, port=port, token=token)


actors_app = typer.Typer(help="List and edit the actor registry (add, import, merge, split).",
                         no_args_is_help=True)
app.add_typer(actors_app, name="actors")


@actors_app.command("list")
def actors_list(db: Path = DB_OPTION, limit: int = typer.Option(50, "--limit", "-n", help="Rows to show (0: all)."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Actors of the knowledge base, most mentioned first."""
    with api.open_kb(db) as kb:
        rows = sorted(kb.rows("actors"), key=lambda r: (-r["n_mentions"], r["id"]))
    if limit:
        rows = rows[:limit]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title=f"actors in {db}", title_justify="left")
    for col in ("id", "name", "type", "country", "sector", "mentions", "aliases"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["id"], r["name"], r["type"], r["country"] or "", r["sector"] or "", str(r["n_mentions"]),
                      ", ".join(r["aliases"])[:80])
    out.print(table)


@actors_app.command("add")
def actors_add(
    actor_id: str = typer.Argument(..., help="New id, e.g. per:jane-doe (or an existing id to add aliases)."),
    name: str = typer.Option(..., "--name", help="Canonical name."),
    type_: str = typer.Option("PER", "--type", help="PER, COUNTRY, GOV, IGO, PARTY, MEDIA, ORG, ..."),
    country: Optional[str] = typer.Option(None, "--country", help="ISO 3166 alpha-3 code."),
    sector: Optional[str] = typer.Option(None, "--sector", help="GOV, OPP, MIL, JUD, MED, IGO, CVL, BUS, ..."),
    alias: list[str] = typer.Option([], "--alias", help="Another name (repeatable)."),
    db: Path = DB_OPTION,
) -> None:
    """Add an actor (or aliases of one) and re-analyse the stored articles that name it."""
    with _progress_bar(err.is_terminal) as progress:
        res = api.add_actors(db, [{"id": actor_id, "name": name, "type": type_, "country": country,
                                   "sector": sector, "aliases": alias}], progress=progress)
    out.print(f"added {res['actors']} actor; re-analysed {res['articles_reanalysed']} article(s)")


@actors_app.command("import")
def actors_import(path: Path = typer.Argument(..., help="CSV, YAML or TOML file (docs/actors.md)."),
                  db: Path = DB_OPTION) -> None:
    """Add every actor of a file and re-analyse the stored articles that name them."""
    with _progress_bar(err.is_terminal) as progress:
        res = api.import_actors(db, path, progress=progress)
    out.print(f"imported {res['actors']} actor(s); re-analysed {res['articles_reanalysed']} article(s)")


@actors_app.command("merge")
def actors_merge(src: str = typer.Argument(..., help="Actor id to fold in (it disappears)."),
                 dst: str = typer.Argument(..., help="Actor id that remains."), db: Path = DB_OPTION) -> None:
    """Merge actor SRC into DST in the stored data and in later analyses."""
    res = api.merge_actors(db, src, dst)
    out.print(f"merged {src} into {dst}: {res['mentions']} mention(s), {res['quotes']} quote speaker(s) moved")


@actors_app.command("split")
def actors_split(src: str = typer.Argument(..., help="Actor id to split."),
                 new_id: str = typer.Argument(..., help="Id of the new actor."),
                 alias: list[str] = typer.Option(..., "--alias", help="A name that belongs to the new actor."),
                 name: Optional[str] = typer.Option(None, "--name", help="Name of the new actor (default: 1st alias)."),
                 db: Path = DB_OPTION) -> None:
    """Give SRC's mentions written as one of the --alias names to a new actor NEW_ID."""
    res = api.split_actor(db, src, alias, new_id, name)
    out.print(f"split {new_id} off {src}: {res['mentions']} mention(s), {res['quotes']} quote speaker(s) moved")


@app.command()
def brief(
    db: Path = DB_OPTION,
    story: Optional[str] = typer.Option(None, "--story", help="One story id."),
    arc: Optional[str] = typer.Option(None, "--arc", help="One arc id (all its stories)."),
    actor: Optional[str] = typer.Option(None, "--actor", help="An actor id or name (the stories it appears in)."),
    fmt: str = typer.Option("md", "--format", "-f", help="md or html."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (default: stdout)."),
) -> None:
    """Write a briefing: summary with citations, timeline, who said what, sources (all stories by default)."""
    text = api.brief(db, story=story, arc=arc, actor=actor, fmt=fmt)
    if out_path is None:
        sys.stdout.write(text + "\n")
    else:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote the briefing to {out_path}")


@app.command()
def timeline(
    db: Path = DB_OPTION,
    story: Optional[str] = typer.Option(None, "--story", help="One story id."),
    arc: Optional[str] = typer.Option(None, "--arc", help="One arc id (all its stories)."),
    actor: Optional[str] = typer.Option(None, "--actor", help="An actor id or name."),
    dyad: Optional[tuple[str, str]] = typer.Option(None, "--dyad", help="Two actors (ids or names)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, jsonl or csv."),
) -> None:
    """Dated events (event date apart from publication dates) of a story, arc, actor or dyad, in order."""
    if fmt not in ("table", "jsonl", "csv"):
        raise UsageError(f"unknown timeline format {fmt!r}", hint="use --format table, jsonl or csv")
    pair = tuple(dyad) if dyad and all(dyad) else None
    rows = api.timeline(db, story=story, arc=arc, actor=actor, dyad=pair)
    if fmt == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        import csv

        from .stories.timeline import COLUMNS

        w = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for k, v in r.items()})
        return
    t = Table("date", "source of date", "what", "status", "cites", "published")
    for r in rows:
        cites = r["article_id"] + (f" +{r['n_articles'] - 1}" if r["n_articles"] > 1 else "")
        t.add_row(r["date"] or "undated", r["date_source"], r["label"], r["status"] or r["kind"], cites,
                  r["published"] or "")
    out.print(t) if rows else out.print("no dated or undated events")


stories_app = typer.Typer(help="List and edit stories (merge, split).", no_args_is_help=True)
app.add_typer(stories_app, name="stories")


@stories_app.command("list")
def stories_list(db: Path = DB_OPTION, as_json: bool = typer.Option(False, "--json")) -> None:
    """Stories of the knowledge base with their members."""
    with api.open_kb(db) as kb:
        stories = list(kb.rows("stories"))
        members: dict[str, list[dict]] = {}
        for m in kb.rows("story_members"):
            members.setdefault(m["story_id"], []).append(m)
    if as_json:
        out.print_json(json.dumps([{**s, "members": members.get(s["id"], [])} for s in stories]))
        return
    for s in stories:
        span = " – ".join(dict.fromkeys(d for d in (s["date_start"], s["date_end"]) if d)) or "undated"
        out.print(f"[bold]{s['id']}[/] {s['title']} ({span}; {s['n_articles']} articles, {s['n_outlets']} outlets, "
                  f"arc {s['arc_id'] or '-'})", highlight=False)
        for m in members.get(s["id"], []):
            copy = " (copy)" if m["is_copy"] else ""
            out.print(f"    {m['article_id']} {m['published'] or '':10} {m['outlet'] or '?'}{copy}", highlight=False)


@stories_app.command("merge")
def stories_merge(story_ids: list[str] = typer.Argument(..., help="Two or more story ids."),
                  db: Path = DB_OPTION) -> None:
    """Merge stories into one (kept across re-runs)."""
    n = api.edit_stories(db, "merge", story_ids)
    out.print(f"merged {len(story_ids)} stories; {n} stories now")


@stories_app.command("split")
def stories_split(article_ids: list[str] = typer.Argument(..., help="Articles that form a new story."),
                  db: Path = DB_OPTION) -> None:
    """Move articles out of their stories into a new story of their own (kept across re-runs)."""
    n = api.edit_stories(db, "split", article_ids)
    out.print(f"split {len(article_ids)} article(s) into a new story; {n} stories now")


def _click_exceptions():  # type: ignore[no-untyped-def]
    """Typer ≥ 0.24 vendors click as ``typer._click``; older Typer depends on click itself."""
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older Typer
        from click import exceptions
    return exceptions


def _error_line(line: str) -> None:
    """One line on stderr, never wrapped (Rich would wrap it at the terminal width)."""
    sys.stderr.write(" ".join(line.split()) + "\n")
    sys.stderr.flush()


def main() -> None:
    """Console entry point: one actionable line for user errors, never a traceback."""
    try:
        rv = app(standalone_mode=False)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
    except StorylineError as exc:
        _error_line(exc.one_line())
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted — re-run the same command to resume", highlight=False)
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (`storyline export ... | head`): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except (sqlite3.Error, OSError) as exc:  # disk full, read-only database… during an edit: one coded line
        from .store.sqlite import storage_error

        mapped = storage_error(exc, "the database")
        if mapped is None:
            _internal_error(exc)
        _error_line(mapped.one_line())
        sys.exit(mapped.exit_code)
    except Exception as exc:  # click usage errors and anything unexpected
        click_exc = _click_exceptions()
        if isinstance(exc, click_exc.ClickException):
            if exc.format_message().strip():  # empty for "no arguments: help was printed"
                _error_line(f"error[SL-E100]: {exc.format_message()} — run `storyline --help` for usage")
            sys.exit(exc.exit_code)
        if isinstance(exc, getattr(click_exc, "Abort", getattr(typer, "Abort", ()))):
            sys.exit(130)
        _internal_error(exc)


def _internal_error(exc: BaseException) -> NoReturn:
    _error_line(f"error[SL-E001]: internal error: {type(exc).__name__}: {exc} — please report it with the "
                "command you ran")
    sys.exit(1)


if __name__ == "__main__":
    main()
