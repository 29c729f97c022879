"""Faults during a run: a full disk, a read-only database, SIGKILL. The run stops with one coded error,
the database stays consistent (`storyline check` is clean) and a re-run completes the job with the same
content as an uninterrupted run.

A full disk is simulated with ``PRAGMA max_page_count`` (SQLite answers SQLITE_FULL exactly as on a full
disk), a read-only database with ``PRAGMA query_only`` (SQLITE_READONLY; chmod does not bind root, who
runs the CI) and, when not root, with chmod as well.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import storyline.engines.local as local
from storyline import cli
from storyline.engines.local import RunOptions, run
from storyline.errors import DatabaseReadOnly, DiskFull
from storyline.store import Store
from storyline.store.check import check
from storyline.store.export import iter_rows

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["Alexander Lukashenko", "Xi Jinping", "Wang Yi", "Roman Golovchenko", "Vladimir Putin"]
BODY = (
    "MINSK, March {d}, 2024 — {a} met {b} on Tuesday to discuss {topic}, officials said.\n\n"
    "\"We will deepen our cooperation in {topic},\" {a} told reporters after the talks in Minsk.\n\n"
    "The two sides signed {n} agreements, according to a statement published by the ministry on Wednesday."
)


def _corpus(root: Path, n: int = 40) -> Path:
    root.mkdir(parents=True)
    for f in (ROOT / "examples" / "belarus-china").iterdir():
        shutil.copy(f, root / f.name)
    for i in range(n):
        a, b = NAMES[i % 5], NAMES[(i + 2) % 5]
        text = BODY.format(d=1 + i % 28, a=a, b=b, topic=f"trade item {i % 17}", n=i)
        if i % 7 == 6:  # a syndicated copy of the previous story
            text = BODY.format(d=1 + (i - 1) % 28, a=NAMES[(i - 1) % 5], b=NAMES[(i + 1) % 5],
                               topic=f"trade item {(i - 1) % 17}", n=i - 1) + "\n\nRead more on our site."
        (root / f"wire{i:03d}.txt").write_text(f"Talks in Minsk {i}\n\n{text}\n")
    return root


TABLES = ("articles", "removals", "duplicates", "rejects", "mentions", "timexes", "quotes", "facts", "events",
          "event_mentions", "stories", "story_members", "actors")
VOLATILE = {"run_id"}


def _content(db: Path) -> dict[str, list[str]]:
    with Store(db, create=False, readonly=True) as s:
        out = {t: sorted(json.dumps({k: v for k, v in r.items() if k not in VOLATILE}, sort_keys=True, default=str)
                         for r in iter_rows(s, t)) for t in TABLES}
        out["summary"] = [json.dumps(s.summary(), sort_keys=True)]
    return out


def _page_count(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA page_count").fetchone()[0]
    finally:
        con.close()


def _assert_clean(db: Path) -> None:
    report = check(db)
    assert report.ok, [str(p) for p in report.problems]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path, dict]:
    """The corpus, a reference database from one uninterrupted run, and its content."""
    base = tmp_path_factory.mktemp("faults")
    src = _corpus(base / "in")
    ref = base / "ref.db"
    run([src], ref, RunOptions(batch_size=8, facts_batch=8))
    return src, ref, _content(ref)


def _limited_store(monkeypatch, configure):
    """Make the run's Store call ``configure(store)`` right after opening (simulated storage faults)."""

    class FaultyStore(Store):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            configure(self)

    monkeypatch.setattr(local, "Store", FaultyStore)


@pytest.mark.parametrize("fraction", [0.4, 0.97])
def test_disk_full_mid_run_then_rerun_completes(corpus, tmp_path, monkeypatch, fraction):
    src, ref, reference = corpus
    limit = int(_page_count(ref) * fraction)
    db = tmp_path / "kb.db"
    _limited_store(monkeypatch, lambda s: s.conn.execute(f"PRAGMA max_page_count = {limit}"))
    with pytest.raises(DiskFull) as info:
        run([src], db, RunOptions(batch_size=8, facts_batch=8))
    assert info.value.code == "SL-E206" and "disk is full" in info.value.message
    monkeypatch.undo()
    _assert_clean(db)  # reopens, passes integrity and invariants
    with Store(db, create=False, readonly=True) as s:
        partial = s.summary()
        last = s.conn.execute("SELECT status FROM runs ORDER BY id DESC").fetchone()[0]
    assert partial != json.loads(reference["summary"][0])  # it really stopped part-way
    assert last in ("failed", "running")  # 'running' when even recording the failure found no space
    report = run([src], db, RunOptions(batch_size=8, facts_batch=8))  # space freed: the re-run finishes
    _assert_clean(db)
    assert _content(db) == reference
    assert report.summary == json.loads(reference["summary"][0])


def test_disk_full_cli_prints_one_coded_line(corpus, tmp_path, monkeypatch, capsys):
    src, ref, _ = corpus
    limit = int(_page_count(ref) * 0.5)
    db = tmp_path / "kb.db"
    _limited_store(monkeypatch, lambda s: s.conn.execute(f"PRAGMA max_page_count = {limit}"))
    monkeypatch.setattr(sys, "argv", ["storyline", "run", str(src), "--db", str(db), "--quiet"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 3
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error[SL-E206]: the disk is full")
    assert "free disk space" in lines[0]
    _assert_clean(db)


def test_read_only_database_changes_nothing(corpus, tmp_path, monkeypatch):
    src, ref, reference = corpus
    db = tmp_path / "kb.db"
    shutil.copy(ref, db)  # an existing knowledge base (the reference is checkpointed: one file)
    (src / "late.txt").write_text("Late news\n\n" + BODY.format(d=3, a=NAMES[0], b=NAMES[1], topic="late", n=1))
    try:
        before = _content(db)
        _limited_store(monkeypatch, lambda s: s.conn.execute("PRAGMA query_only = ON"))
        with pytest.raises(DatabaseReadOnly) as info:
            run([src], db, RunOptions(batch_size=8, facts_batch=8))
        assert info.value.code == "SL-E207" and "read-only" in info.value.message
        monkeypatch.undo()
        assert _content(db) == before
        with Store(db, create=False, readonly=True) as s:
            assert s.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1  # not even a run row
        _assert_clean(db)
        assert run([src], db, RunOptions(batch_size=8, facts_batch=8)).articles_new == 1  # writable again
    finally:
        (src / "late.txt").unlink()


def test_database_turning_read_only_mid_run(corpus, tmp_path, monkeypatch):
    """Writes start failing after a few batches (e.g. the file system was remounted read-only)."""
    src, _, reference = corpus
    db = tmp_path / "kb.db"
    calls = {"n": 0, "stored": 0}
    real = Store.write_batch

    def flaky(self, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            self.conn.execute("PRAGMA query_only = ON")
        else:
            calls["stored"] += len(kw["articles"])
        return real(self, **kw)

    monkeypatch.setattr(Store, "write_batch", flaky)
    with pytest.raises(DatabaseReadOnly):
        run([src], db, RunOptions(batch_size=8, facts_batch=8))
    monkeypatch.undo()
    _assert_clean(db)
    with Store(db, create=False, readonly=True) as s:
        n = s.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert calls["n"] == 3 and n == calls["stored"] > 0  # the two whole batches before it, nothing of the third
    run([src], db, RunOptions(batch_size=8, facts_batch=8))
    assert _content(db) == reference


def _unprivileged() -> list[str]:
    """A command prefix under which file permissions bind: none for a normal user; for root (the CI), the
    capabilities that bypass them dropped with `setpriv`; skip where neither is possible."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]
    if shutil.which("setpriv") is None or subprocess.run(prefix + ["true"], capture_output=True).returncode != 0:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE: chmod does not bind")
    return prefix


def test_chmod_read_only_file_and_directory(corpus, tmp_path):
    """Real permissions: a read-only database file, then also a read-only folder (no lock or -wal possible)."""
    src, ref, _ = corpus
    prefix = _unprivileged()
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "kb.db"
    shutil.copy(ref, db)
    before = _content(db)
    (src / "late.txt").write_text("Late news\n\n" + BODY.format(d=3, a=NAMES[0], b=NAMES[1], topic="late", n=1))
    cmd = prefix + [sys.executable, "-m", "storyline", "run", str(src), "--db", str(db), "--no-facts", "--quiet"]
    try:
        db.chmod(0o444)
        as_file = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        for name in ("kb.db.lock", "kb.db-wal", "kb.db-shm"):
            (folder / name).unlink(missing_ok=True)
        folder.chmod(0o555)
        as_folder = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        checked = subprocess.run(prefix + [sys.executable, "-m", "storyline", "check", "--db", str(db)],
                                 capture_output=True, text=True, timeout=120)
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
        (src / "late.txt").unlink()
    for res in (as_file, as_folder):
        lines = res.stderr.strip().splitlines()
        assert res.returncode == 3 and len(lines) == 1 and lines[0].startswith("error[SL-E207]: "), res.stderr
    assert "make the database file, its directory and its -wal/-shm files writable" in as_file.stderr
    assert checked.returncode == 0 and checked.stdout.startswith("ok: "), checked.stdout + checked.stderr
    assert _content(db) == before  # nothing changed
    _assert_clean(db)


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


KILL_SCRIPT = ("import sys; from storyline.engines.local import RunOptions, run; "
               "run([sys.argv[1]], sys.argv[2], RunOptions(batch_size=4, facts_batch=4))")


@pytest.mark.parametrize("phase", ["SELECT count(*) FROM articles", "SELECT count(*) FROM article_facts"],
                         ids=["ingest", "facts"])
def test_sigkill_mid_run_then_check_and_rerun(corpus, tmp_path, phase):
    """SIGKILL once the run has stored some articles (ingest) or some facts (analysis)."""
    src, _, reference = corpus
    db = tmp_path / "kb.db"
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(src), str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _count(db, phase) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _assert_clean(db)
    with Store(db, create=False, readonly=True) as s:
        assert s.conn.execute("SELECT status FROM runs").fetchone()[0] == "running"  # killed, not finished
    run([src], db, RunOptions(batch_size=8, facts_batch=8))  # the writer lock died with the process
    _assert_clean(db)
    assert _content(db) == reference
