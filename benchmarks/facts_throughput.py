"""Throughput of the facts stage vs a bare spaCy parse of the same texts.

    python benchmarks/facts_throughput.py [TEXT_DIR] [--limit N] [--repeat R] [--json OUT]

TEXT_DIR holds news articles as .txt files (default: ../shared/data/polnear/train/text, real
political news of 300–1500 words). Both measurements run in the same process over the same
texts with the same batch size: (1) ``nlp.pipe`` alone, (2) the full facts stage (the same parse
plus actors, timexes, quotes and the publication date). Each is repeated R times, alternating,
after one warm-up pass; the best time of each is reported. Target: stage ≤ 1.25 × bare parse.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from storyline import nlp as nlp_mod  # noqa: E402
from storyline.facts.stage import FactsStage  # noqa: E402
from storyline.model import Article  # noqa: E402
from storyline.pipeline import Stats  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "polnear" / "train" / "text"


def load_texts(folder: Path, limit: int) -> list[str]:
    files = sorted(folder.glob("*.txt"))[:limit]
    if not files:
        raise SystemExit(f"no .txt files under {folder}")
    return [f.read_text(encoding="utf-8") for f in files]


def bare(texts: list[str]) -> float:
    t = time.perf_counter()
    for _ in nlp_mod.pipe(texts):
        pass
    return time.perf_counter() - t


def stage(texts: list[str], facts: FactsStage) -> tuple[float, Stats]:
    arts = [Article(id=str(i), source_id=str(i), source_path="", fmt="text", provenance={}, original="", text=t,
                    published="2016-09-20") for i, t in enumerate(texts)]
    stats = Stats()
    t = time.perf_counter()
    facts.process_batch(arts, stats)
    return time.perf_counter() - t, stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    texts = load_texts(args.path, args.limit)
    words = sum(len(t.split()) for t in texts)
    facts = FactsStage()
    bare(texts[:20]), stage(texts[:20], facts)  # warm-up: load the pipeline and the registry
    t_bare, t_stage = [], []
    for _ in range(args.repeat):
        t_bare.append(bare(texts))
        dt, stats = stage(texts, facts)
        t_stage.append(dt)
    b, s = min(t_bare), min(t_stage)
    counts = stats.as_dict().get("facts", {})
    res = {
        "texts": len(texts), "words": words, "bare_s": round(b, 3), "stage_s": round(s, 3),
        "bare_articles_per_s": round(len(texts) / b, 1), "stage_articles_per_s": round(len(texts) / s, 1),
        "ratio": round(s / b, 3), "mentions": counts.get("mentions", 0), "timexes": counts.get("timexes", 0),
        "quotes": counts.get("quotes", 0), "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(), "path": str(args.path),
    }
    print(f"facts stage throughput on {len(texts)} texts ({words} words) from {args.path}")
    print(f"{'':24}{'seconds':>10}{'articles/s':>12}")
    print(f"{'bare nlp.pipe':24}{b:>10.2f}{len(texts) / b:>12.1f}")
    print(f"{'facts stage':24}{s:>10.2f}{len(texts) / s:>12.1f}")
    print(f"ratio stage / bare: {s / b:.3f}  (target ≤ 1.25)   found: {res['mentions']} mentions, "
          f"{res['timexes']} timexes, {res['quotes']} quotes")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
