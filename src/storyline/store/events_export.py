"""Event exports in the shapes other tools read: PLOVER JSON records and a GDELT-like flat TSV.

PLOVER records follow the PLOVER manual's event record (``id``, ``date``, ``actor``, ``recipient``,
``event``, ``mode``, ``context``, ``eventLoc``, ``eventText``, ``textInfo``, ``citationInfo``) with
storyline's evidence added: every mention with its article, character spans and flags. The TSV has
one row per event with columns modelled on GDELT 2.0's event table (docs/exports.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import IO, Any

from .sqlite import Store

GDELT_COLUMNS = [
    "GlobalEventID", "Day", "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1Type1Code", "Actor2Code",
    "Actor2Name", "Actor2CountryCode", "Actor2Type1Code", "EventCode", "EventMode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "ActionGeo_FullName", "ActionGeo_CountryCode", "IsNew", "Flags",
    "DateSource", "SOURCEURL", "EvidenceArticleID", "EvidenceStart", "EvidenceEnd",
]


def plover_records(store: Store) -> Iterator[dict[str, Any]]:
    """One PLOVER record per event, in date order, with all its mentions as evidence."""
    names = {r[0]: r[1] for r in store.query("SELECT id, name FROM actors")}
    mentions: dict[str, list[dict[str, Any]]] = {}
    for r in store.query(
        'SELECT m.event_id, m.article_id, m.start, m."end", m.text, m.trigger, m.trigger_start, m.trigger_end,'
        " m.roles, m.date_start, m.date_end, m.location_start, m.location_end, m.reported_in_quote, m.cues,"
        " a.url, a.outlet, a.title, a.published, a.group_id FROM event_mentions m JOIN articles a ON a.id = m.article_id"
        " WHERE m.event_id IS NOT NULL ORDER BY m.event_id, a.seq, m.seq"
    ):
        mentions.setdefault(r["event_id"], []).append(dict(r))
    for e in store.query("SELECT * FROM events ORDER BY ifnull(date, ''), id"):
        ms = mentions.get(e["id"], [])
        first = ms[0] if ms else None
        roles = json.loads(first["roles"]) if first else {"actors": [], "recipients": []}
        yield {
            "id": e["id"],
            "date": e["date"],
            "actor": _actors(json.loads(e["actor_ids"]), roles["actors"], names),
            "recipient": _actors(json.loads(e["recipient_ids"]), roles["recipients"], names),
            "event": e["type"],
            "mode": e["mode"] or "",
            "context": json.loads(e["context"]),
            "eventLoc": {"name": e["location"], "countryCode": e["location_country"]} if e["location"] else None,
            "eventText": first["trigger"] if first else "",
            "quadClass": e["quad"],
            "intensity": e["intensity"],
            "flags": {k: bool(e[k]) for k in ("negated", "hypothetical", "future", "historical")},
            "dateSource": e["date_source"],
            "textInfo": {"sentence": first["text"], "articleId": first["article_id"], "start": first["start"],
                         "end": first["end"]} if first else None,
            "citationInfo": [
                {"articleId": m["article_id"], "url": m["url"], "outlet": m["outlet"], "title": m["title"],
                 "published": m["published"], "duplicateGroup": m["group_id"], "sentence": m["text"],
                 "start": m["start"], "end": m["end"], "trigger": [m["trigger_start"], m["trigger_end"]],
                 "reportedInQuote": bool(m["reported_in_quote"]), "flagCues": json.loads(m["cues"])}
                for m in ms
            ],
            "numMentions": e["n_mentions"],
            "numArticles": e["n_articles"],
            "numSources": e["n_sources"],
            "version": "storyline-plover-1",
        }


def _actors(ids: list[str], roles: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    by_id = {r.get("actor_id"): r for r in roles}
    out = []
    for aid in ids:
        role = by_id.get(aid, {})
        out.append({"actorText": role.get("text") or names.get(aid, aid), "code": role.get("country"),
                    "sector": role.get("sector"), "id": aid, "name": names.get(aid)})
    return out


def gdelt_tsv(records: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, delimiter="\t", lineterminator="\n")
    writer.writerow(GDELT_COLUMNS)
    n = 0
    for r in records:
        a1 = r["actor"][0] if r["actor"] else {}
        a2 = r["recipient"][0] if r["recipient"] else {}
        cite = r["citationInfo"][0] if r["citationInfo"] else {}
        flags = [k for k, v in r["flags"].items() if v]
        writer.writerow([
            r["id"], (r["date"] or "").replace("-", "")[:8], _code(a1), a1.get("name") or a1.get("actorText") or "",
            a1.get("code") or "", a1.get("sector") or "", _code(a2), a2.get("name") or a2.get("actorText") or "",
            a2.get("code") or "", a2.get("sector") or "", r["event"], r["mode"], r["quadClass"], r["intensity"],
            r["numMentions"], r["numSources"], r["numArticles"], (r["eventLoc"] or {}).get("name") or "",
            (r["eventLoc"] or {}).get("countryCode") or "", int(not flags), ",".join(flags), r["dateSource"],
            cite.get("url") or "", cite.get("articleId") or "", cite.get("start", ""), cite.get("end", ""),
        ])
        n += 1
    text.flush()
    text.detach()
    return n


def _code(actor: dict[str, Any]) -> str:
    """CAMEO-style actor code: country + sector (``RUSGOV``), or the id when neither is known."""
    code = (actor.get("code") or "") + (actor.get("sector") or "")
    return code or (actor.get("id") or "")
