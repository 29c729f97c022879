"""Replay fuzzed corpora through the real run driver and account for every record.

    python fuzz/replay_corpus.py [--work /tmp/storyline-fuzz] [TARGET ...]

Each file of ``WORK/corpus/TARGET`` (reader targets only) is written as an input file with the
target's extension (``*_gz`` mode byte applied), then the whole folder goes through
:func:`storyline.engines.local.run` into a fresh SQLite database (facts stage off: this checks
ingest → clean → dedup → store). Then, per file: the records ``read_path`` yields must equal the
articles plus rejects the database holds for that file (``sources.n_articles + n_rejects``), and
the file must be ``done``. Prints one row per target: files, records, articles, rejects,
unaccounted, and whether the run raised. Exit status 1 on any unaccounted record or exception.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from targets import READER_TARGETS, file_bytes  # noqa: E402

from storyline.engines.local import RunOptions, run  # noqa: E402
from storyline.ingest import read_path  # noqa: E402


def replay(target: str, corpus: Path) -> dict[str, object]:
    ext = READER_TARGETS[target][1:]  # ".html.gz"
    with tempfile.TemporaryDirectory(prefix=f"replay-{target}-") as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        expected: dict[str, int] = {}
        for f in sorted(corpus.iterdir()):
            path = inputs / f"{f.name}{ext}"
            path.write_bytes(file_bytes(target, f.read_bytes()))
            expected[str(path)] = len(list(read_path(path)))
        row: dict[str, object] = {"target": target, "files": len(expected), "records": sum(expected.values())}
        if not expected:
            return row | {"articles": 0, "rejects": 0, "unaccounted": 0, "error": ""}
        db = Path(tmp) / "replay.db"
        try:
            report = run([inputs], db, RunOptions(facts=False))
        except Exception as exc:  # noqa: BLE001 - the finding we look for
            return row | {"articles": "-", "rejects": "-", "unaccounted": "-", "error": "".join(traceback.format_exception(exc))[-600:]}
        con = sqlite3.connect(db)
        stored = {p: (status, a, r) for p, status, a, r in con.execute("SELECT path, status, n_articles, n_rejects FROM sources")}
        n_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        n_rejects = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
        reasons = Counter(r for (r,) in con.execute("SELECT reason FROM rejects"))
        con.close()
        unaccounted = 0
        for path, n in expected.items():
            status, a, r = stored.get(os.path.realpath(path), stored.get(path, ("missing", 0, 0)))
            if status != "done" or a + r != n:
                unaccounted += max(n - a - r, 1)
        return row | {
            "articles": n_articles,
            "rejects": n_rejects,
            "unaccounted": max(unaccounted, sum(expected.values()) - n_articles - n_rejects),
            "error": "" if not reasons.get("internal_error") else f"{reasons['internal_error']} internal_error rejects",
            "reasons": dict(reasons.most_common()),
            "new": report.articles_new,
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("targets", nargs="*", default=list(READER_TARGETS))
    ap.add_argument("--work", type=Path, default=Path("/tmp/storyline-fuzz"))
    args = ap.parse_args()
    rows = [replay(t, args.work / "corpus" / t) for t in args.targets if (args.work / "corpus" / t).is_dir()]
    print("| target | files | records | articles | rejects | unaccounted | error |")
    print("|---|---:|---:|---:|---:|---:|---|")
    bad = False
    for r in rows:
        err = str(r.get("error") or "").replace("\n", " ")[:160]
        print(f"| {r['target']} | {r['files']} | {r['records']} | {r['articles']} | {r['rejects']} | {r['unaccounted']} | {err} |")
        bad |= bool(err) or r["unaccounted"] != 0
    for r in rows:
        if r.get("reasons"):
            print(f"{r['target']} rejects by reason: {r['reasons']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
