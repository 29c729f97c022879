"""The CLI is thin: user errors are one actionable line with a code, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "belarus-china"


def sl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "storyline", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kb") / "kb.db"
    r = sl("run", str(EXAMPLES), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "new articles" in r.stdout and "duplicate groups" in r.stdout
    return db


def _one_line_error(r: subprocess.CompletedProcess, code: str) -> None:
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error[{code}]"), lines[0]
    assert "Traceback" not in r.stderr


def test_missing_input_path(tmp_path):
    r = sl("run", str(tmp_path / "nope"), "--db", str(tmp_path / "x.db"))
    assert r.returncode == 2
    _one_line_error(r, "SL-E101")


def test_unknown_table_and_format(kb):
    r = sl("export", "--db", str(kb), "--table", "bogus")
    assert r.returncode == 2
    _one_line_error(r, "SL-E100")
    r = sl("export", "--db", str(kb), "--table", "articles", "--format", "xml")
    assert r.returncode == 2
    _one_line_error(r, "SL-E100")


def test_database_errors(tmp_path):
    r = sl("stats", "--db", str(tmp_path / "missing.db"))
    assert r.returncode == 3
    _one_line_error(r, "SL-E201")
    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello, not a database" * 50)
    r = sl("stats", "--db", str(bogus))
    assert r.returncode == 3
    _one_line_error(r, "SL-E202")


def test_bad_option_is_usage_error(tmp_path):
    r = sl("run", str(EXAMPLES), "--workers", "zero")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_export_formats(kb, tmp_path):
    r = sl("export", "--db", str(kb), "--table", "articles")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.returncode == 0 and len(rows) == 5
    required = {"id", "source_id", "source_path", "title", "byline", "published", "published_source", "outlet", "url",
                "text", "duplicate_of", "group_id"}
    assert required <= set(rows[0])
    r = sl("export", "--db", str(kb), "--table", "removals", "--format", "csv")
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "article_id,seq,start,end,text,reason,rule"
    out = tmp_path / "dups.parquet"
    r = sl("export", "--db", str(kb), "--table", "duplicates", "--format", "parquet", "--out", str(out))
    assert r.returncode == 0
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == 2 and set(table.column("is_canonical").to_pylist()) == {True, False}


def test_show_and_stats(kb):
    rows = [json.loads(x) for x in sl("export", "--db", str(kb), "--table", "articles").stdout.splitlines()]
    target = next(r for r in rows if r["source_id"].startswith("004"))
    r = sl("show", target["id"], "--db", str(kb))
    assert r.returncode == 0 and "navigation" in r.stdout and "Skip to content" in r.stdout
    r = sl("stats", "--db", str(kb), "--json")
    s = json.loads(r.stdout)
    assert s["articles"] == 5 and s["duplicate_groups"] == 1 and s["rejects"] == 0


def test_strict_exit_code(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / "ok.txt").write_text("A perfectly ordinary sentence about the news of the day. " * 5)
    r = sl("run", str(tmp_path / "in"), "--db", str(tmp_path / "kb.db"))
    assert r.returncode == 0 and "empty" in r.stdout
    r = sl("run", str(tmp_path / "in"), "--db", str(tmp_path / "kb2.db"), "--strict")
    assert r.returncode == 5


def test_run_summary_reports_facts(kb):
    r = sl("stats", "--db", str(kb), "--json")
    s = json.loads(r.stdout)
    assert s["analysed_articles"] == 5 and s["quotes"] > 0 and s["timexes"] > 0 and s["actors"] > 0


def test_fact_tables_export_from_the_cli(kb):
    for table in ("actors", "mentions", "timexes", "quotes", "facts"):
        r = sl("export", "--db", str(kb), "--table", table)
        assert r.returncode == 0, r.stderr
        rows = [json.loads(line) for line in r.stdout.splitlines()]
        assert rows, table


def test_show_lists_quotes_dates_and_actors(kb):
    arts = [json.loads(line) for line in sl("export", "--db", str(kb), "--table", "articles").stdout.splitlines()]
    first = next(a for a in arts if a["source_id"].startswith("000"))
    r = sl("show", first["id"], "--db", str(kb))
    assert r.returncode == 0, r.stderr
    assert "publication date: 2025-01-27 (metadata" in r.stdout
    assert "Vladimir Putin" in r.stdout and "quotes (" in r.stdout and "time expressions (" in r.stdout


def test_actors_commands(kb, tmp_path):
    import shutil

    db = tmp_path / "kb.db"
    shutil.copy(kb, db)
    r = sl("actors", "list", "--db", str(db), "--json", "-n", "0")
    assert r.returncode == 0, r.stderr
    ids = {a["id"] for a in json.loads(r.stdout)}
    assert {"per:vladimir-putin", "per:xi-jinping", "per:alexander-lukashenko", "cty:BLR"} <= ids
    r = sl("actors", "add", "org:big-stone", "--name", "Big Stone", "--type", "ORG", "--country", "BLR",
           "--db", str(db))
    assert r.returncode == 0 and "re-analysed 1 article" in r.stdout, r.stdout + r.stderr
    r = sl("actors", "merge", "org:big-stone", "cty:BLR", "--db", str(db))
    assert r.returncode == 0 and "1 mention" in r.stdout, r.stdout + r.stderr
    r = sl("actors", "add", "per:x", "--name", "X", "--country", "Belarus", "--db", str(db))
    assert r.returncode == 2
    _one_line_error(r, "SL-E100")
    r = sl("actors", "merge", "per:nobody", "per:vladimir-putin", "--db", str(db))
    assert r.returncode == 2
    _one_line_error(r, "SL-E100")
    r = sl("actors", "import", str(tmp_path / "missing.csv"), "--db", str(db))
    assert r.returncode == 2
    _one_line_error(r, "SL-E101")


def test_unexpected_error_is_one_line_not_a_traceback(monkeypatch, capsys, tmp_path):
    from storyline import api, cli

    def boom(*a, **k):
        raise RuntimeError("something broke")

    monkeypatch.setattr(api, "run", boom)
    monkeypatch.setattr(sys, "argv", ["storyline", "run", str(EXAMPLES), "--db", str(tmp_path / "x.db"), "-q"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    err_lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err_lines) == 1 and err_lines[0].startswith("error[SL-E001]: internal error: RuntimeError")
