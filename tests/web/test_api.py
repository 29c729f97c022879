"""HTTP API tests (FastAPI TestClient) over a knowledge base built from the example corpus plus an XSS article."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

import storyline  # noqa: E402
from storyline.errors import UsageError  # noqa: E402
from storyline.web.app import MAX_PAGE, create_app  # noqa: E402
from storyline.web.serve import check_bind, is_loopback  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
XSS_ID = "xss-1"
XSS_RECORD = {
    "id": XSS_ID,
    "title": "Minsk hosts <script>alert('title')</script> forum",
    "outlet": "Evil <img src=x onerror=alert(2)> Times",
    "published": "2025-02-03",
    "url": "javascript:alert(3)",
    "text": "Belarusian President Alexander Lukashenko met Chinese President Xi Jinping in Minsk on Monday, "
            "officials said.\n\nThe statement included the string <script>alert(1)</script> and also "
            "<img src=x onerror=alert(1)> in its body, which readers must see as text.\n\n"
            "\"We will deepen cooperation with <b>China</b> & friends,\" Lukashenko said on Tuesday.",
}
_BUILT: dict[str, Path] = {}


def build_kb(base: Path) -> Path:
    """examples/belarus-china + one JSONL article full of markup, processed by `storyline.run` (cached)."""
    if "db" in _BUILT:
        return _BUILT["db"]
    src = base / "corpus"
    shutil.copytree(ROOT / "examples" / "belarus-china", src)
    (src / "xss.jsonl").write_text(json.dumps(XSS_RECORD) + "\n", encoding="utf-8")
    db = base / "kb.db"
    storyline.run([src], db=db)
    _BUILT["db"] = db
    return db


@pytest.fixture(scope="session")
def kb_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("webkb"))


@pytest.fixture(scope="session")
def client(kb_db: Path) -> TestClient:
    return TestClient(create_app(kb_db, allowed_hosts={"testserver"}))


def xss_article_id(client: TestClient) -> str:
    items = client.get("/api/articles", params={"outlet": XSS_RECORD["outlet"]}).json()["items"]
    assert len(items) == 1
    return items[0]["id"]


def test_stats_match_the_store(client: TestClient, kb_db: Path) -> None:
    s = client.get("/api/stats").json()
    with storyline.open_kb(kb_db) as kb:
        summary = kb.summary()
    assert s["articles"] == summary["articles"] == 6
    assert s["duplicates"] == summary["duplicates"] == 1
    assert s["rejects"] == summary["rejects"]
    assert s["quotes"] == summary["quotes"] > 0
    assert s["events"] == summary["events"] > 0
    assert s["stories"] == summary["stories"] >= 3
    assert sum(v["n"] for v in s["volume"]) == summary["canonical_articles"]


def test_articles_paginate_and_cap_page_size(client: TestClient) -> None:
    first = client.get("/api/articles", params={"limit": 2}).json()
    assert first["total"] == 6 and len(first["items"]) == 2 and first["next_offset"] == 2
    rest = client.get("/api/articles", params={"limit": 10, "offset": 2}).json()
    assert rest["next_offset"] is None
    ids = [a["id"] for a in first["items"] + rest["items"]]
    assert len(set(ids)) == 6
    r = client.get("/api/articles", params={"limit": MAX_PAGE + 1})
    assert r.status_code == 422 and r.json()["error"]["code"] == "SL-E422"
    assert client.get("/api/articles", params={"offset": -1}).status_code == 422


def test_article_filters(client: TestClient) -> None:
    mt = client.get("/api/articles", params={"outlet": "The Moscow Times"}).json()
    assert mt["total"] == 2
    canonical = client.get("/api/articles", params={"outlet": "The Moscow Times", "canonical_only": True}).json()
    assert canonical["total"] == 1
    jan = client.get("/api/articles", params={"date_from": "2025-01", "date_to": "2025-01"}).json()
    assert jan["total"] >= 2 and all(a["date"].startswith("2025-01") for a in jan["items"])
    putin = client.get("/api/articles", params={"actor": "per:vladimir-putin"}).json()
    assert putin["total"] >= 1
    for a in putin["items"]:
        detail = client.get(f"/api/articles/{a['id']}").json()
        assert any(m["actor_id"] == "per:vladimir-putin" for m in detail["mentions"])
    assert client.get("/api/articles", params={"date_from": "Jan 2025"}).status_code == 422


def test_article_detail_offsets_and_duplicates(client: TestClient) -> None:
    mt = client.get("/api/articles", params={"outlet": "The Moscow Times", "canonical_only": True}).json()["items"][0]
    a = client.get(f"/api/articles/{mt['id']}").json()
    text = a["text"]
    assert a["mentions"] and a["quotes"] and a["timexes"] and a["event_mentions"] and a["removals"]
    for layer in ("mentions", "timexes", "quotes"):
        for s in a[layer]:
            assert text[s["start"]:s["end"]] == s["text"]
    for e in a["event_mentions"]:
        assert text[e["trigger_start"]:e["trigger_end"]] == e["trigger"]
    assert {d["article_id"] for d in a["duplicates"]} >= {mt["id"]} and len(a["duplicates"]) == 2
    assert sum(d["is_canonical"] for d in a["duplicates"]) == 1
    assert all(r["reason"] for r in a["removals"])
    r = client.get("/api/articles/does-not-exist")
    assert r.status_code == 404 and r.json()["error"]["code"] == "SL-E404"


def test_actor_detail_quotes_events(client: TestClient) -> None:
    a = client.get("/api/actors/per:alexander-lukashenko").json()
    assert a["name"] == "Alexander Lukashenko" and "Lukashenko" in a["aliases"]
    assert any(r["id"] == "per:xi-jinping" and r["n_events"] > 0 for r in a["related"])
    dyads = client.get(a["dyads"], params={"limit": 200}).json()
    assert dyads["total"] == len(dyads["items"]) > 0
    assert all(d["n_cooperation"] + d["n_conflict"] == d["n_events"] for d in dyads["items"])
    assert sum(m["n_events"] for m in a["monthly"]) > 0
    one = client.get(a["dyads"], params={"limit": 1, "offset": 1}).json()
    assert one["total"] == dyads["total"] and one["items"] == dyads["items"][1:2]
    assert client.get("/api/actors/per:nobody-at-all/dyads").status_code == 404
    quotes = client.get("/api/actors/per:alexander-lukashenko/quotes", params={"limit": 5}).json()
    assert quotes["total"] == a["n_quotes"] > 0
    ev = client.get("/api/actors/per:alexander-lukashenko/events").json()
    assert ev["total"] > 0 and all("per:alexander-lukashenko" in e["actor_ids"] for e in ev["items"])
    rec = client.get("/api/actors/per:alexander-lukashenko/events", params={"role": "recipient"}).json()
    assert all("per:alexander-lukashenko" in e["recipient_ids"] for e in rec["items"])
    assert client.get("/api/actors/nobody:here").status_code == 404
    found = client.get("/api/actors", params={"name": "lukashenka"}).json()
    assert [x["id"] for x in found["items"]] == ["per:alexander-lukashenko"]


def test_quotes_events_outlets(client: TestClient) -> None:
    q = client.get("/api/quotes", params={"speaker": "per:xi-jinping", "limit": 200}).json()
    assert q["total"] > 0 and all(x["speaker_id"] == "per:xi-jinping" for x in q["items"])
    ev = client.get("/api/events", params={"new_only": True, "limit": 200}).json()
    assert ev["total"] == client.get("/api/stats").json()["new_events"]
    outlets = client.get("/api/outlets").json()
    assert {o["name"] for o in outlets["items"]} == {"The Moscow Times", XSS_RECORD["outlet"]}
    o = client.get("/api/outlets/The Moscow Times").json()
    assert o["n_articles"] == 2 and o["articles"]["total"] == 2
    assert client.get("/api/outlets/Nobody Daily").status_code == 404


def test_search_with_filters(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "Lukashenko"}).json()
    assert r["total"] == 5  # canonical articles only: the Moscow Times copy folds into its canonical
    assert all("\x02" in x["snippet"] for x in r["items"])
    mt = client.get("/api/search", params={"q": "Lukashenko", "outlet": "The Moscow Times"}).json()
    assert mt["total"] == 1 and mt["items"][0]["n_copies"] == 1
    dated = client.get("/api/search", params={"q": "Lukashenko", "date_from": "2025-01-01",
                                              "date_to": "2025-01-31"}).json()
    assert dated["total"] >= 1 and all(x["date"].startswith("2025-01") for x in dated["items"])
    putin = client.get("/api/search", params={"q": "Lukashenko", "actor": "per:vladimir-putin"}).json()
    assert 1 <= putin["total"] < r["total"]
    quotes = client.get("/api/search", params={"q": "hegemony", "kind": "quotes"}).json()
    assert quotes["total"] >= 1 and all("hegemony" in x["snippet"].lower() for x in quotes["items"])
    spoken = client.get("/api/search", params={"q": "cooperation", "kind": "quotes",
                                               "actor": "per:xi-jinping"}).json()
    assert all(x["speaker_id"] == "per:xi-jinping" for x in spoken["items"])
    phrase = client.get("/api/search", params={"q": '"Xi Jinping"'}).json()
    assert phrase["total"] >= 1


@pytest.mark.parametrize("bad", ['"unclosed', "AND", "foo:bar", "(", "a NEAR(", "*", "NOT"])
def test_malformed_search_is_a_clear_400(client: TestClient, bad: str) -> None:
    r = client.get("/api/search", params={"q": bad})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "SL-E110" and "search query" in err["message"] and err["hint"]


def test_search_index_is_rebuilt_when_the_db_changes(kb_db: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from storyline.web.queries import SearchIndex

    db = tmp_path / "copy.db"
    shutil.copy(kb_db, db)
    c = TestClient(create_app(db, allowed_hosts={"testserver"}))
    go = threading.Event()
    build = SearchIndex._build

    def held_build(self: SearchIndex, path: Path, stamp: str) -> None:
        assert go.wait(60)  # the rebuild waits until the stale answer below has been checked
        build(self, path, stamp)

    monkeypatch.setattr(SearchIndex, "_build", held_build)
    assert (tmp_path / "copy.db.search").exists()
    assert c.get("/api/search", params={"q": "zebrafinch"}).json()["total"] == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE articles SET text = text || ' zebrafinch' WHERE duplicate_of IS NULL"
                     " AND id = (SELECT min(id) FROM articles WHERE duplicate_of IS NULL)")
    first = c.get("/api/search", params={"q": "zebrafinch"}).json()
    # answered at once from the previous cache, marked stale, while the new one is built in the background
    assert first["stale"] is True and first["total"] == 0
    go.set()
    c.app.state.queries.wait_for_search_index(60)
    again = c.get("/api/search", params={"q": "zebrafinch"}).json()
    assert again["total"] == 1 and again["stale"] is False
    page = c.get("/search", params={"q": "zebrafinch"}).text
    assert "search-stale" not in page and "1 matching article" in page


def test_search_index_sync_refresh_waits_for_the_new_cache(kb_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(kb_db, db)
    c = TestClient(create_app(db, allowed_hosts={"testserver"}, search_refresh="sync"))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE articles SET text = text || ' zebrafinch' WHERE duplicate_of IS NULL"
                     " AND id = (SELECT min(id) FROM articles WHERE duplicate_of IS NULL)")
    got = c.get("/api/search", params={"q": "zebrafinch"}).json()
    assert got["total"] == 1 and got["stale"] is False


def test_the_knowledge_base_is_not_written(kb_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    shutil.copy(kb_db, db)
    before = (db.stat().st_size, db.stat().st_mtime_ns, db.read_bytes())
    c = TestClient(create_app(db, allowed_hosts={"testserver"}))
    for path in ("/", "/api/stats", "/api/articles", "/api/search?q=Xi", "/api/export/actors?format=csv"):
        assert c.get(path).status_code == 200
    assert c.post("/api/articles").status_code == 405
    assert c.delete("/api/articles").status_code == 405
    assert (db.stat().st_size, db.stat().st_mtime_ns, db.read_bytes()) == before
    assert c.app.state.queries.store.conn.execute("PRAGMA query_only").fetchone() is not None
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        c.app.state.queries.conn.execute("DELETE FROM articles")


def test_stories_api_and_empty_state(kb_db: Path, tmp_path: Path, client: TestClient) -> None:
    r = client.get("/api/stories").json()
    assert r["available"] is True and r["total"] >= 3
    first = r["items"][0]
    assert {"id", "title", "date_start", "date_end", "n_articles", "n_outlets", "arc_id"} <= set(first)
    one = client.get(f"/api/stories/{first['id']}").json()
    assert one["members"] and one["key_actors"] is not None
    assert client.get("/api/stories/st-nope").status_code == 404
    db = tmp_path / "nostories.db"
    shutil.copy(kb_db, db)
    with sqlite3.connect(db) as conn:  # a knowledge base whose stories were never built
        conn.execute("DELETE FROM stories")
    c = TestClient(create_app(db, allowed_hosts={"testserver"}))
    assert c.get("/api/stories").json()["total"] == 0
    assert "No stories in this knowledge base" in c.get("/stories").text


def test_exports_stream_every_format(client: TestClient, kb_db: Path) -> None:
    with storyline.open_kb(kb_db) as kb:
        n_quotes, n_events = kb.count("quotes"), kb.count("events")
    r = client.get("/api/export/quotes", params={"format": "jsonl"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = r.content.decode().splitlines()
    assert len(lines) == n_quotes and json.loads(lines[0])["article_id"]
    r = client.get("/api/export/articles", params={"format": "csv"})
    assert r.text.splitlines()[0].startswith("id,source_id,source_path")
    assert 'attachment; filename="articles.csv"' == r.headers["content-disposition"]
    import pyarrow.parquet as pq

    r = client.get("/api/export/events", params={"format": "parquet"})
    assert pq.read_table(io.BytesIO(r.content)).num_rows == n_events
    assert len(client.get("/api/export/events", params={"format": "plover"}).text.splitlines()) == n_events
    assert client.get("/api/export/articles", params={"format": "gdelt"}).status_code == 400
    assert client.get("/api/export/articles", params={"format": "xml"}).status_code == 422
    assert client.get("/api/export/secrets").status_code == 404


def test_token_is_required_when_configured(kb_db: Path) -> None:
    token = "t0ken-" + "x" * 20
    c = TestClient(create_app(kb_db, token=token))
    r = c.get("/api/stats")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/api/stats", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    r = c.get("/", params={"token": token})
    assert r.status_code == 200 and "storyline_token" in r.headers["set-cookie"]
    assert "httponly" in r.headers["set-cookie"].lower()
    assert c.get("/api/stats").status_code == 200  # the cookie now carries it
    c.cookies.clear()
    assert c.get("/api/stats").status_code == 401


def test_request_limits_and_headers(client: TestClient) -> None:
    r = client.get("/api/stats")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/api/articles", params={"outlet": "x" * 5000}).status_code == 414
    assert client.get("/api/stats", headers={"content-length": "100000"}).status_code == 413
    assert client.get("/api/search", params={"q": "x" * 501}).status_code == 422
    assert client.get("/api/stats", headers={"host": "attacker.example"}).status_code == 400


def test_bind_rules() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")
    check_bind("127.0.0.1", None)
    with pytest.raises(UsageError, match="without an access token"):
        check_bind("0.0.0.0", None)
    check_bind("0.0.0.0", "a" * 24)
    with pytest.raises(UsageError, match="too short"):
        check_bind("0.0.0.0", "short")


def test_openapi_and_offline_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/articles", "/api/articles/{article_id}", "/api/actors/{actor_id}", "/api/search",
                 "/api/export/{table}", "/api/stories", "/api/outlets/{name}", "/api/events", "/api/quotes"):
        assert path in spec["paths"]
    limit = next(p for p in spec["paths"]["/api/articles"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == MAX_PAGE
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/search" in docs.text and "<script" not in docs.text


def test_missing_database_is_a_coded_error(tmp_path: Path) -> None:
    from storyline.errors import DatabaseNotFound

    with pytest.raises(DatabaseNotFound):
        create_app(tmp_path / "nope.db")


def test_precomputed_actor_aggregates_match_live_queries(kb_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """actor_stats (computed at the end of a run) gives the same actor page data as querying live."""
    from storyline.web.queries import Queries

    q = Queries(kb_db)
    ids = [r[0] for r in q.conn.execute("SELECT actor_id FROM actor_stats ORDER BY n_mentions DESC LIMIT 12")]
    assert ids
    def page_data(i: str) -> tuple[Any, ...]:
        return (q.actor(i), q.actor_quotes(i, limit=50, offset=0), q.dyads(i), q.latest_articles_of(i),
                q.events_of(i, "actor", limit=50, offset=0), q.events_of(i, "recipient", limit=3, offset=1),
                q.monthly(i), q.related(i), q.related(i, limit=2))

    fast = {i: page_data(i) for i in ids}
    assert any(f[4][1] for f in fast.values()) and any(f[6] for f in fast.values())  # events exist to compare
    monkeypatch.setattr(Queries, "actor_stats", lambda self, actor_id: None)
    for i in ids:
        actor, quotes, dyads, articles, as_actor, as_recipient, monthly, related, related2 = fast[i]
        assert actor == q.actor(i)
        assert quotes == q.actor_quotes(i, limit=50, offset=0)
        assert sorted(map(str, dyads)) == sorted(map(str, q.dyads(i)))
        assert as_actor == q.events_of(i, "actor", limit=50, offset=0)
        assert as_recipient == q.events_of(i, "recipient", limit=3, offset=1)
        assert monthly == q.monthly(i)
        assert related == q.related(i) and related2 == q.related(i, limit=2)
        live_articles = q.articles(limit=20, offset=0, actor=i, canonical_only=True)
        assert [a["id"] for a in articles[0]] == [a["id"] for a in live_articles[0]] and articles[1] == live_articles[1]


def _story_id(client: TestClient, title_start: str) -> str:
    items = client.get("/api/stories", params={"limit": 200}).json()["items"]
    return next(s["id"] for s in items if s["title"].startswith(title_start))


def test_story_api_summary_timeline_claims_contradictions(client: TestClient) -> None:
    sid = _story_id(client, "Lukashenko Visits China")
    s = client.get(f"/api/stories/{sid}").json()
    members = client.get(f"/api/stories/{sid}/members").json()
    ids = {m["id"] for m in members["items"]}
    assert members["total"] == s["n_members"] == len(ids) >= 2
    assert [m["n"] for m in members["items"]] == list(range(1, len(ids) + 1))
    page = client.get(f"/api/stories/{sid}/members", params={"limit": 1, "offset": 1}).json()
    assert page["items"][0]["n"] == 2 and page["items"][0]["id"] == members["items"][1]["id"]
    # summary: each sentence occurs in an article it cites
    assert s["summary"]
    texts = {i: client.get(f"/api/articles/{i}").json()["text"] for i in ids}
    number = {m["id"]: m["n"] for m in members["items"]}  # the briefing's numbers, as the Reports table shows them
    for sent in s["summary"]:
        assert sent["cites"] and all(number.get(c["article_id"]) == c["n"] for c in sent["cites"])
        assert any(" ".join(sent["text"].split()) in " ".join(texts[c["article_id"]].split()) for c in sent["cites"])
    # timeline: events and reports, paginated
    tl = client.get(f"/api/stories/{sid}/timeline", params={"limit": 2}).json()
    assert tl["total"] == s["n_timeline"] > 2 and len(tl["items"]) == 2 and tl["next_offset"] == 2
    everything = client.get(f"/api/stories/{sid}/timeline", params={"limit": 200}).json()["items"]
    assert {"event", "report"} <= {t["kind"] for t in everything}
    assert all(number.get(c["article_id"]) == c["n"] for t in everything for c in t["cites"])
    # claims: shared ones first; every span is the exact text at its offsets
    claims = client.get(f"/api/stories/{sid}/claims", params={"limit": 200}).json()
    assert claims["total"] == s["n_claims"] and s["n_shared_claims"] >= 1
    shared = [c["shared"] for c in claims["items"]]
    assert shared == sorted(shared, reverse=True)
    for c in claims["items"]:
        assert c["shared"] == (len({sp["source"] for sp in c["spans"]}) > 1) == (c["n_sources"] > 1)
        for sp in c["spans"]:
            assert texts[sp["article_id"]][sp["start"]:sp["end"]] == sp["text"]
    only = client.get(f"/api/stories/{sid}/claims", params={"shared": True}).json()
    assert only["total"] == s["n_shared_claims"] and all(c["shared"] for c in only["items"])
    # contradictions: the table exists from schema v7 on; whatever it holds is listed with both sides
    con = client.get(f"/api/stories/{sid}/contradictions").json()
    assert con["available"] is True and con["total"] == s["n_contradictions"]
    for x in con["items"]:
        assert texts[x["a_article_id"]][x["a_start"]:x["a_end"]] == x["a_text"]
    for sub in ("", "/members", "/timeline", "/claims", "/contradictions"):
        r = client.get(f"/api/stories/st-nope{sub}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "SL-E404"
    assert client.get(f"/api/stories/{sid}/claims", params={"limit": MAX_PAGE + 1}).status_code == 422


def test_outlet_api_framing_and_volume(client: TestClient) -> None:
    o = client.get("/api/outlets/The Moscow Times").json()
    assert sum(v["n"] for v in o["volume"]) == o["n_articles"]
    f = o["framing"]
    assert f["n_articles"] == 1 and f["n_articles_elsewhere"] >= 3 and "log-odds" in f["method"]
    autocrat = next(t for t in f["terms"] if t["label"] == "autocrat")
    assert autocrat["n_articles"] == 1 and autocrat["category"] == "pejorative"
    assert autocrat["targets"][0]["name"] == "Alexander Lukashenko"
    assert autocrat["verdict"] is None  # one article proves nothing
    stories = client.get("/api/stories", params={"outlet": "The Moscow Times"}).json()
    assert stories["total"] == 1 and stories["items"][0]["title"].startswith("Putin, Xi Hail")
    spec = client.get("/openapi.json").json()["paths"]
    for path in ("/api/stories/{story_id}/timeline", "/api/stories/{story_id}/claims",
                 "/api/stories/{story_id}/contradictions", "/api/stories/{story_id}/members"):
        assert path in spec


def test_db_stamp_ignores_a_touched_empty_wal_but_sees_writes(kb_db: Path, tmp_path: Path) -> None:
    import os

    from storyline.web.queries import Queries

    db = tmp_path / "copy.db"
    shutil.copy(kb_db, db)
    q = Queries(db)
    wal = Path(str(db) + "-wal")
    wal.write_bytes(b"")
    before = q.db_stamp()
    os.utime(wal, ns=(1, 1))  # readers opening the database touch the empty WAL: nothing changed
    assert q.db_stamp() == before
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("UPDATE articles SET title = title || ' (edited)' WHERE id = (SELECT min(id) FROM articles)")
    assert q.db_stamp() != before


def test_rendered_pages_are_kept_per_database_version_and_bounded(kb_db: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.web import queries

    db = tmp_path / "copy.db"
    shutil.copy(kb_db, db)
    q = queries.Queries(db)
    monkeypatch.setattr(queries, "PAGE_MEMO_CHARS", 25)
    calls: list[str] = []

    def render(text: str) -> Any:
        return lambda: calls.append(text) or text

    assert q.cached_html(("a",), render("x" * 10)) == "x" * 10
    assert q.cached_html(("a",), render("other")) == "x" * 10 and calls == ["x" * 10]  # kept
    q.cached_html(("b",), render("y" * 10))
    q.cached_html(("c",), render("z" * 10))  # 30 > 25 characters: the least recently used ("a") goes
    assert q.cached_html(("a",), render("again")) == "again"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE articles SET title = title || '!' WHERE id = (SELECT min(id) FROM articles)")
    assert q.cached_html(("c",), render("new")) == "new"  # the database changed: rendered again
