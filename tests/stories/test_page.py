"""Story page data: precomputed at the end of a run for large stories, identical to the live build."""

import shutil
from pathlib import Path

import pytest

from storyline.engines.local import run
from storyline.store import Store
from storyline.stories.page import precompute_story_pages, story_page_data

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("page")
    shutil.copytree(EXAMPLES, tmp / "in")
    run([tmp / "in"], tmp / "kb.db")
    return tmp / "kb.db"


def test_precomputed_pages_equal_the_live_build_and_small_stories_are_left_live(db):
    with Store(db) as store:
        sizes = dict(store.conn.execute("SELECT story_id, count(*) FROM story_members GROUP BY 1"))
        assert sorted(sizes.values()) == [1, 2, 2]
        live = {sid: story_page_data(store, sid) for sid in sizes}
        assert precompute_story_pages(store, sizes, min_members=2) == 2
        stored = {sid: store.story_page(sid) for sid in sizes}
        assert [sid for sid, v in stored.items() if v is None] == [s for s, n in sizes.items() if n == 1]
        for sid, data in stored.items():
            if data is not None:
                assert data == live[sid]
                assert data["summary"] and all(c["article_id"] for s in data["summary"] for c in s["cites"])
        assert story_page_data(store, "st-no-such-story") is None


def test_web_story_page_reads_the_precomputed_data(db, monkeypatch):
    pytest.importorskip("fastapi")
    from storyline.stories import page
    from storyline.web.queries import Queries

    with Store(db) as store:
        sizes = dict(store.conn.execute("SELECT story_id, count(*) FROM story_members GROUP BY 1"))
        precompute_story_pages(store, sizes, min_members=1)
        sid = max(sizes, key=lambda s: (sizes[s], s))
        expected = store.story_page(sid)

    def fail(*_a, **_k):
        raise AssertionError("built live although precomputed")

    monkeypatch.setattr(page, "story_page_data", fail)
    assert Queries(db).story_brief(sid) == expected
