"""Server-rendered pages: content, highlighting from offsets, escaping of hostile text, empty states."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from storyline.web.app import create_app  # noqa: E402
from storyline.web.render import highlight, snippet  # noqa: E402

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


def test_outlet_pages(client: TestClient) -> None:
    r = client.get("/outlet/The Moscow Times")
    assert r.status_code == 200 and r.text.count('href="/article/') >= 2
    assert "Stories covered:" in r.text and 'href="/story/st' in r.text
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
