"""Server-rendered pages: content, highlighting from offsets, escaping of hostile text, empty states."""

from __future__ import annotations

import re
import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from storyline.web.app import create_app  # noqa: E402
from storyline.web.queries import favour_z  # noqa: E402
from storyline.web.render import highlight, snippet, timeline_plot  # noqa: E402

from .test_api import XSS_RECORD, build_kb, xss_article_id  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(build_kb(tmp_path_factory.mktemp("webkb")), allowed_hosts={"testserver"}))


class Page(HTMLParser):
    """Collects tags with their attributes, and the text inside the element with a given id."""

    def __init__(self, text_of: str | None = None):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_of, self.depth, self.captured = text_of, 0, []
        self.body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        self.tags.append((tag, d))
        if self.depth:
            self.depth += 1
        elif self.text_of and d.get("id") == self.text_of:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.body.append(data)
        if self.depth:
            self.captured.append(data)


def parse(html: str, text_of: str | None = None) -> Page:
    p = Page(text_of)
    p.feed(html)
    return p


def assert_inert(html: str) -> Page:
    """No script element, no event-handler attribute, no javascript: link anywhere in the page."""
    p = parse(html)
    assert not [t for t, _ in p.tags if t in ("script", "iframe", "object", "embed", "img")]
    for tag, attrs in p.tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        for k in ("href", "src", "action"):
            v = (attrs.get(k) or "").strip().lower()
            assert not v.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
    return p


def test_home_shows_stats_latest_and_stories(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    p = assert_inert(r.text)
    body = " ".join(p.body)
    assert "Putin, Xi Hail Lukashenko" in body and 'href="/story/st' in r.text
    for label in ("articles", "duplicates", "rejects", "actors", "quotes", "events"):
        assert label in body
    links = [a.get("href") for t, a in p.tags if t == "a"]
    assert sum(1 for h in links if h and h.startswith("/article/")) == 5  # canonical articles only
    assert any(t == "form" and a.get("action") == "/search" for t, a in p.tags)
    assert "<svg" in r.text  # articles per month


def test_article_text_round_trips_and_spans_are_highlighted(client: TestClient) -> None:
    mt = client.get("/api/articles", params={"outlet": "The Moscow Times", "canonical_only": True}).json()["items"][0]
    a = client.get(f"/api/articles/{mt['id']}").json()
    r = client.get(f"/article/{mt['id']}")
    p = parse(r.text, text_of="article-text")
    assert "".join(p.captured) == a["text"]  # every character once, in order, after escaping and marking
    classes = " ".join(d.get("class") or "" for t, d in p.tags if t == "span")
    for c in ("ent", "tx", "qt", "ev"):
        assert f" {c}" in classes
    actor_links = {d["href"] for t, d in p.tags if t == "a" and (d.get("href") or "").startswith("/actor/")}
    assert "/actor/per%3Aalexander-lukashenko" in actor_links
    body = " ".join(p.body)
    assert "Removed boilerplate" in body and all(x["reason"] in body for x in a["removals"])
    dup_outlets = [d["outlet"] for d in a["duplicates"]]
    assert dup_outlets.count("The Moscow Times") == 2 and "canonical" in body and "copy" in body


def test_hostile_article_renders_as_text(client: TestClient) -> None:
    aid = xss_article_id(client)
    r = client.get(f"/article/{aid}")
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in r.text
    p = assert_inert(r.text)
    text = " ".join(p.body)
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text
    assert XSS_RECORD["title"] in text and XSS_RECORD["outlet"] in text
    assert "source: javascript:alert(3)" in text  # shown, never linked
    assert "default-src 'none'" in r.headers["content-security-policy"]
    for path in ("/", "/articles", f"/outlet/{XSS_RECORD['outlet']}", "/outlets",
                 "/search?q=statement", "/search?q=%22%3Cscript%22", "/actor/per:alexander-lukashenko"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script" not in page.text.lower() and "<img" not in page.text.lower(), path
        assert_inert(page.text)


def test_actor_page(client: TestClient) -> None:
    r = client.get("/actor/per:alexander-lukashenko")
    assert r.status_code == 200
    p = assert_inert(r.text)
    body = " ".join(p.body)
    assert "Alexander Lukashenko" in body and "Lukashenka" in body  # aliases
    assert "Events as actor" in body and "Events as recipient" in body and "Quotes" in body
    assert r.text.count("<svg") == 2  # cooperation/conflict over time, relations
    assert 'aria-label="cooperation and conflict over time"' in r.text
    assert "/actor/per%3Axi-jinping" in r.text
    assert client.get("/actor/nobody:here").status_code == 404


def test_actor_aliases_are_capped_on_the_page_and_counted(client: TestClient) -> None:
    q = client.app.state.queries
    full = q.actor("per:alexander-lukashenko")
    capped = q.actor("per:alexander-lukashenko", max_aliases=1)
    assert full["n_aliases"] == capped["n_aliases"] == len(full["aliases"]) > 1
    assert capped["aliases"] == full["aliases"][:1]


def test_dyad_page_from_the_actor_page(client: TestClient) -> None:
    actor = client.get("/actor/per:alexander-lukashenko").text
    links = [d["href"] for tag, d in parse(actor).tags if tag == "a" and d.get("class") == "dyad"]
    link = next(h for h in links if "xi-jinping" in (h or ""))
    r = client.get(link)
    assert r.status_code == 200
    p = assert_inert(r.text)
    title = " ".join(parse(r.text, "dyad-name").captured)
    assert "Alexander Lukashenko" in title and "Xi Jinping" in title
    api = client.get("/api/dyad", params={"a": "per:alexander-lukashenko", "b": "per:xi-jinping"}).json()
    events = api["events"]["items"]
    assert api["events"]["total"] == len(events) > 0
    assert all({"per:alexander-lukashenko", "per:xi-jinping"} <= set(e["actor_ids"] + e["recipient_ids"])
               for e in events)
    back = client.get("/api/dyad", params={"b": "per:alexander-lukashenko", "a": "per:xi-jinping"}).json()
    flip = {"actor": "recipient", "recipient": "actor"}
    assert sorted((m["period"] or "", flip[m["role"]], m["n_events"]) for m in back["monthly"]) == sorted(
        (m["period"] or "", m["role"], m["n_events"]) for m in api["monthly"])  # role is always a's
    assert back["events"]["items"] == events
    new = sum(m["n_events"] for m in api["monthly"])
    assert new == sum(1 for e in events if e["is_new"]) and new > 0
    assert f"{len(events)} events between them" in " ".join(p.body)
    assert 'aria-label="mean event intensity per month"' in r.text
    assert client.get("/dyad", params={"a": "per:alexander-lukashenko", "b": "nobody:here"}).status_code == 404
    assert client.get("/dyad", params={"a": "per:alexander-lukashenko"}).status_code == 422  # as other bad params
    assert client.get("/api/dyad", params={"a": "nobody:here", "b": "per:xi-jinping"}).status_code == 404


def test_outlet_pages(client: TestClient) -> None:
    r = client.get("/outlet/The Moscow Times")
    assert r.status_code == 200 and r.text.count('href="/article/') >= 2
    assert "Stories covered" in r.text and 'href="/story/st' in r.text
    assert client.get("/outlet/Nobody Daily").status_code == 404
    assert "The Moscow Times" in client.get("/outlets").text


def test_search_page_results_filters_and_errors(client: TestClient) -> None:
    r = client.get("/search", params={"q": "Lukashenko"})
    assert r.status_code == 200 and "5 matching articles" in r.text
    assert "<mark>Lukashenko</mark>" in r.text
    r = client.get("/search", params={"q": "Lukashenko", "outlet": "The Moscow Times"})
    assert "1 matching article" in r.text and "1 copy" in r.text
    r = client.get("/search", params={"q": "hegemony", "kind": "quotes", "actor": "per:xi-jinping"})
    assert r.status_code == 200 and "Xi Jinping" in r.text
    for bad in ('"unclosed', "AND", "foo:bar"):
        r = client.get("/search", params={"q": bad})
        assert r.status_code == 400 and 'id="search-error"' in r.text and "cannot parse the search query" in r.text
    r = client.get("/search", params={"q": "x", "from": "last week"})
    assert r.status_code == 400 and "2025-01-27" in r.text
    assert client.get("/search").status_code == 200


def test_story_pages(client: TestClient) -> None:
    r = client.get("/stories")
    assert r.status_code == 200 and r.text.count('href="/story/st') >= 3
    story = next(h for h in re.findall(r'href="(/story/st[^"]+)"', r.text))
    r = client.get("/stories")
    election = re.search(r'href="(/story/st[^"]+)">Putin, Xi Hail', r.text).group(1)
    r = client.get(election)
    assert r.status_code == 200 and 'id="story-members"' in r.text
    assert r.text.count('href="/article/') >= 2 and "copy" in r.text
    assert "/actor/per%3Avladimir-putin" in r.text
    assert "Arc:" in r.text and 'id="story-framing"' in r.text and "autocrat (pejorative)" in r.text
    assert client.get(story).status_code == 200
    assert client.get("/story/st-nope").status_code == 404


def test_errors_are_pages_not_tracebacks(client: TestClient) -> None:
    r = client.get("/article/nope")
    assert r.status_code == 404 and "error[SL-E404]" in r.text and "Traceback" not in r.text
    r = client.get("/articles", params={"page": "zero"})
    assert r.status_code == 422 and "error[SL-E422]" in r.text


def test_highlight_escapes_and_handles_overlaps() -> None:
    text = 'Xi said "<b>us & them</b>" on Monday.'
    art = {
        "mentions": [{"start": 0, "end": 2, "text": "Xi", "actor_id": 'per:x"i', "actor_name": "<Xi>", "kind": "name"}],
        "timexes": [{"start": 27, "end": 36, "text": "on Monday", "type": "DATE", "value": "2025-01-27", "mod": None}],
        "quotes": [{"start": 8, "end": 26, "kind": "direct", "speaker_name": "Xi", "cue": "said"}],
        "event_mentions": [{"trigger_start": 3, "trigger_end": 7, "type": "CONSULT", "quad": 1,
                            "actors": [{"id": "a", "name": "<A>"}], "recipients": []}],
    }
    html = str(highlight(text, art))
    assert "<b>" not in html and "&lt;b&gt;us &amp; them&lt;/b&gt;" in html
    assert 'href="/actor/per%3Ax%22i"' in html and "&lt;Xi&gt;" in html and "&lt;A&gt;" in html
    p = parse(f'<div id="t">{html}</div>', text_of="t")
    assert "".join(p.captured) == text
    assert re.search(r'class="hl qt"', html) and re.search(r'class="hl tx"', html)
    assert str(highlight("plain", {})) == "plain"


def test_snippet_marks_only_after_escaping() -> None:
    assert str(snippet("a \x02<b>\x03 c")) == "a <mark>&lt;b&gt;</mark> c"
    assert str(snippet(None)) == ""


# ---------------------------------------------------------------------- story page sections, outlet framing
def _story_url(client: TestClient, title_start: str) -> str:
    r = client.get("/stories")
    return re.search(r'href="(/story/st[^"]+)">' + re.escape(title_start), r.text).group(1)


def test_story_page_summary_timeline_matrix(client: TestClient) -> None:
    url = _story_url(client, "Lukashenko Visits China")  # 002 + 003: two independent reports
    r = client.get(url)
    assert r.status_code == 200
    assert_inert(r.text)
    # summary: every sentence cites numbered reports that link to article pages of the story's members
    story = url.rsplit("/", 1)[1]
    members = {m["id"] for m in client.get(f"/api/stories/{story}/members").json()["items"]}
    assert len(members) >= 2 and all(f'<tr id="src-{n}">' in r.text for n in range(1, len(members) + 1))
    summary = parse(r.text, text_of="story-summary")
    assert "Lukashenko" in "".join(summary.captured)
    cites = re.findall(r'<a class="cite" href="/article/([^"]+)"[^>]*>\[(\d+)\]</a>', r.text)
    assert cites and {a for a, _ in cites} <= members
    # timeline: the list and the SVG plot (no script: the CSP forbids it)
    assert 'id="story-timeline"' in r.text and 'aria-label="story timeline: events and reports over time"' in r.text
    assert "consult" in "".join(parse(r.text, text_of="story-timeline").captured)
    # comparison matrix: a shared claim, and cells linking to the evidence sentence
    matrix = parse(r.text, text_of="story-matrix")
    assert "shared" in matrix.captured and "unique" in matrix.captured
    links = re.findall(r'class="evidence" href="/article/([^"?]+)\?hl=(\d+)-(\d+)#hl"', r.text)
    assert links and {a for a, _, _ in links} <= members
    aid, start, end = links[0]
    text = client.get(f"/api/articles/{aid}").json()["text"]
    art = client.get(f"/article/{aid}", params={"hl": f"{start}-{end}"})
    marked = re.findall(r'<span class="hl [^"]*\bcl\b[^"]*"[^>]*>(.*?)</span>', art.text)
    assert 'id="hl"' in art.text and marked
    assert "".join(parse(art.text, text_of="article-text").captured) == text  # marking keeps the text intact
    assert client.get(f"/article/{aid}", params={"hl": "x-1"}).status_code == 422
    # per-source counts, framing per outlet, quotes, events
    assert 'id="story-sources"' in r.text and 'id="story-framing"' in r.text and "authoritarian" in r.text
    assert 'id="story-events"' in r.text and 'id="contradictions"' in r.text


def test_story_page_before_contradictions_exist(client: TestClient, tmp_path: Path) -> None:
    """Without the story_contradictions table (a knowledge base from before it existed) the page says so."""
    c = TestClient(create_app(client.app.state.queries.db, search_path=str(tmp_path / "old.search"),
                              allowed_hosts={"testserver"}))
    q = c.app.state.queries
    has_table = q.has_table
    q.has_table = lambda name: name != "story_contradictions" and has_table(name)
    url = _story_url(c, "Lukashenko Visits China")
    r = c.get(url)
    assert r.status_code == 200 and "Contradictions between sources are not built yet" in r.text
    api = c.get(f"/api/stories/{url.rsplit('/', 1)[1]}/contradictions").json()
    assert api["available"] is False and api["items"] == [] and "not built yet" in api["message"]


def test_story_page_without_comparison(client: TestClient) -> None:
    r = client.get(_story_url(client, "Putin, Xi Hail"))  # one report and its copy: nothing to compare
    assert r.status_code == 200
    assert "No comparison: it needs at least two independent sources and this story has 1" in r.text
    assert 'id="story-matrix"' not in r.text and 'id="story-summary"' in r.text
    assert "<svg" in r.text  # the timeline: the report's publication date
    assert "2025-01-27" in "".join(parse(r.text, text_of="story-timeline").captured)


def _with_contradictions(kb: Path, tmp: Path, rows: list[tuple]) -> Path:
    """A copy of the knowledge base with the story_contradictions table (as migration v7 will create it)."""
    db = tmp / "contra.db"
    shutil.copy(kb, db)
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS story_contradictions (story_id TEXT NOT NULL, idx INTEGER NOT NULL,"
                     " kind TEXT NOT NULL, subject TEXT NOT NULL, a_article_id TEXT NOT NULL, a_start INTEGER NOT NULL,"
                     " a_end INTEGER NOT NULL, a_text TEXT NOT NULL, a_value TEXT NOT NULL, b_article_id TEXT NOT NULL,"
                     " b_start INTEGER NOT NULL, b_end INTEGER NOT NULL, b_text TEXT NOT NULL, b_value TEXT NOT NULL,"
                     " PRIMARY KEY (story_id, idx))")
        conn.execute("DELETE FROM story_contradictions")
        conn.executemany("INSERT INTO story_contradictions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    return db


def test_story_contradictions_render_when_the_table_exists(client: TestClient, tmp_path: Path) -> None:
    kb = client.app.state.queries.db
    story = _story_url(client, "Lukashenko Visits China").rsplit("/", 1)[1]
    arts = client.get(f"/api/stories/{story}/members").json()["items"]
    a, b = arts[0]["id"], arts[1]["id"]
    ta = client.get(f"/api/articles/{a}").json()["text"]
    db = _with_contradictions(kb, tmp_path, [
        (story, 1, "number", "visits to China", a, 0, 20, ta[0:20], "<b>15</b>", b, 5, 30, "<script>x</script>", "14"),
    ])
    c = TestClient(create_app(db, search_path=str(tmp_path / "contra.search"), allowed_hosts={"testserver"}))
    r = c.get(f"/story/{story}")
    assert r.status_code == 200
    assert_inert(r.text)
    cells = "".join(parse(r.text, text_of="story-contradictions").captured)
    assert "visits to China" in cells and "<b>15</b>" in cells and "<script>x</script>" in cells
    assert f'href="/article/{a}?hl=0-20#hl"' in r.text and f'href="/article/{b}?hl=5-30#hl"' in r.text
    assert "Contradictions between sources are not built yet" not in r.text
    api = c.get(f"/api/stories/{story}/contradictions").json()
    assert api["available"] is True and api["total"] == 1 and api["items"][0]["b_text"] == "<script>x</script>"
    other = _story_url(c, "Putin, Xi Hail")
    assert "No contradictions found between this story" in c.get(other).text


def test_outlet_page_framing_volume_and_stories(client: TestClient) -> None:
    r = client.get("/outlet/The Moscow Times")
    assert r.status_code == 200
    assert_inert(r.text)
    framing = "".join(parse(r.text, text_of="outlet-framing").captured)
    assert "autocrat" in framing and "Alexander Lukashenko" in framing  # the designation and whom it is attached to
    assert "too few to tell" in r.text  # one canonical article: nothing can be significantly favoured
    assert 'aria-label="articles per month"' in r.text
    assert "Putin, Xi Hail" in "".join(parse(r.text, text_of="outlet-stories").captured)


def test_outlet_framing_contrasts_with_the_rest_of_the_corpus(client: TestClient, tmp_path: Path) -> None:
    """An outlet that calls the government a regime in every article favours "regime"; the others do not."""
    kb = client.app.state.queries.db
    db = tmp_path / "regime.db"
    shutil.copy(kb, db)
    with sqlite3.connect(db) as conn:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
        src = conn.execute("SELECT id FROM articles WHERE duplicate_of IS NULL LIMIT 1").fetchone()[0]
        top = conn.execute("SELECT max(seq) FROM articles").fetchone()[0]
        for i in range(6):
            over = {"id": f"rw{i}", "seq": top + 1 + i, "outlet": "Regime Watch", "group_id": None,
                    "duplicate_of": None, "text": f"The regime in Minsk jailed {i + 2} more critics, the regime said."}
            if "content_hash" in cols:
                over["content_hash"] = f"rw-hash-{i}"
            sel = ", ".join("?" if c in over else f'"{c}"' for c in cols)
            names = ", ".join(f'"{c}"' for c in cols)
            conn.execute(f"INSERT INTO articles ({names}) SELECT {sel} FROM articles WHERE id = ?",
                         [over[c] for c in cols if c in over] + [src])
    c = TestClient(create_app(db, search_path=str(tmp_path / "regime.search"), allowed_hosts={"testserver"}))
    f = c.get("/api/outlets/Regime Watch").json()["framing"]
    regime = next(t for t in f["terms"] if t["label"] == "regime")
    assert f["n_articles"] == 6 and regime["n_articles"] == 6 and regime["verdict"] == "favours" and regime["z"] >= 1.96
    assert "Favours:" in c.get("/outlet/Regime Watch").text
    mt = c.get("/api/outlets/The Moscow Times").json()["framing"]
    assert all(t["verdict"] != "favours" for t in mt["terms"])
    for t in f["terms"] + mt["terms"]:
        assert (t["verdict"] == "favours") == (t["z"] >= 1.96 and t["n_articles"] >= 2)


def test_favour_z() -> None:
    assert favour_z(8, 10, 5, 200) > 1.96 and favour_z(5, 200, 8, 10) < -1.96
    assert abs(favour_z(3, 30, 30, 300)) < 0.5  # same share
    assert favour_z(1, 1, 0, 3) < 1.96  # one article proves nothing
    assert favour_z(0, 0, 5, 10) == 0.0 and favour_z(1, 2, 0, 0) == 0.0


def test_story_and_outlet_pages_escape_hostile_text(client: TestClient) -> None:
    outlet = XSS_RECORD["outlet"]
    r = client.get(f"/outlet/{outlet}")
    assert r.status_code == 200 and "<img" not in r.text.lower()
    assert_inert(r.text)
    stories = client.get("/api/stories", params={"outlet": outlet}).json()["items"]
    assert len(stories) == 1
    r = client.get(f"/story/{stories[0]['id']}")
    assert r.status_code == 200 and "<script" not in r.text.lower() and "<img" not in r.text.lower()
    assert_inert(r.text)
    assert "&lt;img src=x onerror=alert(2)&gt;" in r.text


def test_timeline_plot_and_evidence_mark() -> None:
    items = [{"date": "2025-01-27", "kind": "report", "text": "<b>A</b>", "cites": [{"n": 1, "article_id": "a/1"}]},
             {"date": "2025-02", "kind": "event", "text": "x", "cites": []},
             {"date": None, "kind": "event", "text": "y", "cites": []},
             {"date": "garbage", "kind": "event", "text": "z", "cites": []}]
    svg = str(timeline_plot(items))
    assert svg.count("<circle") == 2 and "&lt;b&gt;A&lt;/b&gt;" in svg and 'href="/article/a%2F1"' in svg
    assert "2 undated, not drawn" in svg and "2025-01-27" in svg
    assert str(timeline_plot([])) == ""
    html = str(highlight("One two. Three <four>.", {}, mark=(9, 22)))
    assert html.startswith("One two. ") and 'id="hl"' in html and "&lt;four&gt;" in html
    assert str(highlight("abc", {}, mark=(2, 1))) == "abc"  # an empty or reversed mark is ignored
