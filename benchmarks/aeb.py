"""Article Extraction Benchmark (ScrapingHub/Zyte): storyline vs plain trafilatura, same run.

Usage: python benchmarks/aeb.py [DATA_DIR] [--json OUT] [--n-bootstrap N] [--seed S]
DATA_DIR defaults to ../shared/data/aeb relative to the repo root. Scored exactly as the
benchmark's evaluate.py (see benchmarks/scoring.py); ± is the bootstrap standard deviation.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trafilatura  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from scoring import aeb_metrics  # noqa: E402

from storyline.clean.html import extract_html  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "aeb"


def load(data_dir: Path) -> list[dict[str, Any]]:
    """Pages sorted by id: ``{"id", "html", "gold", "url"}``."""
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        with gzip.open(data_dir / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as fh:
            html = fh.read()
        pages.append({"id": page_id, "html": html, "gold": truth[page_id].get("articleBody", ""), "url": truth[page_id].get("url")})
    return pages


def plain_trafilatura(html: str, url: str | None) -> str:
    """trafilatura as the ScrapingHub benchmark ran it (no URL, comments off)."""
    return trafilatura.extract(html, include_comments=False) or ""


def storyline(html: str, url: str | None) -> str:
    return extract_html(html, url=url).text


SYSTEMS: dict[str, Callable[[str, str | None], str]] = {"storyline": storyline, "trafilatura": plain_trafilatura}


def run(pages: list[dict[str, Any]], n_boot: int, seed: int) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    golds = [p["gold"] for p in pages]
    for name, system in SYSTEMS.items():
        start = time.perf_counter()
        preds = [system(p["html"], p["url"]) for p in pages]
        elapsed = time.perf_counter() - start
        metrics = aeb_metrics(golds, preds, n_boot=n_boot, seed=seed)
        metrics["docs_per_s"] = len(pages) / elapsed if elapsed else 0.0
        metrics["n"] = len(pages)
        results[name] = metrics
    return results


def render(results: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=f"AEB ({next(iter(results.values()))['n']} pages), ScrapingHub shingle scoring")
    for col in ("system", "precision", "recall", "F1", "accuracy", "docs/s"):
        table.add_column(col, justify="left" if col == "system" else "right")
    for name, m in results.items():
        table.add_row(
            name,
            *(f"{m[k]:.3f} ± {m[k + '_std']:.3f}" for k in ("precision", "recall", "f1", "accuracy")),
            f"{m['docs_per_s']:.1f}",
        )
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write machine-readable results here")
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    results = run(load(args.data_dir), args.n_bootstrap, args.seed)
    Console(width=140).print(render(results))
    if args.json:
        payload = {"benchmark": "aeb", "trafilatura_version": trafilatura.__version__, "results": results}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
