"""HTML fragments built in Python: highlighted article text and inline SVG plots.

Every piece of document text goes through :func:`markupsafe.escape` before it is wrapped in markup; the
only markup emitted is the fixed tags written here. Nothing here inserts raw text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
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


def highlight(text: str, article: dict[str, Any]) -> Markup:
    """The clean text with mentions, time expressions, quotes and event triggers marked from their offsets.

    The text is cut at every span boundary; each piece is escaped and wrapped in one ``<span>`` whose classes
    name the layers covering it (so overlapping spans need no nesting), and a piece inside an actor mention
    links to the actor's page."""
    n = len(text)
    spans: list[tuple[int, int, str, str, str | None]] = []  # start, end, class, title, link
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


def coop_conflict_plot(dyads: Sequence[dict[str, Any]], *, width: int = 640, height: int = 200) -> Markup:
    """New events per month involving the actor: cooperation above the axis, conflict below; undated last."""
    periods: dict[str | None, list[int]] = {}
    for d in dyads:
        c = periods.setdefault(d["period"], [0, 0])
        c[0] += d["n_cooperation"]
        c[1] += d["n_conflict"]
    if not periods:
        return Markup("")
    keys = sorted(k for k in periods if k is not None) + ([None] if None in periods else [])
    top = max(max(v) for v in periods.values()) or 1
    pad_l, pad_b, pad_t = 30, 34, 10
    mid = pad_t + (height - pad_t - pad_b) / 2
    half = (height - pad_t - pad_b) / 2
    bw = min((width - pad_l - 10) / len(keys), 60)
    body: list[Markup] = [
        Markup('<line class="axis-line" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>').format(pad_l, width - 5, mid, mid),
        Markup('<text x="2" y="{}" class="axis">+{}</text>').format(pad_t + 8, top),
        Markup('<text x="2" y="{:.0f}" class="axis">−{}</text>').format(mid + half, top),
    ]
    for i, k in enumerate(keys):
        coop, conf = periods[k]
        x = pad_l + i * bw
        label = k or "undated"
        ch, fh = half * coop / top, half * conf / top
        body.append(Markup('<rect class="coop" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"><title>{}: {} '
                           'cooperation</title></rect>').format(x + 1, mid - ch, bw - 2, ch, label, coop))
        body.append(Markup('<rect class="conflict" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"><title>{}: '
                           '{} conflict</title></rect>').format(x + 1, mid, bw - 2, fh, label, conf))
        if len(keys) <= 24 or i % math.ceil(len(keys) / 12) == 0:
            body.append(Markup('<text x="{:.1f}" y="{}" class="axis" transform="rotate(30 {:.1f} {})">{}</text>')
                        .format(x + 2, height - pad_b + 12, x + 2, height - pad_b + 12, label))
    return _svg(width, height, body, "cooperation and conflict over time")


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


def _short(name: str, n: int = 24) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"
