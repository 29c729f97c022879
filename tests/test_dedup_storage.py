"""The SQLite-backed dedup index: same matches as in memory, and a cache that heals itself."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyline.dedup import DedupConfig, DedupIndex, DupMatch, Fingerprint, SqliteIndexStorage, fingerprint

CFG = DedupConfig()
TIGHT = DedupConfig(max_band_bucket=2, max_anchor_bucket=3)  # caps reached by the corpus below


def _corpus(seed: int = 7, n_originals: int = 40) -> list[tuple[str, str]]:
    """Random-word articles with exact, appended, prefixed, truncated and short copies."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    shared = " ".join(rng.choice(vocab) for _ in range(12))  # a boilerplate sentence in many texts
    docs: list[tuple[str, str]] = []
    for i in range(n_originals):
        body = " ".join(rng.choice(vocab) for _ in range(rng.randint(60, 160)))
        words = body.split()
        docs.append((f"o{i:03d}", f"{shared} {body}"))
        docs.append((f"x{i:03d}", f"{shared} {body}"))
        docs.append((f"a{i:03d}", f"{shared} {body} please support our reporting today"))
        docs.append((f"t{i:03d}", " ".join(words[: int(len(words) * rng.uniform(0.4, 0.8))])))
        docs.append((f"s{i:03d}", " ".join(words[:8])))
    docs.append(("empty", ""))
    rng.shuffle(docs)
    return docs


def _fps(cfg: DedupConfig, seed: int = 7) -> list[Fingerprint]:
    return [fingerprint(i, t, cfg) for i, t in _corpus(seed)]


def _source(kb: list[Fingerprint]):  # the knowledge base's fingerprints, as the store yields them
    def fingerprints_from(pos: int) -> Iterator[bytes]:
        return (fp.to_bytes() for fp in kb[pos:])

    return fingerprints_from


def _in_memory(fps: list[Fingerprint], cfg: DedupConfig) -> list[list[DupMatch]]:
    index = DedupIndex(cfg)
    return [index.add(fp) for fp in fps]


def _tables(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        tables = ("log", "hashes", "bands", "anchors")
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}


@pytest.mark.parametrize("cfg", [CFG, TIGHT], ids=["default", "tight-caps"])
@pytest.mark.parametrize("seed", [7, 11])
def test_sqlite_matches_equal_in_memory_matches(tmp_path: Path, cfg: DedupConfig, seed: int) -> None:
    fps = _fps(cfg, seed)
    expected = _in_memory(fps, cfg)
    with DedupIndex.open(cfg, tmp_path / "kb.dedup", commit_every=17) as index:
        assert [index.add(fp) for fp in fps] == expected
        assert index.count == len(fps)
        assert len(index) == len(DedupIndex(cfg)) + len({fp.content_hash for fp in fps if fp.n_words})
    assert sum(map(len, expected)) > 100  # the corpus really has duplicates of every kind
    assert {m.reason for ms in expected for m in ms} == {"exact", "near_duplicate", "contained"}


def test_caps_are_honoured(tmp_path: Path) -> None:
    fps = _fps(TIGHT)
    with DedupIndex.open(TIGHT, tmp_path / "kb.dedup") as index:
        for fp in fps:
            index.add(fp)
    with sqlite3.connect(tmp_path / "kb.dedup") as conn:
        band_max = conn.execute("SELECT max(n) FROM (SELECT count(*) n FROM bands GROUP BY key)").fetchone()[0]
        anchor_max = conn.execute("SELECT max(n) FROM (SELECT count(*) n FROM anchors GROUP BY key)").fetchone()[0]
    assert band_max == TIGHT.max_band_bucket
    assert anchor_max == TIGHT.max_anchor_bucket + 1  # the extra entry marks a stopped bucket


def test_reopen_and_continue_equals_one_session(tmp_path: Path) -> None:
    fps = _fps(CFG)
    expected = _in_memory(fps, CFG)
    cut = len(fps) // 2
    path = tmp_path / "kb.dedup"
    with DedupIndex.open(CFG, path) as index:
        index.sync(0, _source([]))
        got = [index.add(fp) for fp in fps[:cut]]
    with DedupIndex.open(CFG, path) as index:
        report = index.sync(cut, _source(fps[:cut]))
        assert (report.kept, report.dropped, report.loaded, report.rebuilt) == (cut, 0, 0, None)
        got += [index.add(fp) for fp in fps[cut:]]
    assert got == expected


def test_cache_behind_loads_only_the_tail(tmp_path: Path) -> None:
    fps = _fps(CFG)
    expected = _in_memory(fps, CFG)
    path = tmp_path / "kb.dedup"
    with DedupIndex.open(CFG, path) as index:
        for fp in fps[:50]:
            index.add(fp)
    with DedupIndex.open(CFG, path) as index:  # the knowledge base got 70 more meanwhile
        report = index.sync(120, _source(fps[:120]))
        assert (report.kept, report.loaded, report.rebuilt) == (50, 70, None)
        assert [index.add(fp) for fp in fps[120:]] == expected[120:]


def _damage_missing(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _damage_corrupt(path: Path) -> None:
    _damage_missing(path)
    path.write_bytes(b"not a database" * 500)


def _damage_truncated_log(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM log WHERE pos >= 30")


@pytest.mark.parametrize("damage", [_damage_missing, _damage_corrupt, _damage_truncated_log])
def test_missing_corrupt_or_inconsistent_cache_is_rebuilt(tmp_path: Path, damage) -> None:
    fps = _fps(CFG)
    expected = _in_memory(fps, CFG)
    path = tmp_path / "kb.dedup"
    with DedupIndex.open(CFG, path) as index:
        for fp in fps[:100]:
            index.add(fp)
    damage(path)
    with DedupIndex.open(CFG, path) as index:
        report = index.sync(100, _source(fps[:100]))
        assert (report.kept, report.loaded) == (0, 100)
        assert [index.add(fp) for fp in fps[100:]] == expected[100:]


def test_cache_for_other_settings_is_rebuilt(tmp_path: Path) -> None:
    fps = _fps(CFG)
    path = tmp_path / "kb.dedup"
    with DedupIndex.open(CFG, path) as index:
        for fp in fps[:100]:
            index.add(fp)
    storage = SqliteIndexStorage(path, TIGHT)
    assert storage.count == 0 and "settings" in (storage.reset_reason or "")
    index = DedupIndex(TIGHT, storage)
    assert index.sync(100, _source(fps[:100])).loaded == 100
    assert [index.add(fp) for fp in fps[100:]] == _in_memory(fps, TIGHT)[100:]
    index.close()


def test_cache_of_another_knowledge_base_is_rebuilt(tmp_path: Path) -> None:
    fps = _fps(CFG)
    other = _fps(CFG, seed=11)
    path = tmp_path / "kb.dedup"
    with DedupIndex.open(CFG, path) as index:
        for fp in other[:100]:
            index.add(fp)
    with DedupIndex.open(CFG, path) as index:
        report = index.sync(100, _source(fps[:100]))
        assert report.rebuilt is not None and report.loaded == 100
        assert [index.add(fp) for fp in fps[100:]] == _in_memory(fps, CFG)[100:]


def test_cache_ahead_of_killed_run_is_repaired_exactly(tmp_path: Path) -> None:
    """The cache committed 40 adds the knowledge base never did: they are dropped, no ghost matches."""
    fps = _fps(TIGHT)
    kb_count = 90
    path, fresh = tmp_path / "kb.dedup", tmp_path / "fresh.dedup"
    with DedupIndex.open(TIGHT, path, commit_every=10) as index:
        for fp in fps[: kb_count + 40]:
            index.add(fp)
    with DedupIndex.open(TIGHT, fresh) as index:
        index.sync(kb_count, _source(fps[:kb_count]))
    with DedupIndex.open(TIGHT, path) as index:
        report = index.sync(kb_count, _source(fps[:kb_count]))
        assert (report.kept, report.dropped, report.loaded, report.rebuilt) == (kb_count, 40, 0, None)
    assert _tables(path) == _tables(fresh)  # exactly what a rebuild from the knowledge base gives
    ghosts = {fp.article_id for fp in fps[kb_count : kb_count + 40]}
    texts = dict(_corpus())
    later = [fingerprint(f"new-{i}", texts[i], TIGHT) for i in sorted(ghosts)]  # the same texts, new ids
    with DedupIndex.open(TIGHT, path) as index:
        got = [index.add(fp) for fp in later]
    assert not any(m.other_id in ghosts for ms in got for m in ms)
    assert got == _in_memory(fps[:kb_count] + later, TIGHT)[kb_count:]


def test_memory_index_sync_loads_or_rebuilds() -> None:
    fps = _fps(CFG)
    index = DedupIndex.open(CFG)
    assert index.sync(60, _source(fps[:60])).loaded == 60
    assert index.sync(60, _source(fps[:60])).rebuilt is not None  # cannot verify itself: rebuilds
    assert index.count == 60
    assert [index.add(fp) for fp in fps[60:]] == _in_memory(fps, CFG)[60:]
