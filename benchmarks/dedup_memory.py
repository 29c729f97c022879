"""Peak memory and speed of the dedup index: in-memory vs SQLite-backed storage.

Documents come from benchmarks/corpus.py's ``generate()`` (real paragraphs from pagetext-dev's
gold main text, ~25% duplicates). The corpus is written to a temporary JSONL file first, then
every (size, storage) pair runs in a fresh process that streams the file, fingerprints each text
and adds it to a ``DedupIndex`` — so the child's peak RSS is the index plus the interpreter, not
the generator. The child also digests its matches: both storages must report the same digest.

    python benchmarks/dedup_memory.py [DATA=../shared/data/pagetext-dev] [--sizes 10000 50000 100000]
        [--storages memory sqlite] [--json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import generate, load_paragraphs  # noqa: E402

from storyline.dedup import DedupConfig, DedupIndex, fingerprint  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "pagetext-dev"


def _status_mib(field: str) -> float:
    """``VmHWM`` (peak) or ``VmRSS`` (current) of this process, in MiB.

    Not ``ru_maxrss``: Linux carries that over ``exec`` from the parent, so a spawned child
    would report the parent's peak.
    """
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def measure(corpus: Path, n: int, storage: str, workdir: Path) -> dict[str, object]:
    """Runs in a fresh process: fingerprint + add the first ``n`` documents of ``corpus``."""
    cfg = DedupConfig()
    path = workdir / f"index-{storage}-{n}.dedup" if storage == "sqlite" else None
    index = DedupIndex.open(cfg, path)
    index.sync(0, lambda pos: iter(()))
    digest = hashlib.sha256()
    matches = nbytes = 0
    base = _status_mib("VmRSS")
    seconds = 0.0
    with corpus.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i == n:
                break
            doc = json.loads(line)
            nbytes += len(doc["text"].encode("utf-8"))
            t0 = time.perf_counter()
            found = index.add(fingerprint(doc["id"], doc["text"], cfg))
            seconds += time.perf_counter() - t0
            matches += len(found)
            for m in found:
                digest.update(f"{m.article_id}|{m.other_id}|{m.reason}|{m.similarity}|{m.containment}\n".encode())
    t0 = time.perf_counter()
    index.close()
    seconds += time.perf_counter() - t0
    return {
        "storage": storage,
        "docs": n,
        "avg_kb": round(nbytes / n / 1024, 2),
        "docs_per_s": round(n / seconds),
        "matches": matches,
        "digest": digest.hexdigest()[:12],
        "base_rss_mib": round(base, 1),
        "peak_rss_mib": round(_status_mib("VmHWM"), 1),
        "growth_mib": round(_status_mib("VmHWM") - base, 1),
        "file_mib": round(path.stat().st_size / 2**20, 1) if path else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, nargs="?", default=DEFAULT_DATA, help="folder holding gold.jsonl")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    ap.add_argument("--storages", nargs="+", choices=["memory", "sqlite"], default=["memory", "sqlite"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    results = []
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as fh:
            for name, text in generate(max(args.sizes), args.seed, load_paragraphs(args.data / "gold.jsonl")):
                fh.write(json.dumps({"id": name, "text": text}) + "\n")
        with ctx.Pool(1, maxtasksperchild=1) as pool:
            for n in args.sizes:
                for storage in args.storages:
                    row = pool.apply(measure, (corpus, n, storage, work))
                    results.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    cols = ["storage", "docs", "avg_kb", "docs_per_s", "matches", "digest", "base_rss_mib", "peak_rss_mib",
            "growth_mib", "file_mib"]
    print(" | ".join(cols))
    for row in results:
        print(" | ".join(str(row[c]) for c in cols))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
