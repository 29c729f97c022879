"""Throughput and memory of clean + dedup on a generated corpus (one core, in-process).

For each corpus size: documents are generated on the fly (benchmarks/corpus.py), cleaned and
fingerprinted with the same per-document function the engine uses, then added to the dedup index.
Each size runs in a fresh process. Reports docs/s, words/s, duplicates found, peak RSS and its growth
over the process's baseline after imports. With ``--db`` it also times the whole
``storyline run`` (JSONL file → SQLite) at the largest size.

    python benchmarks/throughput.py [PARAGRAPHS=../shared/data/pagetext-dev/gold.jsonl] [--sizes 2000 10000 40000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DEFAULT_PARAGRAPHS, generate, load_paragraphs  # noqa: E402

from storyline.dedup import DedupConfig, DedupIndex, Fingerprint  # noqa: E402
from storyline.engines.local import process_doc  # noqa: E402
from storyline.model import Article, RawDoc  # noqa: E402


def rss_mb() -> float:
    """Peak RSS of this process (VmHWM; ru_maxrss would carry the parent's peak across fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(n: int, paragraphs: list[str], seed: int, index_mode: str = "disk") -> dict[str, float]:
    cfg = DedupConfig()
    tmp = tempfile.TemporaryDirectory()
    index = DedupIndex.open(cfg, Path(tmp.name) / "index.dedup" if index_mode == "disk" else None)
    words = dups = kept = 0
    rss0 = rss_mb()
    t0 = time.perf_counter()
    for name, text in generate(n, seed, paragraphs):
        raw = RawDoc(id=name, source_id=name, fmt="text", content=text, provenance={"path": name})
        out, fp, _ = process_doc(raw, cfg)
        if isinstance(out, Article):
            kept += 1
            words += len(text.split())
            if index.add(Fingerprint.from_bytes(fp)):
                dups += 1
    index.close()
    dt = time.perf_counter() - t0
    tmp.cleanup()
    return {"index": index_mode, "docs": n, "articles": kept, "dup_docs": dups, "seconds": dt, "docs_per_s": n / dt,
            "words_per_s": words / dt, "peak_rss_mb": rss_mb(), "rss_growth_mb": rss_mb() - rss0}


def measure_run(n: int, paragraphs: list[str], seed: int, workers: int) -> dict[str, float]:
    from storyline.engines.local import RunOptions, run

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for name, text in generate(n, seed, paragraphs):
                fh.write(json.dumps({"id": name, "text": text}) + "\n")
        t0 = time.perf_counter()
        report = run([src], Path(tmp) / "kb.db", RunOptions(workers=workers, facts=False))  # clean + dedup only
        dt = time.perf_counter() - t0
    return {"docs": n, "workers": workers, "seconds": dt, "docs_per_s": n / dt,
            "articles": report.summary["articles"], "duplicates": report.summary["duplicates"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paragraphs", nargs="?", type=Path, default=DEFAULT_PARAGRAPHS)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000, 40000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--run-size", type=int, default=10000, help="size for the end-to-end `storyline run` timing")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--index", nargs="+", choices=["disk", "memory"], default=["disk", "memory"],
                    help="dedup index storage(s) to measure in-process")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    paragraphs = load_paragraphs(args.paragraphs)
    rows = []
    print(f"{'index':>6} {'docs':>8} {'articles':>8} {'dups':>6} {'docs/s':>8} {'words/s':>9} {'peak RSS MB':>11} {'RSS +MB':>8}")
    ctx = multiprocessing.get_context("spawn")
    for mode, n in [(m, n) for m in args.index for n in args.sizes]:
        with ctx.Pool(1) as pool:  # a fresh process per size: peak RSS is per size, not cumulative
            r = pool.apply(measure, (n, paragraphs, args.seed, mode))
        rows.append(r)
        print(f"{mode:>6} {r['docs']:>8} {r['articles']:>8} {r['dup_docs']:>6} {r['docs_per_s']:>8.0f} {r['words_per_s']:>9.0f}"
              f" {r['peak_rss_mb']:>11.0f} {r['rss_growth_mb']:>8.0f}", flush=True)
    runs = []
    if args.run_size:
        print(f"\nend to end `storyline run` (JSONL → SQLite), {args.run_size} docs")
        print(f"{'workers':>7} {'seconds':>8} {'docs/s':>8} {'articles':>8} {'duplicates':>10}")
        for w in args.workers:
            r = measure_run(args.run_size, paragraphs, args.seed, w)
            runs.append(r)
            print(f"{w:>7} {r['seconds']:>8.1f} {r['docs_per_s']:>8.0f} {r['articles']:>8} {r['duplicates']:>10}",
                  flush=True)
    if args.json:
        args.json.write_text(json.dumps({"in_process": rows, "end_to_end": runs}, indent=2))


if __name__ == "__main__":
    main()
