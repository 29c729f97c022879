"""Stories in the knowledge base: built by `run`, incremental, edits replayed, exported."""

import shutil
from pathlib import Path


from storyline import api
from storyline.engines.local import run
from storyline.store import Store
from storyline.store.export import iter_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


def _tables(db):
    with Store(db) as s:
        arts = {a["source_id"][:3]: a["id"] for a in iter_rows(s, "articles")}
        members = {m["article_id"]: m for m in iter_rows(s, "story_members")}
        return arts, members, list(iter_rows(s, "stories")), list(iter_rows(s, "arcs"))


def test_example_corpus_stories_and_arc(example_kb):
    arts, members, stories, arcs = _tables(example_kb)
    story = {k: members[v]["story_id"] for k, v in arts.items()}
    assert story["000"] == story["001"]
    assert story["002"] == story["003"]
    assert len({story["000"], story["002"], story["004"]}) == 3
    assert len(arcs) == 1 and set(arcs[0]["story_ids"]) == {story["000"], story["002"], story["004"]}
    election = next(s for s in stories if s["id"] == story["000"])
    assert election["n_articles"] == 2 and election["n_copies"] == 1 and election["n_outlets"] == 1
    assert election["date_start"] == "2025-01-27"
    assert sum(m["is_copy"] for m in members.values()) == 1


def test_rerun_adds_nothing_and_keeps_ids(example_kb, tmp_path):
    db = tmp_path / "kb.db"
    shutil.copy(example_kb, db)
    before = _tables(db)
    report = run([EXAMPLES], db)
    assert report.stats["stories"]["articles_added"] == 0
    assert _tables(db) == before


def test_new_article_joins_incrementally(example_kb, tmp_path):
    db = tmp_path / "kb.db"
    shutil.copy(example_kb, db)
    extra = tmp_path / "more"
    extra.mkdir()
    src = (EXAMPLES / "000_8eefe61f26b0be27.txt").read_text(encoding="utf-8")
    (extra / "syndicated.txt").write_text(src.replace("By [AFP](#)", "By Reuters staff"), encoding="utf-8")
    report = run([EXAMPLES, extra], db)
    assert report.stats["stories"]["articles_added"] == 1
    arts, members, stories, _ = _tables(db)
    story_000 = members[arts["000"]]["story_id"]
    assert sum(m["story_id"] == story_000 for m in members.values()) == 3


def test_story_edits_survive_reruns(example_kb, tmp_path):
    db = tmp_path / "kb.db"
    shutil.copy(example_kb, db)
    arts, members, _, _ = _tables(db)
    s000, s004 = members[arts["000"]]["story_id"], members[arts["004"]]["story_id"]
    assert api.edit_stories(db, "merge", [s000, s004]) == 2
    assert api.edit_stories(db, "split", [arts["001"]]) == 3
    run([EXAMPLES], db)
    _, members, _, _ = _tables(db)
    assert members[arts["000"]]["story_id"] == members[arts["004"]]["story_id"]
    assert members[arts["001"]]["story_id"] not in (members[arts["000"]]["story_id"],)


def test_dataframes(example_kb):
    with api.open_kb(example_kb) as kb:
        st = kb.stories()
        assert {"id", "arc_id", "title", "date_start", "date_end", "n_articles", "n_outlets"} <= set(st.columns)
        sm = kb.story_members()
        assert {"story_id", "article_id"} <= set(sm.columns) and len(sm) == 5
        assert len(kb.arcs()) == 1


def test_corrupt_story_state_is_rebuilt(example_kb, tmp_path):
    db = tmp_path / "kb.db"
    shutil.copy(example_kb, db)
    before = _tables(db)
    with Store(db) as s:
        s.conn.execute("UPDATE story_state SET data = x'00ff'")
    run([EXAMPLES], db)
    assert _tables(db) == before


def test_comparison_finds_the_claim_002_and_003_share(example_kb):
    """Both report Lukashenko's "unprecedented pressure from the West" remark in different words."""
    with Store(example_kb) as s:
        arts = {a["source_id"][:3]: a["id"] for a in iter_rows(s, "articles")}
        rows = list(iter_rows(s, "comparisons"))
        texts = {a["id"]: a["text"] for a in iter_rows(s, "articles")}
    story = {r["story_id"] for r in rows if r["article_id"] == arts["002"]}
    assert len(story) == 1
    shared = [r for r in rows if r["shared"] and "unprecedented pressure" in r["text"]]
    assert {r["article_id"] for r in shared} == {arts["002"], arts["003"]}
    assert len({(r["story_id"], r["claim"]) for r in shared}) == 1
    for r in rows:
        assert texts[r["article_id"]][r["start"]:r["end"]] == r["text"]
    unique_003 = [r for r in rows if not r["shared"] and r["article_id"] == arts["003"]]
    assert any("color revolution" in r["text"] for r in unique_003)
    assert not any(r["article_id"] in (arts["000"], arts["001"]) for r in rows)  # one source: nothing to compare


def test_compare_rules():
    from storyline.stories.compare import compare

    a = "The minister announced on Tuesday that the new bridge over the river will open in May next year."
    b = "The new bridge over the river will open in May, the minister announced. Tickets will cost five euros each."
    c = "Completely different reporting about the weather in the mountains this weekend and skiing."
    claims = compare([("x", "Outlet X", a), ("y", "Outlet Y", b), ("z", "Outlet Z", c)])
    shared = [cl for cl in claims if len(cl.sources) > 1]
    assert len(shared) == 1 and shared[0].sources == ["Outlet X", "Outlet Y"]
    assert sum(len(cl.sources) == 1 for cl in claims) == 2
