"""WCXB (Web Content eXtraction Benchmark) article pages: storyline vs plain trafilatura, same run.

Usage: python benchmarks/wcxb.py [DATA_DIR] [--json OUT]
DATA_DIR defaults to ../shared/data/wcxb-dev relative to the repo root.

Text: WCXB word-level P/R/F1 (lower-cased ``\\w+`` bag of words), macro over pages; ``with`` /
``without`` snippet rates averaged over the pages that have snippets (lower ``without`` is
better). Metadata: exact match after normalisation (whitespace collapsed, case folded; dates
as ISO ``YYYY-MM-DD``) over the pages whose gold field is present.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trafilatura  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from scoring import snippet_rate, wcxb_metrics  # noqa: E402

from storyline.clean.html import extract_html  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "wcxb-dev"
META_FIELDS = ("title", "author", "date")
_ISO_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}")

Prediction = dict[str, str | None]  # text, title, author, date


def load(data_dir: Path) -> list[dict[str, Any]]:
    """Gold rows of answers.jsonl, each with its ``html``."""
    pages = []
    with (data_dir / "answers.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            with gzip.open(data_dir / "html" / f"{row['id']}.html.gz", "rt", encoding="utf-8") as page:
                row["html"] = page.read()
            pages.append(row)
    return pages


def norm_text(value: str | None) -> str | None:
    """Whitespace collapsed, case folded; None for empty."""
    if value is None:
        return None
    out = " ".join(value.split()).casefold()
    return out or None


def norm_date(value: str | None) -> str | None:
    """ISO ``YYYY-MM-DD`` when the value starts with one, else the normalised string."""
    if value is None:
        return None
    match = _ISO_PREFIX.match(value.strip())
    return match.group() if match else norm_text(value)


def plain_trafilatura(html: str, url: str | None) -> Prediction:
    """trafilatura with its defaults (comments off), text and metadata from one call."""
    doc = trafilatura.bare_extraction(html, url=url, include_comments=False, with_metadata=True)
    if doc is None:
        return {"text": "", "title": None, "author": None, "date": None}
    return {"text": doc.text or "", "title": doc.title, "author": doc.author, "date": doc.date}


def storyline(html: str, url: str | None) -> Prediction:
    result = extract_html(html, url=url)
    meta = result.meta
    return {"text": result.text, "title": meta.get("title"), "author": meta.get("byline"), "date": meta.get("published")}


SYSTEMS: dict[str, Callable[[str, str | None], Prediction]] = {"storyline": storyline, "trafilatura": plain_trafilatura}


def meta_accuracy(pages: list[dict[str, Any]], preds: list[Prediction]) -> dict[str, float]:
    gold_key = {"title": "title", "author": "author", "date": "publish_date"}
    out: dict[str, float] = {}
    for field in META_FIELDS:
        norm = norm_date if field == "date" else norm_text
        pairs = [(norm(p[gold_key[field]]), norm(pred[field])) for p, pred in zip(pages, preds, strict=True)]
        pairs = [(g, q) for g, q in pairs if g]
        out[f"{field}_acc"] = statistics.mean(g == q for g, q in pairs) if pairs else 0.0
        out[f"{field}_n"] = len(pairs)
    return out


def _mean_rate(pages: list[dict[str, Any]], preds: list[Prediction], key: str) -> float:
    rates = [snippet_rate(p[key], pred["text"]) for p, pred in zip(pages, preds, strict=True)]
    present = [r for r in rates if r is not None]
    return statistics.mean(present) if present else 0.0


def run(pages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    golds = [p["main_content"] for p in pages]
    for name, system in SYSTEMS.items():
        start = time.perf_counter()
        preds = [system(p["html"], p.get("url")) for p in pages]
        elapsed = time.perf_counter() - start
        metrics: dict[str, Any] = dict(wcxb_metrics(golds, [p["text"] for p in preds]))
        metrics["with_rate"] = _mean_rate(pages, preds, "with")
        metrics["without_rate"] = _mean_rate(pages, preds, "without")
        metrics.update(meta_accuracy(pages, preds))
        metrics["docs_per_s"] = len(pages) / elapsed if elapsed else 0.0
        metrics["n"] = len(pages)
        results[name] = metrics
    return results


def render(results: dict[str, dict[str, Any]]) -> Table:
    first = next(iter(results.values()))
    table = Table(
        title=f"WCXB dev articles ({first['n']} pages); metadata n: title {first['title_n']}, "
        f"author {first['author_n']}, date {first['date_n']}"
    )
    cols = ("system", "P", "R", "F1", "with↑", "without↓", "title", "author", "date", "docs/s")
    for col in cols:
        table.add_column(col, justify="left" if col == "system" else "right")
    keys = ("precision", "recall", "f1", "with_rate", "without_rate", "title_acc", "author_acc", "date_acc")
    for name, m in results.items():
        table.add_row(name, *(f"{m[k]:.3f}" for k in keys), f"{m['docs_per_s']:.1f}")
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write machine-readable results here")
    args = parser.parse_args(argv)
    results = run(load(args.data_dir))
    Console(width=140).print(render(results))
    if args.json:
        payload = {"benchmark": "wcxb-dev", "trafilatura_version": trafilatura.__version__, "results": results}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
