"""Timelines: the dated events of a story, an arc, an actor or a dyad (actor pair), in order.

Every entry is one merged event (``events`` / ``event_mentions``), dated by the **event's own date**
(``date``, with its provenance ``date_source``: ``sentence_timex`` when the text dates it, ``publication``
when the coder took the article's publication date, ``unknown`` …). The publication date of the cited
article is a separate column (``published``, with ``published_provenance``), never mixed into ``date``.
Each entry cites its evidence: the earliest report's article id and the character span of the mention
in that article's clean text, plus every citing article (``citations``: ``[article_id, start, end]``).
Reports (articles) can be listed too, dated by their publication date (``kind == "report"``).

Dated entries come first in date order (a year ``2023`` sorts before ``2023-03-01``); undated entries
(``dated`` is false) follow, listed apart. Copies (duplicates, syndicated reprints) do not cite:
they add nothing independent. Negated and hypothetical mentions (things that did not happen) are left
out; historical (``status == "historical"``) and future/planned (``"future"``) ones are kept and
marked. Events with neither a resolved actor nor a resolved recipient are left out (too vague to read).

The core, :func:`build_timeline`, is pure (rows in, entries out); :func:`timeline` selects the rows of a
story, arc, actor or dyad from a knowledge base.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UsageError

COLUMNS = ["kind", "date", "date_source", "dated", "status", "label", "story_id", "event_id", "type", "mode",
           "actor_ids", "recipient_ids", "article_id", "start", "end", "evidence", "published",
           "published_provenance", "n_articles", "citations"]
_DATE_RANK = {"sentence_timex": 0, "publication": 1, "before_publication": 2, "after_publication": 2, "unknown": 3}


def event_label(type_: str, mode: str | None, actors: Iterable[str], recipients: Iterable[str],
                names: Mapping[str, str]) -> str:
    """``"Alexander Lukashenko — consult/visit → China"``: who did what to whom, readable."""
    who = ", ".join(names.get(i, i) for i in actors) or "?"
    whom = ", ".join(names.get(i, i) for i in recipients)
    return f"{who} — {type_.lower()}{'/' + mode if mode else ''}" + (f" → {whom}" if whom else "")


def _status(m: Mapping[str, Any]) -> str | None:
    if m.get("negated") or m.get("hypothetical"):
        return None
    return "historical" if m.get("historical") else "future" if m.get("future") else "new"


def _ids(v: Any) -> list[str]:
    if isinstance(v, str):
        v = json.loads(v)
    return list(v or [])


def build_timeline(mentions: Iterable[Mapping[str, Any]], articles: Mapping[str, Mapping[str, Any]],
                   names: Mapping[str, str] | None = None, *, reports: Iterable[str] = (),
                   statuses: tuple[str, ...] = ("new", "historical", "future")) -> list[dict[str, Any]]:
    """Timeline entries from event mention rows (the ``event_mentions`` export's fields: event_id,
    article_id, start, end, text, type, mode, actor_ids, recipient_ids, date, date_source and the four
    flags) and ``articles``: article id → ``published``, ``published_provenance``, ``story_id``,
    ``is_copy``, ``outlet``, ``title``. Mentions of articles not in ``articles`` or marked ``is_copy`` are
    skipped. ``reports``: article ids to list as report entries (publication dates)."""
    names = names or {}
    by_event: dict[str, list[Mapping[str, Any]]] = {}
    for m in mentions:
        art = articles.get(m["article_id"])
        status = _status(m)
        if art is None or art.get("is_copy") or status not in statuses:
            continue
        if not (_ids(m.get("actor_ids")) or _ids(m.get("recipient_ids"))):
            continue
        key = m.get("event_id") or f"{m['article_id']}:{m.get('seq', m['start'])}"
        by_event.setdefault(key, []).append(m)
    out: list[dict[str, Any]] = []
    for event_id, ms in by_event.items():
        ms = sorted(ms, key=lambda m: (articles[m["article_id"]].get("published") or "9999",
                                       m["article_id"], m["start"]))
        dated = sorted((m for m in ms if m.get("date")), key=lambda m: (_DATE_RANK.get(m.get("date_source"), 4),
                                                                        -len(m["date"]), m["date"]))
        best = dated[0] if dated else ms[0]
        first = ms[0]
        art = articles[first["article_id"]]
        actors, recipients = _ids(first.get("actor_ids")), _ids(first.get("recipient_ids"))
        citations: list[list[Any]] = []
        for m in ms:
            c = [m["article_id"], m["start"], m["end"]]
            if c not in citations:
                citations.append(c)
        out.append({
            "kind": "event", "date": best.get("date"), "date_source": best.get("date_source") or "unknown",
            "dated": bool(best.get("date")), "status": _status(first),
            "label": event_label(first["type"], first.get("mode"), actors, recipients, names),
            "story_id": art.get("story_id"), "event_id": event_id if not event_id.count(":") else None,
            "type": first["type"], "mode": first.get("mode"), "actor_ids": actors, "recipient_ids": recipients,
            "article_id": first["article_id"], "start": first["start"], "end": first["end"],
            "evidence": first.get("text"), "published": art.get("published"),
            "published_provenance": art.get("published_provenance"),
            "n_articles": len({c[0] for c in citations}), "citations": citations,
        })
    for aid in dict.fromkeys(reports):
        art = articles.get(aid)
        if art is None or art.get("is_copy"):
            continue
        out.append({
            "kind": "report", "date": art.get("published"), "date_source": art.get("published_provenance")
            or ("metadata" if art.get("published") else "unknown"), "dated": bool(art.get("published")),
            "status": None, "label": f"{art.get('outlet') or 'unknown outlet'}: {art.get('title') or aid}",
            "story_id": art.get("story_id"), "event_id": None, "type": None, "mode": None, "actor_ids": [],
            "recipient_ids": [], "article_id": aid, "start": None, "end": None, "evidence": art.get("title"),
            "published": art.get("published"), "published_provenance": art.get("published_provenance"),
            "n_articles": 1, "citations": [[aid, None, None]],
        })
    out.sort(key=lambda e: (not e["dated"], e["date"] or "", e["kind"] != "report", e["label"], e["event_id"] or "",
                            e["article_id"]))
    return out


def timeline(store: Any, *, story: str | None = None, arc: str | None = None, actor: str | None = None,
             dyad: tuple[str, str] | None = None, reports: bool = True,
             statuses: tuple[str, ...] = ("new", "historical", "future")) -> list[dict[str, Any]]:
    """The timeline of exactly one of: a story id, an arc id, an actor (id or name), a dyad (two actors,
    ids or names; events between them in either direction). Raises :class:`UsageError` (one line) for
    none, several, or an unknown id. Story and arc timelines list their reports too (``reports``)."""
    given = [x for x in (story, arc, actor, dyad) if x]
    if len(given) != 1:
        raise UsageError("give exactly one of --story, --arc, --actor, --dyad",
                         hint="e.g. storyline timeline --story ID (ids: `storyline stories list`)")
    report_ids: list[str] = []
    if story or arc:
        if story:
            story_ids = [story] if store.has_story(story) else []
            if not story_ids:
                raise UsageError(f"no story {story!r}", hint="list stories with `storyline stories list`")
        else:
            story_ids = store.arc_story_ids(arc)
            if story_ids is None:
                raise UsageError(f"no arc {arc!r}", hint="arcs are in `storyline export --table arcs`")
        articles = store.timeline_articles(story_ids=story_ids)
        mentions = store.timeline_mentions(article_ids=list(articles))
        report_ids = list(articles) if reports else []
    else:
        wanted = [actor] if actor else list(dyad or ())
        if actor is None and len(wanted) != 2:
            raise UsageError("--dyad takes two actors", hint="e.g. storyline timeline --dyad cty:BLR cty:CHN")
        ids = []
        for w in wanted:
            found = store.find_actor(w)
            if found is None:
                raise UsageError(f"no actor {w!r}", hint="list actors with `storyline actors list`")
            ids.append(found)
        mentions = list(store.timeline_mentions(actor_ids=ids))
        if dyad:
            a, b = ids
            mentions = [m for m in mentions if (a in _ids(m["actor_ids"]) and b in _ids(m["recipient_ids"]))
                        or (b in _ids(m["actor_ids"]) and a in _ids(m["recipient_ids"]))]
        articles = store.timeline_articles(article_ids=sorted({m["article_id"] for m in mentions}))
    mentions = list(mentions)
    actor_ids = sorted({i for m in mentions for i in _ids(m["actor_ids"]) + _ids(m["recipient_ids"])})
    return build_timeline(mentions, articles, store.actor_names(actor_ids), reports=report_ids, statuses=statuses)
