"""Load test (issue 8): the web app under a realistic request mix while an ingestion writes to its database.

    python benchmarks/web_load.py [--data ../shared/data] [--base 2000] [--ingest 2000] [--duration 300]
                                  [--clients 4] [--max-requests 200000] [--work /tmp/storyline-load]

1. Builds (once, cached in ``--work``) a knowledge base with ``storyline run`` (facts on) over a generated
   story corpus of ``--base`` articles (benchmarks/corpus.py, seed 1).
2. Starts ``storyline serve`` on a free loopback port, then — while the load runs — a real
   ``storyline run`` (facts on) of another generated corpus (``--ingest`` articles, seed 2) into the
   same database (``--ingest 0``: no ingestion, the same load on a fixed database).
3. ``--clients`` threads send keep-alive requests for ``--duration`` seconds (bounded by
   ``--max-requests``) in a fixed mix: story 30%, article 25%, actor 20%, search 15%, home 5%,
   stories/actors lists 5%; ids are re-read from the database every 10 s so pages of newly ingested
   articles are requested too. Any status other than 200 or a connection error is a failed request.
4. Reports throughput, p50/p95/p99/max latency per page type and overall, failed requests, and the
   server's RSS sampled every 5 s (first, last, max, and the slope of a least-squares line over the
   second half of the run, in MB/min).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate_news, load_news_paragraphs, write_news  # noqa: E402
from webserver import start_server  # noqa: E402

STORYLINE = [sys.executable, "-m", "storyline"]
MIX = [("story", 30), ("article", 25), ("actor", 20), ("search", 15), ("home", 5), ("lists", 5)]
WORDS = ["government", "president", "police", "court", "election", "minister", "fire", "earthquake", "arrested",
         "\"prime minister\"", "talks", "killed", "company", "team", "said"]


def make_corpus(out: Path, n: int, seed: int, data: Path) -> Path:
    if not (out.parent / f"{out.name}.done").exists():
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        pool = load_news_paragraphs(data / "pagetext-dev" / "gold.jsonl", data / "ecbplus" / "docs")
        write_news(out, generate_news(n, seed, pool))
        (out.parent / f"{out.name}.done").write_text("")
    return out


class Targets:
    """Page paths to request, refreshed from the database while the ingestion adds rows."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.lock = threading.Lock()
        self.ids: dict[str, list[str]] = {}
        self.refresh()

    def refresh(self) -> None:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            ids = {
                "story": [r[0] for r in con.execute("SELECT id FROM stories")],
                "article": [r[0] for r in con.execute("SELECT id FROM articles")],
                "actor": [r[0] for r in con.execute(
                    "SELECT actor_id FROM mentions GROUP BY actor_id ORDER BY count(*) DESC LIMIT 2000")],
            }
        finally:
            con.close()
        with self.lock:
            self.ids = ids

    def path(self, rng: random.Random, kind: str) -> str:
        with self.lock:
            pool = self.ids.get(kind) or []
        if kind == "home":
            return "/"
        if kind == "lists":
            return rng.choice(["/stories", "/actors"])
        if kind == "search":
            return "/search?q=" + urllib.parse.quote(rng.choice(WORDS))
        if not pool:
            return "/"
        return f"/{kind}/{urllib.parse.quote(rng.choice(pool), safe=':')}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data")
    ap.add_argument("--base", type=int, default=2000)
    ap.add_argument("--ingest", type=int, default=2000)
    ap.add_argument("--duration", type=float, default=300)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/storyline-load"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    base = make_corpus(args.work / f"base-{args.base}", args.base, 1, args.data)
    extra = make_corpus(args.work / f"ingest-{args.ingest}", args.ingest, 2, args.data) if args.ingest else None
    seed_db = args.work / f"base-{args.base}.db"
    if not seed_db.exists():
        t0 = time.perf_counter()
        subprocess.run(STORYLINE + ["run", str(base), "--db", str(seed_db), "--quiet"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"built the base knowledge base in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    db = args.work / "load.db"
    for suffix in ("", "-wal", "-shm", ".dedup", ".lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(seed_db)
    dst = sqlite3.connect(db)
    src.backup(dst)
    src.close()
    dst.close()

    server, port, _ = start_server(db, timeout=600)
    ingest = None
    try:
        targets = Targets(db)
        proc = psutil.Process(server.pid)
        if extra is not None:  # --ingest 0: the same load on a fixed database (the baseline for memory)
            ingest = subprocess.Popen(STORYLINE + ["run", str(extra), "--db", str(db), "--quiet", "--json"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        results: list[tuple[str, float, bool]] = []
        failures: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()
        start = time.perf_counter()
        deadline = start + args.duration
        kinds = [k for k, _ in MIX]
        weights = [w for _, w in MIX]

        def client(i: int) -> None:
            rng = random.Random(i)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while not stop.is_set() and time.perf_counter() < deadline:
                kind = rng.choices(kinds, weights)[0]
                path = targets.path(rng, kind)
                t = time.perf_counter()
                ok = False
                try:
                    conn.request("GET", path)
                    resp = conn.getresponse()
                    resp.read()
                    ok = resp.status == 200
                    err = f"HTTP {resp.status} {path}"
                except (OSError, http.client.HTTPException) as exc:
                    err = f"{type(exc).__name__} {path}"
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    results.append((kind, ms, ok))
                    if not ok:
                        failures.append(err)
                    if len(results) >= args.max_requests:
                        stop.set()
            conn.close()

        rss: list[tuple[float, float]] = []
        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()
        next_refresh = next_sample = start
        ingest_done_at = None
        while any(t.is_alive() for t in threads):
            now = time.perf_counter()
            if now >= next_sample:
                rss.append((now - start, proc.memory_info().rss / 2**20))
                next_sample += 5
            if now >= next_refresh:
                targets.refresh()
                next_refresh += 10
            if ingest is not None and ingest_done_at is None and ingest.poll() is not None:
                ingest_done_at = now - start
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        rss.append((elapsed, proc.memory_info().rss / 2**20))
    finally:
        server.terminate()
        server.wait(10)
    ing_out, ing_err = ingest.communicate() if ingest is not None else ("", "")
    if ingest is not None and ingest.returncode != 0:
        print(f"ingestion failed ({ingest.returncode}): {ing_err.strip()[-500:]}", file=sys.stderr)
    ing = json.loads(ing_out) if ing_out.strip() else {}

    print(f"# web load test — {time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} cores")
    print(f"`python benchmarks/web_load.py {' '.join(sys.argv[1:])}`\n")
    print(f"{len(results):,} requests in {elapsed:.0f} s from {args.clients} clients = {len(results) / elapsed:.1f} req/s;"
          f" failed requests: {len(failures)}")
    when = (f"finished {ingest_done_at:.0f} s into the load" if ingest_done_at
            else "still running when the load ended; waited for")
    if ingest is None:
        print("no ingestion (--ingest 0): the same load on a fixed database\n")
    else:
        print(f"ingestion during the load: {ing.get('articles_new', '?')} new articles ({when});"
              f" knowledge base at the end: {ing.get('knowledge_base', {}).get('articles', '?')} articles\n")
    print("| page | requests | p50 ms | p95 ms | p99 ms | max ms | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in [*kinds, "all"]:
        times = [ms for k, ms, _ in results if kind in ("all", k)]
        if len(times) < 2:
            continue
        q = statistics.quantiles(times, n=100)
        bad = sum(1 for k, _, ok in results if kind in ("all", k) and not ok)
        print(f"| {kind} | {len(times):,} | {q[49]:.0f} | {q[94]:.0f} | {q[98]:.0f} | {max(times):.0f} | {bad} |")
    half = [(t, m) for t, m in rss if t >= elapsed / 2]
    slope = _slope(half) * 60 if len(half) >= 3 else float("nan")
    print(f"\nserver RSS MB: first {rss[0][1]:.0f}, max {max(m for _, m in rss):.0f}, last {rss[-1][1]:.0f};"
          f" slope over the second half {slope:+.2f} MB/min")
    print("RSS samples (s: MB): " + ", ".join(f"{t:.0f}: {m:.0f}" for t, m in rss[:: max(1, len(rss) // 12)]))
    if failures:
        print("first failures: " + "; ".join(failures[:5]))


def _slope(points: list[tuple[float, float]]) -> float:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


if __name__ == "__main__":
    main()
