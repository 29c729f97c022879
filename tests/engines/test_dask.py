"""The Dask engine gives exactly the local engine's knowledge base; it resumes; `load` rebuilds it.

One LocalCluster (2 worker processes) is shared by the module. The facts stage (spaCy, slow to load in
each worker) runs only in the example-corpus test; the generated-corpus tests run with --no-facts.
"""

from __future__ import annotations

import builtins
import json
import random
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from storyline import api  # noqa: E402
from storyline.dedup import DedupConfig  # noqa: E402
from storyline.engines import dask as dask_engine  # noqa: E402
from storyline.engines import parts  # noqa: E402
from storyline.engines.local import RunOptions, run  # noqa: E402
from storyline.errors import DatasetError, MissingDependency  # noqa: E402
from storyline.store import Store  # noqa: E402
from storyline.store.export import EXPORTS, iter_rows  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster:
        yield cluster.scheduler_address


def _kb(db: Path, *, run_ids: bool = True) -> dict[str, list[str]]:
    """Every exported table's rows; ``run_ids=False`` leaves out which run wrote a reject (a resumed run
    counts one more run than an uninterrupted one)."""
    with Store(db) as s:
        return {t: [json.dumps({k: v for k, v in r.items() if run_ids or k != "run_id"}, sort_keys=True, default=str)
                    for r in iter_rows(s, t)] for t in EXPORTS}


def _groups(db: Path) -> list[tuple[str, ...]]:
    with Store(db) as s:
        rows = list(s.query("SELECT group_id, article_id FROM duplicates ORDER BY group_id, article_id"))
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["group_id"], []).append(r["article_id"])
    return sorted(tuple(v) for v in out.values())


def _local(paths, db, **kw):
    return run(paths, db, RunOptions(workers=1, **kw))


def _dask(paths, db, scheduler, **kw):
    return run(paths, db, RunOptions(engine="dask", scheduler=scheduler, **kw))


# ------------------------------------------------------------------ a generated corpus
def _corpus(root: Path, seed: int = 7, n: int = 30) -> Path:
    """Originals plus exact copies, near-duplicates, truncated copies, syndicated copies with other
    boilerplate, a same-name same-bytes copy (same id), and two bad files."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(600)]

    def para(k: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(k)).capitalize() + "."

    root.mkdir(parents=True)
    originals = []
    for i in range(n):
        title = " ".join(rng.choice(vocab) for _ in range(6)).title()
        body = [para(rng.randint(40, 70)) for _ in range(rng.randint(3, 6))]
        originals.append((title, body))
        (root / f"orig_{i:03d}.txt").write_text(title + "\n\n" + "\n\n".join(body) + "\n")
    for i in range(8):  # exact copies under another name
        title, body = originals[i]
        (root / f"copy_{i:03d}.txt").write_text(title + "\n\n" + "\n\n".join(body) + "\n")
    for i in range(8, 16):  # near-duplicates: a few words changed
        title, body = originals[i]
        words = "\n\n".join(body).split(" ")
        for _ in range(3):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        (root / f"near_{i:03d}.txt").write_text(title + "\n\n" + " ".join(words) + "\n")
    for i in range(16, 22):  # truncated copies
        title, body = originals[i]
        (root / f"trunc_{i:03d}.txt").write_text(title + "\n\n" + "\n\n".join(body[: max(1, len(body) // 2)]) + "\n")
    for i in range(22, 28):  # syndicated: other boilerplate around the same body
        title, body = originals[i]
        (root / f"synd_{i:03d}.txt").write_text(
            f"{title}\n\nBy Staff Reporter\n\n" + "\n\n".join(body) + "\n\n" + para(25) + "\n\nShare this article\n")
    for i in (28, 29):  # a family: many variants of one story fill its buckets past small caps
        title, body = originals[i]
        words = "\n\n".join(body).split(" ")
        for j in range(6):
            w = list(words[: len(words) * (10 - j) // 10])
            w[rng.randrange(len(w))] = rng.choice(vocab)
            (root / f"fam_{i:03d}_{j}.txt").write_text(title + "\n\n" + " ".join(w) + "\n")
    sub = root / "mirror"
    sub.mkdir()
    (sub / "orig_000.txt").write_bytes((root / "orig_000.txt").read_bytes())  # same name and bytes: same id
    (root / "empty.txt").write_text("  \n")
    (root / "blob.txt").write_bytes(bytes(range(256)) * 8)
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _corpus(tmp_path_factory.mktemp("gen") / "in")


# ------------------------------------------------------------------ tests
def test_examples_with_facts_same_kb_as_local_and_load_rebuilds_it(tmp_path, scheduler):
    _local([EXAMPLES], tmp_path / "local.db")
    report = _dask([EXAMPLES], tmp_path / "dask.db", scheduler)
    local, dask = _kb(tmp_path / "local.db"), _kb(tmp_path / "dask.db")
    assert local["mentions"] and local["event_mentions"] and local["stories"]  # the facts stage ran
    assert dask == local
    assert report.articles_new == 5 and report.articles_analysed == 5
    assert report.stats["dask"]["facts_partitions_computed"] >= 1
    api.load(tmp_path / "dask.db.parts", tmp_path / "loaded.db")
    assert _kb(tmp_path / "loaded.db") == local


@pytest.mark.parametrize("caps", [(32, 64), (2, 3)], ids=["default-caps", "tiny-caps"])
def test_generated_corpus_same_kb_as_local(tmp_path, scheduler, corpus, caps):
    cfg = DedupConfig(max_band_bucket=caps[0], max_anchor_bucket=caps[1])
    lr = _local([corpus], tmp_path / "local.db", facts=False, dedup=cfg)
    dr = _dask([corpus], tmp_path / "dask.db", scheduler, facts=False, dedup=cfg)
    local, dask = _kb(tmp_path / "local.db"), _kb(tmp_path / "dask.db")
    groups = _groups(tmp_path / "local.db")
    if caps == (32, 64):
        assert len(groups) >= 20  # copies, near-duplicates, truncations, syndications found
    assert _groups(tmp_path / "dask.db") == groups
    assert dask == local
    assert {r.reason for r in dr.rejects} == {r.reason for r in lr.rejects} == {"empty", "binary"}
    assert dr.articles_existing == lr.articles_existing == 1  # the mirrored same-id file
    for stage in ("ingest", "clean"):
        assert dr.stats[stage] == lr.stats[stage]
    assert dr.stats["dask"]["clean_partitions_computed"] > 1  # really split over the workers


def test_incremental_runs_match_local(tmp_path, scheduler, corpus):
    first = sorted(p for p in corpus.iterdir() if p.is_file())[::2]
    for engine in ("local", "dask"):
        db = tmp_path / f"{engine}.db"
        go = (lambda paths, db=db: _local(paths, db, facts=False)) if engine == "local" else \
            (lambda paths, db=db: _dask(paths, db, scheduler, facts=False))
        go(first)
        report = go([corpus])
        assert report.files_unchanged == len(first)
    assert _kb(tmp_path / "dask.db") == _kb(tmp_path / "local.db")
    # two plans in the dataset; loading it into a new database gives the same knowledge base
    assert [p.number for p in parts.Dataset(tmp_path / "dask.db.parts").plans()] == [1, 2]
    api.load(tmp_path / "dask.db.parts", tmp_path / "loaded.db")
    assert _kb(tmp_path / "loaded.db") == _kb(tmp_path / "dask.db")
    again = api.load(tmp_path / "dask.db.parts", tmp_path / "loaded.db")  # already there: nothing added
    assert again.articles_new == 0


def test_resume_after_a_crash_skips_done_partitions(tmp_path, scheduler, corpus, monkeypatch):
    _local([corpus], tmp_path / "local.db", facts=False)
    db = tmp_path / "dask.db"

    def crash(*a, **k):
        raise RuntimeError("driver died")

    monkeypatch.setattr(dask_engine, "_dedup", crash)
    with pytest.raises(RuntimeError):
        _dask([corpus], db, scheduler, facts=False)
    monkeypatch.undo()
    ds = parts.Dataset(f"{db}.parts")
    (plan,) = ds.plans()
    n = len(plan.partitions)
    assert n > 2 and plan.state == "positioned"
    ds.clean_part(1, 1).unlink()  # as if its worker died before writing it
    report = _dask([corpus], db, scheduler, facts=False)
    assert report.stats["dask"]["clean_partitions_reused"] == n - 1
    assert report.stats["dask"]["clean_partitions_computed"] == 1
    assert _kb(db, run_ids=False) == _kb(tmp_path / "local.db", run_ids=False)


def test_load_cut_short_is_completed_by_the_next_run(tmp_path, scheduler, corpus, monkeypatch):
    _local([corpus], tmp_path / "local.db", facts=False)
    db = tmp_path / "dask.db"
    real = parts.row_article
    calls = {"n": 0}

    def dying(row):
        calls["n"] += 1
        if calls["n"] > 20:
            raise RuntimeError("driver died while loading")
        return real(row)

    monkeypatch.setattr(parts, "row_article", dying)
    with pytest.raises(RuntimeError):
        _dask([corpus], db, scheduler, facts=False, batch_size=8)
    monkeypatch.undo()
    with Store(db) as s:
        assert 0 < s.count("articles") < len(_kb(tmp_path / "local.db")["articles"])  # whole batches only
    report = _dask([corpus], db, scheduler, facts=False, batch_size=8)
    assert report.stats["dask"]["plans_resumed"] == 1
    assert "clean_partitions_computed" not in report.stats["dask"]  # dedup and clean were not redone
    assert _kb(db, run_ids=False) == _kb(tmp_path / "local.db", run_ids=False)


def test_load_refuses_a_foreign_database_and_a_non_dataset(tmp_path, scheduler, corpus):
    sub = sorted(p for p in corpus.iterdir() if p.is_file())[:6]
    _dask(sub, tmp_path / "a.db", scheduler, facts=False)
    _local([EXAMPLES], tmp_path / "other.db", facts=False)
    from storyline.errors import DatasetMismatch

    with pytest.raises(DatasetMismatch) as e:
        api.load(tmp_path / "a.db.parts", tmp_path / "other.db")
    assert e.value.one_line().startswith("error[SL-E221]")
    with pytest.raises(DatasetError) as e2:
        api.load(tmp_path, tmp_path / "x.db")
    assert e2.value.one_line().startswith("error[SL-E220]")


def test_missing_dask_is_a_one_line_install_hint(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'", name="distributed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(MissingDependency) as e:
        run([EXAMPLES], tmp_path / "kb.db", RunOptions(engine="dask"))
    line = e.value.one_line()
    assert line.startswith("error[SL-E300]") and "pip install 'storyline[dask]'" in line
    assert not (tmp_path / "kb.db").exists()  # nothing was started
