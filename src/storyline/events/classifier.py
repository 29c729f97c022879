"""A trained event-type classifier on top of the rule coder's candidates (``--coder classifier``).

The rule coder (:class:`~storyline.events.coder.RuleCoder`) still finds every candidate: trigger,
actor, recipient, flags, date, location and the evidence span of each field. A small linear model
(multinomial logistic regression, shipped as JSON coefficients in ``events/data/event_model.json``)
then re-labels each candidate's PLOVER type from sparse features of the candidate: the trigger's
lemma and dependency context, the object and prepositions it governs, the words between and around
actor and recipient, the sentence's content lemmas, the flags and their cues, and the rule coder's own
label and rule id. The model predicts the label under PLOVER's coding conventions (what
``EventMention.plover_type`` holds); when it disagrees with the rule coder the mention's ``type`` and
``plover_type`` both take the model's label and the mode is kept only if it is a mode of that type.

No scikit-learn at run time: scoring is a dot product over the stored coefficients (pure Python).
``benchmarks/train_event_model.py`` rebuilds the artifact deterministically and records its training
data (files, sha256, split) and hash in it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .coder import EventMention, RuleCoder
from .ontology import Ontology, load_ontology

MODEL_PATH = Path(__file__).resolve().parent / "data" / "event_model.json"
FEATURES_VERSION = "2"

# tokens whose lemmas say nothing about the event type
_SKIP_POS = frozenset({"DET", "PUNCT", "SPACE", "NUM", "SYM", "X", "CCONJ", "PART", "PRON", "AUX"})
_FUNC = frozenset({"be", "have", "do", "say", "the", "a", "an", "of", "to", "in", "on", "for", "and", "that",
                   "with", "by", "at", "from", "as", "its", "his", "her", "their", "it", "this", "which", "who"})


class EventModelError(ConfigError):
    """The event classifier's model file is missing or malformed (SL-E301)."""

    hint = "reinstall storyline, or rebuild it with `python benchmarks/train_event_model.py`"


def _lem(t: Any) -> str:
    lem = (t.lemma_ or t.text).lower()
    return lem if lem != "-pron-" else t.text.lower()


def _tokens(doc: Any, s: int, e: int) -> list[Any]:
    span = doc.char_span(s, e, alignment_mode="expand")
    return list(span) if span is not None else []


def _trigger_tok(doc: Any, ev: EventMention) -> Any | None:
    span = doc.char_span(ev.trigger_start, ev.trigger_end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    return span.root


def features(ev: EventMention, doc: Any, others: Sequence[EventMention] = ()) -> list[str]:
    """The sparse (binary) features of one candidate event; ``others`` are the other candidates coded in
    the same document (their types and triggers are context)."""
    f: list[str] = []
    rt, pt = ev.type, ev.plover_type or ev.type
    f += [f"rt={rt}", f"pt={pt}", f"rule={ev.rule.split('+')[0]}", f"mode={rt}:{ev.mode}"]
    flags = [fl for fl in ("negated", "hypothetical", "future", "historical", "reported_in_quote") if getattr(ev, fl)]
    for fl in flags:
        f.append(f"flag={fl}")
        f.append(f"flag={fl}|rt={rt}")
    for c in ev.cues:
        f.append(f"cue={c.flag}:{c.text.lower()}")
    if not flags:
        f.append("flag=none")
    f.append(f"nact={min(len(ev.actors), 2)}")
    f.append(f"nrec={min(len(ev.recipients), 2)}")
    for r in ev.actors[:2]:
        f += [f"a.sec={r.sector}", f"a.via={r.via.split('+')[0]}", f"a.kind={r.kind}"]
    for r in ev.recipients[:2]:
        f += [f"r.sec={r.sector}", f"r.via={r.via.split('+')[0]}", f"r.kind={r.kind}"]
    t = _trigger_tok(doc, ev)
    if t is not None:
        tl = _lem(t)
        f += [f"tl={tl}", f"tl={tl}|rt={rt}", f"tpos={t.pos_}", f"tdep={t.dep_}", f"ttag={t.tag_}"]
        h = t.head
        if h.i != t.i:  # spaCy makes a new Token object per access: compare indices, not identity
            f += [f"head={_lem(h)}", f"head={_lem(h)}|{t.dep_}", f"tl={tl}|head={_lem(h)}"]
            hh = h.head
            if hh.i != h.i:
                f.append(f"head2={_lem(hh)}")
        for c in t.children:
            if c.pos_ in ("PUNCT", "SPACE"):
                continue
            cl = _lem(c)
            f.append(f"ch={c.dep_}:{cl}")
            if c.dep_ in ("dobj", "nsubjpass", "attr", "oprd", "acomp", "xcomp", "compound", "amod", "prt", "neg"):
                f.append(f"tl={tl}|{c.dep_}={cl}")
            if c.dep_ == "prep":
                for g in c.children:
                    if g.dep_ == "pobj":
                        f.append(f"pp={cl}:{_lem(g)}")
                        f.append(f"tl={tl}|pp={cl}:{_lem(g)}")
        # a window of lemmas around the trigger
        sent = t.sent
        for k in (-2, -1, 1, 2):
            j = t.i + k
            if sent.start <= j < sent.end:
                f.append(f"w{k}={_lem(doc[j])}")
    # the words between actor and recipient, and the sentence's content lemmas
    toks = _tokens(doc, ev.start, ev.end)
    spans = [(r.start, r.end) for r in ev.actors + ev.recipients]
    role_tok = {x.i for x in toks if any(s <= x.idx < e for s, e in spans)}
    if ev.actors and ev.recipients:
        lo = min(r.end for r in ev.actors + ev.recipients)
        hi = max(r.start for r in ev.actors + ev.recipients)
        for x in toks:
            if lo <= x.idx < hi and x.i not in role_tok and x.pos_ not in _SKIP_POS:
                f.append(f"btw={_lem(x)}")
    prev = None
    for x in toks:
        if x.pos_ in _SKIP_POS or x.i in role_tok:
            prev = None
            continue
        lem = _lem(x)
        if lem in _FUNC or not any(ch.isalpha() for ch in lem):
            prev = None
            continue
        f.append(f"bow={lem}")
        if prev is not None:
            f.append(f"bi={prev}_{lem}")
        prev = lem
    for o in others:
        if o is not ev and ev.start <= o.trigger_start < ev.end:
            f.append(f"other={o.plover_type or o.type}")
    f.append("bias")
    return sorted(set(f))


class EventModel:
    """The stored linear model: ``labels``, ``weights`` (feature → {label index: weight}), ``intercept``."""

    def __init__(self, data: dict[str, Any], source: str = ""):
        try:
            self.labels: list[str] = [str(x) for x in data["labels"]]
            self.intercept: list[float] = [float(x) for x in data["intercept"]]
            w = data["weights"]
            self.weights: dict[str, list[tuple[int, float]]] = {
                k: [(int(i), float(v)) for i, v in pairs] for k, pairs in w.items()}
            self.label_set: str | None = data.get("label_set")
            self.features_version = str(data.get("features_version", ""))
            self.meta: dict[str, Any] = dict(data.get("meta") or {})
        except (KeyError, TypeError, ValueError) as exc:
            raise EventModelError(f"event model {source or '(data)'} is malformed: {exc!r}") from exc
        if len(self.intercept) != len(self.labels) or not self.labels:
            raise EventModelError(f"event model {source or '(data)'} is malformed: labels and intercept differ")
        if self.features_version != FEATURES_VERSION:
            raise EventModelError(f"event model {source or '(data)'} was built for features version "
                                  f"{self.features_version!r}, this storyline computes {FEATURES_VERSION!r}")
        self.version = str(data.get("version", "0"))
        self.sha = str(data.get("sha256", ""))[:12]

    @classmethod
    def load(cls, path: str | Path | None = None) -> EventModel:
        p = Path(path) if path is not None else MODEL_PATH
        try:
            raw = p.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise EventModelError(f"event model file not found: {p}") from exc
        except OSError as exc:
            raise EventModelError(f"cannot read the event model {p}: {exc.strerror or exc}") from exc
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise EventModelError(f"event model {p} is not valid JSON (line {exc.lineno})") from exc
        if not isinstance(data, dict):
            raise EventModelError(f"event model {p} is malformed: not a JSON object")
        return cls(data, str(p))

    def scores(self, feats: Sequence[str]) -> list[float]:
        s = list(self.intercept)
        for name in feats:
            for i, v in self.weights.get(name, ()):
                s[i] += v
        return s

    def predict(self, feats: Sequence[str]) -> tuple[str, float]:
        """The best label and its probability (softmax of the scores)."""
        s = self.scores(feats)
        m = max(s)
        ex = [math.exp(v - m) for v in s]
        best = max(range(len(s)), key=lambda i: (s[i], -i))
        return self.labels[best], ex[best] / sum(ex)


def model_sha256(data: dict[str, Any]) -> str:
    """The hash recorded in the artifact: sha256 of its canonical JSON without the ``sha256`` key."""
    body = {k: v for k, v in data.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class ClassifierCoder:
    """Rule-coder candidates, re-labelled by the shipped linear model (or ``model``/``path``)."""

    name = "classifier"

    def __init__(self, path: str | Path | None = None, *, model: EventModel | None = None,
                 base: RuleCoder | None = None, ontology: Ontology | None = None):
        self.model = model or EventModel.load(path)
        self.base = base or RuleCoder()
        self.ontology = ontology or self.base.ontology or load_ontology()
        unknown = [lab for lab in self.model.labels if not self._to_types(lab)]
        if unknown:
            raise EventModelError(f"event model labels not in the ontology: {', '.join(unknown)}")

    @property
    def version(self) -> str:
        return f"classifier/{self.model.version}:{self.model.sha}+{self.base.version}"

    def _to_types(self, label: str) -> tuple[str, ...]:
        if label in self.ontology.types:
            return (label,)
        return tuple(t for t in self.ontology.expand(label) if t in self.ontology.types)

    # ------------------------------------------------------------------ EventCoder
    def code(self, doc: Any, mentions: Sequence[Any] = (), timexes: Sequence[Any] = (), quotes: Sequence[Any] = (),
             published: Any = None) -> list[EventMention]:
        events = self.base.code(doc, mentions, timexes, quotes, published)
        for ev in events:
            self.relabel(ev, doc, events)
        return events

    def relabel(self, ev: EventMention, doc: Any, others: Sequence[EventMention] = ()) -> EventMention:
        """Re-label one rule-coder candidate in place (and return it)."""
        label, p = self.model.predict(features(ev, doc, others))
        ev.coder = self.name
        cur = ev.plover_type or ev.type
        ls = self.model.label_set
        cur_label = self.ontology.to_label_set(cur, ls) if ls else cur
        if label == cur_label:
            return ev
        types = self._to_types(label)
        # a coarse label (YIELD = CONCEDE or RETREAT): keep the rule type if it is one of them
        new = ev.type if ev.type in types else types[-1]
        ev.rule = f"{ev.rule}+clf:{cur}>{new}:{p:.2f}"
        # the model predicts the label under PLOVER's conventions (it sees the flags), so the type it gives
        # is both the described and the coded type
        ev.type = ev.plover_type = new
        if ev.mode is not None and not self.ontology.is_mode(new, ev.mode):
            ev.mode = None
        t = self.ontology.types[new]
        ev.quad, ev.intensity = t.quad, self.ontology.intensity(new, ev.mode)
        return ev
