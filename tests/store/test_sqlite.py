import sqlite3

import pytest

from storyline.errors import DatabaseNotFound, NotAStorylineDatabase, SchemaTooNew
from storyline.model import Article, Reject, Span
from storyline.store import Store
from storyline.store.migrations import LATEST


def _article(i: int, text: str = "Some body text.") -> Article:
    return Article(
        id=f"id{i:04d}", source_id=f"s{i}", source_path=f"/x/{i}.txt", fmt="text", provenance={"path": f"/x/{i}.txt"},
        original="Skip to content\n" + text, text=text, content_hash=f"h{i}",
        removals=[Span(0, 15, "navigation", "Skip to content", {"rule": "skip_to_content"})],
    )


def test_new_database_is_wal_and_migrated(tmp_path):
    db = tmp_path / "kb.db"
    with Store(db) as s:
        assert s.schema_version == LATEST
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"articles", "removals", "rejects", "duplicates", "schema_migrations"} <= names
        assert [r[0] for r in s.conn.execute("SELECT version FROM schema_migrations")] == list(range(1, LATEST + 1))
    # reopening applies nothing new
    with Store(db) as s:
        assert s.migrate() == []


def test_write_batch_is_idempotent(tmp_path):
    with Store(tmp_path / "kb.db") as s:
        arts = [_article(i) for i in range(3)]
        rej = [Reject(source_path="/x/bad.txt", reason="empty", detail="no text")]
        assert s.write_batch(articles=arts, rejects=rej, sources_done=[("/x", 1, 2, 3, 1)]) == 3
        assert s.write_batch(articles=arts, rejects=rej, sources_done=[("/x", 1, 2, 3, 1)]) == 0
        assert s.count("articles") == 3
        assert s.count("removals") == 3
        assert s.count("rejects") == 1
        assert s.source_done("/x", 1, 2)
        assert not s.source_done("/x", 1, 3)  # mtime changed → not done


def test_failed_batch_leaves_nothing(tmp_path):
    with Store(tmp_path / "kb.db") as s:
        bad = _article(1)
        bad.removals.append(None)  # type: ignore[arg-type]  # blows up mid-transaction
        with pytest.raises(AttributeError):
            s.write_batch(articles=[_article(0), bad])
        assert s.count("articles") == 0
        assert s.count("removals") == 0


def test_article_roundtrip(tmp_path):
    with Store(tmp_path / "kb.db") as s:
        s.write_batch(articles=[_article(7)])
        a = s.article("id0007")
        assert a["text"] == "Some body text."
        assert a["removals"] == [{"start": 0, "end": 15, "text": "Skip to content", "reason": "navigation",
                                  "rule": "skip_to_content"}]
        assert s.article("nope") is None


def test_refuses_foreign_and_future_databases(tmp_path):
    foreign = tmp_path / "other.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t(x)")
    con.commit()
    con.close()
    with pytest.raises(NotAStorylineDatabase):
        Store(foreign)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(NotAStorylineDatabase):
        Store(garbage)
    future = tmp_path / "future.db"
    Store(future).close()
    con = sqlite3.connect(future)
    con.execute(f"PRAGMA user_version = {LATEST + 1}")
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNew):
        Store(future)
    with pytest.raises(DatabaseNotFound):
        Store(tmp_path / "missing.db", create=False)


def test_readonly_open_does_not_create(tmp_path):
    with pytest.raises(DatabaseNotFound):
        Store(tmp_path / "none.db", create=False, readonly=True)
    assert not (tmp_path / "none.db").exists()


def test_v1_database_upgrades_to_latest_keeping_its_data(tmp_path, monkeypatch):
    import storyline.store.sqlite as sq
    from storyline.store.migrations import MIGRATIONS

    db = tmp_path / "old.db"
    monkeypatch.setattr(sq, "MIGRATIONS", MIGRATIONS[:1])
    monkeypatch.setattr(sq, "LATEST", 1)
    with Store(db) as s:
        s.write_batch(articles=[_article(1)])
        assert s.schema_version == 1
    monkeypatch.undo()
    with Store(db) as s:
        assert s.schema_version == LATEST >= 2
        assert s.count("articles") == 1
        assert s.facts_todo_count(1) == 1  # the old article is analysed by the next run
        assert {"actors", "mentions", "timexes", "quotes", "article_facts"} <= {
            r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
