"""Command line: thin — parses, calls the library API, prints.

Exit codes (docs/cli.md): 0 success (rejects, if any, are listed in the summary); 1 unexpected
internal error; 2 usage error; 3 database error; 4 missing optional dependency; 5 `--strict` and
at least one input was rejected; 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import api
from .engines.local import RunOptions
from .errors import StorylineError, UsageError
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
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes for per-document stages."),
    strict: bool = typer.Option(False, "--strict", help="Exit with code 5 if any input was rejected."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Ingest, clean and deduplicate PATHS into the knowledge base (incremental, resumable)."""
    options = RunOptions(max_bytes=max_bytes, workers=workers)
    show_progress = not quiet and not as_json and err.is_terminal
    with Progress(
        TextColumn("[bold]storyline run"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
        TimeElapsedColumn(), console=err, disable=not show_progress, transient=True,
    ) as bar:
        task = bar.add_task("files", total=None)

        def progress(event: str, n: int) -> None:
            if event == "total":
                bar.update(task, total=n)
            else:
                bar.advance(task, n)

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
    out.print(table)
    if 0 < s["articles"] <= 20:  # a small knowledge base: show what is in it
        arts = Table(title="articles", title_justify="left")
        arts.add_column("id", no_wrap=True)
        arts.add_column("date", no_wrap=True)
        arts.add_column("outlet", max_width=16)
        arts.add_column("title", ratio=1)
        arts.add_column("copy of", no_wrap=True)
        with api.open_kb(db) as kb:
            for a in kb.articles():
                arts.add_row(a["id"], a["published"] or "", a["outlet"] or "", a["title"] or "",
                             (a["duplicate_of"] or "")[:8])
        out.print(arts)
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
    table: str = typer.Option(..., "--table", "-t", help=f"One of: {', '.join(EXPORTS)}."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help=f"One of: {', '.join(FORMATS)}."),
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", help="Output file (default: stdout)."),
) -> None:
    """Export a table as JSONL, CSV or Parquet (stdout by default)."""
    if table not in EXPORTS:
        raise UsageError(f"unknown table {table!r}", hint=f"use --table with one of: {', '.join(EXPORTS)}")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint=f"use --format with one of: {', '.join(FORMATS)}")
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
    except Exception as exc:  # click usage errors and anything unexpected
        click_exc = _click_exceptions()
        if isinstance(exc, click_exc.ClickException):
            if exc.format_message().strip():  # empty for "no arguments: help was printed"
                _error_line(f"error[SL-E100]: {exc.format_message()} — run `storyline --help` for usage")
            sys.exit(exc.exit_code)
        if isinstance(exc, click_exc.Abort):
            sys.exit(130)
        _error_line(f"error[SL-E001]: internal error: {type(exc).__name__}: {exc} — please report it with the "
                    "command you ran")
        sys.exit(1)


if __name__ == "__main__":
    main()
