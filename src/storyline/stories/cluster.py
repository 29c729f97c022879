"""Incremental, time-aware story clustering (see docs/stories.md).

A *story* is one real-world event reported by many articles. :class:`StoryIndex` is the explicit,
cross-document state: :meth:`StoryIndex.add` assigns each new article (a :class:`StoryDoc`) to an
existing story or starts one; :meth:`StoryIndex.add_many` agglomerates a batch of articles among
themselves and with the existing stories (average link, best pair first; existing stories never
merge). Candidates come from an inverted index over each story's salient terms (bounded posting
lists, most recent stories kept), never from all pairs; each candidate pair is scored by the mean
TF-IDF cosine of their members (IDF maintained incrementally; mentioned years weighted up), plus
shared actors and events, and gated/decayed by time distance when both sides have a date.

Story ids are ``"st" + smallest member article id``: a function of membership only, so the same
partition gives the same ids whatever the arrival order. When a member with a smaller id joins,
the id changes and :attr:`StoryIndex.renamed` records ``old -> new``.
"""

from __future__ import annotations

import heapq
import json
import math
import re
import zlib
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from storyline.errors import StoryInputError, StoryStateError  # noqa: F401 - re-exported
from storyline.facts.time import date_interval

STATE_VERSION = 2   # 2: members enter centroids L2-normalised with their TF-IDF weights
MAX_TEXT_CHARS = 200_000  # longer texts are cut here for clustering (the article itself is untouched)

EventKey = tuple[str, tuple[str, ...], tuple[str, ...], "str | None"]


# --------------------------------------------------------------------------------------------- input


@dataclass(slots=True)
class StoryDoc:
    """What story clustering needs to know about one article.

    ``actors`` maps actor id -> mention count (a list of ids counts each occurrence once);
    ``events`` are keys ``(type, actor_ids, recipient_ids, date)`` of the article's *new* events
    (ids sorted, date an ISO string or None); ``timexes`` the TIMEX3 values the article mentions.
    ``actor_countries``/``actor_names`` are optional lookups used for arcs and titles.
    """

    id: str
    text: str = ""
    title: str | None = None
    published: date | None = None
    outlet: str | None = None
    group_id: str | None = None
    actors: dict[str, int] = field(default_factory=dict)
    events: list[EventKey] = field(default_factory=list)
    timexes: list[str] = field(default_factory=list)
    actor_countries: dict[str, str] = field(default_factory=dict)
    actor_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise StoryInputError(f"story doc needs a non-empty string id, got {self.id!r}")
        self.text = self.text or ""
        if not isinstance(self.text, str):
            raise StoryInputError(f"article {self.id}: text must be a string")
        self.published = _as_date(self.published, self.id)
        if not isinstance(self.actors, Mapping):
            self.actors = dict(Counter(self.actors))
        self.events = [_event_key(e, self.id) for e in self.events]
        self.timexes = [str(t) for t in self.timexes if t]

    def event_date(self) -> date | None:
        """Best date of the reported event: the publication date, else the median day-precise
        event date, else None (then clustering falls back to text, actors and events)."""
        if self.published is not None:
            return self.published
        days = sorted(d for d in (_day(e[3]) for e in self.events) if d is not None)
        return days[len(days) // 2] if days else None

    def approx_span(self) -> tuple[date, date] | None:
        """Rough time of an article without a date: the latest calendar date its text mentions
        (the events stage's reference date for undated articles), as the interval that value
        covers ("2024" -> 2024-01-01..2024-12-31). None without explicit dates."""
        best: tuple[date, date] | None = None
        for v in self.timexes:
            iv = date_interval(v)
            if iv is not None and (best is None or iv[1] > best[1]):
                best = iv
        return best


def _as_date(value: Any, doc_id: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value if type(value) is date else date(value.year, value.month, value.day)
    if isinstance(value, str):
        d = _day(value)
        if d is None:
            raise StoryInputError(f"article {doc_id}: unreadable date {value!r}")
        return d
    raise StoryInputError(f"article {doc_id}: date must be a date or an ISO string, got {type(value).__name__}")


_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    m = _DAY.match(value)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None




def _event_key(e: Any, doc_id: str) -> EventKey:
    try:
        typ, actors, recipients, when = e
    except (TypeError, ValueError):
        raise StoryInputError(f"article {doc_id}: event key must be (type, actor_ids, recipient_ids, date), got {e!r}") from None
    return (str(typ), tuple(sorted(actors or ())), tuple(sorted(recipients or ())), when if when else None)


# ------------------------------------------------------------------------------------------ features

_STOP = frozenset(
    """a about above after again against all almost also although always am among an and another any are
    aren't around as at be became because been before being below between both but by can cannot could
    did didn't do does doesn't doing don't down during each either else even ever every few for from
    further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its itself just last
    let's like made make many may me might more most much must my myself near never new no nor not now
    of off often on once one only or other others ought our ours ourselves out over own per perhaps put
    rather said same say says see seen shall she she'd she'll she's should shouldn't since so some still
    such than that that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those though through thus to too told two under until up upon us very via was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's whether which
    while who who's whom whose why why's will with within without won't would wouldn't yet you you'd
    you'll you're you've your yours yourself yourselves according also according told year years
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow week weeks time
    mr mrs ms news reported report reports reuters ap afp""".split()
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|\d[\d,.]*\d|\d")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_SENT_END_CHARS = ".!?:\n\"“”"


def _ends_sentence(gap: str) -> bool:
    """What ``re.search(r'[.!?:\\n"“”]\\s*$', gap)`` says, in linear time (that search is quadratic on a
    long run of line breaks): a line break among the trailing blanks, or one of the marks right before them."""
    body = gap.rstrip()
    return "\n" in gap[len(body):] or (body[-1:] != "" and body[-1] in _SENT_END_CHARS)


def _norm(tok: str) -> str:
    t = tok.lower().replace("’", "'")
    if t.endswith("'s"):
        t = t[:-2]
    if len(t) > 4 and t.endswith("ies"):
        t = t[:-3] + "y"
    elif len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is")):
        t = t[:-1]
    return t


def features(doc: StoryDoc, *, entity_weight: float = 2.0, title_weight: float = 2.0,
             actor_weight: float = 1.0, year_weight: float = 1.0,
             max_chars: int = MAX_TEXT_CHARS) -> dict[str, float]:
    """Sublinear term weights of an article: content words, capitalised names (``@name``, weighted
    ``entity_weight``; not at a sentence start), title words (times ``title_weight``), resolved
    actors (``#id``) and mentioned dates at month precision (``t:YYYY-MM``)."""
    counts: Counter[str] = Counter()
    for text, mult in ((doc.title or "", title_weight), (doc.text[:max_chars], 1.0)):
        prev_end = 0
        for m in _TOKEN.finditer(text):
            raw = m.group()
            t = _norm(raw)
            if t in _STOP or len(t) < 2:
                prev_end = m.end()
                continue
            counts[t] += mult
            if raw[0].isupper() and not _ends_sentence(text[max(0, prev_end - 3):m.start()] or "\n"):
                counts["@" + t] += mult * entity_weight
            prev_end = m.end()
    out = {t: 1.0 + math.log(c) if c >= 1 else c for t, c in counts.items()}
    if year_weight != 1.0:
        # a year the text mentions ("2005" vs "2008") separates two similar events of one kind
        for t in out:
            if _YEAR.match(t):
                out[t] *= year_weight
    for a, n in doc.actors.items():
        out["#" + a] = actor_weight * (1.0 + math.log(max(1, n)))
    for v in doc.timexes:
        if re.match(r"^\d{4}-\d{2}", v):
            out["t:" + v[:7]] = 1.0
    return out


# ------------------------------------------------------------------------------------------ params


@dataclass(slots=True)
class StoryParams:
    """Clustering parameters (defaults tuned on ECB+ topics 1-21 and the example corpus; see
    docs/stories.md)."""

    threshold: float = 0.20          # merge when the average-link score reaches this (text only:
                                     # tuned on ECB+ topics 1-21, with year_weight 5)
    threshold_events: float = 0.35   # ... when both sides have resolved events (set on the example
                                     # corpus, which keeps its stories for 0.30-0.40: not
                                     # independently validated)
    entity_weight: float = 2.0       # extra weight of capitalised-name features
    title_weight: float = 2.0
    year_weight: float = 5.0         # extra weight of year tokens (19xx/20xx) in the text
    actor_bonus: float = 0.5         # weight of the weighted Jaccard of actor counts (text cosine weighs 1)
    event_bonus: float = 1.0         # weight of event agreement: (PLOVER type-profile cosine + share of
                                     # the doc's event keys seen in the story) / 2
    grace_days: int = 3              # no time penalty within this distance of the story's date span
    decay_days: float = 7.0          # then score x exp(-(gap - grace) / decay)
    max_gap_days: int = 45           # never join beyond this gap (when both sides have a date)
    approx_gap_days: int = 365       # ... nor beyond this when a side only has a rough date (from its text)
    query_terms: int = 25            # salient doc terms used to retrieve candidates
    index_terms: int = 25            # salient doc terms posted to its story
    posting_cap: int = 256           # stories kept per term (most recent)
    max_candidates: int = 40         # candidates scored in full
    centroid_terms: int = 400        # a story centroid keeps its heaviest terms
    linkage: str = "average"         # text score: mean cosine to the members ("average") or cosine
                                     # to the centroid ("centroid", the earlier rule)
    batch_size: int = 1000           # add_many/rebuild agglomerate this many articles at a time

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------------- state


@dataclass(slots=True)
class _Story:
    members: list[str]                       # all member article ids (copies included)
    groups: set[str]                         # independent reports: group id or article id
    centroid: dict[str, float]               # summed feature weights of independent members
    n_docs: int                              # independent members in the centroid
    start: date | None = None
    anchor: str = ""                         # smallest member id (cache; "" = recompute)
    end: date | None = None
    astart: date | None = None               # rough span: precise dates and undated members' rough dates
    aend: date | None = None
    actors: Counter = field(default_factory=Counter)
    events: Counter = field(default_factory=Counter)  # (type, actors, recipients) -> count


@dataclass(slots=True)
class AddResult:
    story_id: str
    new_story: bool
    score: float | None          # score of the chosen story (None for a new story or a copy)
    reason: str                  # "copy", "joined", "new"
    renamed: dict[str, str]      # story ids that changed with this add (old -> new)


class StoryIndex:
    """Incremental story clusterer with explicit, serialisable state."""

    def __init__(self, params: StoryParams | None = None):
        self.params = params or StoryParams()
        self.n_docs = 0                                  # independent documents seen (for IDF)
        self.df: Counter[str] = Counter()
        self._stories: dict[int, _Story] = {}           # internal key -> story
        self._next = 0
        self._article: dict[str, int] = {}              # article id -> story key
        self._group: dict[str, int] = {}                # duplicate group id -> story key
        self._postings: dict[str, OrderedDict[int, None]] = {}
        self.renamed: dict[str, str] = {}

    # ------------------------------------------------------------------ public
    def __len__(self) -> int:
        return len(self._stories)

    def story_of(self, article_id: str) -> str | None:
        k = self._article.get(article_id)
        return None if k is None else self._sid(k)

    def assignment(self) -> dict[str, str]:
        """article id -> story id, for every article added."""
        return {a: self._sid(k) for a, k in self._article.items()}

    def stories(self) -> dict[str, list[str]]:
        """story id -> member article ids (sorted)."""
        return {self._sid(k): sorted(s.members) for k, s in self._stories.items()}

    def add(self, doc: StoryDoc) -> str:
        return self.add_detailed(doc).story_id

    def add_many(self, docs: Iterable[StoryDoc]) -> dict[str, str]:
        """Add a batch: its articles are agglomerated among themselves *and* with the existing
        stories (average link, best pair first; see :meth:`_add_batch`), ``batch_size`` at a time.
        Existing stories never merge with each other, so earlier assignments stay."""
        docs = list(docs)
        for d in docs:
            if not isinstance(d, StoryDoc):
                raise StoryInputError(f"StoryIndex.add takes a StoryDoc, got {type(d).__name__}")
        bs = max(1, int(self.params.batch_size))
        for i in range(0, len(docs), bs):
            self._add_batch(docs[i:i + bs])
        return self.assignment()

    def add_detailed(self, doc: StoryDoc) -> AddResult:
        if not isinstance(doc, StoryDoc):
            raise StoryInputError(f"StoryIndex.add takes a StoryDoc, got {type(doc).__name__}")
        if doc.id in self._article:
            return AddResult(self._sid(self._article[doc.id]), False, None, "known", {})
        # a copy of a group already clustered joins its story and counts once
        if doc.group_id and doc.group_id in self._group:
            k = self._group[doc.group_id]
            return self._attach_copy(k, doc)
        res = self._add_batch([doc])
        return res[doc.id]

    @classmethod
    def rebuild(cls, docs: Iterable[StoryDoc], params: StoryParams | None = None) -> "StoryIndex":
        """Batch clustering in canonical order (date, then id; undated last), so the result does
        not depend on the order the documents are given in."""
        idx = cls(params)
        idx.add_many(sorted(docs, key=canonical_order))
        idx.renamed.clear()
        return idx

    # --------------------------------------------------------------- internals
    def _sid(self, k: int) -> str:
        s = self._stories[k]
        if not s.anchor:
            s.anchor = min(s.members)
        return "st" + s.anchor

    def _idf(self, t: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(t, 0) + 1)) + 1.0

    def _salient(self, feats: Mapping[str, float], n: int) -> list[str]:
        return sorted(feats, key=lambda t: (-feats[t] * self._idf(t), t))[:n]

    # ------------------------------------------------------- batch agglomeration
    def _add_batch(self, docs: Sequence[StoryDoc]) -> dict[str, AddResult]:
        """Average-link agglomeration of a batch with the existing stories.

        Each new independent article starts as a singleton story (all of the batch enters the IDF
        first). Candidate pairs come from the inverted index; the best-scoring pair at or above the
        threshold merges first, then the merged story looks for candidates again. A pair of two
        stories that existed before the batch never merges. A batch of one is the greedy rule:
        the article joins its best story or starts one."""
        p = self.params
        out: dict[str, AddResult] = {}
        indep: list[StoryDoc] = []
        copies: list[StoryDoc] = []
        seen: set[str] = set()
        groups: set[str] = set()
        for d in docs:
            if d.id in self._article or d.id in seen:
                if d.id in self._article:
                    out[d.id] = AddResult(self._sid(self._article[d.id]), False, None, "known", {})
                continue
            seen.add(d.id)
            if d.group_id and (d.group_id in self._group or d.group_id in groups):
                copies.append(d)
                continue
            if d.group_id:
                groups.add(d.group_id)
            indep.append(d)
        items = []
        for d in indep:
            feats = features(d, entity_weight=p.entity_weight, title_weight=p.title_weight,
                             year_weight=p.year_weight)
            self.n_docs += 1
            for t in feats:
                self.df[t] += 1
            items.append((d, feats))
        fresh: set[int] = set()
        posted: dict[int, set[str]] = {}
        for d, feats in items:
            when = d.event_date()
            approx = (when, when) if when is not None else d.approx_span()
            k = self._new_story(d, feats, when, approx)
            posted[k] = set(self._salient(feats, p.index_terms))
            fresh.add(k)
        old_sid: dict[int, str] = {}
        score_of: dict[int, float] = {}
        ver: Counter[int] = Counter()
        heap: list[tuple] = []

        def push(k: int) -> None:
            if not fresh:
                return  # nothing of this batch is left to merge with
            for o in self._pair_candidates(k):
                if k not in fresh and o not in fresh:
                    continue
                sc = self._pair_score(self._stories[k], self._stories[o])
                if sc >= p.threshold and sc > 0:
                    a, b = sorted((self._sid(k), self._sid(o)))
                    heapq.heappush(heap, (-sc, a, b, k, o, ver[k], ver[o]))

        for k in sorted(fresh):
            if k in self._stories:
                push(k)
        while heap:
            neg, _a, _b, k, o, vk, vo = heapq.heappop(heap)
            if k not in self._stories or o not in self._stories or vk != ver[k] or vo != ver[o]:
                continue
            if k not in fresh and o not in fresh:
                continue
            if k not in fresh:
                dst, src = k, o
            elif o not in fresh:
                dst, src = o, k
            else:
                sk, so = self._stories[k], self._stories[o]
                dst, src = (k, o) if (sk.n_docs, -k) >= (so.n_docs, -o) else (o, k)
            if dst not in fresh and dst not in old_sid:
                old_sid[dst] = self._sid(dst)
            self._merge(dst, src, posted)
            fresh.discard(src)
            score_of[dst] = -neg
            score_of.pop(src, None)
            ver[dst] += 1
            push(dst)
        renamed: dict[str, str] = {}
        for k, sid in old_sid.items():
            renamed.update(self._note_rename(sid, k))
        for d in copies:
            k = self._group[d.group_id]
            if k in fresh:
                self._stories[k].members.append(d.id)
                self._stories[k].anchor = ""
                self._article[d.id] = k
                out[d.id] = AddResult(self._sid(k), False, None, "copy", {})
            else:
                out[d.id] = self._attach_copy(k, d)
                renamed.update(out[d.id].renamed)
        for d, _ in items:
            k = self._article[d.id]
            if k in fresh:
                out[d.id] = AddResult(self._sid(k), True, None, "new", {})
            else:
                out[d.id] = AddResult(self._sid(k), False, round(score_of.get(k, 0.0), 4), "joined", renamed)
        return out

    def _pair_candidates(self, k: int) -> list[int]:
        """Stories sharing salient terms with story ``k`` (inverted index), nearest in time first
        filtered, best ``max_candidates`` by summed IDF of the shared terms."""
        p = self.params
        s = self._stories[k]
        hits: Counter[int] = Counter()
        for t in self._salient(s.centroid, p.query_terms):
            post = self._postings.get(t)
            if not post:
                continue
            w = self._idf(t)
            for o in post:
                if o != k:
                    hits[o] += w
        out = []
        for o, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0])):
            if self._too_far_pair(s, self._stories[o]):
                continue
            out.append(o)
            if len(out) >= p.max_candidates:
                break
        return out

    def _too_far_pair(self, a: _Story, b: _Story) -> bool:
        p = self.params
        if a.start is not None and b.start is not None:
            return self._span_gap(a.start, a.end, b.start, b.end) > p.max_gap_days
        if a.astart is not None and b.astart is not None:
            return self._span_gap(a.astart, a.aend, b.astart, b.aend) > p.approx_gap_days
        return False

    @staticmethod
    def _span_gap(s1: date, e1: date, s2: date, e2: date) -> int:
        return max((s2 - e1).days, (s1 - e2).days, 0)

    def _pair_score(self, a: _Story, b: _Story) -> float:
        """Average link of two stories: mean TF-IDF cosine over member pairs, with actor and event
        agreement averaged in (weights ``actor_bonus``, ``event_bonus``) and time decay/gates."""
        p = self.params
        if self._too_far_pair(a, b):
            return 0.0
        if len(a.centroid) > len(b.centroid):
            a, b = b, a
        dot = 0.0
        bc = b.centroid
        for t, v in a.centroid.items():
            w = bc.get(t)
            if w:
                i = self._idf(t)
                dot += v * w * i * i
        na, nb = max(1, a.n_docs), max(1, b.n_docs)
        if p.linkage == "average":
            text = dot / (na * nb)
        else:
            norm_a = math.sqrt(sum((v * self._idf(t)) ** 2 for t, v in a.centroid.items())) or 1.0
            norm_b = math.sqrt(sum((v * self._idf(t)) ** 2 for t, v in bc.items())) or 1.0
            text = dot / (norm_a * norm_b)
        total, weight = max(0.0, text), 1.0
        if a.actors and b.actors:
            inter = union = 0.0
            for x in set(a.actors) | set(b.actors):
                u, v = a.actors.get(x, 0) / na, b.actors.get(x, 0) / nb
                inter += min(u, v)
                union += max(u, v)
            total += p.actor_bonus * (inter / union if union > 0 else 0.0)
            weight += p.actor_bonus
        both_events = bool(a.events) and bool(b.events)
        if both_events:
            small, big = (a, b) if na <= nb else (b, a)
            keys = set(small.events)
            mine: Counter[str] = Counter()
            for e, n in small.events.items():
                mine[e[0]] += n
            theirs: Counter[str] = Counter()
            for e, n in big.events.items():
                theirs[e[0]] += n
            d2 = sum(n * theirs.get(t, 0) for t, n in mine.items())
            norm = math.sqrt(sum(n * n for n in mine.values()) * sum(n * n for n in theirs.values()))
            shared = sum(1 for e in keys if e in big.events) / len(keys)
            total += p.event_bonus * ((d2 / norm if norm else 0.0) + shared) / 2
            weight += p.event_bonus
        score = total / weight
        if both_events and p.threshold_events != p.threshold:
            score *= p.threshold / p.threshold_events
        if a.start is not None and b.start is not None:
            gap = self._span_gap(a.start, a.end, b.start, b.end)
            if gap > p.grace_days:
                score *= math.exp(-(gap - p.grace_days) / p.decay_days)
        return score

    def _merge(self, dst: int, src: int, posted: dict[int, set[str]]) -> None:
        d, s = self._stories[dst], self._stories.pop(src)
        anchor = min(d.anchor or min(d.members), s.anchor or min(s.members))
        d.members.extend(s.members)
        d.anchor = anchor
        d.groups |= s.groups
        c = d.centroid
        for t, v in s.centroid.items():
            c[t] = c.get(t, 0.0) + v
        cap = self.params.centroid_terms
        if len(c) > 2 * cap:
            keep = sorted(c, key=lambda t: (-c[t] * self._idf(t), t))[:cap]
            d.centroid = {t: c[t] for t in keep}
        d.n_docs += s.n_docs
        d.actors.update(s.actors)
        d.events.update(s.events)
        for lo, hi in (("start", "end"), ("astart", "aend")):
            a0, a1 = getattr(s, lo), getattr(s, hi)
            if a0 is not None:
                b0, b1 = getattr(d, lo), getattr(d, hi)
                setattr(d, lo, a0 if b0 is None else min(a0, b0))
                setattr(d, hi, a1 if b1 is None else max(a1, b1))
        for a in s.members:
            self._article[a] = dst
        for g in s.groups:
            if self._group.get(g) == src:
                self._group[g] = dst
        terms = posted.pop(src, set())
        for t in terms:
            post = self._postings.get(t)
            if post is not None:
                post.pop(src, None)
        for t in sorted(terms):
            self._post_term(t, dst)
        posted.setdefault(dst, set()).update(terms)

    def _post(self, k: int, feats: Mapping[str, float]) -> None:
        for t in self._salient(feats, self.params.index_terms):
            self._post_term(t, k)

    def _post_term(self, t: str, k: int) -> None:
        """Story ``k`` becomes the newest entry of term ``t``'s posting list (capped: the oldest falls off)."""
        post = self._postings.get(t)
        if post is None:
            post = self._postings[t] = OrderedDict()
        if k in post:
            post.move_to_end(k)
        else:
            post[k] = None
            if len(post) > self.params.posting_cap:
                post.popitem(last=False)

    def _absorb(self, s: _Story, doc: StoryDoc, feats: Mapping[str, float], when: date | None,
                approx: tuple[date, date] | None) -> None:
        norm = math.sqrt(sum((v * self._idf(t)) ** 2 for t, v in feats.items())) or 1.0
        c = s.centroid
        for t, w in feats.items():
            c[t] = c.get(t, 0.0) + w / norm
        cap = self.params.centroid_terms
        if len(c) > 2 * cap:
            keep = sorted(c, key=lambda t: (-c[t] * self._idf(t), t))[:cap]
            s.centroid = {t: c[t] for t in keep}
        s.n_docs += 1
        s.actors.update(doc.actors)
        s.events.update({e[:3] for e in doc.events if e[1] or e[2]})
        if when is not None:
            s.start = when if s.start is None else min(s.start, when)
            s.end = when if s.end is None else max(s.end, when)
        if approx is not None:
            s.astart = approx[0] if s.astart is None else min(s.astart, approx[0])
            s.aend = approx[1] if s.aend is None else max(s.aend, approx[1])

    def _new_story(self, doc: StoryDoc, feats: Mapping[str, float], when: date | None,
                   approx: tuple[date, date] | None) -> int:
        k = self._next
        self._next += 1
        s = _Story(members=[doc.id], groups={doc.group_id or doc.id}, centroid={}, n_docs=0)
        self._stories[k] = s
        self._absorb(s, doc, feats, when, approx)
        self._article[doc.id] = k
        if doc.group_id:
            self._group[doc.group_id] = k
        self._post(k, feats)
        return k

    def _attach_copy(self, k: int, doc: StoryDoc) -> AddResult:
        s = self._stories[k]
        old = self._sid(k)
        s.members.append(doc.id)
        s.anchor = min(s.anchor, doc.id) if s.anchor else ""
        self._article[doc.id] = k
        return AddResult(self._sid(k), False, None, "copy", self._note_rename(old, k))

    def _note_rename(self, old: str, k: int) -> dict[str, str]:
        new = self._sid(k)
        if new == old:
            return {}
        for a, b in list(self.renamed.items()):
            if b == old:
                self.renamed[a] = new
        self.renamed[old] = new
        return {old: new}

    # ------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable state."""
        return {
            "version": STATE_VERSION,
            "params": self.params.to_dict(),
            "n_docs": self.n_docs,
            "df": dict(self.df),
            "next": self._next,
            "stories": {
                str(k): {
                    "members": s.members,
                    "groups": sorted(s.groups),
                    "centroid": s.centroid,
                    "n_docs": s.n_docs,
                    "start": s.start.isoformat() if s.start else None,
                    "end": s.end.isoformat() if s.end else None,
                    "astart": s.astart.isoformat() if s.astart else None,
                    "aend": s.aend.isoformat() if s.aend else None,
                    "actors": dict(s.actors),
                    # sorted: the keys arrive from a set (hash-seed order); their order changes no score
                    "events": [[list(e[1]), list(e[2]), e[0], n] for e, n in sorted(s.events.items())],
                }
                for k, s in self._stories.items()
            },
            "groups": self._group,
            "postings": {t: list(p) for t, p in self._postings.items()},
            "renamed": self.renamed,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "StoryIndex":
        try:
            if d.get("version") != STATE_VERSION:
                raise StoryStateError(f"story state version {d.get('version')!r}, expected {STATE_VERSION}")
            idx = cls(StoryParams(**d["params"]))
            idx.n_docs = int(d["n_docs"])
            idx.df = Counter(d["df"])
            idx._next = int(d["next"])
            for key, sd in d["stories"].items():
                k = int(key)
                s = _Story(
                    members=list(sd["members"]), groups=set(sd["groups"]), centroid=dict(sd["centroid"]),
                    n_docs=int(sd["n_docs"]),
                    start=date.fromisoformat(sd["start"]) if sd["start"] else None,
                    end=date.fromisoformat(sd["end"]) if sd["end"] else None,
                    astart=date.fromisoformat(sd["astart"]) if sd["astart"] else None,
                    aend=date.fromisoformat(sd["aend"]) if sd["aend"] else None,
                    actors=Counter(sd["actors"]),
                    events=Counter({(typ, tuple(a), tuple(r)): n for a, r, typ, n in sd["events"]}),
                )
                idx._stories[k] = s
                for a in s.members:
                    idx._article[a] = k
            idx._group = {g: int(k) for g, k in d["groups"].items()}
            idx._postings = {t: OrderedDict((int(k), None) for k in ks) for t, ks in d["postings"].items()}
            idx.renamed = dict(d.get("renamed", {}))
            return idx
        except StoryStateError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise StoryStateError(f"story state is malformed ({type(e).__name__}: {e})") from None

    def to_bytes(self) -> bytes:
        return b"SLST" + zlib.compress(json.dumps(self.to_dict(), separators=(",", ":")).encode(), 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> "StoryIndex":
        if not data.startswith(b"SLST"):
            raise StoryStateError("not a storyline story state (bad magic bytes)")
        try:
            d = json.loads(zlib.decompress(data[4:]))
        except (zlib.error, ValueError) as e:
            raise StoryStateError(f"story state is corrupt ({e})") from None
        return cls.from_dict(d)


def canonical_order(doc: StoryDoc) -> tuple[Any, ...]:
    """Sort key for batch clustering: dated documents first by date, then by id."""
    d = doc.event_date()
    return (d is None, d or date.min, doc.id)


def cluster(docs: Iterable[StoryDoc], params: StoryParams | None = None) -> dict[str, str]:
    """Batch convenience: article id -> story id (see :meth:`StoryIndex.rebuild`)."""
    return StoryIndex.rebuild(docs, params).assignment()


# -------------------------------------------------------------------------------------- user edits


@dataclass(slots=True, frozen=True)
class StoryEdit:
    """A user's change to the clustering, keyed by *articles* so it survives re-runs.

    ``merge``: the stories that contain any of ``articles`` become one story.
    ``split``: ``articles`` leave their stories and form a new story of their own.
    Story ids given by users (``st<article id>``) name their anchor article: use :func:`edit`.
    """

    op: str
    articles: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "articles": list(self.articles)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "StoryEdit":
        return edit(d.get("op", ""), d.get("articles", ()))


def edit(op: str, items: Iterable[str]) -> StoryEdit:
    """Build an edit; items may be article ids or story ids (``st`` + anchor article id)."""
    if op not in ("merge", "split"):
        raise StoryInputError(f"unknown story edit {op!r}", hint="use 'merge' or 'split'")
    arts = tuple(i[2:] if i.startswith("st") else i for i in items)
    if not arts or (op == "merge" and len(arts) < 2):
        raise StoryInputError(f"story {op} needs {'two stories' if op == 'merge' else 'articles'}",
                              hint="merge A B (two or more stories); split A ARTICLE...")
    return StoryEdit(op, arts)


def apply_edits(assignment: Mapping[str, str], edits: Sequence[StoryEdit]) -> tuple[dict[str, str], list[str]]:
    """Apply edits in order to ``article -> story`` and recompute ids (``st`` + smallest member).

    Returns the new assignment and a list of warnings for edits that name unknown articles
    (skipped, not fatal: the article may not be in this run)."""
    groups: dict[str, set[str]] = {}
    for a, s in assignment.items():
        groups.setdefault(s, set()).add(a)
    of = {a: s for a, s in assignment.items()}
    warnings: list[str] = []
    fresh = 0
    for e in edits:
        known = [a for a in e.articles if a in of]
        missing = [a for a in e.articles if a not in of]
        if missing:
            warnings.append(f"{e.op}: unknown articles {', '.join(missing)} skipped")
        if e.op == "merge":
            keys = sorted({of[a] for a in known})
            if len(keys) < 2:
                continue
            dst = keys[0]
            for k in keys[1:]:
                for a in groups.pop(k):
                    of[a] = dst
                    groups[dst].add(a)
        elif e.op == "split" and known:
            fresh += 1
            new = f"\x00split{fresh}"
            groups[new] = set()
            for a in known:
                groups[of[a]].discard(a)
                if not groups[of[a]]:
                    del groups[of[a]]
                of[a] = new
                groups[new].add(a)
    out: dict[str, str] = {}
    for members in groups.values():
        sid = "st" + min(members)
        for a in members:
            out[a] = sid
    return out, warnings


# ------------------------------------------------------------------------------------- story record


@dataclass(slots=True)
class StoryMember:
    article_id: str
    outlet: str | None
    published: date | None
    group_id: str | None
    is_copy: bool          # a later copy of a duplicate group already in the story
    title: str | None


@dataclass(slots=True)
class StoryRecord:
    id: str
    title: str
    title_source: str                  # "member:<id>", "event", "text:<id>"
    date_start: date | None            # event date span (publication dates when no event dates)
    date_end: date | None
    key_actors: list[tuple[str, int]]  # (actor id, independent articles mentioning it)
    key_events: list[tuple[EventKey, int]]  # ((type, actors, recipients, earliest date), independent articles)
    members: list[StoryMember]
    n_articles: int
    n_independent: int                 # duplicate groups count once
    n_copies: int                      # n_articles - n_independent
    n_outlets: int                     # distinct outlets of independent reports (unknown outlet: one each)
    outlets: list[str]
    first_report: str | None           # article id with the earliest publication date
    latest_report: str | None
    arc_id: str | None = None

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.id, "arc_id": self.arc_id, "title": self.title,
            "date_start": self.date_start.isoformat() if self.date_start else None,
            "date_end": self.date_end.isoformat() if self.date_end else None,
            "n_articles": self.n_articles, "n_outlets": self.n_outlets,
            "n_independent": self.n_independent, "n_copies": self.n_copies,
            "first_report": self.first_report, "latest_report": self.latest_report,
            "key_actors": [a for a, _ in self.key_actors],
        }


_VERBS = {
    "CONSULT": "meets", "AGREE": "agrees with", "SUPPORT": "backs", "CONCEDE": "concedes to",
    "COOPERATE": "cooperates with", "AID": "aids", "RETREAT": "yields to", "REQUEST": "calls on",
    "ACCUSE": "accuses", "REJECT": "rejects", "THREATEN": "threatens", "PROTEST": "protests against",
    "SANCTION": "sanctions", "MOBILIZE": "mobilises against", "COERCE": "coerces", "ASSAULT": "attacks",
}


def build_story(story_id: str, docs: Sequence[StoryDoc], *, key_n: int = 5) -> StoryRecord:
    """The story record of ``docs`` (all members, copies included)."""
    if not docs:
        raise StoryInputError(f"story {story_id} has no member articles")
    docs = sorted(docs, key=lambda d: d.id)
    seen_groups: set[str] = set()
    members, indep = [], []
    for d in sorted(docs, key=lambda d: (d.published is None, d.published or date.min, d.id)):
        g = d.group_id or d.id
        copy = g in seen_groups
        seen_groups.add(g)
        members.append(StoryMember(d.id, d.outlet, d.published, d.group_id, copy, d.title))
        if not copy:
            indep.append(d)
    actor_n: Counter[str] = Counter()
    names: dict[str, str] = {}
    for d in indep:
        actor_n.update(set(d.actors))
        names.update(d.actor_names)
    key_actors = sorted(actor_n.items(), key=lambda kv: (-kv[1], -sum(x.actors.get(kv[0], 0) for x in indep), kv[0]))[:key_n]
    # one key per (type, actors, recipients): independent articles reporting it, its earliest date
    merged: dict[tuple, list] = {}
    for d in indep:
        for e in set(d.events):
            if not (e[1] or e[2]):
                continue
            slot = merged.setdefault(e[:3], [set(), None])
            slot[0].add(d.group_id or d.id)
            if e[3] and (slot[1] is None or e[3] < slot[1]):
                slot[1] = e[3]
    resolved = [((*k, v[1]), len(v[0])) for k, v in merged.items()]
    key_events = sorted(resolved, key=lambda kv: (-kv[1], kv[0][3] is None, repr(kv[0])))[:key_n]
    ev_days = sorted(d for d in (_day(e[3]) for d in indep for e in d.events) if d is not None)
    pub = sorted(d.published for d in indep if d.published)
    span = ev_days or pub
    outlets = sorted({d.outlet for d in indep if d.outlet})
    n_outlets = len(outlets) + sum(1 for d in indep if not d.outlet)
    dated = [m for m in members if m.published]
    title, source = _title(indep, key_events, names)
    return StoryRecord(
        id=story_id, title=title, title_source=source,
        date_start=span[0] if span else None, date_end=span[-1] if span else None,
        key_actors=key_actors, key_events=key_events, members=members,
        n_articles=len(members), n_independent=len(indep), n_copies=len(members) - len(indep),
        n_outlets=n_outlets, outlets=outlets,
        first_report=dated[0].article_id if dated else None,
        latest_report=max(dated, key=lambda m: (m.published, m.article_id)).article_id if dated else None,
    )


def _title(indep: Sequence[StoryDoc], key_events: Sequence[tuple[EventKey, int]], names: Mapping[str, str]) -> tuple[str, str]:
    """The title of the most central member (highest cosine to the members' mean); else a headline
    from the key event; else the central member's first sentence."""
    vecs = [features(d) for d in indep]
    df: Counter[str] = Counter(t for v in vecs for t in v)
    n = len(vecs)
    w = [{t: x * (math.log((n + 1) / (df[t] + 1)) + 1.0) for t, x in v.items()} for v in vecs]
    mean: Counter[str] = Counter()
    for v in w:
        nv = math.sqrt(sum(x * x for x in v.values())) or 1.0
        for t, x in v.items():
            mean[t] += x / nv

    def central(v: Mapping[str, float]) -> float:
        nv = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return sum(x * mean.get(t, 0.0) for t, x in v.items()) / nv

    order = sorted(range(n), key=lambda i: (-central(w[i]), indep[i].id))
    for i in order:
        if indep[i].title and indep[i].title.strip():
            return indep[i].title.strip(), f"member:{indep[i].id}"
    if key_events:
        (typ, actors, recips, _), _n = key_events[0]
        who = " and ".join(names.get(a, a) for a in actors) or "unknown actor"
        verb = _VERBS.get(typ, typ.lower())
        whom = " and ".join(names.get(a, a) for a in recips)
        return (f"{who} {verb} {whom}".strip(), "event")
    d = indep[order[0]]
    first = re.split(r"(?<=[.!?])\s", d.text.strip(), maxsplit=1)[0]
    words = first.split()
    return (" ".join(words[:14]) + (" …" if len(words) > 14 else "") or d.id, f"text:{d.id}")


# -------------------------------------------------------------------------------------------- arcs


@dataclass(slots=True)
class Arc:
    id: str                       # "arc" + smallest member story id without its "st"
    story_ids: list[str]
    dyads: list[tuple[str, str]]  # the shared key dyads that link its stories


def story_dyads(docs: Sequence[StoryDoc], top: int = 3) -> list[tuple[str, str]]:
    """A story's key dyads: unordered pairs of the countries (or actor ids without a country) of
    actor and recipient in its resolved events, by independent articles reporting them."""
    n: Counter[tuple[str, str]] = Counter()
    seen: set[str] = set()
    for d in docs:
        g = d.group_id or d.id
        if g in seen:
            continue
        seen.add(g)
        pairs = set()
        for typ, actors, recips, _ in d.events:
            for a in actors:
                for r in recips:
                    ca, cr = d.actor_countries.get(a, a), d.actor_countries.get(r, r)
                    if ca and cr and ca != cr:
                        pairs.add(tuple(sorted((ca, cr))))
        n.update(pairs)
    return [p for p, _ in sorted(n.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def build_arcs(stories: Mapping[str, Sequence[tuple[str, str]]]) -> list[Arc]:
    """Link stories that share a key dyad (``story id -> key dyads``, e.g. from
    :func:`story_dyads`), transitively. Stories without dyads get no arc. Uses an inverted index
    dyad -> stories, not all pairs."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_dyad: dict[tuple[str, str], list[str]] = {}
    for sid, dyads in stories.items():
        if not dyads:
            continue
        parent.setdefault(sid, sid)
        for dy in dyads:
            by_dyad.setdefault(tuple(sorted(dy)), []).append(sid)
    for sids in by_dyad.values():
        for other in sids[1:]:
            a, b = find(sids[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    comps: dict[str, list[str]] = {}
    for sid in parent:
        comps.setdefault(find(sid), []).append(sid)
    arcs = []
    for root, sids in comps.items():
        if len(sids) < 2:
            continue
        sids.sort()
        shared = sorted(dy for dy, ss in by_dyad.items() if len(set(ss) & set(sids)) >= 2)
        arcs.append(Arc("arc" + sids[0].removeprefix("st"), sids, shared))
    return sorted(arcs, key=lambda a: a.id)
