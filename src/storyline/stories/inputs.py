"""Build :class:`StoryDoc` records from knowledge-base rows (the export tables' dicts).

Pure: takes row iterables (``storyline.store.export.iter_rows(store, table)`` gives them), so the
store wiring and the tests build story inputs the same way::

    docs = storydocs_from_rows(iter_rows(s, "articles"), iter_rows(s, "mentions"),
                               iter_rows(s, "event_mentions"), iter_rows(s, "timexes"))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from storyline.stories.cluster import StoryDoc


def storydocs_from_rows(
    articles: Iterable[Mapping[str, Any]],
    mentions: Iterable[Mapping[str, Any]] = (),
    event_mentions: Iterable[Mapping[str, Any]] = (),
    timexes: Iterable[Mapping[str, Any]] = (),
) -> list[StoryDoc]:
    """One StoryDoc per article row, in article id order. Only *new* event mentions (not negated,
    hypothetical, future or historical) give event keys; a key is ``(type, sorted actor ids, sorted
    recipient ids, date)``."""
    actors: dict[str, Counter[str]] = {}
    countries: dict[str, dict[str, str]] = {}
    names: dict[str, dict[str, str]] = {}
    for m in mentions:
        aid = m.get("actor_id")
        if not aid:
            continue
        art = m["article_id"]
        actors.setdefault(art, Counter())[aid] += 1
        if m.get("country"):
            countries.setdefault(art, {})[aid] = m["country"]
        if m.get("actor_name"):
            names.setdefault(art, {})[aid] = m["actor_name"]
    events: dict[str, list[tuple]] = {}
    for e in event_mentions:
        if any(e.get(f) for f in ("negated", "hypothetical", "future", "historical")):
            continue
        events.setdefault(e["article_id"], []).append(
            (e["type"], tuple(sorted(e.get("actor_ids") or ())), tuple(sorted(e.get("recipient_ids") or ())), e.get("date"))
        )
    tx: dict[str, list[str]] = {}
    for t in timexes:
        if t.get("type") == "DATE" and t.get("value"):
            tx.setdefault(t["article_id"], []).append(t["value"])
    out = []
    for a in articles:
        i = a["id"]
        out.append(StoryDoc(
            id=i, text=a.get("text") or "", title=a.get("title"), published=a.get("published") or None,
            outlet=a.get("outlet"), group_id=a.get("group_id"), actors=dict(actors.get(i, {})),
            events=sorted(set(events.get(i, [])), key=repr), timexes=tx.get(i, []),
            actor_countries=countries.get(i, {}), actor_names=names.get(i, {}),
        ))
    return sorted(out, key=lambda d: d.id)
