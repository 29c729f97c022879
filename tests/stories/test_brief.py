"""Briefings on the example corpus: every citation points at a listed source, HTML is escaped."""

import re
import shutil

import pytest

from storyline import api
from storyline.errors import UsageError
from storyline.store import Store
from storyline.store.export import iter_rows



def _sections(md: str) -> list[str]:
    return re.split(r"\n## ", md)[1:]


def test_markdown_briefing_of_all_stories(example_kb):
    md = api.brief(example_kb)
    stories = _sections(md)
    assert len(stories) == 3
    for s in stories:
        for part in ("### Summary", "### Timeline", "### Who said what", "### Contradictions", "### Sources"):
            assert part in s
        n_sources = len(re.findall(r"^\d+\. ", s.split("### Sources")[1], flags=re.M))
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", s.split("### Sources")[0])}
        assert cited and cited <= set(range(1, n_sources + 1))
    election = next(s for s in stories if s.startswith("Putin, Xi Hail"))
    assert "**Vladimir Putin**" in election and "Your convincing victory" in election
    assert "2025-01-27" in election and "(copy of another report)" in election


def test_arc_story_and_actor_selections(example_kb):
    with Store(example_kb) as s:
        arc = next(iter_rows(s, "arcs"))
        story = next(r for r in iter_rows(s, "stories") if r["title"].startswith("Putin"))
    assert len(_sections(api.brief(example_kb, arc=arc["id"]))) == 3
    assert len(_sections(api.brief(example_kb, story=story["id"]))) == 1
    assert len(_sections(api.brief(example_kb, actor="Sviatlana Tsikhanouskaya"))) == 1
    with pytest.raises(UsageError):
        api.brief(example_kb, story="st-nope")
    with pytest.raises(UsageError):
        api.brief(example_kb, actor="Nobody Atall")
    with pytest.raises(UsageError):
        api.brief(example_kb, fmt="pdf")


def test_html_briefing_is_self_contained_and_escaped(example_kb, tmp_path):
    db = tmp_path / "kb.db"
    shutil.copy(example_kb, db)
    with Store(db) as s:
        s.conn.execute("UPDATE stories SET title = '<script>alert(1)</script>'")
    page = api.brief(db, fmt="html")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http" not in page.split("<body>")[0]  # no external stylesheet or script
    anchors = set(re.findall(r'href="#([^"]+)"', page))
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert anchors and anchors <= ids


def test_framing_differs_between_002_and_003(example_kb):
    """002 calls Lukashenko an "authoritarian leader"; 003 "President", and names the 2020 protests a
    "color revolution attempt" — the same story, framed differently."""
    from storyline.stories.framing import story_framing

    with Store(example_kb) as s:
        arts = {a["source_id"][:3]: a["id"] for a in iter_rows(s, "articles")}
        members = {m["article_id"]: m["story_id"] for m in iter_rows(s, "story_members")}
        framing = story_framing(s, members[arts["002"]])
    f002 = next(v for k, v in framing.items() if arts["002"] in k)
    f003 = next(v for k, v in framing.items() if arts["003"] in k)
    luk = "per:alexander-lukashenko"
    assert ("authoritarian", "pejorative", luk) in f002["terms"]
    assert ("President", "institutional", luk) in f003["terms"]
    assert ("authoritarian", "pejorative", luk) not in f003["terms"]
    assert "color revolution" in f003["only_here"] and "authoritarian" in f002["only_here"]


def test_framing_lexicon_terms_and_event_names_are_not_attributed_to_actors():
    from storyline.stories.framing import article_terms

    text = "The exiled leader Jane Doe called the vote a sham, while the regime of Bob Roe denied it."
    mentions = [{"start": text.index("Jane"), "end": text.index("Jane") + 8, "actor_id": "per:jane", "kind": "name"},
                {"start": text.index("Bob"), "end": text.index("Bob") + 7, "actor_id": "per:bob", "kind": "name"}]
    terms = article_terms(text, mentions)
    assert terms[("leader", "institutional", "per:jane")] == 1
    assert terms[("regime", "pejorative", "per:bob")] == 1
    assert terms[("sham/farce/rigged", "contested", None)] == 1
