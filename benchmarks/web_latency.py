"""Latency of the web app's pages on a large generated knowledge base, with a loopback load generator.

    python benchmarks/web_latency.py [--articles 100000] [--db /tmp/storyline-web-100k.db] [--requests 300]
                                     [--concurrency 4] [--json OUT]

1. Builds (once; reused when the file exists) a knowledge base of N articles through the store's own
   write path: article texts assembled from real paragraphs (benchmarks/corpus.py), and synthetic
   facts in realistic volumes — ~15 actor mentions per article over a Zipf-distributed pool of 5 000
   actors, ~3 quotes and ~2 event mentions per article, merged into events like a real run. No NLP
   runs here: the benchmark is about serving, not extraction.
2. Starts `storyline serve` in a subprocess on a free loopback port, warms it up (the first search
   builds the FTS5 cache), then sends R requests per page type from C client threads (http.client,
   keep-alive) and prints p50/p95/max per page type. Stories are clustered by the real clusterer.
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import random
import statistics
import sys
import threading
import urllib.parse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import load_paragraphs  # noqa: E402
from webserver import start_server, wait_for_fresh_search  # noqa: E402

from storyline.engines.local import rebuild_events, rebuild_stories  # noqa: E402
from storyline.model import Article, Span  # noqa: E402
from storyline.store import Store  # noqa: E402

OUTLETS = [f"Outlet {i}" for i in range(60)]
TYPES = [("CONSULT", 1, 2.1), ("SUPPORT", 1, 4.6), ("ACCUSE", 3, -2.0), ("COERCE", 4, -7.0), ("AID", 2, 7.4)]


class _Actor:
    def __init__(self, i: int):
        self.id = f"per:actor-{i}"
        self.name = f"Actor Number{i}"
        self.type, self.country, self.sector = "PER", "XXX", "GOV"
        self.aliases = [f"Number{i}"]
        self.attrs: dict = {}


def build(db: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    paras = load_paragraphs()
    actors = [_Actor(i) for i in range(5000)]
    weights = [1 / (i + 1) for i in range(len(actors))]
    t0 = time.time()
    with Store(db) as store:
        batch = 1000
        for start in range(0, n, batch):
            arts = []
            for i in range(start, min(n, start + batch)):
                text = "\n\n".join(rng.sample(paras, 4))
                day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                a = Article(id=f"a{i:07d}", source_id=f"s{i}", source_path=f"/gen/{i}.txt", fmt="text",
                            provenance={"path": f"/gen/{i}.txt"}, original=text, text=text, title=text[:70],
                            published=day, published_source="source_field", outlet=rng.choice(OUTLETS),
                            content_hash=f"h{i}")
                chosen = rng.choices(actors, weights, k=15)
                words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\w+", text)]
                spans = rng.sample(words, min(len(words), 15 + 3 + 2))
                a.spans["mentions"] = [Span(s, e, "name", text[s:e], {"actor_id": act.id, "country": "XXX",
                                                                       "sector": "GOV"})
                                       for (s, e), act in zip(spans[:15], chosen)]
                a.spans["quotes"] = [Span(s, e, "direct", text[s:e], {"speaker_id": chosen[k].id,
                                                                       "speaker_name": chosen[k].name})
                                     for k, (s, e) in enumerate(spans[15:18])]
                evs = []
                for k, (s, e) in enumerate(spans[18:20]):
                    typ, quad, inten = rng.choice(TYPES)
                    role = lambda act: {"start": s, "end": e, "text": text[s:e], "actor_id": act.id,  # noqa: E731
                                        "country": "XXX", "sector": "GOV"}
                    evs.append(Span(s, e, typ, text[s:e], {
                        "type": typ, "mode": None, "context": [], "quad": quad, "intensity": inten,
                        "actors": [role(chosen[2 * k])], "recipients": [role(chosen[2 * k + 1])],
                        "trigger_start": s, "trigger_end": e, "trigger": text[s:e], "date": day,
                        "date_source": "publication", "negated": False, "hypothetical": False, "future": False,
                        "historical": rng.random() < 0.2, "reported_in_quote": False, "cues": [],
                        "rule": "synthetic", "coder": "synthetic"}))
                a.spans["events"] = evs
                a.facts = {"status": "ok", "dct_input": day, "new_actors": []}
                arts.append(a)
            store.write_batch(articles=arts)
            store.write_facts(arts, actors if start == 0 else [], version=0)
            print(f"\r  built {min(n, start + batch)}/{n} articles ({time.time() - t0:.0f} s)", end="", flush=True)
        print()
        rebuild_events(store)
        t1 = time.time()
        n_stories = rebuild_stories(store)
        print(f"  clustered into {n_stories} stories in {time.time() - t1:.0f} s")
    print(f"  knowledge base ready in {time.time() - t0:.0f} s: {db} ({db.stat().st_size / 1e6:.0f} MB)")


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, float]:
    t = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    return resp.status, (time.perf_counter() - t) * 1000


def measure(port: int, paths: list[str], concurrency: int) -> tuple[list[float], int]:
    times: list[float] = []
    errors = 0
    lock = threading.Lock()
    todo = list(paths)

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not todo:
                    break
                path = todo.pop()
            status, ms = _get(conn, path)
            with lock:
                times.append(ms)
                errors += status != 200
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--build-only", action="store_true", help="build the knowledge base and stop")
    args = ap.parse_args()
    db = args.db or Path(f"/tmp/storyline-web-{args.articles}.db")
    if not db.exists():
        build(db, args.articles)
    if args.build_only:
        return
    server, port, ready_s = start_server(db)
    try:
        print(f"  server ready in {ready_s:.1f} s (includes building the search cache on first start)")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        t = time.perf_counter()
        status, _ = _get(conn, "/search?q=government")
        fresh = wait_for_fresh_search(port)  # a changed database is re-indexed in the background
        print(f"  warm-up search: {time.perf_counter() - t:.1f} s, HTTP {status} (search cache current after "
              f"{fresh:.1f} s more)")
        rng = random.Random(1)
        top = [f"/actor/per:actor-{i}" for i in range(20)]
        with Store(db, create=False, readonly=True) as st:
            stories = [r[0] for r in st.query("SELECT id FROM stories ORDER BY n_articles DESC")]
        pages = {
            "home": ["/"] * args.requests,
            "article": [f"/article/a{rng.randrange(args.articles):07d}" for _ in range(args.requests)],
            "actor (top 20)": [rng.choice(top) for _ in range(args.requests)],
            "actor (random)": [f"/actor/per:actor-{rng.randrange(5000)}" for _ in range(args.requests)],
            "story (largest 20)": [f"/story/{rng.choice(stories[:20])}" for _ in range(args.requests)],
            "story (random)": [f"/story/{rng.choice(stories)}" for _ in range(args.requests)],
            "search": [f"/search?q={urllib.parse.quote(w)}" for w in rng.choices(
                ["government", "president", "election", "minister", "police", "economy", "talks", "war",
                 "court", "protest", "minister AND government", "\"prime minister\""], k=args.requests)],
        }
        rows = {}
        for name, paths in pages.items():
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=600)  # the server closes idle keep-alives
            _get(warm, paths[0])  # one warm request per page type
            warm.close()
            times, errors = measure(port, paths, args.concurrency)
            q = statistics.quantiles(times, n=100)
            rows[name] = {"n": len(times), "errors": errors, "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1),
                          "max_ms": round(max(times), 1)}
        print(f"web latency on {args.articles} articles ({db}), {args.concurrency} client threads, "
              f"{args.requests} requests per page type")
        print(f"{'page':20}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'errors':>8}")
        for name, r in rows.items():
            print(f"{name:20}{r['p50_ms']:>10}{r['p95_ms']:>10}{r['max_ms']:>10}{r['errors']:>8}")
        if args.json:
            args.json.write_text(json.dumps({"articles": args.articles, "concurrency": args.concurrency,
                                             "machine": platform.machine(), "pages": rows}, indent=2))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
