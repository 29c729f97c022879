"""Briefings: a self-contained report on a story, an arc or an actor, in Markdown or HTML.

For every story selected: an extractive summary in which every sentence cites the article(s) that
carry it, a timeline (event dates kept apart from publication dates), who said what (quotes by
speaker), how each source framed it, the contradictions between independent sources (both sides
cited), and the numbered sources list the citations point to. Built only from what the knowledge
base holds. The timeline comes from :mod:`storyline.stories.timeline` (the same entries as
``storyline timeline --story ID``: new events, plus the reports).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..store import Store

_SENT = re.compile(r"(?<=[.!?…”\"])\s+(?=[A-Z“\"‘'])")
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset("the and for that with this from have has was were said will would been their they its are not "
                  "but who which after also had than more about into over".split())


@dataclass
class StoryBrief:
    id: str
    title: str
    date_start: str | None
    date_end: str | None
    sources: list[dict[str, Any]]                                  # numbered from 1
    summary: list[tuple[str, list[int]]]                           # sentence, source numbers
    timeline: list[dict[str, Any]] = field(default_factory=list)   # date, kind (event|report), text, sources
    quotes: dict[str, list[tuple[str, str, list[int]]]] = field(default_factory=dict)  # speaker -> (kind, text, srcs)
    framing: dict[str, dict[str, Any]] = field(default_factory=dict)  # source -> terms, only_here
    names: dict[str, str] = field(default_factory=dict)  # actor id -> name, for the framing targets
    contradictions: list[dict[str, Any]] = field(default_factory=list)  # kind, subject, a/b: text, value, source
    n_independent: int = 0


def build_brief(store: Store, *, story: str | None = None, arc: str | None = None, actor: str | None = None,
                max_summary: int = 5) -> tuple[str, list[StoryBrief]]:
    """The heading and the story briefs for one story, one arc, one actor (id or name) or all stories."""
    c = store.conn
    if story:
        ids = [r[0] for r in c.execute("SELECT id FROM stories WHERE id = ?", (story,))]
        if not ids:
            raise UsageError(f"no story {story!r}", hint="list stories with `storyline stories list`")
        heading = "Story briefing"
    elif arc:
        row = c.execute("SELECT title, story_ids FROM arcs WHERE id = ?", (arc,)).fetchone()
        if row is None:
            raise UsageError(f"no arc {arc!r}", hint="arcs are in `storyline export --table arcs`")
        ids, heading = json.loads(row[1]), f"Arc briefing: {row[0]}"
    elif actor:
        found = c.execute("SELECT id, name FROM actors WHERE id = ? OR lower(name) = lower(?) ORDER BY id = ? DESC",
                          (actor, actor, actor)).fetchone()
        if found is None:
            raise UsageError(f"no actor {actor!r}", hint="list actors with `storyline actors list`")
        ids = [r[0] for r in c.execute(
            "SELECT DISTINCT sm.story_id FROM story_members sm JOIN mentions m ON m.article_id = sm.article_id"
            " WHERE m.actor_id = ? ORDER BY 1", (found[0],))]
        heading = f"Actor briefing: {found[1]}"
    else:
        ids, heading = [r[0] for r in c.execute("SELECT id FROM stories ORDER BY id")], "Briefing: all stories"
    briefs = [_story(store, sid, max_summary) for sid in ids]
    briefs.sort(key=lambda b: (b.date_start or "9999", b.id))
    return heading, briefs


def _story(store: Store, story_id: str, max_summary: int) -> StoryBrief:
    c = store.conn
    st = c.execute("SELECT id, title, date_start, date_end FROM stories WHERE id = ?", (story_id,)).fetchone()
    members = [dict(r) for r in c.execute(
        "SELECT a.id, a.title, a.outlet, a.url, a.published, a.text, a.group_id, m.is_copy,"
        " f.date_value, f.date_provenance FROM story_members m JOIN articles a ON a.id = m.article_id"
        " LEFT JOIN article_facts f ON f.article_id = a.id WHERE m.story_id = ?"
        " ORDER BY ifnull(f.date_value, a.published), a.id", (story_id,))]
    number = {m["id"]: i for i, m in enumerate(members, 1)}
    sources = [{"n": number[m["id"]], "id": m["id"], "title": m["title"], "outlet": m["outlet"], "url": m["url"],
                "date": m["date_value"] or m["published"], "date_provenance": m["date_provenance"],
                "copy": bool(m["is_copy"])} for m in members]
    from .framing import story_framing

    brief = StoryBrief(story_id, st["title"], st["date_start"], st["date_end"], sources,
                       _summary(members, number, max_summary), framing=story_framing(store, story_id))
    brief.names = actor_names(store, sorted({t for f in brief.framing.values() for (_, _, t) in f["terms"] if t}))
    # timeline (storyline.stories.timeline): new events with their own dates, and the reports with their
    # publication dates; copies cite nothing of their own
    from .timeline import timeline

    merged: dict[tuple[Any, str, str], list[int]] = {}
    for t in timeline(store, story=story_id, statuses=("new",)):
        kind = "report" if t["kind"] == "report" else f"event ({t['date_source']})"
        merged.setdefault((t["date"], kind, t["label"]), []).extend(number[a] for a, *_ in t["citations"])
    brief.timeline = [{"date": k[0], "kind": k[1], "text": k[2], "sources": sorted(set(v))} for k, v in merged.items()]
    brief.timeline.sort(key=lambda t: (t["date"] is None, t["date"] or "", t["kind"] != "report", t["text"]))
    # contradictions between independent sources (storyline.stories.contradict), both sides cited
    brief.n_independent = sum(not s["copy"] for s in sources)
    for r in c.execute("SELECT kind, subject, a_article_id, a_text, a_value, b_article_id, b_text, b_value"
                       " FROM story_contradictions WHERE story_id = ? ORDER BY idx", (story_id,)):
        brief.contradictions.append({
            "kind": r["kind"], "subject": r["subject"],
            "a": {"text": r["a_text"], "value": r["a_value"], "source": number.get(r["a_article_id"])},
            "b": {"text": r["b_text"], "value": r["b_value"], "source": number.get(r["b_article_id"])}})
    # who said what: direct and reported quotes of independent reports, by speaker
    for q in c.execute(
        "SELECT q.article_id, q.kind, q.text, ifnull(q.speaker_name, 'unattributed') AS who FROM quotes q"
        " JOIN story_members sm ON sm.article_id = q.article_id WHERE sm.story_id = ? AND q.kind != 'partial'"
        " AND ifnull(json_extract(q.attrs, '$.cue_type'), 'speech') IN ('speech', 'according_to', 'colon')"
        " ORDER BY q.article_id, q.start", (story_id,)):
        said = brief.quotes.setdefault(q["who"], [])
        key = _norm(q["text"])
        for kind, text, srcs in said:
            if _norm(text) == key:
                srcs.append(number[q["article_id"]])
                break
        else:
            said.append((q["kind"], q["text"].strip(), [number[q["article_id"]]]))
    return brief


def actor_names(store: Store, ids: list[str]) -> dict[str, str]:
    out = {i: i for i in ids}
    for i, name in store.conn.execute(
            f"SELECT id, name FROM actors WHERE id IN ({','.join('?' * len(ids))})", ids) if ids else ():
        out[i] = name
    return out


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _summary(members: list[dict[str, Any]], number: dict[str, int], k: int) -> list[tuple[str, list[int]]]:
    """Extractive: sentences of independent reports ranked by similarity to the story's TF-IDF centroid;
    a sentence cites every member article that carries (nearly) the same sentence."""
    docs = [(m["id"], [s.strip() for s in _SENT.split(m["text"].replace("\n\n", " ")) if len(s.split()) >= 6])
            for m in members]
    df: Counter[str] = Counter()
    for _, sents in docs:
        df.update({w for s in sents for w in _WORD.findall(s.lower()) if w not in _STOP})
    n_docs = max(1, len(docs))
    centroid: Counter[str] = Counter()
    for _, sents in docs:
        for s in sents:
            for w in _WORD.findall(s.lower()):
                if w not in _STOP:
                    centroid[w] += math.log(1 + n_docs / df[w])
    scored = []
    seen: set[str] = set()
    independent = {m["id"] for m in members if not m["is_copy"]}
    for aid, sents in docs:
        if aid not in independent:
            continue
        for pos, s in enumerate(sents):
            words = [w for w in _WORD.findall(s.lower()) if w not in _STOP]
            if not words or _norm(s) in seen:
                continue
            seen.add(_norm(s))
            score = sum(centroid[w] for w in set(words)) / math.sqrt(len(words)) - 0.05 * pos
            scored.append((score, aid, s))
    scored.sort(key=lambda x: (-x[0], x[1]))
    out: list[tuple[str, list[int]]] = []
    chosen: list[set[str]] = []
    for _, aid, s in scored:
        bag = set(_WORD.findall(s.lower()))
        if any(len(bag & c) / max(1, len(bag | c)) > 0.5 for c in chosen):
            continue  # a near-repeat of a chosen sentence
        chosen.append(bag)
        cites = sorted({number[o] for o, sents in docs for t in sents
                        if len(bag & set(_WORD.findall(t.lower()))) / max(1, len(bag)) >= 0.8})
        out.append((s, cites or [number[aid]]))
        if len(out) >= k:
            break
    return out


def contradiction_lines(b: StoryBrief) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]] | str:
    """(kind, subject, side a, side b) per contradiction, or the line that says why there are none."""
    if b.contradictions:
        return [(x["kind"], x["subject"], x["a"], x["b"]) for x in b.contradictions]
    if b.n_independent < 2:
        return "One independent report: nothing to compare."
    return "None found between the independent sources (dates, numbers, negations, quote speakers)."


def _clip(text: str, n: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def framing_lines(b: StoryBrief, names: dict[str, str]) -> list[str]:
    lines = []
    for source, f in sorted(b.framing.items()):
        by_target: dict[str, list[str]] = {}
        for (label, category, target), n in sorted(f["terms"].items(), key=lambda kv: (-kv[1], kv[0][0])):
            if target is not None:
                by_target.setdefault(names.get(target, target), []).append(f"{label} ({category}) ×{n}")
        events = sorted({label for (label, category, target) in f["terms"] if target is None
                         and category in ("contested", "neutral-event")})
        parts = [f"{who}: {', '.join(t)}" for who, t in sorted(by_target.items())]
        if events:
            parts.append("events named as: " + ", ".join(events))
        if f["only_here"] and len(b.framing) > 1:
            parts.append("only this source: " + ", ".join(f["only_here"]))
        lines.append((source, "; ".join(parts) or "no framing terms"))
    return lines


def render_markdown(heading: str, briefs: list[StoryBrief]) -> str:
    lines = [f"# {heading}", ""]
    if not briefs:
        lines.append("No stories.")
    for b in briefs:
        span = " – ".join(dict.fromkeys(d for d in (b.date_start, b.date_end) if d)) or "undated"
        lines += [f"## {b.title}", f"*{b.id} · {span} · {len(b.sources)} reports*", "", "### Summary"]
        lines += [f"- {s} {''.join(f'[{n}]' for n in ns)}" for s, ns in b.summary] or ["- (no summary sentences)"]
        lines += ["", "### Timeline"]
        lines += [f"- **{t['date'] or 'undated'}** ({t['kind']}) {t['text']} "
                  f"{''.join(f'[{n}]' for n in t['sources'])}" for t in b.timeline]
        lines += ["", "### Who said what"]
        for who, said in sorted(b.quotes.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"- **{who}**")
            lines += [f"  - ({kind}) {text} {''.join(f'[{n}]' for n in ns)}" for kind, text, ns in said]
        if not b.quotes:
            lines.append("- (no quotes)")
        lines += ["", "### How each source framed it"]
        lines += [f"- **{src}** — {desc}" for src, desc in framing_lines(b, b.names)] or ["- (none)"]
        lines += ["", "### Contradictions"]
        found = contradiction_lines(b)
        if isinstance(found, str):
            lines.append(f"- {found}")
        for kind, subject, x, y in found if not isinstance(found, str) else ():
            lines.append(f"- **{kind}** — {subject}: “{_clip(x['text'])}” ({x['value']}) [{x['source']}] vs "
                         f"“{_clip(y['text'])}” ({y['value']}) [{y['source']}]")
        lines += ["", "### Sources"]
        for s in b.sources:
            where = f" <{s['url']}>" if s["url"] else ""
            copy = " (copy of another report)" if s["copy"] else ""
            lines.append(f"{s['n']}. {s['outlet'] or 'unknown outlet'}, {s['date'] or 'undated'}"
                         f"{' (' + s['date_provenance'] + ')' if s['date'] and s['date_provenance'] not in (None, 'metadata') else ''}"
                         f": {s['title'] or s['id']}{where} — article {s['id']}{copy}")
        lines.append("")
    return "\n".join(lines)


def render_html(heading: str, briefs: list[StoryBrief]) -> str:
    e = html.escape
    cite = lambda ns, sid: "".join(f'<a href="#{e(sid)}-src{n}">[{n}]</a>' for n in ns)  # noqa: E731
    out = ["<!doctype html><html lang=en><head><meta charset=utf-8>",
           f"<title>{e(heading)}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem "
           "auto;padding:0 1rem;color:#222}}h2{{margin-top:2.5rem;border-bottom:1px solid #ccc}}.meta{{color:#666}}"
           "a{{color:#145}}li{{margin:.2rem 0}}</style></head><body>", f"<h1>{e(heading)}</h1>"]
    if not briefs:
        out.append("<p>No stories.</p>")
    for b in briefs:
        span = " – ".join(dict.fromkeys(d for d in (b.date_start, b.date_end) if d)) or "undated"
        out.append(f"<h2>{e(b.title)}</h2><p class=meta>{e(b.id)} · {e(span)} · {len(b.sources)} reports</p>")
        out.append("<h3>Summary</h3><ul>" + "".join(f"<li>{e(s)} {cite(ns, b.id)}</li>" for s, ns in b.summary)
                   + "</ul>")
        out.append("<h3>Timeline</h3><ul>" + "".join(
            f"<li><b>{e(t['date'] or 'undated')}</b> ({e(t['kind'])}) {e(t['text'])} {cite(t['sources'], b.id)}</li>"
            for t in b.timeline) + "</ul>")
        out.append("<h3>Who said what</h3><ul>" + "".join(
            f"<li><b>{e(who)}</b><ul>" + "".join(f"<li>({e(k)}) {e(t)} {cite(ns, b.id)}</li>" for k, t, ns in said)
            + "</ul></li>" for who, said in sorted(b.quotes.items(), key=lambda kv: -len(kv[1]))) + "</ul>")
        out.append("<h3>How each source framed it</h3><ul>" + "".join(
            f"<li><b>{e(src)}</b> — {e(desc)}</li>" for src, desc in framing_lines(b, b.names)) + "</ul>")
        found = contradiction_lines(b)
        out.append("<h3>Contradictions</h3><ul>" + (f"<li>{e(found)}</li>" if isinstance(found, str) else "".join(
            f"<li><b>{e(kind)}</b> — {e(subject)}: “{e(_clip(x['text']))}” ({e(x['value'])}) {cite([x['source']], b.id)}"
            f" vs “{e(_clip(y['text']))}” ({e(y['value'])}) {cite([y['source']], b.id)}</li>"
            for kind, subject, x, y in found)) + "</ul><h3>Sources</h3><ol>")
        for s in b.sources:
            link = (f' <a href="{e(s["url"])}">{e(s["url"])}</a>' if s["url"] and s["url"].startswith(("http://",
                    "https://")) else "")
            out.append(f'<li id="{e(b.id)}-src{s["n"]}">{e(s["outlet"] or "unknown outlet")}, {e(s["date"] or "undated")}:'
                       f' {e(s["title"] or s["id"])}{link} — article {e(s["id"])}'
                       f'{" (copy of another report)" if s["copy"] else ""}</li>')
        out.append("</ol>")
    out.append("</body></html>")
    return "\n".join(out)
