"""The story page's derived parts — summary with citations, timeline, framing per source — as plain JSON-able
data, shared by the web app (live, memoised) and the end of a run (precomputed for large stories, whose live
build reads every member's text: table ``story_pages``)."""

from __future__ import annotations

from typing import Any

from ..store import Store

# stories with at least this many members get their page data computed at the end of each run; smaller ones
# are built on the first visit (a few ms to a few tens of ms)
PRECOMPUTE_MIN_MEMBERS = 12


def story_page_data(store: Store, story_id: str) -> dict[str, Any] | None:
    """Summary (every sentence citing its articles), timeline (event dates apart from publication dates) and
    framing per source of one story, from :mod:`storyline.stories.brief`; None for an unknown story."""
    from .brief import build_brief, framing_lines

    if not store.has_story(story_id):
        return None
    b = build_brief(store, story=story_id)[1][0]
    ids = {s["n"]: s["id"] for s in b.sources}
    outlets = {s["n"]: s["outlet"] for s in b.sources}

    def cite(ns: list[int]) -> list[dict[str, Any]]:
        return [{"n": n, "article_id": ids[n], "outlet": outlets[n]} for n in ns if n in ids]

    return {"summary": [{"text": text, "cites": cite(ns)} for text, ns in b.summary],
            "timeline": [{"date": t["date"], "kind": "report" if t["kind"] == "report" else "event",
                          "date_source": t["kind"][7:-1] if t["kind"].startswith("event (") else None,
                          "text": t["text"], "cites": cite(t["sources"])} for t in b.timeline],
            "framing": [list(line) for line in framing_lines(b, b.names)]}  # JSON-shaped: equal once stored


def precompute_story_pages(store: Store, sizes: dict[str, int], *, min_members: int = PRECOMPUTE_MIN_MEMBERS,
                           ) -> int:
    """Compute and store the page data of every story with at least ``min_members`` members (``sizes``: story
    id -> number of members); returns how many."""
    pages = {}
    for sid, n in sizes.items():
        if n >= min_members:
            data = story_page_data(store, sid)
            if data is not None:
                pages[sid] = data
    store.replace_story_pages(pages)
    return len(pages)
