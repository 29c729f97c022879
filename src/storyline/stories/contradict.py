"""Contradictions: statements of a story's independent sources that cannot both be true, both sides kept.

Only independent reports count: a copy (a later member of a duplicate group, a syndicated reprint) is
not a second opinion, and two articles of the same source (outlet) are not compared with each other.
Four kinds, each a generic rule over the stored facts (nothing is specific to a corpus):

``date``
    The same event given dates that do not overlap. The same event: event mentions of the same PLOVER
    type (and mode, when both have one) whose actors and recipients overlap (at least one role shared,
    none disjoint), with the same flags, each dated **by its own text** (``date_source ==
    "sentence_timex"``; a date inferred from the publication date is no statement). Historical mentions
    are different past occurrences unless both single one out ("last", "previous", "latest", "most
    recent", "first"). Also: the same claim (sentences that :mod:`storyline.stories.compare` groups) with
    different dates. Dates are compared as intervals, so "2023" and "1 March 2023" do not conflict
    (one is only more precise); "March 2023" and "December 2023" do.
``number``
    The same counted thing ("12 people", "more than 1,200 political prisoners", "45%") given values that
    cannot both hold, in sentences that carry the same claim, or that share the counted noun and at least
    two other content words. Hedges are intervals: "more than 1,200" and "1,300" agree; "about 300"
    covers ±10 %. Numbers inside a time expression (years, durations) are not quantities.
``negation``
    One source reports an event, another reports it negated (event flags), for the same event as
    above; or two sentences of one claim of which exactly one is negated ("not", "never", "no longer",
    "n't"; not "not only").
``speaker``
    The same quoted words (a direct or partial quote of at least four words; equal, or one containing
    the other) attributed to different resolved speakers (actor ids; an unresolved "he" or "officials" is
    not compared). A country or government and a person of that country
    ("China" / "Xi Jinping") are not counted as different speakers.

Each :class:`Contradiction` keeps both sides as evidence spans (article id, character offsets into
that article's clean text, the text, the value). Ids and order are deterministic: sides are ordered by
(article id, offset), contradictions by kind, then side A, then side B; repeats of one disagreement (the
same two values about the same subject between the same two articles) are reported once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..facts.time import date_interval
from .compare import Claim, compare, sentences
from .timeline import event_label

KINDS = ("date", "number", "negation", "speaker")
_SINGLED_OUT = re.compile(r"\b(?:last|previous|latest|most recent|first)\b", re.I)
_NEGATION = re.compile(r"\b(?:not(?!\s+only\b)|never|no\s+longer|neither|nor|cannot)\b|n[’']t\b", re.I)
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset("the and for that with this from have has was were said will would been their they its are not "
                  "but who which after also had than more about into over his her she him them there when what "
                  "some other such only just then".split())


@dataclass(frozen=True)
class Side:
    article_id: str
    start: int
    end: int
    text: str
    value: str


@dataclass(frozen=True)
class Contradiction:
    story_id: str
    kind: str
    subject: str
    a: Side
    b: Side

    def as_row(self, idx: int) -> dict[str, Any]:
        row: dict[str, Any] = {"story_id": self.story_id, "idx": idx, "kind": self.kind, "subject": self.subject}
        for name, side in (("a", self.a), ("b", self.b)):
            row.update({f"{name}_article_id": side.article_id, f"{name}_start": side.start, f"{name}_end": side.end,
                        f"{name}_text": side.text, f"{name}_value": side.value})
        return row


@dataclass
class MemberFacts:
    """One member article of a story with the facts the rules read (rows as the export tables give them)."""

    article_id: str
    source: str                              # outlet, or "unknown outlet (article <id>)"
    text: str
    group_id: str | None = None
    is_copy: bool = False
    event_mentions: list[Mapping[str, Any]] = field(default_factory=list)
    timexes: list[Mapping[str, Any]] = field(default_factory=list)
    quotes: list[Mapping[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- dates
def _disjoint(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    return a[1] < b[0] or b[1] < a[0]


# ---------------------------------------------------------------------------------------------- numbers
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
          "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12}
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "m": 1e6, "bn": 1e9}
_HEDGES = {"more than": "gt", "over": "gt", "above": "gt", "at least": "ge", "as many as": "le", "up to": "le",
           "less than": "lt", "fewer than": "lt", "under": "lt", "below": "lt", "almost": "near_below",
           "nearly": "near_below", "about": "near", "around": "near", "roughly": "near", "approximately": "near",
           "some": "near", "close to": "near", "an estimated": "near", "estimated": "near"}
_NUM = re.compile(
    r"(?:\b(?P<hedge>" + "|".join(sorted((re.escape(h) for h in _HEDGES), key=len, reverse=True)) + r")\s+)?"
    r"(?P<cur>[$€£])?(?P<num>(?<![\w.,-])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w-])|(?<![\w.,-])\d+(?:\.\d+)?(?=%)"
    r"|(?<![\w.,-])\d+(?:\.\d+)?(?![\w%-])|\b(?:" + "|".join(_UNITS) + r")\b(?!-))"
    r"(?:\s+(?P<scale>thousand|million|billion|trillion|bn|m)\b)?(?P<pct>\s*(?:%|per\s?cent\b))?", re.I)
_FUNCTION = frozenset("the a an of in on at to and or but for from with by as that which who whom whose was were is "
                      "are be been being has have had will would can could may might since than then this these "
                      "those its their his her our your my per each every all during after before while when "
                      "where into onto over under about around between among against through across".split())


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    text: str
    low: float
    high: float
    units: frozenset[str]


def _stem(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def quantities(text: str, offset: int = 0, skip: Sequence[tuple[int, int]] = ()) -> list[Quantity]:
    """Counted quantities in ``text``: a number (digits or words, with a scale and a hedge) and the words it
    counts (up to two lower-case words after it, or ``percent``). ``skip``: spans (absolute offsets,
    e.g. time expressions) whose numbers are not quantities."""
    out = []
    for m in _NUM.finditer(text):
        s, e = m.start("num") + offset, m.end() + offset
        if any(a < e and s < b for a, b in skip) or (not m["hedge"] and re.fullmatch(r"1[89]\d\d|20\d\d", m["num"])):
            continue  # a time expression or a bare year
        raw = m["num"].lower().replace(",", "")
        try:
            value = float(_UNITS.get(raw, raw))
        except ValueError:
            continue
        if m["scale"]:
            value *= _SCALE[m["scale"].lower()]
        if m["pct"]:
            units = frozenset({"percent"})
        elif m["cur"]:
            units = frozenset({m["cur"]})
        else:
            units = set()
            for w in re.findall(r"[A-Za-z][\w'-]*|[^\w\s]", text[m.end():m.end() + 60])[:2]:
                if not w[0].isalpha() or not w.islower() or w in _FUNCTION:
                    break
                units.add(_stem(w))
            units = frozenset(units)
        if not units:
            continue
        lo, hi = _range(value, _HEDGES.get((m["hedge"] or "").lower()))
        out.append(Quantity(m.start() + offset, e, text[m.start():m.end()].strip(), lo, hi, units))
    return out


def _range(v: float, hedge: str | None) -> tuple[float, float]:
    inf = float("inf")
    return {"gt": (v + 1e-9, inf), "ge": (v, inf), "le": (0.0, v), "lt": (0.0, v - 1e-9), "near": (0.9 * v, 1.1 * v),
            "near_below": (0.9 * v, v)}.get(hedge or "", (v, v))


# ---------------------------------------------------------------------------------------------- events
def _same_event(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if a["type"] != b["type"] or (a.get("mode") and b.get("mode") and a["mode"] != b["mode"]):
        return False
    shared = 0
    for role in ("actor_ids", "recipient_ids"):
        x, y = set(a.get(role) or ()), set(b.get(role) or ())
        if x and y:
            if not x & y:
                return False
            shared += 1
    return shared > 0


def _flags(m: Mapping[str, Any]) -> tuple[bool, ...]:
    return tuple(bool(m.get(f)) for f in ("hypothetical", "future", "historical"))


# ---------------------------------------------------------------------------------------------- main
MAX_PER_KIND = 50      # contradictions kept per story and kind (the first in the deterministic order)
MAX_BUCKET = 300       # sentences compared per counted word, event mentions per (type, actor) (bounded work)


def find_contradictions(story_id: str, members: Sequence[MemberFacts], *, claims: Sequence[Claim] | None = None,
                        names: Mapping[str, str] | None = None, countries: Mapping[str, str] | None = None,
                        max_per_kind: int = MAX_PER_KIND, max_bucket: int = MAX_BUCKET) -> list[Contradiction]:
    """The contradictions between the independent sources of one story. ``claims``: the story's
    :func:`storyline.stories.compare.compare` result (computed here when None); ``names``: actor id →
    name, for readable subjects; ``countries``: actor id → country code (a person and their country are
    not different speakers)."""
    names, countries = names or {}, countries or {}
    seen_groups: set[str] = set()
    indep: list[MemberFacts] = []
    for m in sorted(members, key=lambda m: (m.is_copy, m.article_id)):
        if m.is_copy or (m.group_id and m.group_id in seen_groups):
            continue
        if m.group_id:
            seen_groups.add(m.group_id)
        indep.append(m)
    if len({m.source for m in indep}) < 2:
        return []
    if claims is None:
        claims = compare([(m.article_id, m.source, m.text) for m in indep])
    claim_of: dict[tuple[str, int], int] = {}
    for k, cl in enumerate(claims):
        for sp in cl.spans:
            claim_of[(sp.article_id, sp.start)] = k
    found: list[Contradiction] = []

    def add(kind: str, subject: str, a: Side, b: Side) -> None:
        if (a.article_id, a.start) > (b.article_id, b.start):
            a, b = b, a
        found.append(Contradiction(story_id, kind, subject, a, b))

    # --- events: dates and negation
    # candidate pairs share the type and an actor or recipient (an inverted index, not all pairs)
    # only mentions that can take part: dated by their text, or negated (or the reported side of a negation);
    # one per (source, type, mode, roles, date, flags): a repeat in the same source says nothing new
    mentions: list[tuple[MemberFacts, Mapping[str, Any]]] = []
    seen_rep: set[tuple[Any, ...]] = set()
    any_negated = any(e.get("negated") for m in indep for e in m.event_mentions)
    for m in indep:
        for e in m.event_mentions:
            dated = e.get("date_source") == "sentence_timex" and date_interval(e.get("date")) is not None
            if not (dated or any_negated):
                continue
            rep = (m.source, e["type"], e.get("mode"), tuple(sorted(e.get("actor_ids") or ())),
                   tuple(sorted(e.get("recipient_ids") or ())), e.get("date") if dated else None, bool(e.get("negated")),
                   _flags(e), bool(e.get("historical") and _SINGLED_OUT.search(e.get("text") or "")))
            if rep not in seen_rep:
                seen_rep.add(rep)
                mentions.append((m, e))
    buckets: dict[tuple[str, str], list[int]] = {}
    for i, (_, e) in enumerate(mentions):
        for aid in {*(e.get("actor_ids") or ()), *(e.get("recipient_ids") or ())}:
            buckets.setdefault((e["type"], aid), []).append(i)
    event_pairs = sorted({(i, j) for idxs in buckets.values() for k, i in enumerate(idxs[:max_bucket])
                          for j in idxs[k + 1:max_bucket] if mentions[i][0].source != mentions[j][0].source})
    for i, j in event_pairs:
        (ma, x), (mb, y) = mentions[i], mentions[j]
        if not _same_event(x, y):
            continue
        label = event_label(x["type"], x.get("mode") or y.get("mode"), x.get("actor_ids") or y.get("actor_ids") or (),
                            x.get("recipient_ids") or y.get("recipient_ids") or (), names)
        ix = date_interval(x.get("date")) if x.get("date_source") == "sentence_timex" else None
        iy = date_interval(y.get("date")) if y.get("date_source") == "sentence_timex" else None
        if bool(x.get("negated")) != bool(y.get("negated")):
            if _flags(x) == _flags(y) and not x.get("hypothetical") and not x.get("future") and \
                    not (ix and iy and _disjoint(ix, iy)):
                add("negation", label, _event_side(ma, x, "negated" if x.get("negated") else "reported"),
                    _event_side(mb, y, "negated" if y.get("negated") else "reported"))
            continue
        if x.get("negated") or _flags(x) != _flags(y) or x.get("hypothetical") or not (ix and iy):
            continue
        if x.get("historical") and not (_SINGLED_OUT.search(x.get("text") or "")
                                        and _SINGLED_OUT.search(y.get("text") or "")):
            continue
        if _disjoint(ix, iy):
            add("date", f"date of: {label}", _event_side(ma, x, x["date"]), _event_side(mb, y, y["date"]))

    # --- sentences: claims, numbers, claim-level dates and negation
    sents: list[tuple[MemberFacts, tuple[int, int, str]]] = [(m, s) for m in indep for s in sentences(m.text)]
    spans_tx = {m.article_id: [(t["start"], t["end"]) for t in m.timexes] for m in indep}
    dated_tx = {m.article_id: [t for t in m.timexes if t.get("type") == "DATE" and date_interval(t.get("value"))]
                for m in indep}
    info = {}
    for m, (s, e, text) in sents:
        words = {w.lower() for w in _WORD.findall(text)} - _STOP
        info[(m.article_id, s)] = (words, quantities(text, s, spans_tx[m.article_id]),
                                   [t for t in dated_tx[m.article_id] if s <= t["start"] and t["end"] <= e])
    by_unit: dict[str, list[int]] = {}
    for i, (m, (s, _, _)) in enumerate(sents):
        for q in info[(m.article_id, s)][1]:
            for u in q.units:
                by_unit.setdefault(u, []).append(i)
    candidates: set[tuple[int, int]] = set()
    for idxs in by_unit.values():
        idxs = sorted(set(idxs))[:max_bucket]
        for a_i, i in enumerate(idxs):
            for j in idxs[a_i + 1:]:
                if i != j and sents[i][0].source != sents[j][0].source:
                    candidates.add((min(i, j), max(i, j)))
    position = {(m.article_id, s): i for i, (m, (s, _, _)) in enumerate(sents)}
    for cl in claims:
        spans = [position[(sp.article_id, sp.start)] for sp in cl.spans if (sp.article_id, sp.start) in position]
        spans = spans[:max_bucket]
        for a_i, i in enumerate(spans):
            for j in spans[a_i + 1:]:
                if sents[i][0].source != sents[j][0].source:
                    candidates.add((min(i, j), max(i, j)))
    for i, j in sorted(candidates):
        (ma, (sa, ea, ta)), (mb, (sb, eb, tb)) = sents[i], sents[j]
        wa, qa, da = info[(ma.article_id, sa)]
        wb, qb, db = info[(mb.article_id, sb)]
        same_claim = claim_of.get((ma.article_id, sa), -1) == claim_of.get((mb.article_id, sb), -2)
        for unit in sorted({u for q in qa for u in q.units} & {u for q in qb for u in q.units}):
            if not same_claim and len((wa & wb) - {w for q in qa + qb for w in q.units} - {unit}) < 2:
                continue
            xa = [q for q in qa if unit in q.units]
            xb = [q for q in qb if unit in q.units]
            only_a = [q for q in xa if not any(not _disjoint((q.low, q.high), (r.low, r.high)) for r in xb)]
            only_b = [r for r in xb if not any(not _disjoint((q.low, q.high), (r.low, r.high)) for q in xa)]
            for q, r in zip(only_a, only_b):
                add("number", f"number of “{unit}”: {_snippet(ta)}", Side(ma.article_id, sa, ea, ta, q.text),
                    Side(mb.article_id, sb, eb, tb, r.text))
        if not same_claim:
            continue
        if da and len(da) == len(db):
            for x, y in zip(da, db):
                if _disjoint(date_interval(x["value"]), date_interval(y["value"])):
                    add("date", f"date in: {_snippet(ta)}", Side(ma.article_id, sa, ea, ta, x["value"]),
                        Side(mb.article_id, sb, eb, tb, y["value"]))
        na, nb = bool(_NEGATION.search(ta)), bool(_NEGATION.search(tb))
        if na != nb:
            add("negation", f"claim: {_snippet(ta if nb else tb)}", Side(ma.article_id, sa, ea, ta, "negated" if na
                else "affirmed"), Side(mb.article_id, sb, eb, tb, "negated" if nb else "affirmed"))

    # --- quotes: the same words, different speakers
    quoted = []
    for m in indep:
        for q in m.quotes:
            norm = tuple(w.lower() for w in re.findall(r"\w+", q.get("text") or ""))
            who = q.get("speaker_id")  # resolved speakers only: "he" or "officials" could be anyone
            if q.get("kind") in ("direct", "partial") and len(norm) >= 4 and who:
                quoted.append((m, (q, " ".join(norm), who)))
    # a quote inside (or equal to) another shares its first four words: index every 4-gram, not all pairs
    grams: dict[str, list[int]] = {}
    for i, (_, (_, norm, _)) in enumerate(quoted):
        ws = norm.split()
        for k in range(len(ws) - 3):
            grams.setdefault(" ".join(ws[k:k + 4]), []).append(i)
    quote_pairs = sorted({(min(i, j), max(i, j)) for i, (_, (_, norm, _)) in enumerate(quoted)
                          for j in grams.get(" ".join(norm.split()[:4]), ()) if quoted[i][0].source != quoted[j][0].source})
    for i, j in quote_pairs:
        (ma, (qa_, na_, wa_)), (mb, (qb_, nb_, wb_)) = quoted[i], quoted[j]
        if wa_ == wb_ or not (na_ == nb_ or f" {na_} " in f" {nb_} " or f" {nb_} " in f" {na_} "):
            continue
        if _same_party(wa_, wb_, countries):
            continue
        words = (qa_["text"] if len(na_) <= len(nb_) else qb_["text"]).strip(" \t\n\"“”‘’',.;:")
        add("speaker", f"who said “{_snippet(words)}”",
            Side(ma.article_id, qa_["start"], qa_["end"], qa_["text"], qa_.get("speaker_name") or wa_),
            Side(mb.article_id, qb_["start"], qb_["end"], qb_["text"], qb_.get("speaker_name") or wb_))

    # once per disagreement: the same subject and values between the same two articles, or a sentence-level
    # finding that repeats an event-level one on overlapping spans (the event-level one is kept)
    order = {k: i for i, k in enumerate(KINDS)}
    out: list[Contradiction] = []
    keys: set[tuple[Any, ...]] = set()
    same_values: dict[tuple[str, str, str, str, str], list[Contradiction]] = {}
    for c in sorted(found, key=lambda c: (c.subject.startswith(("date in:", "claim:")), order[c.kind], c.a.article_id,
                                          c.a.start, c.b.article_id, c.b.start, c.subject, c.a.value, c.b.value)):
        key = (c.kind, c.subject, c.a.article_id, c.b.article_id, c.a.value, c.b.value)
        near = same_values.setdefault((c.kind, c.a.article_id, c.b.article_id, c.a.value, c.b.value), [])
        if key in keys or any(_overlap(o.a, c.a) and _overlap(o.b, c.b) for o in near):
            continue
        keys.add(key)
        near.append(c)
        out.append(c)
    out.sort(key=lambda c: (order[c.kind], c.a.article_id, c.a.start, c.b.article_id, c.b.start, c.subject))
    per_kind: dict[str, int] = {}
    kept = []
    for c in out:
        per_kind[c.kind] = per_kind.get(c.kind, 0) + 1
        if per_kind[c.kind] <= max_per_kind:
            kept.append(c)
    return kept


def _overlap(x: Side, y: Side) -> bool:
    return x.article_id == y.article_id and x.start < y.end and y.start < x.end


def _event_side(m: MemberFacts, e: Mapping[str, Any], value: str) -> Side:
    return Side(m.article_id, e["start"], e["end"], e.get("text") or m.text[e["start"]:e["end"]], value)


def _snippet(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def _same_party(a: str, b: str, countries: Mapping[str, str]) -> bool:
    """A country or its government and a person/organisation of that country speak for the same party."""
    for x, y in ((a, b), (b, a)):
        if x.startswith(("cty:", "gov:")) and countries.get(y) == x.split(":", 1)[1].split("-")[0].upper():
            return True
    return False


def story_contradictions(store: Any, stories: Mapping[str, Sequence[tuple[str, str, str, str | None]]],
                         claims: Mapping[str, Sequence[Claim]] | None = None) -> dict[str, list[Contradiction]]:
    """Contradictions of several stories from a knowledge base. ``stories``: story id → its independent
    members as (article_id, source, clean text, group id); ``claims``: story id → its comparison claims.
    Reads the event mentions, time expressions, quotes and actor mentions of those articles in one pass
    over each export table."""
    from ..store.export import iter_rows

    wanted = {aid for ms in stories.values() for aid, *_ in ms if len(ms) > 1}
    if not wanted:
        return {}
    facts: dict[str, dict[str, list[dict[str, Any]]]] = {a: {"e": [], "t": [], "q": []} for a in wanted}
    keep_e = ("article_id", "start", "end", "text", "type", "mode", "actor_ids", "recipient_ids", "date",
              "date_source", "negated", "hypothetical", "future", "historical")
    for table, key, cols in (("event_mentions", "e", keep_e), ("timexes", "t", ("start", "end", "type", "value")),
                             ("quotes", "q", ("start", "end", "text", "kind", "speaker_id", "speaker_name"))):
        for r in iter_rows(store, table):
            if r["article_id"] in wanted:
                facts[r["article_id"]][key].append({c: r.get(c) for c in cols})
    names: dict[str, str] = {}
    countries: dict[str, str] = {}
    for r in iter_rows(store, "mentions"):
        if r["article_id"] in wanted and r.get("actor_id"):
            if r.get("actor_name"):
                names[r["actor_id"]] = r["actor_name"]
            if r.get("country"):
                countries[r["actor_id"]] = r["country"]
    out: dict[str, list[Contradiction]] = {}
    for sid, ms in stories.items():
        if len(ms) < 2:
            continue
        members = [MemberFacts(aid, source, text, group, False, facts[aid]["e"], facts[aid]["t"], facts[aid]["q"])
                   for aid, source, text, group in ms]
        out[sid] = find_contradictions(sid, members, claims=(claims or {}).get(sid), names=names,
                                       countries=countries)
    return out
