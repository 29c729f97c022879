"""One real-world event, one record: event mentions merged across sentences, articles and copies.

A cross-document stage with explicit input: every stored event mention (with the duplicate group of
its article). Mentions are the same event when they agree on

* the PLOVER type,
* the actors and the recipients (as sets of resolved actor ids; order and repetition do not matter),
* the day (the date the coder gave the mention, cut to ``YYYY-MM-DD``; a mention without a date only
  merges within its own article),
* and the flags (a negated, hypothetical, future or historical mention is never merged with an
  actual new event: "did not meet" is not the meeting).

Mentions with neither a resolved actor nor a resolved recipient are too vague to match across
articles and stay events of their own article. Event ids are a hash of the merge key, so they do not
depend on the order articles arrived in; re-running gives the same ids.

``n_sources`` counts independent sources: the articles of one duplicate group (the same wire story
republished, the same page scraped twice) count once.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

FLAG_FIELDS = ("negated", "hypothetical", "future", "historical")
_DATE_RANK = {"sentence_timex": 0, "publication": 1, "before_publication": 2, "after_publication": 2, "unknown": 3}


@dataclass
class MergedEvent:
    id: str
    type: str
    mode: str | None
    context: list[str]
    quad: int
    intensity: float
    actor_ids: list[str]
    recipient_ids: list[str]
    date: str | None
    date_source: str
    location: str | None
    location_country: str | None
    negated: bool
    hypothetical: bool
    future: bool
    historical: bool
    n_mentions: int
    n_articles: int
    n_sources: int
    first_article_id: str
    mentions: list[tuple[str, int]] = field(default_factory=list)  # (article_id, seq)

    @property
    def is_new(self) -> bool:
        return not (self.negated or self.hypothetical or self.future or self.historical)


def merge_key(m: Mapping[str, Any]) -> tuple[Any, ...]:
    actors = tuple(sorted(set(m["actor_ids"])))
    recipients = tuple(sorted(set(m["recipient_ids"])))
    day = (m.get("date") or "")[:10]
    flags = tuple(bool(m[f]) for f in FLAG_FIELDS)
    scope = "" if (actors or recipients) and day else m["article_id"]
    return (m["type"], actors, recipients, day, flags, scope)


def event_id(key: tuple[Any, ...]) -> str:
    return "ev" + hashlib.sha1(json.dumps(key, ensure_ascii=False).encode()).hexdigest()[:16]


def build_events(mentions: Iterable[Mapping[str, Any]], source_of: Mapping[str, str]) -> list[MergedEvent]:
    """Merge event mention rows (dicts with the ``event_mentions`` columns; JSON lists decoded) into
    events. ``source_of`` maps an article id to its independent-source key (its duplicate group id,
    or the article id itself)."""
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for m in mentions:
        groups.setdefault(merge_key(m), []).append(m)
    events = [_merge(key, ms, source_of) for key, ms in groups.items()]
    events.sort(key=lambda e: (e.date or "", e.id))
    return events


def _most_common(values: Iterable[Any]) -> Any:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)  # ties: smallest, for determinism


def _merge(key: tuple[Any, ...], ms: list[Mapping[str, Any]], source_of: Mapping[str, str]) -> MergedEvent:
    ms = sorted(ms, key=lambda m: (m["article_id"], m["seq"]))
    best_rank = min(_DATE_RANK.get(m["date_source"], 3) for m in ms)
    dated = [m for m in ms if _DATE_RANK.get(m["date_source"], 3) == best_rank]
    date = _most_common(m.get("date") for m in dated)
    mode = _most_common(m.get("mode") for m in ms)
    moded = [m for m in ms if m.get("mode") == mode] or ms
    context = sorted({c for m in ms for c in m["context"]})
    locations = [m for m in ms if m.get("location")]
    location = _most_common(m["location"] for m in locations)
    country = _most_common(m.get("location_country") for m in locations if m["location"] == location)
    articles = {m["article_id"] for m in ms}
    return MergedEvent(
        id=event_id(key), type=key[0], mode=mode, context=context, quad=int(ms[0]["quad"]),
        intensity=round(sum(m["intensity"] for m in moded) / len(moded), 2),
        actor_ids=list(key[1]), recipient_ids=list(key[2]), date=date, date_source=dated[0]["date_source"],
        location=location, location_country=country, **dict(zip(FLAG_FIELDS, key[4])),
        n_mentions=len(ms), n_articles=len(articles), n_sources=len({source_of.get(a, a) for a in articles}),
        first_article_id=ms[0]["article_id"], mentions=[(m["article_id"], m["seq"]) for m in ms],
    )
