"""Briefings on the example corpus: every citation points at a listed source, HTML is escaped."""

import re
import shutil
from pathlib import Path

import pytest

from storyline import api
from storyline.engines.local import run
from storyline.errors import UsageError
from storyline.store import Store
from storyline.store.export import iter_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db = tmp_path_factory.mktemp("brief") / "kb.db"
    run([EXAMPLES], db)
    return db


def _sections(md: str) -> list[str]:
    return re.split(r"\n## ", md)[1:]


def test_markdown_briefing_of_all_stories(built):
    md = api.brief(built)
    stories = _sections(md)
    assert len(stories) == 3
    for s in stories:
        for part in ("### Summary", "### Timeline", "### Who said what", "### Sources", "not built yet"):
            assert part in s
        n_sources = len(re.findall(r"^\d+\. ", s.split("### Sources")[1], flags=re.M))
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", s.split("### Sources")[0])}
        assert cited and cited <= set(range(1, n_sources + 1))
    election = next(s for s in stories if s.startswith("Putin, Xi Hail"))
    assert "**Vladimir Putin**" in election and "Your convincing victory" in election
    assert "2025-01-27" in election and "(copy of another report)" in election


def test_arc_story_and_actor_selections(built):
    with Store(built) as s:
        arc = next(iter_rows(s, "arcs"))
        story = next(r for r in iter_rows(s, "stories") if r["title"].startswith("Putin"))
    assert len(_sections(api.brief(built, arc=arc["id"]))) == 3
    assert len(_sections(api.brief(built, story=story["id"]))) == 1
    assert len(_sections(api.brief(built, actor="Sviatlana Tsikhanouskaya"))) == 1
    with pytest.raises(UsageError):
        api.brief(built, story="st-nope")
    with pytest.raises(UsageError):
        api.brief(built, actor="Nobody Atall")
    with pytest.raises(UsageError):
        api.brief(built, fmt="pdf")


def test_html_briefing_is_self_contained_and_escaped(built, tmp_path):
    db = tmp_path / "kb.db"
    shutil.copy(built, db)
    with Store(db) as s:
        s.conn.execute("UPDATE stories SET title = '<script>alert(1)</script>'")
    page = api.brief(db, fmt="html")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http" not in page.split("<body>")[0]  # no external stylesheet or script
    anchors = set(re.findall(r'href="#([^"]+)"', page))
    ids = set(re.findall(r'id="([^"]+)"', page))
    assert anchors and anchors <= ids
