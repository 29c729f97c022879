"""Idempotent re-runs, incremental runs, and resume after SIGKILL at arbitrary points."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storyline.engines.local import RunOptions, run
from storyline.store import Store
from storyline.store.export import iter_rows

BODY = (
    "The council voted on {topic} after a long debate that lasted well into the evening hours. "
    "Members of the opposition said the measure would hurt small businesses in the district, "
    "while supporters argued that it was long overdue and would bring {n} new jobs to the area. "
    "The mayor is expected to sign the bill next week, according to a spokesperson for the city."
)


def _corpus(root: Path, n_jsonl: int = 1500, n_txt: int = 30) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with (root / "feed.jsonl").open("w") as fh:
        for i in range(n_jsonl):
            text = BODY.format(topic=f"proposal number {i} on item {i * 7}", n=i)
            if i % 10 == 3:  # a re-published copy of the previous record with an extra line
                text = BODY.format(topic=f"proposal number {i - 1} on item {(i - 1) * 7}", n=i - 1) + "\nRead more."
            fh.write(json.dumps({"id": f"r{i}", "text": text, "url": f"https://example.com/{i}"}) + "\n")
        fh.write("{not json\n")
    for i in range(n_txt):
        (root / f"note{i}.txt").write_text(f"Headline {i}\n\n" + BODY.format(topic=f"plan {i} for zone {i}", n=i))
    (root / "empty.txt").write_text("")
    return root


def _snapshot(db: Path) -> dict[str, list]:
    with Store(db, create=False) as s:
        return {t: sorted(json.dumps(r, sort_keys=True, default=str) for r in iter_rows(s, t))
                for t in ("articles", "removals", "duplicates", "rejects")}


def _strip_run_ids(snap: dict[str, list]) -> dict[str, list]:
    out = dict(snap)
    out["rejects"] = sorted(json.dumps({k: v for k, v in json.loads(r).items() if k != "run_id"}, sort_keys=True)
                            for r in snap["rejects"])
    return out


def test_rerun_adds_nothing_and_new_files_are_incremental(tmp_path):
    src = _corpus(tmp_path / "in", n_jsonl=60, n_txt=5)
    db = tmp_path / "kb.db"
    first = run([src], db)
    assert first.articles_new == 65 and len(first.rejects) == 2  # malformed line + empty file
    before = _snapshot(db)
    again = run([src], db)
    assert again.articles_new == 0 and again.files_unchanged == again.files
    assert _strip_run_ids(_snapshot(db)) == _strip_run_ids(before)
    (src / "late.txt").write_text("Late news\n\n" + BODY.format(topic="a late item", n=99))
    third = run([src], db)
    assert third.articles_new == 1 and third.files_unchanged == third.files - 1


@pytest.mark.parametrize("kill_after", [0.8, 1.6, 2.6])
def test_sigkill_then_resume_equals_uninterrupted_run(tmp_path, kill_after):
    src = _corpus(tmp_path / "in")
    ref_db = tmp_path / "ref.db"
    run([src], ref_db, RunOptions(batch_size=64))
    reference = _strip_run_ids(_snapshot(ref_db))

    db = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "storyline", "run", str(src), "--db", str(db), "--quiet"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # the database is consistent after the kill
    with Store(db) as s:
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    run([src], db, RunOptions(batch_size=64))
    assert _strip_run_ids(_snapshot(db)) == reference


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_lost_or_corrupt_dedup_cache_is_rebuilt(tmp_path, damage):
    src = _corpus(tmp_path / "in", n_jsonl=40, n_txt=3)
    db = tmp_path / "kb.db"
    run([src], db)
    cache = Path(f"{db}.dedup")
    assert cache.exists()
    if damage == "delete":
        cache.unlink()
    else:
        cache.write_bytes(b"garbage" * 1000)
    # a re-scrape of an already stored article arrives: the rebuilt index must still find it
    (src / "rescrape.txt").write_text("Copied\n\n" + BODY.format(topic="plan 1 for zone 1", n=1))
    report = run([src], db)
    assert report.articles_new == 1 and report.stats["dedup"]["index_loaded"] == 43
    with Store(db) as s:
        groups = {r["article_id"]: r["group_id"] for r in iter_rows(s, "duplicates")}
        ids = {r["source_id"]: r["id"] for r in iter_rows(s, "articles")}
    assert groups[ids["rescrape"]] == groups[ids["note1"]]


def test_memory_and_disk_dedup_index_agree(tmp_path):
    src = _corpus(tmp_path / "in", n_jsonl=200, n_txt=5)
    snaps = []
    for mode in ("memory", "disk"):
        db = tmp_path / f"{mode}.db"
        run([src], db, RunOptions(dedup_index=mode))
        snaps.append(_strip_run_ids(_snapshot(db)))
    assert snaps[0] == snaps[1]
