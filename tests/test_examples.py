"""The bundled example corpus end to end: what is removed (and why), what survives, metadata, groups.

Expectations are written from reading the five documents, not from the program's output; the golden
files under tests/fixtures/golden/ additionally pin the exact clean text (regenerate them with
`python tests/fixtures/golden/regen.py` only after reviewing the diff).
"""

import json
from pathlib import Path

import pytest

from storyline.engines.local import run
from storyline.store import Store
from storyline.store.export import iter_rows

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "belarus-china"
GOLDEN = ROOT / "tests" / "fixtures" / "golden"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    db = tmp_path_factory.mktemp("examples") / "kb.db"
    report = run([EXAMPLES], db)
    assert report.rejects == []
    with Store(db) as s:
        articles = {r["source_id"][:3]: r for r in iter_rows(s, "articles")}
        removals = list(iter_rows(s, "removals"))
        dups = list(iter_rows(s, "duplicates"))
    by_article: dict[str, list[dict]] = {}
    for r in removals:
        by_article.setdefault(r["article_id"], []).append(r)
    for a in articles.values():
        a["removed"] = by_article.get(a["id"], [])
    return articles, dups


def _removed(article: dict, reason: str) -> str:
    return "\n".join(r["text"] for r in article["removed"] if r["reason"] == reason)


def _body_lines(seed: str) -> list[str]:
    return [ln.strip() for ln in (EXAMPLES / seed).read_text().splitlines() if ln.strip()]


def _assert_kept(article: dict, lines: list[str]) -> None:
    flat = " ".join(article["text"].split())
    for line in lines:
        assert " ".join(line.split()) in flat, f"body line lost: {line[:80]}"


def _assert_gone(article: dict, snippets: list[str]) -> None:
    for s in snippets:
        assert s not in article["text"], f"boilerplate kept: {s}"


def test_removed_offsets_point_into_the_original(kb):
    articles, _ = kb
    for a in articles.values():
        original = (EXAMPLES / f"{a['source_id']}.txt").read_text()
        for r in a["removed"]:
            assert original[r["start"]:r["end"]] == r["text"]


def test_seed_000_markdown_page(kb):
    a = kb[0]["000"]
    assert a["title"] == "Putin, Xi Hail Lukashenko's Victory Amid Western Condemnation"
    assert a["byline"] == "AFP"
    assert a["published"] == "2025-01-27" and a["published_source"] == "header_line"
    assert a["url"].startswith("https://www.themoscowtimes.com/2025/01/27/putin-xi-hail")
    assert a["outlet"] == "The Moscow Times"
    assert "Alexei Mayshev" in _removed(a, "caption") + _removed(a, "credit")
    assert "Related article" in _removed(a, "related")
    _assert_gone(a, ["Alexei Mayshev", "Related article", "Lukashenko Extends 30-Year Rule", "Original url", "**",
                     "[AFP](#)", "January 27, 2025"])
    # the paragraph broken mid-sentence is one paragraph again
    assert "high political authority and the undoubted support of the population" in a["text"]
    body = _body_lines("000_8eefe61f26b0be27.txt")[6:-3]
    body = [b for b in body if not b.startswith("**Related") and "authority and" not in b
            and not b.startswith("the undoubted")]
    _assert_kept(a, body)


def test_seed_001_appeal_removed_as_a_block(kb):
    a = kb[0]["001"]
    appeal = _removed(a, "appeal")
    for s in ("A Message from The Moscow Times:", "Dear readers,", "Your support, no matter how small",
              "Remind me later."):
        assert s in appeal
    _assert_gone(a, ["Dear readers", "undesirable", "Remind me later"])
    _assert_kept(a, _body_lines("001_4d25e49cf89f5061.txt")[:12])


def test_seed_002_clean_text_untouched(kb):
    a = kb[0]["002"]
    assert [r for r in a["removed"] if r["text"].strip()] == []
    _assert_kept(a, _body_lines("002_d31a4e6d55f0d212.txt"))


def test_seed_003_header_lines(kb):
    a = kb[0]["003"]
    assert a["title"] == "Lukashenko Visits China as Nations Vow to Oppose 'Hegemony'"
    assert a["subtitle"] == "Chinese President Xi hails Belarusian leader as a “true friend”"
    assert a["byline"] == "Brian Wellbrock"
    assert "BelTA News Agency" in _removed(a, "caption") + _removed(a, "credit")
    assert _removed(a, "section_label").strip() == "Politics"
    assert "SCROLL FOR NEXT" in _removed(a, "call_to_action")
    _assert_gone(a, ["BelTA News Agency", "Politics\n", "SCROLL FOR NEXT", "Brian Wellbrock"])
    _assert_kept(a, _body_lines("003_647d0fb6bed3329e.txt")[6:-1])


def test_seed_004_aggregator_page(kb):
    a = kb[0]["004"]
    assert a["title"] == "Heads of state of Belarus and China praise closer cooperation"
    assert "Skip to content" in _removed(a, "navigation")
    assert _removed(a, "caption").count("Lukashenko (l.) and Xi in") == 2
    related = _removed(a, "related")
    assert "Read also:" in related and related.count("\n") >= 9  # the heading and all nine bullets
    teaser = _removed(a, "teaser")
    assert "Netanyahu rationalizes" in teaser and "Netanyahu characterizes" in teaser
    assert "Members Public" in _removed(a, "call_to_action")
    _assert_gone(a, ["Skip to content", "(l.)", "Read also", "Netanyahu", "Hezbollah", "Members Public",
                     "machine", "reaffirmed their commitment"])
    assert a["text"].count("Heads of state of Belarus and China") == 0
    lines = _body_lines("004_dd9b5e39a794da66.txt")
    body = [ln for ln in lines if ln.startswith(("\"Belarus is", "According to his", "Lukashenko made",
                                                 "According to CCTV", "Belarus borders"))]
    assert len(body) == 5
    _assert_kept(a, body)


def test_duplicate_group_and_merged_metadata(kb):
    articles, dups = kb
    a0, a1 = articles["000"], articles["001"]
    assert a0["group_id"] == a1["group_id"] is not None
    assert {r["article_id"] for r in dups} == {a0["id"], a1["id"]}
    canonical = next(r for r in dups if r["is_canonical"])["article_id"]
    member = a1 if canonical == a0["id"] else a0
    assert member["duplicate_of"] == canonical
    # 001 has no header of its own: it gets 000's title, date and URL, with provenance
    assert a1["title"] == a0["title"] and a1["published"] == "2025-01-27" and a1["url"] == a0["url"]
    assert a1["meta_sources"]["title"] == f"merged:{a0['id']}"
    assert a1["outlet"] == "The Moscow Times"
    for key in ("002", "003", "004"):  # same topic, different articles: not duplicates
        assert articles[key]["group_id"] is None and articles[key]["duplicate_of"] is None


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_golden_clean_text(kb, seed):
    a = kb[0][seed]
    golden = json.loads((GOLDEN / f"{seed}.json").read_text())
    assert a["text"] == golden["text"]
    assert [(r["reason"], r["text"]) for r in a["removed"]] == [tuple(x) for x in golden["removed"]]
