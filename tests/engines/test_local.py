"""End to end through the local engine: every input is accounted for, workers change nothing."""

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

from storyline.engines.local import RunOptions, run
from storyline.errors import InputNotFound, NoInputFiles
from storyline.store import Store
from storyline.store.export import iter_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"
PARA = ("Officials from both countries met in the capital on Tuesday to discuss trade, energy and security, "
        "and agreed to hold another round of talks before the end of the year, a statement said.")


def _hostile(root: Path) -> Path:
    root.mkdir()
    (root / "good.txt").write_text("A headline\n\n" + PARA + "\n" + PARA.replace("Tuesday", "Friday"))
    (root / "empty.txt").write_text("   \n\n")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (root / "cp1252.txt").write_bytes(("Café society " + PARA).encode("cp1252"))
    (root / "big.txt").write_text("word " * 5000)
    good_gz = gzip.compress(("<html><body><article><h1>T</h1><p>" + PARA + "</p><p>" + PARA +
                             "</p></article></body></html>").encode())
    (root / "page.html.gz").write_bytes(good_gz)
    (root / "truncated.html.gz").write_bytes(good_gz[: len(good_gz) // 2])
    (root / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * (3 * 1024 * 1024)))
    lines = [json.dumps({"id": "j1", "text": PARA, "url": "https://www.reuters.com/x", "published": "2024-03-05"}),
             "{broken json", json.dumps({"id": "j3", "title": "no text"}),
             json.dumps({"id": "j4", "text": PARA.replace("capital", "port city")})]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n")
    (root / "notes.pdf").write_bytes(b"%PDF-1.4 not supported")
    (root / "bad.warc").write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort")
    return root


def test_hostile_folder_every_input_accounted_for(tmp_path):
    src = _hostile(tmp_path / "in")
    report = run([src], tmp_path / "kb.db", RunOptions(max_bytes=20_000))
    reasons = sorted((Path(r.source_path).name, r.reason) for r in report.rejects)
    assert ("empty.txt", "empty") in reasons
    assert ("binary.txt", "binary") in reasons
    assert ("big.txt", "too_large") in reasons
    assert ("truncated.html.gz", "truncated_gzip") in reasons
    assert ("bomb.txt.gz", "gzip_bomb") in reasons
    assert ("feed.jsonl", "malformed_json") in reasons
    assert ("feed.jsonl", "json_no_text") in reasons
    assert ("notes.pdf", "unsupported_format") in reasons
    assert any(name == "bad.warc" for name, _ in reasons)
    with Store(tmp_path / "kb.db") as s:
        arts = {r["source_id"]: r for r in iter_rows(s, "articles")}
        stored_rejects = list(iter_rows(s, "rejects"))
    assert {"good", "cp1252", "page", "j1", "j4"} <= set(arts)
    assert arts["cp1252"]["text"].startswith("Café society")
    assert arts["j1"]["published"] == "2024-03-05" and arts["j1"]["published_source"] == "source_field"
    assert arts["j1"]["outlet"] == "Reuters"
    assert arts["j1"]["provenance"]["record"] == 0 and arts["j4"]["provenance"]["record"] == 3
    assert len(stored_rejects) == len(report.rejects)
    # every file is accounted for: an article or a reject
    names = {Path(a["source_path"]).name for a in arts.values()} | {name for name, _ in reasons}
    assert names == {p.name for p in src.iterdir()}


def test_workers_give_identical_results(tmp_path):
    dbs = []
    for w in (1, 2):
        db = tmp_path / f"w{w}.db"
        run([EXAMPLES], db, RunOptions(workers=w))
        with Store(db) as s:
            dbs.append({t: [json.dumps(r, sort_keys=True) for r in iter_rows(s, t)]
                        for t in ("articles", "removals", "duplicates")})
    assert dbs[0] == dbs[1]


def test_missing_and_empty_inputs(tmp_path):
    with pytest.raises(InputNotFound):
        run([tmp_path / "nope"], tmp_path / "kb.db")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(NoInputFiles):
        run([tmp_path / "empty_dir"], tmp_path / "kb.db")


def test_same_ids_wherever_the_corpus_lives(tmp_path):
    copy = tmp_path / "elsewhere" / "corpus"
    shutil.copytree(EXAMPLES, copy)
    ids = []
    for i, src in enumerate((EXAMPLES, copy)):
        db = tmp_path / f"{i}.db"
        run([src], db)
        with Store(db) as s:
            ids.append(sorted(r["id"] for r in iter_rows(s, "articles")))
    assert ids[0] == ids[1]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_unreadable_file_is_a_reject(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    f = src / "secret.txt"
    f.write_text(PARA)
    f.chmod(0)
    report = run([src], tmp_path / "kb.db")
    assert [r.reason for r in report.rejects] == ["unreadable"]


def test_broken_symlink_is_an_unreadable_reject(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text(PARA)
    (src / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    report = run([src], tmp_path / "kb.db")
    assert [(Path(r.source_path).name, r.reason) for r in report.rejects] == [("dangling.txt", "unreadable")]
    assert report.articles_new == 1


def test_warc_gz_and_jsonl_html_records_become_articles(tmp_path):
    from tests.ingest.helpers import warc_bytes

    page = ("<html><head><title>Port deal signed</title><meta name='author' content='Jane Roe'></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><h1>Port deal signed</h1>"
            f"<p>{PARA}</p><p>{PARA.replace('Tuesday', 'Monday')}</p></article>"
            "<footer>Copyright 2025 Example News. All rights reserved.</footer></body></html>").encode()
    src = tmp_path / "in"
    src.mkdir()
    (src / "crawl.warc.gz").write_bytes(warc_bytes([("200 OK", "text/html; charset=utf-8", page),
                                                    ("404 Not Found", "text/html", b"<html>gone</html>")], gz=True))
    (src / "pages.jsonl").write_text(json.dumps({"id": "h1", "html": page.decode(), "outlet": "Example News"}) + "\n")
    report = run([src], tmp_path / "kb.db")
    assert [r.reason for r in report.rejects] == ["http_error"]
    with Store(tmp_path / "kb.db") as s:
        arts = list(iter_rows(s, "articles"))
        removed = {r["text"] for r in iter_rows(s, "removals")}
    assert len(arts) == 2
    warc = next(a for a in arts if a["source_path"].endswith(".warc.gz"))
    assert warc["url"] == "https://news.example/0" and warc["title"] == "Port deal signed"
    assert warc["provenance"]["offset"] is not None and "Home" not in warc["text"]
    assert any("Copyright 2025" in t for t in removed)  # what extraction dropped is kept as removals
    # the two copies of one page are one duplicate group that keeps both sources
    assert warc["group_id"] is not None and warc["group_id"] == next(a for a in arts if a is not warc)["group_id"]


def test_second_run_keeps_groups_and_canonicals(tmp_path):
    """Regroup ranks members on their own metadata, not on what an earlier run merged into them."""
    from storyline.store.export import iter_rows

    examples = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"
    db = tmp_path / "kb.db"
    opts = RunOptions(facts=False)
    snapshots = []
    for _ in range(3):
        run([examples], db, opts)
        with Store(db) as s:
            snapshots.append((list(iter_rows(s, "duplicates")), list(iter_rows(s, "articles"))))
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert any(not d["is_canonical"] for d in snapshots[0][0])


def test_facts_in_worker_processes_give_the_same_knowledge_base(tmp_path, monkeypatch):
    """The facts stage in 2 worker processes (each with its own spaCy pipeline) writes exactly what one
    process writes: batches are written in order and every table's rows are equal."""
    import storyline.engines.local as local

    monkeypatch.setattr(local, "FACTS_POOL_MIN", 0)  # the 5 examples are below the production threshold
    tables = ["mentions", "timexes", "quotes", "facts", "event_mentions", "events", "actors", "stories"]
    out = {}
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.db"
        report = run([EXAMPLES], db, RunOptions(workers=workers, facts_batch=2))
        assert report.articles_analysed == 5
        with Store(db, create=False, readonly=True) as st:
            out[workers] = {t: list(iter_rows(st, t)) for t in tables}
    assert out[1]["mentions"] and out[1]["quotes"] and out[1]["events"]
    for t in tables:
        assert out[1][t] == out[2][t], t
