"""One writer at a time, readers never blocked: a second `storyline run` (or an edit) on a database that a
run is writing to is refused at once with a coded error; the lock dies with its process (SIGKILL); the
web app answers every request while a run writes to its database."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storyline import api
from storyline.engines.local import RunOptions, run
from storyline.errors import RunInProgress
from storyline.store import Store
from storyline.store.check import check
from storyline.store.lock import WriterLock, lock_path

NAMES = ["Alexander Lukashenko", "Xi Jinping", "Wang Yi", "Roman Golovchenko", "Vladimir Putin", "Li Qiang"]
BODY = (
    "MINSK, May {d}, 2024 — {a} met {b} in Minsk on Tuesday to discuss {topic}, officials said.\n\n"
    "\"We agreed to expand {topic},\" {a} told reporters, adding that {n} projects would start this year.\n\n"
    "Trade between the two countries grew by {n} percent last year, according to the customs service."
)


def _write_docs(root: Path, start: int, stop: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(start, stop):
        text = BODY.format(d=1 + i % 28, a=NAMES[i % 6], b=NAMES[(i + 1) % 6], topic=f"project {i % 23} cooperation",
                           n=i)
        (root / f"doc{i:04d}.txt").write_text(f"Talks number {i}\n\n{text}\n")


HOLD = ("import sys, time; from storyline.store import Store; s = Store(sys.argv[1], lock='storyline run'); "
        "print('locked', flush=True); time.sleep(120)")


def test_second_run_is_refused_and_the_lock_dies_with_its_process(tmp_path):
    src = tmp_path / "in"
    _write_docs(src, 0, 5)
    db = tmp_path / "kb.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        info = json.loads(lock_path(db).read_text())
        assert info["pid"] == holder.pid and info["command"] == "storyline run"
        # in-process: refused at once, naming the holder
        t0 = time.monotonic()
        with pytest.raises(RunInProgress) as exc:
            run([src], db, RunOptions(facts=False))
        assert time.monotonic() - t0 < 2
        assert exc.value.code == "SL-E205"
        assert exc.value.message == (f"another storyline run (pid {holder.pid}, started {info['started']})"
                                     f" is writing to {db}")
        # the CLI: one line, database-error exit code
        cli = subprocess.run([sys.executable, "-m", "storyline", "run", str(src), "--db", str(db), "--no-facts"],
                             capture_output=True, text=True, timeout=60)
        assert cli.returncode == 3
        lines = cli.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error[SL-E205]: another storyline run (pid {holder.pid},")
        # edits are writers too
        with pytest.raises(RunInProgress):
            api.edit_stories(db, "merge", ["s1", "s2"])
        # readers are not affected by the lock
        assert check(db).ok
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    report = run([src], db, RunOptions(facts=False))  # kill -9 released the lock: no stale lock
    assert report.articles_new == 5
    assert check(db).ok


def test_lock_in_process_and_release(tmp_path):
    db = tmp_path / "kb.db"
    Store(db).close()
    with WriterLock(db, "storyline analyse"):
        with pytest.raises(RunInProgress, match=r"another storyline analyse \(pid \d+, started "):
            Store(db, lock="storyline run")
        with Store(db, create=False, readonly=True) as reader:  # readers open it freely
            assert reader.summary()["articles"] == 0
    with Store(db, lock="storyline run") as s:  # released on exit
        assert s.schema_version > 0
    with Store(db, lock="storyline run"):  # and released on close
        pass


def test_web_app_answers_every_request_while_a_run_writes(tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from storyline.web.app import create_app

    root = tmp_path / "in"
    _write_docs(root / "a", 0, 20)
    _write_docs(root / "b", 20, 300)
    db = tmp_path / "kb.db"
    run([root / "a"], db)  # the knowledge base the server starts on
    client = TestClient(create_app(db, search_path=str(tmp_path / "kb.search"), allowed_hosts={"testserver"}))
    first = client.get("/api/stats").json()
    ids = [a["id"] for a in client.get("/api/articles?limit=20").json()["items"]]
    assert first["articles"] == 20 and len(ids) == 20

    proc = subprocess.Popen([sys.executable, "-m", "storyline", "run", str(root), "--db", str(db), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    monotone = ("articles", "removals", "mentions", "timexes", "quotes")
    seen: list[dict] = [first]
    failures: list[tuple[str, int]] = []
    latencies: list[float] = []
    refused = None
    i = 0
    try:
        while proc.poll() is None:
            i += 1
            story_list = client.get("/api/stories?limit=5")
            stories = [s["id"] for s in story_list.json()["items"]] if story_list.status_code == 200 else []
            urls = ["/api/stats", "/", f"/article/{ids[i % len(ids)]}", "/search?q=Minsk",
                    f"/api/articles/{ids[(i * 7) % len(ids)]}", "/stories", "/api/search?q=cooperation"]
            for url in urls:
                t0 = time.monotonic()
                r = client.get(url)
                latencies.append(time.monotonic() - t0)
                if r.status_code != 200:
                    failures.append((url, r.status_code))
                elif url == "/api/stats":
                    seen.append(r.json())
            for sid in stories[:1]:
                r = client.get(f"/story/{sid}")
                if r.status_code != 200:
                    still_listed = sid in [s["id"] for s in client.get("/api/stories?limit=100").json()["items"]]
                    if r.status_code != 404 or still_listed:  # a story rebuilt away in between is no failure
                        failures.append((f"/story/{sid}", r.status_code))
            if refused is None and _count(db) > first["articles"]:
                try:  # a second writer while the run writes: refused at once
                    run([root / "a"], db, RunOptions(facts=False))
                    refused = False
                except RunInProgress as exc:
                    refused = f"pid {proc.pid}" in exc.message
    finally:
        if proc.poll() is None:
            proc.kill()
        stderr = proc.communicate()[1]
    assert proc.returncode == 0, stderr
    seen.append(client.get("/api/stats").json())
    assert failures == []
    assert refused is True
    for key in monotone:  # counts only grow
        values = [s[key] for s in seen]
        assert values == sorted(values), (key, values)
    # the reads really overlapped the writes: intermediate states were served
    assert seen[-1]["articles"] == 300
    assert len({(s["articles"], s["mentions"]) for s in seen}) >= 3, [(s["articles"], s["mentions"]) for s in seen]
    assert max(latencies) < 10, max(latencies)
    print(f"\n{len(latencies)} requests during the run, 0 failed, max latency {max(latencies):.2f}s, "
          f"{len(seen)} stats samples")
    assert check(db).ok


def _count(db: Path) -> int:
    with Store(db, create=False, readonly=True) as s:
        return s.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
