"""HTML fragments built in Python: highlighted article text and inline SVG plots.

Every piece of document text goes through :func:`markupsafe.escape` before it is wrapped in markup; the
only markup emitted is the fixed tags written here. Nothing here inserts raw text.
"""

from __future__ import annotations

import math
from datetime import date
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from .queries import MARK_CLOSE, MARK_OPEN

QUAD_NAMES = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict"}


def url_part(value: str) -> str:
    """A path segment for an id or name (percent-encoded; escaped again by the template when inserted)."""
    return quote(value, safe="")


def actor_url(actor_id: str) -> str:
    return "/actor/" + url_part(actor_id)


def highlight(text: str, article: dict[str, Any], mark: tuple[int, int] | None = None) -> Markup:
    """The clean text with mentions, time expressions, quotes and event triggers marked from their offsets.

    The text is cut at every span boundary; each piece is escaped and wrapped in one ``<span>`` whose classes
    name the layers covering it (so overlapping spans need no nesting), and a piece inside an actor mention
    links to the actor's page. ``mark`` (start, end) is an evidence sentence a story page links to
    (``?hl=START-END``): its pieces get the class ``cl``, the first one the id ``hl`` (the link's anchor)."""
    n = len(text)
    spans: list[tuple[int, int, str, str, str | None]] = []  # start, end, class, title, link
    if mark is not None and 0 <= mark[0] < mark[1]:
        spans.append((mark[0], mark[1], "cl", "the sentence the story page cites", None))
    for m in article.get("mentions", ()):
        label = f"{m.get('actor_name') or m['actor_id']} ({m['actor_id']}) · {m['kind']}"
        spans.append((m["start"], m["end"], "ent", label, actor_url(m["actor_id"])))
    for t in article.get("timexes", ()):
        val = t["value"] or f"unresolved: {t.get('reason') or '?'}"
        spans.append((t["start"], t["end"], "tx", f"{t['type']} {val}" + (f" {t['mod']}" if t.get("mod") else ""),
                      None))
    for q in article.get("quotes", ()):
        who = q.get("speaker_name") or "unknown speaker"
        spans.append((q["start"], q["end"], "qt", f"{q['kind']} quote · {who}" + (f" · {q['cue']}" if q.get("cue")
                                                                                 else ""), None))
    for e in article.get("event_mentions", ()):
        actors = ", ".join(a["name"] for a in e.get("actors", ())) or "?"
        recips = ", ".join(a["name"] for a in e.get("recipients", ())) or "?"
        flags = [k for k in ("negated", "hypothetical", "future", "historical") if e.get(k)]
        spans.append((e["trigger_start"], e["trigger_end"], "ev",
                      f"{e['type']} ({QUAD_NAMES.get(e['quad'], e['quad'])}) {actors} → {recips}"
                      + (f" [{', '.join(flags)}]" if flags else ""), None))
    spans = [(max(0, s), min(n, e), c, t, l) for s, e, c, t, l in spans if 0 <= s < e]
    cuts = sorted({0, n, *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    out: list[str] = []
    anchored = False
    for a, b in zip(cuts, cuts[1:]):
        piece = escape(text[a:b])
        active = [s for s in spans if s[0] <= a and s[1] >= b]
        if not active:
            out.append(piece)
            continue
        classes = " ".join(sorted({s[2] for s in active}))
        title = " | ".join(dict.fromkeys(s[3] for s in active))
        link = next((s[4] for s in active if s[4]), None)
        inner = Markup('<a href="{}">{}</a>').format(link, piece) if link else piece
        if not anchored and any(s[2] == "cl" for s in active):
            anchored = True
            out.append(Markup('<span class="hl {}" title="{}" id="hl">{}</span>').format(classes, title, inner))
        else:
            out.append(Markup('<span class="hl {}" title="{}">{}</span>').format(classes, title, inner))
    return Markup("").join(out)


def snippet(value: str | None) -> Markup:
    """An FTS5 snippet: escaped, then its match markers turned into <mark> elements."""
    if not value:
        return Markup("")
    return Markup(str(escape(value)).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


# ---------------------------------------------------------------------- plots (inline SVG)
def _svg(width: int, height: int, body: Iterable[str | Markup], label: str) -> Markup:
    return Markup('<svg class="plot" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{l}"'
                  ' xmlns="http://www.w3.org/2000/svg">').format(w=width, h=height, l=label) + Markup("").join(
        body) + Markup("</svg>")


def volume_plot(rows: Sequence[dict[str, Any]], *, width: int = 640, height: int = 160) -> Markup:
    """Articles per month as bars (undated articles as the last, grey bar)."""
    if not rows:
        return Markup("")
    pad_l, pad_b, pad_t = 30, 34, 10
    top = max(r["n"] for r in rows) or 1
    bw = (width - pad_l - 10) / len(rows)
    h = height - pad_b - pad_t
    body: list[Markup] = [Markup('<text x="2" y="{}" class="axis">{}</text>').format(pad_t + 8, top)]
    for i, r in enumerate(rows):
        bh = h * r["n"] / top
        x = pad_l + i * bw
        period = r["period"] or "undated"
        cls = "bar undated" if r["period"] is None else "bar"
        body.append(Markup('<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"><title>{}: {} '
                           'articles</title></rect>').format(cls, x + 1, pad_t + h - bh, max(bw - 2, 1), bh,
                                                             period, r["n"]))
        if len(rows) <= 24 or i % math.ceil(len(rows) / 12) == 0:
            body.append(Markup('<text x="{:.1f}" y="{}" class="axis" transform="rotate(30 {:.1f} {})">{}</text>')
                        .format(x + 2, height - pad_b + 12, x + 2, height - pad_b + 12, period))
    return _svg(width, height, body, "articles per month")


def _month_keys(periods: Mapping[str | None, Any]) -> list[str | None]:
    return sorted(k for k in periods if k is not None) + ([None] if None in periods else [])


def _diverging_bars(keys: Sequence[str | None], bars: Sequence[Sequence[tuple[str, float, str]]], scale: float,
                    label: str, *, width: int, height: int) -> Markup:
    """One column per month (``keys``; None = undated) of bars around a middle axis: each bar
    ``(css class, value, tooltip)``, positive values up, negative down, ``scale`` the largest value drawn."""
    pad_l, pad_b, pad_t = 30, 34, 10
    mid = pad_t + (height - pad_t - pad_b) / 2
    half = (height - pad_t - pad_b) / 2
    bw = min((width - pad_l - 10) / len(keys), 60)
    body: list[Markup] = [
        Markup('<line class="axis-line" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>').format(pad_l, width - 5, mid, mid),
        Markup('<text x="2" y="{}" class="axis">+{:g}</text>').format(pad_t + 8, scale),
        Markup('<text x="2" y="{:.0f}" class="axis">−{:g}</text>').format(mid + half, scale),
    ]
    for i, (k, column) in enumerate(zip(keys, bars)):
        x = pad_l + i * bw
        for css, value, tip in column:
            h = half * min(abs(value), scale) / scale
            body.append(Markup('<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"><title>{}: {}'
                               '</title></rect>').format(css, x + 1, mid - h if value >= 0 else mid, bw - 2, h,
                                                         k or "undated", tip))
        if len(keys) <= 24 or i % math.ceil(len(keys) / 12) == 0:
            body.append(Markup('<text x="{:.1f}" y="{}" class="axis" transform="rotate(30 {:.1f} {})">{}</text>')
                        .format(x + 2, height - pad_b + 12, x + 2, height - pad_b + 12, k or "undated"))
    return _svg(width, height, body, label)


def coop_conflict_plot(dyads: Sequence[dict[str, Any]], *, width: int = 640, height: int = 200) -> Markup:
    """New events per month involving the actor: cooperation above the axis, conflict below; undated last."""
    periods: dict[str | None, list[int]] = {}
    for d in dyads:
        c = periods.setdefault(d["period"], [0, 0])
        c[0] += d["n_cooperation"]
        c[1] += d["n_conflict"]
    if not periods:
        return Markup("")
    keys = _month_keys(periods)
    bars = [[("coop", periods[k][0], f"{periods[k][0]} cooperation"),
             ("conflict", -periods[k][1], f"{periods[k][1]} conflict")] for k in keys]
    return _diverging_bars(keys, bars, max(max(v) for v in periods.values()) or 1,
                           "cooperation and conflict over time", width=width, height=height)


def intensity_plot(rows: Sequence[dict[str, Any]], *, width: int = 640, height: int = 180) -> Markup:
    """Mean event intensity per month (−10 conflict … +10 cooperation, PLOVER intensities) as bars around
    zero, one bar per month, with the number of events in each bar's tooltip; undated events last."""
    months: dict[str | None, list[float]] = {}
    for r in rows:
        if r.get("intensity_mean") is None:
            continue
        m = months.setdefault(r["period"], [0.0, 0])
        m[0] += r["intensity_mean"] * r["n_events"]
        m[1] += r["n_events"]
    if not months:
        return Markup("")
    keys = _month_keys(months)
    bars = []
    for k in keys:
        mean = months[k][0] / months[k][1]
        bars.append([("coop" if mean >= 0 else "conflict", mean,
                      f"mean intensity {mean:+.1f} over {months[k][1]:g} events")])
    return _diverging_bars(keys, bars, 10, "mean event intensity per month", width=width, height=height)


def network_plot(center: dict[str, Any], related: Sequence[dict[str, Any]], *, size: int = 420,
                 max_nodes: int = 14) -> Markup:
    """The actor in the middle, related actors around it; edge width ∝ events (dashed: co-mentions only),
    colour by mean intensity (green cooperation, red conflict). Every node links to its actor page."""
    nodes = list(related[:max_nodes])
    if not nodes:
        return Markup("")
    width = size + 160  # room for labels left and right
    cx, cy = width / 2, size / 2
    r = size / 2 - 50
    top_ev = max((n["n_events"] for n in nodes), default=0) or 1
    edges: list[Markup] = []
    labels: list[Markup] = []
    for i, n in enumerate(nodes):
        ang = 2 * math.pi * i / len(nodes) - math.pi / 2
        x, y = cx + r * math.cos(ang), cy + r * math.sin(ang)
        if n["n_events"]:
            mean = n.get("intensity_mean") or 0
            cls = "edge coop" if mean > 0 else "edge conflict" if mean < 0 else "edge"
            w = 1 + 5 * n["n_events"] / top_ev
        else:
            cls, w = "edge co", 1
        edges.append(Markup('<line class="{}" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke-width="{:.1f}">'
                            '<title>{}: {} events ({} coop, {} conflict), {} shared articles</title></line>').format(
            cls, cx, cy, x, y, w, n["name"], n["n_events"], n["n_cooperation"], n["n_conflict"], n["n_coarticles"]))
        anchor = "start" if math.cos(ang) > 0.2 else "end" if math.cos(ang) < -0.2 else "middle"
        ly = y + (14 if math.sin(ang) > 0.2 else -8 if math.sin(ang) < -0.2 else 4)
        lx = x + (8 if anchor == "start" else -8 if anchor == "end" else 0)
        labels.append(Markup('<a href="{}"><circle class="node" cx="{:.1f}" cy="{:.1f}" r="6"/>'
                             '<text class="nlabel" x="{:.1f}" y="{:.1f}" text-anchor="{}">{}</text></a>').format(
            actor_url(n["id"]), x, y, lx, ly, anchor, _short(n["name"])))
    labels.append(Markup('<circle class="node center" cx="{:.1f}" cy="{:.1f}" r="10"/><text class="nlabel center"'
                         ' x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>').format(
        cx, cy, cx, cy + 26, _short(center["name"])))
    return _svg(int(width), size, edges + labels, "relations to other actors")


def _day(value: str | None) -> date | None:
    """A timeline date as a day: YYYY-MM-DD (or a longer ISO value) as is, YYYY-MM as its 1st, YYYY as 1 Jan."""
    if not value:
        return None
    v = value[:10]
    try:
        return date.fromisoformat(v if len(v) == 10 else v + "-01" if len(v) == 7 else v + "-01-01")
    except ValueError:
        return None


def timeline_plot(items: Sequence[dict[str, Any]], *, width: int = 640, height: int = 120) -> Markup:
    """A story's timeline as two lanes over calendar time: events at their own dates, reports at their
    publication dates; one dot per lane and day (area ∝ number of items), linking to the first article it
    cites; undated items are counted, not drawn."""
    lanes = {"event": 38, "report": 78}
    dots: dict[tuple[str, date], list[dict[str, Any]]] = {}
    undated = 0
    for t in items:
        d = _day(t.get("date"))
        if d is None:
            undated += 1
            continue
        dots.setdefault((t["kind"] if t["kind"] in lanes else "event", d), []).append(t)
    if not dots:
        return Markup("")
    pad_l, pad_r = 62, 16
    lo, hi = min(d for _, d in dots), max(d for _, d in dots)
    span = max((hi - lo).days, 1)
    x = lambda d: pad_l + (width - pad_l - pad_r) * ((d - lo).days / span if hi > lo else 0.5)  # noqa: E731
    top = max(len(v) for v in dots.values())
    body: list[Markup] = []
    for lane, y in lanes.items():
        body.append(Markup('<line class="axis-line" x1="{}" x2="{}" y1="{}" y2="{}"/>').format(
            pad_l, width - pad_r, y, y))
        body.append(Markup('<text x="4" y="{}" class="axis">{}</text>').format(y + 4, lane + "s"))
    ticks = [lo] if hi == lo else [lo + (hi - lo) * i / 4 for i in range(5)]
    for d in dict.fromkeys(ticks):
        body.append(Markup('<text x="{:.1f}" y="{}" class="axis" text-anchor="middle">{}</text>').format(
            x(d), height - 10, d.isoformat()))
    for (lane, d), group in sorted(dots.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        r = 3 + 6 * math.sqrt(len(group) / top)
        tip = f"{d.isoformat()} · {len(group)} {lane}{'s' if len(group) > 1 else ''}: " + "; ".join(
            t["text"] for t in group[:6]) + (" …" if len(group) > 6 else "")
        cites = [c for t in group for c in t.get("cites", ())]
        dot = Markup('<circle class="dot {}" cx="{:.1f}" cy="{}" r="{:.1f}"><title>{}</title></circle>').format(
            lane, x(d), lanes[lane], r, tip)
        body.append(Markup('<a href="{}">{}</a>').format("/article/" + url_part(cites[0]["article_id"]), dot)
                    if cites else dot)
    if undated:
        body.append(Markup('<text x="{}" y="14" class="axis" text-anchor="end">{} undated, not drawn</text>').format(
            width - pad_r, undated))
    return _svg(width, height, body, "story timeline: events and reports over time")


def _short(name: str, n: int = 24) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"
