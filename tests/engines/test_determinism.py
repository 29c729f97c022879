"""Determinism: the same input gives the same ids and the same exported rows on every run.

Each run is a separate Python process with its own PYTHONHASHSEED (set and dict-of-set iteration order
differ between processes, never within one), into a fresh database, followed by a full export
(``storyline.api.export_all``). Compared:

* run A and run B (another hash seed): every file of the full export is byte-identical, except the
  genuinely run-specific columns in ``RUN_SPECIFIC`` (timestamps of the run history and of the file
  completion marks);
* run A and run D (``workers=2``): the same;
* run A and run C: a copy of the corpus in another folder, files with other mtimes, given one by one in
  reverse order. Paths are what the user gave (``source_path``, ``provenance.path``, ``sources.path``,
  ``runs.args``) and so differ; tables documented in arrival order (``ORDER BY seq``) list the same rows
  in another order; every other row and every id is identical.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storyline.store.dump import RESTORE
from storyline.store.export import EXPORTS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "belarus-china"
DEDUP = ROOT / "tests" / "fixtures" / "dedup"

# restore file -> columns that hold when a run happened or how long it took, not what it produced
RUN_SPECIFIC = {"runs": {"started_at", "finished_at", "stats.timing_ms"}, "sources": {"processed_at"}}
# ... and, for a copy of the corpus elsewhere, the paths as given and the copies' mtimes
PATH_COLUMNS = {"articles": {"source_path", "provenance"}, "rejects": {"source_path"}}
# export tables whose documented order is arrival order (articles.seq / rejects.id)
ARRIVAL_ORDER = {"articles", "removals", "mentions", "timexes", "quotes", "facts", "event_mentions", "rejects"}

# two articles that spell the same discovered actors differently: the spelling the actor row keeps must
# not depend on which file came first (it once did: the facts stage ran in arrival order)
SPELLING_A = (
    "Court hears appeal in festival case\n\nThe Alaska Association for Historic Preservation said on Monday "
    "that it would appeal the ruling. Sarah Palin, the former governor, told People magazine that the decision "
    'was "a disgrace". The LA Superior Court is expected to hear the appeal next month, lawyers for the group '
    "said in a statement.\n")
SPELLING_B = (
    "Preservation group loses first round\n\nThe Alaska Association For Historic Preservation lost its case on "
    "Tuesday. Palin told People Magazine in an interview that she was disappointed. The L.A Superior Court ruled "
    "that the festival could go ahead, according to court papers seen by reporters in Anchorage.\n")

RUNNER = """
import sys
from storyline import api
from storyline.engines.local import RunOptions
if __name__ == "__main__":
    db, out, workers, *paths = sys.argv[1:]
    api.run(paths, db, options=RunOptions(workers=int(workers)))
    api.export_all(db, out, "jsonl")
"""


def _corpus(root: Path) -> Path:
    """examples/belarus-china + the dedup fixtures + a JSONL feed with copies, a near copy and rejects."""
    shutil.copytree(EXAMPLES, root / "ex")
    shutil.copytree(DEDUP, root / "dd")
    (root / "spelling").mkdir()
    (root / "spelling" / "a.txt").write_text(SPELLING_A, encoding="utf-8")
    (root / "spelling" / "b.txt").write_text(SPELLING_B, encoding="utf-8")
    body = (EXAMPLES / "001_4d25e49cf89f5061.txt").read_text(encoding="utf-8")
    records = [
        json.dumps({"id": "wire-1", "text": body, "outlet": "Wire One", "published": "2025-01-28"}),
        "{not json",
        json.dumps({"id": "wire-2", "text": body, "outlet": "Wire Two", "url": "https://two.example/a"}),
        json.dumps({"id": "no-text", "title": "only a title"}),
        json.dumps({"id": "wire-3", "text": body.replace("Belarus", "Belarus (Minsk)", 1), "outlet": "Wire Three"}),
    ]
    (root / "feed.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    return root


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("determinism")
    corpus = _corpus(base / "corpus")
    copy = base / "elsewhere" / "copied"
    shutil.copytree(corpus, copy)
    for i, f in enumerate(_files(copy)):  # other mtimes than the original files
        os.utime(f, ns=(1_600_000_000_000_000_000 + i * 1_000_003, 1_600_000_000_000_000_000 + i * 1_000_003))
    runner = base / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    plan = {
        "a": ("1", "1", [str(corpus)]),
        "b": ("2", "1", [str(corpus)]),
        "c": ("3", "1", [str(p) for p in reversed(_files(copy))]),
        "d": ("4", "2", [str(corpus)]),
    }
    procs = {}
    for name, (seed, workers, paths) in plan.items():
        env = {**os.environ, "PYTHONHASHSEED": seed}
        procs[name] = subprocess.Popen(
            [sys.executable, str(runner), str(base / f"{name}.db"), str(base / name), workers, *paths],
            env=env, cwd=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for name, proc in procs.items():
        output, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"run {name} failed:\n{output.decode(errors='replace')[-3000:]}"
    return {name: base / name for name in plan}


def _table(folder: Path, name: str, drop: set[str] = frozenset()) -> list[dict]:
    """Rows of one JSONL file without the ``drop`` columns (``a.b``: key ``b`` inside column ``a``)."""
    rows = [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]
    for r in rows:
        for col in drop:
            outer, _, inner = col.partition(".")
            if inner and isinstance(r.get(outer), dict):
                r[outer].pop(inner, None)
            elif not inner:
                r.pop(col, None)
    return rows


def _restore_name(rname: str) -> str:
    return f"restore/{rname}.jsonl"


def test_the_corpus_exercises_duplicates_rejects_and_every_table(exports: dict[str, Path]) -> None:
    manifest = json.loads((exports["a"] / "manifest.json").read_text())
    rows = {t: e["rows"] for t, e in manifest["tables"].items()}
    assert rows["duplicates"] >= 6 and rows["rejects"] == 2
    assert {r["reason"] for r in _table(exports["a"], "rejects.jsonl")} == {"malformed_json", "json_no_text"}
    for table in ("articles", "removals", "actors", "mentions", "timexes", "quotes", "facts", "events",
                  "event_mentions", "dyads", "stories", "story_members", "comparisons", "arcs"):
        assert rows[table] > 0, table
    groups = {r["group_id"] for r in _table(exports["a"], "duplicates.jsonl")}
    assert len(groups) >= 3


@pytest.mark.parametrize("other", ["b", "d"], ids=["another-hash-seed", "workers-2"])
def test_same_input_same_export(exports: dict[str, Path], other: str) -> None:
    a, b = exports["a"], exports[other]
    assert (a / "manifest.json").read_bytes() == (b / "manifest.json").read_bytes()
    for table in EXPORTS:  # every documented export table, byte for byte
        name = f"{table}.jsonl"
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for rname in RESTORE:  # and what an import needs, apart from when the run happened
        drop = RUN_SPECIFIC.get(rname, set())
        assert _table(a, _restore_name(rname), drop) == _table(b, _restore_name(rname), drop), rname


def test_other_order_other_folder_other_mtimes_same_rows(exports: dict[str, Path]) -> None:
    a, c = exports["a"], exports["c"]
    ids = [r["id"] for r in _table(a, "articles.jsonl")]
    assert sorted(ids) == sorted(r["id"] for r in _table(c, "articles.jsonl"))
    assert ids != [r["id"] for r in _table(c, "articles.jsonl")]  # really another arrival order
    for table in EXPORTS:
        drop = PATH_COLUMNS.get(table, set())
        left, right = _table(a, f"{table}.jsonl", drop), _table(c, f"{table}.jsonl", drop)
        if table in ARRIVAL_ORDER:
            key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
            left, right = sorted(left, key=key), sorted(right, key=key)
        assert left == right, table
    # where the paths differ, they differ only by the folder
    by_id = {r["id"]: r for r in _table(c, "articles.jsonl")}
    for r in _table(a, "articles.jsonl"):
        assert Path(by_id[r["id"]]["source_path"]).name == Path(r["source_path"]).name
    for rname in ("fingerprints", "dup_groups", "stories", "aliases", "article_facts"):
        key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
        assert sorted(_table(a, _restore_name(rname)), key=key) == sorted(_table(c, _restore_name(rname)), key=key), \
            rname


def test_discovered_actor_spelling_does_not_depend_on_file_order(exports: dict[str, Path]) -> None:
    for name in ("a", "c"):
        actors = {r["id"]: r for r in _table(exports[name], "actors.jsonl")}
        court = actors["org:la-superior-court"]
        assert set(court["aliases"]) >= {"LA Superior Court", "L.A Superior Court"}
    assert _table(exports["a"], "actors.jsonl") == _table(exports["c"], "actors.jsonl")
