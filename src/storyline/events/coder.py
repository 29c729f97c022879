"""Event coders: who did what to whom, when and where, in PLOVER, with evidence for every field.

A coder implements :class:`EventCoder`: ``code(doc, mentions, timexes, quotes, published)`` takes one
parsed article (a spaCy ``Doc``) and the facts already extracted from it (actor :class:`Mention` s,
:class:`Timex` es, :class:`Quote` s, all in ``doc.text`` character offsets) and returns
:class:`EventMention` records. Any backend (rules, a classifier, a local LLM behind an
OpenAI-compatible endpoint) returns the same record, so storage, export and merging do not care which
one ran; ``EventMention.coder`` names it.

:class:`RuleCoder` is the default backend: a data-driven lexicon (``data/lexicon.toml``) of predicate
lemmas (verbs and event nouns) with conditions on the dependency parse, read and compiled once per
process. One pass over the sentences:

1. **Triggers.** Tokens whose lemma is in the lexicon (found with one vectorised lookup over the
   ``LEMMA`` column) are matched against their rules (particles, prepositions, objects, modifiers,
   object predicates: "called the election a *farce*" → ACCUSE). A rule may leave the type to the
   object ("withdrew *troops*" → RETREAT, "withdrew its *ambassador*" → SANCTION).
2. **Embedding.** A verb that governs the event of its complement ("agreed to set up", "refused to
   meet", "threatened *to impose sanctions*", "called for *talks*") is one event; the embedded event
   is not coded again but gives its mode (THREATEN/restrict). Event nouns that are the mere topic of
   another predicate ("condemned *the sanctions*") are not coded unless they have their own actor
   ("condemned *Russia's invasion*").
3. **Roles.** Actor: subject (conjuncts → compound actors), passive agent, possessor or demonym of an
   event noun ("*Western* sanctions"), the subject of a light verb ("*Xi* sent a message of
   congratulations"), of a controlling verb, of the clause an event noun frames ("At a meeting with
   Lukashenko, *Xi* said"); relative pronouns resolve to their noun, first-person pronouns in a quote
   to the quote's speaker, other pronouns to the nearest preceding actor. Recipient: object, passive
   subject, dative, and the type's prepositions (CONSULT *with*, SANCTION *on/against*...). Each role
   maps to the actor mentions it covers (ids, country, sector); unresolved roles keep their text.
4. **Date, location, context, mode.** The time expression attached to the trigger's clause gives
   the date (``date_source="sentence_timex"``, with its span), else the publication date
   (``"publication"``) — or none for historical/future mentions without one (``"before_publication"``
   / ``"after_publication"``). Location: a place after *in/at* (or the place visited).
   Context: the rule's plus PLOVER contexts cued by sentence words. Mode: the rule's, else cue words.
5. **Flags** (each with the cue span that set it): ``negated`` ("did not meet", "no talks",
   "failed to"), ``hypothetical`` (modals, *if/unless*, "wants to"), ``future`` (*will*, "plans to",
   "is set to", "look forward to", "upcoming", a time after publication), ``historical`` (past
   perfect; present perfect with a background cue — "has imprisoned *all* his opponents *during his
   rule*", "has jailed *more than 1,200*"; "previously", "last visited", "previous visits"; a time
   clearly before publication — "in 2021", "since 2020"), and ``reported_in_quote`` (inside a direct,
   partial or indirect quote: attributed as usual, flagged as reported speech).

Bad input (no parse, empty text, no sentences) yields no events, never an exception.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .ontology import Ontology, load_ontology

__all__ = ["EventMention", "Role", "Cue", "EventCoder", "RuleCoder", "Lexicon", "LexiconError", "load_lexicon",
           "DATE_SOURCES", "FLAGS"]

FLAGS = ("negated", "hypothetical", "future", "historical", "reported_in_quote")
DATE_SOURCES: dict[str, str] = {
    "sentence_timex": "a time expression attached to the event's clause (date_start/date_end give its span)",
    "publication": "no time expression: the article's publication date",
    "before_publication": "historical mention without a time expression: before the publication date",
    "after_publication": "future mention without a time expression: after the publication date",
    "unknown": "no time expression and no publication date",
}


# ============================================================================================ records
@dataclass(slots=True)
class Role:
    """An actor or recipient of an event mention: a span of the text and the actor it denotes."""

    start: int
    end: int
    text: str
    actor_id: str | None = None  # None: not resolved to a registry/article actor (text kept)
    country: str | None = None  # ISO 3166 alpha-3
    sector: str | None = None  # GOV OPP MIL ... (see storyline.facts.actors.SECTORS)
    via: str = ""  # how the role was found: nsubj, agent, dobj, prep:with, poss, mod, light-subj, ...
    kind: str | None = None  # kind of the actor mention (name, title, description, demonym, metonym, pronoun...)


@dataclass(slots=True)
class Cue:
    """The words that set a flag (``flag`` is one of :data:`FLAGS`)."""

    flag: str
    start: int
    end: int
    text: str


@dataclass(slots=True)
class EventMention:
    """One mention of a political event in one sentence. Offsets are ``doc.text`` character offsets."""

    start: int  # sentence span
    end: int
    text: str  # the sentence: the evidence
    trigger_start: int
    trigger_end: int
    trigger: str
    type: str  # PLOVER root type of the action described
    mode: str | None
    context: list[str]
    quad: int  # 1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict
    intensity: float  # [-10, 10]
    actors: list[Role] = field(default_factory=list)
    recipients: list[Role] = field(default_factory=list)
    date: str | None = None  # TIMEX3 value (YYYY, YYYY-MM, YYYY-MM-DD, ...) or None
    date_source: str = "unknown"  # see DATE_SOURCES
    date_start: int | None = None  # span of the time expression when date_source == "sentence_timex"
    date_end: int | None = None
    date_text: str | None = None
    location: str | None = None
    location_start: int | None = None
    location_end: int | None = None
    location_country: str | None = None
    negated: bool = False
    hypothetical: bool = False
    future: bool = False
    historical: bool = False
    reported_in_quote: bool = False
    cues: list[Cue] = field(default_factory=list)
    quote_kind: str | None = None  # direct | partial | indirect when reported_in_quote
    quote_start: int | None = None
    quote_end: int | None = None
    quote_speaker_id: str | None = None
    rule: str = ""  # the lexicon rule that fired (explainability)
    coder: str = "rules"
    plover_type: str = ""  # the type under PLOVER's coding conventions (see plover_convention); "" = type

    def __post_init__(self) -> None:
        if not self.plover_type:
            self.plover_type = self.type

    @property
    def actor_ids(self) -> list[str]:
        return _ids(self.actors)

    @property
    def recipient_ids(self) -> list[str]:
        return _ids(self.recipients)

    @property
    def is_new(self) -> bool:
        """Counts as a new, actual event: not negated, hypothetical, future or historical."""
        return not (self.negated or self.hypothetical or self.future or self.historical)

    def cue(self, flag: str) -> Cue | None:
        return next((c for c in self.cues if c.flag == flag), None)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["actor_ids"] = self.actor_ids
        d["recipient_ids"] = self.recipient_ids
        return d


def _ids(roles: Iterable[Role]) -> list[str]:
    out: list[str] = []
    for r in roles:
        if r.actor_id and r.actor_id not in out:
            out.append(r.actor_id)
    return out


@runtime_checkable
class EventCoder(Protocol):
    """The interface every event-coding backend implements."""

    name: str

    def code(self, doc: Any, mentions: Sequence[Any], timexes: Sequence[Any], quotes: Sequence[Any],
             published: _dt.date | str | None) -> list[EventMention]:
        """Event mentions of one parsed article; offsets into ``doc.text``."""
        ...


# ============================================================================================ lexicon
class LexiconError(ValueError):
    """The lexicon file is malformed (message names the rule and key)."""


_RULE_KEYS = {
    "type", "mode", "context", "lemmas", "prt", "prep", "obj", "not_obj", "mod", "not_if_mod", "oprd", "gov",
    "gov_place", "control", "switch", "by_obj", "by_prep", "by_prt", "by_mod", "by_lemma", "by_gov",
    "requires_match_for", "match_if", "gov_actor", "recipient_preps", "own_actor", "words_mode", "not_if_prep",
    "not_if_ccomp", "yield_to_material",
}
_MATCH_KINDS = {
    "xcomp", "ccomp", "ccomp_that", "prep", "prt", "obj_in", "pobj_in", "obj_actor", "obj_person", "passive",
    "passive_person", "oprd", "intransitive", "subj_people", "subj_mil", "own_actor", "light_verb", "subj_of_verb",
    "mod_in", "gov_in", "obj_mil", "actor_gov",
}
_SPECIAL_OBJ = {"PERSON", "ACTOR", "NONE"}


@dataclass(slots=True)
class _Rule:
    id: str
    pos: str  # verb | noun
    type: str | None
    mode: str | None
    context: str | None
    prt: frozenset[str] | None
    prep: frozenset[str] | None
    obj: frozenset[str] | None
    not_obj: frozenset[str]
    mod: frozenset[str] | None
    not_if_mod: frozenset[str]
    oprd: frozenset[str] | None
    gov: frozenset[str] | None
    gov_place: bool
    control: str | None
    switch: dict[str, str]
    by_obj: dict[str, tuple[str, str]]
    by_prep: dict[str, tuple[str, str]]
    by_prt: dict[str, tuple[str, str]]
    by_mod: dict[str, tuple[str, str]]
    by_lemma: dict[str, tuple[str, str]]
    by_gov: dict[str, tuple[str, str]]
    requires: frozenset[str]
    match_if: tuple[tuple[str, str | None, frozenset[str] | None], ...]
    gov_actor: str | None
    recipient_preps: frozenset[str] | None
    own_actor: bool
    words_mode: bool
    not_if_prep: frozenset[str]
    not_if_ccomp: bool
    yield_to_material: bool
    prefix: dict[str, tuple[str, ...]]  # multiword lemma "martial law": last word → preceding words


@dataclass(slots=True)
class Lexicon:
    version: str
    verbs: dict[str, list[_Rule]]
    nouns: dict[str, list[_Rule]]
    light: frozenset[str]
    passive_light: frozenset[str]
    control: dict[str, str]  # lemma → future | hypothetical | negated | transparent
    flags: dict[str, frozenset[str]]
    actor_preps: frozenset[str]
    between_preps: frozenset[str]
    recipient_preps: frozenset[str]
    location_preps: frozenset[str]
    location_labels: frozenset[str]
    type_recipient_preps: dict[str, frozenset[str]]
    type_noun_of: dict[str, str]
    embedded_modes: dict[str, dict[str, str]]
    words: dict[str, frozenset[str]]
    mode_words: dict[str, list[tuple[str, frozenset[str], tuple[str, ...]]]]
    context_re: re.Pattern[str] | None
    context_of: dict[str, str]
    source: str = ""

    @property
    def lemmas(self) -> frozenset[str]:
        return frozenset(self.verbs) | frozenset(self.nouns)


def _set(v: Any, where: str) -> frozenset[str]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise LexiconError(f"lexicon: {where} must be a list of strings")
    return frozenset(x if x in _SPECIAL_OBJ else x.lower() for x in v)


def _pairs(v: Any, where: str, onto: Ontology) -> dict[str, tuple[str, str]]:
    if not isinstance(v, dict):
        raise LexiconError(f"lexicon: {where} must be a table")
    out: dict[str, tuple[str, str]] = {}
    for k, pair in v.items():
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise LexiconError(f"lexicon: {where}.{k} must be [TYPE, mode]")
        t, m = pair
        if t and t not in onto.types:
            raise LexiconError(f"lexicon: {where}.{k}: unknown type {t}")
        if t and m and not onto.is_mode(t, m):
            raise LexiconError(f"lexicon: {where}.{k}: {m} is not a mode of {t}")
        out[k if k in _SPECIAL_OBJ else k.lower()] = (t, m)
    return out


def _match_if(items: Any, where: str) -> tuple[tuple[str, str | None, frozenset[str] | None], ...]:
    if not isinstance(items, list):
        raise LexiconError(f"lexicon: {where} must be a list")
    out = []
    for s in items:
        parts = str(s).split(":")
        kind = parts[0]
        if kind not in _MATCH_KINDS:
            raise LexiconError(f"lexicon: {where}: unknown condition {kind!r}")
        arg: str | None = None
        words: frozenset[str] | None = None
        if kind in ("prep", "prt"):
            if len(parts) < 2:
                raise LexiconError(f"lexicon: {where}: {kind} needs a word ({kind}:word)")
            arg = parts[1].lower()
            if len(parts) > 2:
                words = frozenset(w.strip().lower() for w in parts[2].split(",") if w.strip())
        elif kind in ("obj_in", "pobj_in", "mod_in", "gov_in"):
            if len(parts) < 2:
                raise LexiconError(f"lexicon: {where}: {kind} needs words ({kind}:a,b)")
            words = frozenset(w.strip().lower() for w in parts[1].split(",") if w.strip())
        out.append((kind, arg, words))
    return tuple(out)


def _compile_rule(raw: dict[str, Any], pos: str, idx: int, onto: Ontology) -> list[tuple[str, _Rule]]:
    where = f"{pos}[{idx}]"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise LexiconError(f"lexicon: {where}: unknown keys {sorted(unknown)}")
    typ = raw.get("type")
    if typ is not None and typ not in onto.types:
        raise LexiconError(f"lexicon: {where}: unknown type {typ!r}")
    mode = raw.get("mode") or None
    if mode and (typ is None or not onto.is_mode(typ, mode)):
        raise LexiconError(f"lexicon: {where}: {mode!r} is not a mode of {typ}")
    ctx = raw.get("context") or None
    if ctx and ctx not in onto.contexts:
        raise LexiconError(f"lexicon: {where}: unknown context {ctx!r}")
    lemmas = raw.get("lemmas")
    if not isinstance(lemmas, list) or not lemmas:
        raise LexiconError(f"lexicon: {where}: 'lemmas' must be a non-empty list")
    by = {k: _pairs(raw.get(k, {}), f"{where}.{k}", onto)
          for k in ("by_obj", "by_prep", "by_prt", "by_mod", "by_lemma", "by_gov")}
    if typ is None and not any(by.values()):
        raise LexiconError(f"lexicon: {where}: a rule without 'type' needs a by_* table")
    control = raw.get("control")
    if control not in (None, "own"):
        raise LexiconError(f"lexicon: {where}: control must be 'own'")
    switch = raw.get("switch", {})
    if not isinstance(switch, dict) or any(k not in ("conflict", "cooperation") or v not in onto.types
                                           for k, v in switch.items()):
        raise LexiconError(f"lexicon: {where}: switch must map conflict/cooperation to a type")
    gov_actor = raw.get("gov_actor")
    if gov_actor is not None and gov_actor not in onto.types:
        raise LexiconError(f"lexicon: {where}: unknown gov_actor type {gov_actor!r}")

    def opt(k: str) -> frozenset[str] | None:
        return _set(raw[k], f"{where}.{k}") if k in raw else None

    oprd = raw.get("oprd")
    out = []
    for lem in lemmas:
        if not isinstance(lem, str) or not lem.strip():
            raise LexiconError(f"lexicon: {where}: bad lemma {lem!r}")
        words = lem.lower().split()
        key = words[-1]
        prefix = tuple(words[:-1])
        r = _Rule(
            id=f"{pos}:{typ or 'by'}:{lem}", pos=pos, type=typ, mode=mode, context=ctx,
            prt=opt("prt"), prep=opt("prep"), obj=opt("obj"), not_obj=opt("not_obj") or frozenset(),
            mod=opt("mod"), not_if_mod=opt("not_if_mod") or frozenset(), oprd=None if oprd is None else frozenset(),
            gov=opt("gov"), gov_place=bool(raw.get("gov_place", False)), control=control, switch=dict(switch),
            by_obj=by["by_obj"], by_prep=by["by_prep"], by_prt=by["by_prt"], by_mod=by["by_mod"],
            by_lemma=by["by_lemma"], by_gov=by["by_gov"],
            requires=opt("requires_match_for") or frozenset(),
            match_if=_match_if(raw.get("match_if", []), f"{where}.match_if"),
            gov_actor=gov_actor, recipient_preps=opt("recipient_preps"), own_actor=bool(raw.get("own_actor", False)),
            words_mode=bool(raw.get("words_mode", False)), not_if_prep=opt("not_if_prep") or frozenset(),
            not_if_ccomp=bool(raw.get("not_if_ccomp", False)), yield_to_material=bool(raw.get("yield_to_material", False)),
            prefix={key: prefix} if prefix else {},
        )
        if oprd is not None:
            r.oprd = frozenset([str(oprd)])  # resolved to the word list after loading
        if r.requires and not r.match_if:
            raise LexiconError(f"lexicon: {where}: requires_match_for needs match_if")
        out.append((key, r))
    return out


def parse_lexicon(data: dict[str, Any], onto: Ontology | None = None, source: str = "") -> Lexicon:
    """Validate and compile a parsed lexicon document."""
    onto = onto or load_ontology()
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise LexiconError("lexicon: missing string key 'version'")
    words = {k: _set(v, f"words.{k}") for k, v in (data.get("words") or {}).items()}
    verbs: dict[str, list[_Rule]] = {}
    nouns: dict[str, list[_Rule]] = {}
    for pos, table in (("verb", verbs), ("noun", nouns)):
        raw_rules = data.get(pos, [])
        if not isinstance(raw_rules, list):
            raise LexiconError(f"lexicon: '{pos}' must be an array of tables ([[{pos}]])")
        for i, raw in enumerate(raw_rules):
            if not isinstance(raw, dict):
                raise LexiconError(f"lexicon: {pos}[{i}] must be a table")
            for key, rule in _compile_rule(raw, pos, i, onto):
                if rule.oprd is not None:
                    name = next(iter(rule.oprd))
                    if name not in words:
                        raise LexiconError(f"lexicon: {rule.id}: oprd list {name!r} is not in [words]")
                    rule.oprd = words[name]
                existing = table.setdefault(key, [])
                if rule.prefix and existing and not existing[-1].prefix:
                    existing.insert(0, rule)  # multiword rules are tried before single-word ones
                else:
                    existing.append(rule)
    light = data.get("light") or {}
    control: dict[str, str] = {}
    for kind in ("negated", "future", "hypothetical", "transparent"):  # earlier kinds win on overlap
        for lem in _set((data.get("control") or {}).get(kind, []), f"control.{kind}"):
            control.setdefault(lem, kind)
    flags = {k: _set(v, f"flags.{k}") for k, v in (data.get("flags") or {}).items()}
    for k in ("negation_words", "hypothetical_modals", "hypothetical_marks", "future_aux", "future_mods",
              "historical_mods", "historical_advs", "durative_preps", "cumulative_dets"):
        flags.setdefault(k, frozenset())
    roles = data.get("roles") or {}
    trp: dict[str, frozenset[str]] = {}
    noun_of: dict[str, str] = {}
    for t, spec in (roles.get("types") or {}).items():
        if t not in onto.types:
            raise LexiconError(f"lexicon: roles.types.{t}: unknown type")
        if "recipient_preps" in spec:
            trp[t] = _set(spec["recipient_preps"], f"roles.types.{t}.recipient_preps")
        if spec.get("noun_of") in ("actor", "recipient"):
            noun_of[t] = spec["noun_of"]
    emb: dict[str, dict[str, str]] = {}
    for outer, table in (data.get("embedded_modes") or {}).items():
        if outer not in onto.types:
            raise LexiconError(f"lexicon: embedded_modes.{outer}: unknown type")
        for inner, m in table.items():
            if inner.split("/")[0] not in onto.types or not onto.is_mode(outer, m):
                raise LexiconError(f"lexicon: embedded_modes.{outer}.{inner} = {m!r} is invalid")
        emb[outer] = dict(table)
    mode_words: dict[str, list[tuple[str, frozenset[str], tuple[str, ...]]]] = {}
    for t, table in (data.get("mode_words") or {}).items():
        if t not in onto.types:
            raise LexiconError(f"lexicon: mode_words.{t}: unknown type")
        lst = []
        for m, ws in table.items():
            if not onto.is_mode(t, m):
                raise LexiconError(f"lexicon: mode_words.{t}.{m}: not a mode of {t}")
            ws_set = _set(ws, f"mode_words.{t}.{m}")
            lst.append((m, frozenset(w for w in ws_set if " " not in w), tuple(w for w in ws_set if " " in w)))
        mode_words[t] = lst
    context_of: dict[str, str] = {}
    for c, ws in (data.get("context_words") or {}).items():
        if c not in onto.contexts:
            raise LexiconError(f"lexicon: context_words.{c}: unknown context")
        for w in _set(ws, f"context_words.{c}"):
            context_of.setdefault(w, c)
    context_re = None
    if context_of:
        alts = sorted(context_of, key=len, reverse=True)
        context_re = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in alts) + r")(?![\w-])")
    return Lexicon(
        version=version, verbs=verbs, nouns=nouns,
        light=_set(light.get("verbs", []), "light.verbs"),
        passive_light=_set(light.get("passive_light", []), "light.passive_light"),
        control=control, flags=flags,
        actor_preps=_set(roles.get("actor_preps", ["by"]), "roles.actor_preps"),
        between_preps=_set(roles.get("between_preps", ["between"]), "roles.between_preps"),
        recipient_preps=_set(roles.get("recipient_preps", []), "roles.recipient_preps"),
        location_preps=_set(roles.get("location_preps", ["in", "at"]), "roles.location_preps"),
        location_labels=frozenset(x.upper() for x in roles.get("location_labels", ["GPE", "LOC", "FAC"])),
        type_recipient_preps=trp, type_noun_of=noun_of, embedded_modes=emb, words=words,
        mode_words=mode_words, context_re=context_re, context_of=context_of, source=source,
    )


def load_lexicon(path: str | Path | None = None, ontology: Ontology | None = None) -> Lexicon:
    """The lexicon in ``path`` (TOML), or the bundled one (cached) when ``path`` is None."""
    if path is None and ontology is None:
        return _bundled_lexicon()
    if path is None:
        text = resources.files("storyline.events").joinpath("data", "lexicon.toml").read_text(encoding="utf-8")
        src = "storyline.events/data/lexicon.toml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise LexiconError(f"lexicon: cannot read {path}: {exc}") from exc
        src = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"lexicon: {src}: {exc}") from exc
    return parse_lexicon(data, ontology, src)


@lru_cache(maxsize=1)
def _bundled_lexicon() -> Lexicon:
    text = resources.files("storyline.events").joinpath("data", "lexicon.toml").read_text(encoding="utf-8")
    return parse_lexicon(tomllib.loads(text), None, "storyline.events/data/lexicon.toml")


# ============================================================================================ helpers
_REL_PRONOUNS = frozenset({"who", "which", "that", "whom", "whose"})
_FIRST_PERSON = frozenset({"i", "me", "my", "we", "us", "our", "myself", "ourselves", "mine", "ours"})
_THIRD_PERSONAL = frozenset({"he", "him", "his", "she", "her", "hers", "himself", "herself"})
_THIRD_OTHER = frozenset({"they", "them", "their", "it", "its", "itself", "themselves", "theirs"})
_RESOLVED_OTHER = frozenset({"they", "them", "its"})  # "it" is mostly a thing, "their" often both parties
_SUBJ = frozenset({"nsubj", "csubj"})
_OBJ = frozenset({"dobj", "dative", "iobj"})
_MOD_DEPS = frozenset({"amod", "compound", "nmod", "npadvmod", "advmod", "nummod"})
_GOV_SECTORS = frozenset({"GOV", "IGO", "LEG", "JUD", "MIL", "COP", "SPY"})
_CAL_RE = re.compile(r"^(\d{2,4})(?:-(\d{2}|W\d{2}|Q\d|H\d|SP|SU|FA|AU|WI))?(?:-(\d{2}))?")
_REF_VALUES = frozenset({"PAST_REF", "FUTURE_REF", "PRESENT_REF"})
# generic heads whose compound modifier is the event: "mediation effort", "rescue mission", "aid package"
_EVENT_HEADS = frozenset({"effort", "mission", "process", "operation", "campaign", "program", "programme", "package",
                          "initiative", "bid", "attempt", "plan", "drive", "activity", "action", "measure", "talk"})
_QUANT_WORDS = frozenset({"part", "some", "all", "most", "half", "much", "many", "one", "two", "three", "several",
                          "dozens", "hundreds", "thousands", "rest", "portion", "bulk", "majority", "number", "kg",
                          "kilogram", "kilograms", "ton", "tons", "tonne", "tonnes", "worth", "amount", "batch",
                          "consignment", "load", "barrels", "doses", "lot", "lots", "range", "series", "set"})
# prepositions that frame an event noun in the main clause: "At a meeting with X, Xi said" → Xi
_FRAME_PREPS = frozenset({"at", "during", "after", "before", "following", "amid", "upon", "ahead", "since",
                          "throughout", "in", "on", "over", "despite", "until", "prior"})
# ... of which those whose event shares the main clause's participants ("At a meeting with X, Xi said";
# not "after the agreement with the government, workers called off the strike")
_FRAME_ACTOR_PREPS = frozenset({"at", "during", "in", "on", "upon", "throughout"})


def _date_bounds(value: str | None) -> tuple[_dt.date, _dt.date] | None:
    """(first day, last day) of a TIMEX3 calendar value; None for non-calendar values."""
    if not value:
        return None
    m = _CAL_RE.match(value)
    if not m:
        return None
    y, mid, d = m.group(1), m.group(2), m.group(3)
    try:
        if len(y) == 2:  # century "19" → 1900-1999
            c = int(y)
            return _dt.date(c * 100, 1, 1), _dt.date(c * 100 + 99, 12, 31)
        if len(y) == 3:  # decade "199" → 1990-1999
            dd = int(y)
            return _dt.date(dd * 10, 1, 1), _dt.date(dd * 10 + 9, 12, 31)
        year = int(y)
        if year < 1:
            return None
        if mid is None:
            return _dt.date(year, 1, 1), _dt.date(year, 12, 31)
        if mid.isdigit():
            mon = int(mid)
            if d:
                day = _dt.date(year, mon, int(d))
                return day, day
            nxt = _dt.date(year + (mon == 12), mon % 12 + 1, 1)
            return _dt.date(year, mon, 1), nxt - _dt.timedelta(days=1)
        if mid.startswith("W"):
            wk = int(mid[1:])
            first = _dt.date.fromisocalendar(year, max(1, min(wk, 52)), 1)
            return first, first + _dt.timedelta(days=6)
        if mid.startswith("Q"):
            q = int(mid[1:])
            s = _dt.date(year, 3 * (q - 1) + 1, 1)
            e = _dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - _dt.timedelta(days=1)
            return s, e
        if mid.startswith("H"):
            h = int(mid[1:])
            return (_dt.date(year, 1, 1), _dt.date(year, 6, 30)) if h == 1 else (_dt.date(year, 7, 1), _dt.date(year, 12, 31))
        seasons = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "AU": (9, 11), "WI": (12, 2)}
        a, b = seasons[mid]
        if a == 12:
            return _dt.date(year, 12, 1), _dt.date(year + 1, 3, 1) - _dt.timedelta(days=1)
        return _dt.date(year, a, 1), _dt.date(year, b + 1, 1) - _dt.timedelta(days=1)
    except (ValueError, KeyError):
        return None


def _as_date(published: Any) -> _dt.date | None:
    if published is None:
        return None
    if isinstance(published, _dt.datetime):
        return published.date()
    if isinstance(published, _dt.date):
        return published
    try:
        return _dt.date.fromisoformat(str(published)[:10])
    except ValueError:
        return None


def _lower_lemma(t: Any) -> str:
    return t.lemma_.lower()


def _lemma_forms(t: Any) -> tuple[str, ...]:
    """The lemma and naive de-inflections of the form, for when the lemmatizer slips ("staged" → "stag")."""
    lem = t.lemma_.lower()
    low = t.lower_
    out = [lem]
    if low != lem:
        if low.endswith("ied"):
            out.append(low[:-3] + "y")
        if low.endswith("ed"):
            out += [low[:-1], low[:-2]]
        elif low.endswith("ing"):
            out += [low[:-3], low[:-3] + "e"]
        elif low.endswith("es"):
            out += [low[:-1], low[:-2]]
        elif low.endswith("s"):
            out.append(low[:-1])
    return tuple(out)


def _is_gov(r: Role) -> bool:
    """A state, government, IGO or official acting (not a demonym for people: "ethnic Albanians")."""
    if r.via.endswith("+mod"):
        return False  # a modifier of the actor noun ("Venezuela's opposition parties"), not the actor itself
    if r.sector in _GOV_SECTORS:
        return True
    aid = r.actor_id or ""
    if aid.startswith("igo:"):
        return True
    return aid.startswith("cty:") and r.kind in ("name", "metonym", "pronoun") and r.sector != "OPP"


_MUST = frozenset({"must", "should", "ought"})
_SPEECH = frozenset({"say", "announce", "tell", "state", "declare", "add", "report", "confirm", "indicate", "reply",
                     "insist", "warn", "promise", "pledge", "vow", "write", "tweet", "claim", "note", "explain",
                     "signal", "suggest", "predict", "assure", "decide", "agree"})
_NEG_CONTROL = frozenset({"fail", "failed", "fails", "failing", "refuse", "refused", "refuses", "refusing", "decline",
                          "declined", "declines", "declining"})


def plover_convention(ev: EventMention, ontology: Ontology) -> str:
    """The type PLOVER's coding rules give a mention: a cooperative action announced for the future or
    offered ("will provide aid", "is ready to withdraw") is an intention, coded AGREE; a material
    conflict action announced for the future ("will impose sanctions", "threatened ... offensive") is
    THREATEN; an action someone says another *must* take is REQUEST. Otherwise the described type."""
    t = ev.type
    q = ontology.types[t].quad
    fut = ev.cue("future")
    hyp = ev.cue("hypothetical")
    if ev.negated:
        neg = ev.cue("negated")
        # "will not lift the ban", "failed to reach agreement", "refuses to": a refusal, not a non-event
        if fut is not None or (neg is not None and neg.text.lower() in _NEG_CONTROL) or (
                hyp is not None and hyp.text.lower() in ("would", "could", "can", "will")):
            return "REJECT" if t not in ("REJECT", "THREATEN", "ACCUSE") else t
        return t
    if hyp is not None and hyp.text.lower() in _MUST and t not in ("REQUEST", "ACCUSE", "REJECT", "THREATEN"):
        return "REQUEST"
    if fut is not None and not ev.historical:
        if q in (1, 2) and t != "AGREE":
            return "AGREE"
        if q == 4:
            return "THREATEN"
    return t


# ============================================================================================ the coder
@dataclass(slots=True)
class _Match:
    tok: Any
    rule: _Rule
    type: str
    mode: str | None
    gov: Any | None = None  # governing verb of a noun trigger
    gov_rel: str = ""  # obj | subj | pp:<prep> | ""
    light: bool = False  # governed by a light verb
    own_actor: bool = False
    suppressed: bool = False
    embedded: list[_Match] = field(default_factory=list)


def _blank_rule(rid: str, typ: str) -> _Rule:
    e: frozenset[str] = frozenset()
    return _Rule(rid, "verb", typ, None, None, None, None, None, e, None, e, None, None, False, None, {}, {}, {}, {},
                 {}, {}, {}, e, (), None, None, False, False, e, False, False, {})


_PATTERN_LEMMAS = frozenset({"must"})
_MUST_RULE = _blank_rule("pattern:REQUEST:must", "REQUEST")


class RuleCoder:
    """The default backend: lexicon of predicates + dependency patterns. Thread-safe after init."""

    name = "rules"

    def __init__(self, lexicon: Lexicon | str | Path | None = None, ontology: Ontology | None = None):
        self.ontology = ontology or load_ontology()
        if isinstance(lexicon, Lexicon):
            self.lexicon = lexicon
        else:
            self.lexicon = load_lexicon(lexicon, ontology) if (lexicon is not None or ontology is not None) \
                else load_lexicon()
        self._hashes: dict[int, Any] = {}

    @property
    def version(self) -> str:
        return f"rules/{self.lexicon.version}+plover/{self.ontology.version}"

    # ------------------------------------------------------------------ entry point
    def code(self, doc: Any, mentions: Sequence[Any] = (), timexes: Sequence[Any] = (), quotes: Sequence[Any] = (),
             published: _dt.date | str | None = None) -> list[EventMention]:
        if doc is None or len(doc) == 0 or not doc.has_annotation("DEP"):
            return []
        cands = self._candidates(doc)
        if not cands:
            return []
        return _DocCoder(self, doc, mentions, timexes, quotes, _as_date(published)).run(cands)

    def _candidates(self, doc: Any) -> list[int]:
        import numpy as np
        from spacy.attrs import LEMMA

        vocab = doc.vocab
        arr = self._hashes.get(id(vocab))
        if arr is None or arr[0] is not vocab:
            hs = set()
            for lem in self.lexicon.lemmas | _PATTERN_LEMMAS:
                for v in (lem, lem.capitalize(), lem.upper()):
                    hs.add(vocab.strings.add(v))
            arr = (vocab, np.array(sorted(hs), dtype="uint64"))
            self._hashes[id(vocab)] = arr
        lem = doc.to_array([LEMMA])
        if lem.ndim > 1:
            lem = lem[:, 0]
        return np.nonzero(np.isin(lem, arr[1]))[0].tolist()

    @property
    def pattern_lemmas(self) -> frozenset[str]:
        return _PATTERN_LEMMAS


@dataclass(slots=True)
class _Sent:
    start: int  # token span
    end: int
    start_char: int
    end_char: int


class _DocCoder:
    """Per-document state of a :class:`RuleCoder` run."""

    def __init__(self, coder: RuleCoder, doc: Any, mentions: Sequence[Any], timexes: Sequence[Any],
                 quotes: Sequence[Any], pub: _dt.date | None):
        try:
            from ..facts.actors import doc_text
        except ImportError:  # pragma: no cover - older facts module
            def doc_text(d: Any) -> str:
                return d.text

        self.c = coder
        self.lex = coder.lexicon
        self.onto = coder.ontology
        self.doc = doc
        self.text = doc_text(doc)
        self.pub = pub
        self.mentions = sorted(mentions, key=lambda m: (m.start, -m.end))
        self.m_starts = [m.start for m in self.mentions]
        self.timexes = sorted(timexes, key=lambda t: t.start)
        self.t_starts = [t.start for t in self.timexes]
        self.quotes = sorted(quotes, key=lambda q: (q.start, -q.end))
        self.q_starts = [q.start for q in self.quotes]
        self._tok_starts: list[int] | None = None
        self._ref: tuple[_dt.date | None, str] | None = None
        self._sents: list[_Sent] | None = None
        self._sent_starts: list[int] = []
        self._ctx_cache: dict[int, list[str]] = {}

    def sent_of(self, i: int) -> "_Sent":
        """The sentence of token ``i`` (sentence spans computed once per document)."""
        if self._sents is None:
            doc = self.doc
            if doc.has_annotation("SENT_START"):
                self._sents = [_Sent(s.start, s.end, s.start_char, s.end_char) for s in doc.sents]
            else:
                self._sents = [_Sent(0, len(doc), 0, len(self.text))]
            self._sent_starts = [s.start for s in self._sents]
        return self._sents[max(0, bisect.bisect_right(self._sent_starts, i) - 1)]

    # ------------------------------------------------------------------ run
    def run(self, cands: list[int]) -> list[EventMention]:
        doc = self.doc
        matches: dict[int, _Match] = {}
        musts = []
        for i in cands:
            t = doc[i]
            if t.tag_ == "MD":
                musts.append(t)
                continue
            m = self.match(t)
            if m is not None:
                matches[i] = m
        for t in musts:  # "Russia said Sudan must return the helicopter": a demand by the speaker
            v = t.head
            if t.dep_ == "aux" and v.pos_ == "VERB" and v.dep_ == "ccomp" and _lower_lemma(v.head) in _SPEECH \
                    and v.i not in matches and any(c.dep_ in _SUBJ for c in v.head.children):
                matches[v.i] = _Match(v, _MUST_RULE, "REQUEST", None)
        if not matches:
            return []
        self.link(matches)
        out: list[EventMention] = []
        for i in sorted(matches):
            m = matches[i]
            if m.suppressed or not m.type:
                continue
            ev = self.build(m, matches)
            if ev is not None:
                out.append(ev)
        return out

    # ------------------------------------------------------------------ matching
    def match(self, t: Any) -> _Match | None:
        pos = t.pos_
        lem = _lower_lemma(t)
        if t.ent_type_ or self.is_timex_tok(t):
            return None  # part of a name or a date ("Shanghai Cooperation Organisation", "1 March")
        if pos == "VERB":
            if t.dep_ == "advcl" and not any(c.dep_ in _SUBJ for c in t.children) and any(
                    c.dep_ == "mark" and c.lower_ in ("as", "than") for c in t.children):
                return None  # "as agreed", "as expected"
            rules = self.lex.verbs.get(lem)
        elif pos in ("NOUN", "PROPN"):
            if t.dep_ == "compound" and t.head.i > t.i and _lower_lemma(t.head) not in _EVENT_HEADS:
                return None  # "war games", "aid workers", "protest movement": a modifier, not an event
            rules = self.lex.nouns.get(lem)
            if rules is None and lem != t.lower_:
                rules = self.lex.nouns.get(t.lower_)
        else:
            return None
        if not rules:
            return None
        for r in rules:
            res = self.apply(r, t, lem)
            if res is not None:
                typ, mode = res
                if not typ:
                    return None  # an explicit "not an event" override
                return _Match(t, r, typ, mode or None)
        return None

    def apply(self, r: _Rule, t: Any, lem: str) -> tuple[str, str | None] | None:
        pre = r.prefix.get(lem)
        if pre:
            k = len(pre)
            if t.i < k or tuple(x.lower_ for x in t.doc[t.i - k:t.i]) != pre:
                return None
        kids = list(t.children)
        preps = {c.lower_: c for c in kids if c.dep_ in ("prep", "agent")
                 and not all(self.is_timex_tok(p) for p in c.children if p.dep_ == "pobj")}
        prts = {c.lower_ for c in kids if c.dep_ == "prt"}
        obj = self.object_of(t, kids)
        obj_lem = _lower_lemma(obj) if obj is not None else None
        mods = {c.lower_ for c in kids if c.dep_ in _MOD_DEPS} | {_lower_lemma(c) for c in kids if c.dep_ in _MOD_DEPS}
        if r.prt is not None and not (prts & r.prt):
            return None
        if r.prep is not None and not (set(preps) & r.prep):
            return None
        if r.not_if_prep and set(preps) & r.not_if_prep:
            return None
        if r.not_if_ccomp and any(c.dep_ == "ccomp" for c in kids):
            return None
        if r.obj is not None and not self.obj_ok(r.obj, obj, obj_lem):
            return None
        if r.not_obj and ((obj_lem is not None and obj_lem in r.not_obj) or any(
                _lower_lemma(p) in r.not_obj for c in preps.values() for p in c.children if p.dep_ == "pobj")):
            return None
        if r.mod is not None and not (mods & r.mod):
            return None
        if r.not_if_mod and mods & r.not_if_mod:
            return None
        if r.oprd is not None and not self.oprd_ok(t, kids, r.oprd):
            return None
        if r.gov is not None and not self.gov_ok(t, r.gov):
            return None
        if r.gov_place and not any(self.is_place(p) for c in kids if c.dep_ == "prep" for p in c.children
                                   if p.dep_ == "pobj"):
            return None
        if lem in r.requires and not any(self.cond(k, a, w, t, kids, preps, prts, obj, obj_lem, mods)
                                         for k, a, w in r.match_if):
            return None
        typ, mode = r.type, r.mode
        hit = None
        if r.by_prt:
            hit = next((r.by_prt[p] for p in prts if p in r.by_prt), None)
        if hit is None and r.by_mod:
            hit = next((r.by_mod[x] for x in mods if x in r.by_mod), None)
            if hit is None and obj is not None and r.pos == "verb":
                hit = next((r.by_mod[_lower_lemma(c)] for c in obj.children
                            if c.dep_ in ("amod", "compound") and _lower_lemma(c) in r.by_mod), None)
        if hit is None and r.by_obj:
            key = obj_lem if obj_lem is not None else "NONE"
            hit = r.by_obj.get(key)
            if hit is None and obj is not None and obj.lower_ in r.by_obj:
                hit = r.by_obj[obj.lower_]
        if hit is None and r.by_prep:
            for p, c in preps.items():
                pobjs = [po for po in c.children if po.dep_ == "pobj" and not self.is_timex_tok(po)]
                if not pobjs:
                    continue
                for po in pobjs:
                    h = r.by_prep.get(f"{p}:{_lower_lemma(po)}")
                    if h is not None:
                        hit = h
                        break
                if hit is None and p in r.by_prep:
                    hit = r.by_prep[p]
                if hit is not None:
                    break
        if hit is None and r.by_lemma:
            hit = r.by_lemma.get(lem) or r.by_lemma.get(t.lower_)
        if hit is not None:
            return hit[0], hit[1] or None
        if typ is None:
            return None
        return typ, mode

    def object_of(self, t: Any, kids: list[Any]) -> Any | None:
        for c in kids:
            if c.dep_ in ("dobj", "nsubjpass"):
                return self.of_head(c)
        return self._acl_head(t)

    @staticmethod
    def of_head(c: Any) -> Any:
        """"part of the aid program", "some of the prisoners": the noun after "of"."""
        if c.lower_ in _QUANT_WORDS:
            for p in c.children:
                if p.dep_ == "prep" and p.lower_ == "of":
                    for o in p.children:
                        if o.dep_ == "pobj":
                            return o
        return c

    def _acl_head(self, t: Any) -> Any | None:
        if t.dep_ == "acl" and t.tag_ == "VBN":  # "the journalist arrested by police"
            return t.head
        return None

    def obj_ok(self, allowed: frozenset[str], obj: Any | None, obj_lem: str | None) -> bool:
        if obj is None:
            return "NONE" in allowed
        if obj_lem in allowed or obj.lower_ in allowed:
            return True
        if "PERSON" in allowed and self.is_person(obj):
            return True
        if "ACTOR" in allowed and self.is_actorish(obj):
            return True
        # "peace agreement", "trade deal": the compound head is the object
        return any(_lower_lemma(c) in allowed for c in obj.children if c.dep_ == "compound")

    def oprd_ok(self, t: Any, kids: list[Any], words: frozenset[str]) -> bool:
        heads = [c for c in kids if c.dep_ in ("oprd", "xcomp", "acomp")]
        for c in kids:
            if c.dep_ == "prep" and c.lower_ == "as":
                heads += [p for p in c.children if p.dep_ in ("pobj", "amod", "acomp")]
        # "called the election a farce" is sometimes parsed as dobj + appos/ccomp
        for c in kids:
            if c.dep_ == "dobj":
                heads += [p for p in c.children if p.dep_ in ("appos", "attr", "amod") and p.i > c.i]
            if c.dep_ == "ccomp":
                heads += [p for p in c.children if p.dep_ in ("attr", "acomp")]
        for h in heads:
            if h.lower_ in words or _lower_lemma(h) in words:
                return True
            if any((x.lower_ in words or _lower_lemma(x) in words) for x in h.children
                   if x.dep_ in ("amod", "compound")):
                return True
        return False

    def gov_ok(self, t: Any, words: frozenset[str]) -> bool:
        x = t
        for _ in range(4):
            if x.head is x:
                return False
            x = x.head
            if x.lower_ in words or _lower_lemma(x) in words:
                return True
        return False

    def cond(self, kind: str, arg: str | None, words: frozenset[str] | None, t: Any, kids: list[Any],
             preps: dict[str, Any], prts: set[str], obj: Any | None, obj_lem: str | None, mods: set[str]) -> bool:
        if kind == "xcomp":
            return any(c.dep_ == "xcomp" for c in kids)
        if kind == "ccomp":
            return any(c.dep_ == "ccomp" for c in kids)
        if kind == "ccomp_that":
            return any(c.dep_ == "ccomp" and any(x.dep_ == "mark" and x.lower_ == "that" for x in c.children)
                       for c in kids)
        if kind == "prep":
            c = preps.get(arg or "")
            if c is None:
                return False
            if words is None:
                return True
            return any(_lower_lemma(p) in words for p in c.children if p.dep_ == "pobj")
        if kind == "prt":
            return arg in prts
        if kind == "obj_in":
            return obj_lem in (words or ()) or (obj is not None and any(
                _lower_lemma(c) in (words or ()) for c in obj.children if c.dep_ == "compound"))
        if kind == "pobj_in":
            return any(_lower_lemma(p) in (words or ()) for c in preps.values() for p in c.children if p.dep_ == "pobj")
        if kind == "obj_actor":
            return obj is not None and self.is_actorish(obj)
        if kind == "obj_person":
            return obj is not None and obj.dep_ == "dobj" and self.is_person(obj)
        if kind == "passive":
            return any(c.dep_ in ("nsubjpass", "auxpass") for c in kids)
        if kind == "passive_person":
            return any(c.dep_ == "nsubjpass" and self.is_person(c) for c in kids) or (
                t.dep_ == "acl" and t.tag_ == "VBN" and self.is_person(t.head))
        if kind == "oprd":
            return any(c.dep_ == "oprd" for c in kids)
        if kind == "intransitive":
            return obj is None
        if kind == "subj_people":
            return any(c.dep_ in _SUBJ and _lower_lemma(c) in self.lex.words.get("people_subjects", ())
                       for c in kids)
        if kind == "subj_mil":
            for c in kids:
                if c.dep_ in _SUBJ:
                    if _lower_lemma(c) in self.lex.words.get("military_subjects", ()):
                        return True
                    m = self.mention_covering(c.idx, c.idx + len(c.text))
                    if m is not None and getattr(m, "sector", None) in ("MIL", "REB", "COP"):
                        return True
            return False
        if kind == "own_actor":
            return bool(self.noun_own_actor_heads(t, kids))
        if kind == "light_verb":
            g, rel = self.governor(t)
            return g is not None and rel.startswith("obj") and self.light_lemma(g) is not None
        if kind == "subj_of_verb":
            return t.dep_ in ("nsubj", "nsubjpass")
        if kind == "mod_in":
            return bool(mods & (words or frozenset()))
        if kind == "gov_in":
            g, _ = self.governor(t)
            return g is not None and _lower_lemma(g) in (words or ())
        if kind == "obj_mil":
            mil = self.lex.words.get("military_subjects", frozenset())
            return any(_lower_lemma(p) in mil for c in preps.values() for p in c.children if p.dep_ == "pobj")
        if kind == "actor_gov":
            return False  # evaluated after roles (see build)
        return False

    # ------------------------------------------------------------------ tokens → actors
    def mention_covering(self, s: int, e: int) -> Any | None:
        i = bisect.bisect_right(self.m_starts, s) - 1
        best = None
        while i >= 0:
            m = self.mentions[i]
            if m.end >= e and m.start <= s:
                if best is None or (m.end - m.start) > (best.end - best.start):
                    best = m
            if s - m.start > 200:
                break
            i -= 1
        return best

    def mentions_within(self, s: int, e: int) -> list[Any]:
        i = bisect.bisect_left(self.m_starts, s)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < e:
            m = self.mentions[i]
            if m.end <= e and not any(o.start <= m.start and m.end <= o.end for o in out):
                out.append(m)
            i += 1
        return out

    def is_person(self, t: Any) -> bool:
        if t.ent_type_ == "PERSON" or t.lower_ in ("him", "her", "them", "he", "she"):
            return True
        m = self.mention_covering(t.idx, t.idx + len(t.text))
        if m is not None and str(m.actor_id).startswith("per:"):
            return True
        lem = _lower_lemma(t)
        return lem in self.lex.words.get("people_subjects", ()) or lem in self.lex.words.get("persons", ())

    def is_actorish(self, t: Any) -> bool:
        if t.ent_type_ in ("PERSON", "GPE", "ORG", "NORP"):
            return True
        if self.mention_covering(t.idx, t.idx + len(t.text)) is not None:
            return True
        return self.is_person(t)

    def is_place(self, t: Any) -> bool:
        if t.ent_type_ in self.lex.location_labels:
            return True
        m = self.mention_covering(t.idx, t.idx + len(t.text))
        return m is not None and getattr(m, "kind", "") in ("place", "capital") and t.pos_ == "PROPN"

    def role(self, x: Any, via: str, sent: Any) -> list[Role]:
        """The role(s) a noun-phrase head denotes."""
        if x.lower_ in _REL_PRONOUNS and x.head.dep_ == "relcl":
            x = x.head.head
            via = via + "+relcl"
        if x.pos_ == "PRON" or x.lower_ in _THIRD_PERSONAL or x.lower_ in _FIRST_PERSON:
            return self.pronoun_role(x, via, sent)
        s_tok = x.left_edge
        # stop the span at a preceding preposition/conjunction inside the subtree (rare)
        s = s_tok.idx
        e = x.idx + len(x.text)
        for c in x.children:  # right-side name parts: "Xi" <- compound "Jinping"? (heads are last) + flat
            if c.i > x.i and c.dep_ in ("compound", "flat", "nummod") and c.i == x.i + 1:
                e = c.idx + len(c.text)
        cov = self.mention_covering(x.idx, x.idx + len(x.text))
        if cov is not None:
            return [self.mk_role(cov.start, cov.end, via, cov)]
        inner = self.mentions_within(s, e)
        if inner:  # "Senior Hungarian and Romanian officials", "Venezuela's opposition parties"
            return [self.mk_role(m.start, m.end, via + "+mod", m) for m in inner]
        # unresolved: keep the noun phrase text without a leading determiner
        while s_tok.i < x.i and s_tok.dep_ in ("det", "punct", "predet", "cc"):
            s_tok = s_tok.doc[s_tok.i + 1]
        s = s_tok.idx
        return [Role(s, e, self.text[s:e], None, None, None, via)]

    def mk_role(self, s: int, e: int, via: str, m: Any) -> Role:
        aid = getattr(m, "actor_id", None)
        country = getattr(m, "country", None)
        if country is None and isinstance(aid, str) and aid.startswith("cty:"):
            country = aid[4:]
        return Role(s, e, self.text[s:e], aid, country, getattr(m, "sector", None), via, getattr(m, "kind", None))

    def pronoun_role(self, x: Any, via: str, sent: Any) -> list[Role]:
        s, e = x.idx, x.idx + len(x.text)
        cov = self.mention_covering(s, e)
        if cov is not None:
            return [self.mk_role(s, e, via + "+pronoun", cov)]
        low = x.lower_
        if low in _FIRST_PERSON:
            q = self.quote_at(s)
            if q is not None and q.speaker_start is not None:
                m = self.mention_at(q.speaker_start, q.speaker_end)
                if m is not None:
                    return [self.mk_role(s, e, via + "+quote-speaker", m)]
            return [Role(s, e, x.text, None, None, None, via)]
        if low in _THIRD_PERSONAL or low in _RESOLVED_OTHER:
            personal = low in _THIRD_PERSONAL
            limit = max(0, sent.start_char - 1500)
            i = bisect.bisect_left(self.m_starts, s) - 1
            while i >= 0 and self.mentions[i].start >= limit:
                m = self.mentions[i]
                aid = str(m.actor_id)
                if m.end <= s and (aid.startswith("per:") == personal):
                    if personal or aid.startswith(("cty:", "igo:", "org:")):
                        return [self.mk_role(s, e, via + "+pronoun", m)]
                i -= 1
        return [Role(s, e, x.text, None, None, None, via)]

    def mention_at(self, s: int | None, e: int | None) -> Any | None:
        if s is None or e is None:
            return None
        from ..facts.actors import mention_at

        i = bisect.bisect_left(self.m_starts, s - 300)
        j = bisect.bisect_right(self.m_starts, e)
        return mention_at(self.mentions[i:j], s, e)

    def roles_of(self, heads: Iterable[Any], via: str, sent: Any) -> list[Role]:
        out: list[Role] = []
        seen: set[int] = set()
        for h in heads:
            for x in [h, *[c for c in h.conjuncts if c.i > h.i]]:
                x = self.of_head(x)  # "dozens of protesters" → protesters
                if x.i in seen:
                    continue
                seen.add(x.i)
                if x.pos_ in ("VERB", "AUX", "ADP", "SCONJ", "PUNCT"):
                    continue
                for r in self.role(x, via, sent):
                    if not any((r.actor_id and r.actor_id == o.actor_id) or (r.start == o.start and r.end == o.end)
                               for o in out):
                        out.append(r)
        return out

    # ------------------------------------------------------------------ quotes
    def quote_at(self, pos: int) -> Any | None:
        i = bisect.bisect_right(self.q_starts, pos) - 1
        best = None
        while i >= 0:
            q = self.quotes[i]
            if q.start <= pos < q.end and (best is None or q.end - q.start < best.end - best.start):
                best = q
            if pos - q.start > 20000:
                break
            i -= 1
        return best

    # ------------------------------------------------------------------ structure
    def governor(self, t: Any) -> tuple[Any | None, str]:
        """Governing verb of a noun trigger and the relation: obj | obj-of | subj | pp:<prep> | ''."""
        x = t
        rel_of = False
        for _ in range(4):
            dep = x.dep_
            h = x.head
            if h is x:
                return None, ""
            if dep == "conj":
                x = h
                continue
            if dep in ("dobj", "attr", "oprd", "dative"):
                if h.pos_ in ("VERB", "AUX"):
                    return h, "obj-of" if rel_of else "obj"
                return None, ""
            if dep in ("nsubj", "nsubjpass"):
                if h.pos_ in ("VERB", "AUX") and not rel_of:
                    return h, "subj"
                return None, ""
            if dep == "pobj" and h.dep_ in ("prep", "agent"):
                if rel_of:
                    return None, ""
                p = h
                ph = p.head
                if ph.pos_ in ("VERB", "AUX"):
                    return ph, "pp:" + p.lower_
                if ph.pos_ in ("NOUN", "PROPN") and p.lower_ in ("of", "for"):
                    rel_of = True  # "a message of congratulations" → the message's verb
                    x = ph
                    continue
                if ph.pos_ in ("NOUN", "PROPN") and p.lower_ in _FRAME_PREPS and ph.dep_ in ("nsubj", "nsubjpass"):
                    return ph, "np:" + p.lower_  # "Lukashenko, during his trip to China, said"
                return None, ""
            if dep in ("compound", "appos"):
                x = h
                continue
            return None, ""
        return None, ""

    def noun_own_actor_heads(self, t: Any, kids: list[Any] | None = None) -> list[tuple[Any, str]]:
        kids = kids if kids is not None else list(t.children)
        if t.dep_ == "compound" and t.head.i > t.i:  # "the Chinese mediation efforts"
            kids = kids + [c for c in t.head.children if c.i < t.i and c.dep_ in ("amod", "poss", "compound", "nmod")]
        out: list[tuple[Any, str]] = []
        for c in kids:
            if c.dep_ == "poss":
                out.append((c, "poss"))
            elif c.dep_ in ("amod", "compound", "nmod") and c.i < t.i and (
                    c.ent_type_ in ("NORP", "GPE", "ORG", "PERSON")
                    or self.mention_covering(c.idx, c.idx + len(c.text)) is not None):
                out.append((c, "mod"))
            elif c.dep_ in ("prep", "agent") and c.lower_ in self.lex.actor_preps:
                out += [(p, "prep:" + c.lower_) for p in c.children if p.dep_ == "pobj"]
            elif c.dep_ == "prep" and c.lower_ in self.lex.between_preps:
                out += [(p, "prep:" + c.lower_) for p in c.children if p.dep_ == "pobj"]
        return out

    def link(self, matches: dict[int, _Match]) -> None:
        """Governors, embedding and topic suppression."""
        for i, m in matches.items():
            t = m.tok
            if m.rule.pos == "noun" or t.pos_ in ("NOUN", "PROPN"):
                if t.dep_ == "pobj" and t.head.dep_ == "prep" and t.head.head.i in matches and \
                        t.head.head.pos_ in ("NOUN", "PROPN") and not any(
                            x.pos_ != "PRON" for x, _ in self.noun_own_actor_heads(t)):
                    m.suppressed = True  # "its support for the Sochi deal", "cessation of hostilities"
                    matches[t.head.head.i].embedded.append(m)
                    continue
                g, rel = self.governor(t)
                m.gov, m.gov_rel = g, rel
                m.own_actor = any(x.pos_ != "PRON" for x, _ in self.noun_own_actor_heads(t))
                if g is not None and rel.startswith("obj"):
                    gm = matches.get(g.i)
                    if gm is not None:
                        if not m.own_actor:
                            m.suppressed = True
                        gm.embedded.append(m)
                    elif self.light_lemma(g) is not None:
                        m.light = True
                        hit = m.rule.by_gov.get(self.light_lemma(g) or "")
                        if hit is not None:
                            if not hit[0]:
                                m.suppressed = True
                            else:
                                m.type, m.mode = hit[0], hit[1] or None
                elif g is not None and rel.startswith("pp:"):
                    gm = matches.get(g.i)
                    if gm is not None and not m.own_actor and rel[3:] not in _FRAME_PREPS:
                        m.suppressed = True  # "conceded to demands", "mobilized reservists for a war"
                        gm.embedded.append(m)
                    elif gm is None and not m.own_actor and rel[3:] not in _FRAME_PREPS:
                        ctl = self.controller(g, matches, any_verb=True)
                        if ctl is not None:
                            m.suppressed = True  # "refused to respond to a request"
                if m.light and not m.suppressed and g is not None:
                    ctl = self.controller(g, matches)
                    if ctl is not None:
                        m.suppressed = True  # "promised to continue military aid"
                        ctl.embedded.append(m)
                if m.rule.own_actor and not (m.own_actor or m.light) and not m.suppressed:
                    # a bare event noun as topic of a non-light verb or framing phrase
                    if not (g is not None and (rel == "subj" or rel.startswith(("pp:", "np:")))):
                        m.suppressed = True
            else:
                # verb embedded under a controlling trigger ("agreed to meet", "refused to release")
                ctl = self.controller(t, matches)
                if ctl is not None:
                    m.suppressed = True
                    ctl.embedded.append(m)
                    continue
                # purpose clause of a protest: "staged demonstrations to demand reforms", "rioted demanding"
                if t.dep_ in ("advcl", "xcomp", "acl", "conj") and t.head is not t:
                    h = t.head
                    hm = matches.get(h.i)
                    objs = [hm] if hm is not None else []
                    objs += [matches[c.i] for c in h.children if c.dep_ in ("dobj", "nsubj") and c.i in matches]
                    if any(x.type == "PROTEST" and x is not m for x in objs) and m.type in (
                            "REQUEST", "ACCUSE", "PROTEST", "REJECT"):
                        m.suppressed = True
        # type switches and embedded modes
        for m in matches.values():
            if not m.embedded or m.suppressed:
                continue
            inner = m.embedded[0]
            if m.rule.yield_to_material and inner.type in self.onto.types and \
                    self.onto.types[inner.type].quad == 4:
                # "ordered the newspaper to suspend publication": the ordered action is the event
                m.suppressed = True
                inner.suppressed = False
                continue
            if m.rule.switch:
                q = self.onto.types[inner.type].quad if inner.type in self.onto.types else 0
                if q >= 3 and "conflict" in m.rule.switch:
                    m.type = m.rule.switch["conflict"]
                elif q and q <= 2 and "cooperation" in m.rule.switch:
                    m.type = m.rule.switch["cooperation"]
            if m.mode is None:
                emb = self.lex.embedded_modes.get(m.type)
                if emb:
                    md = emb.get(f"{inner.type}/{inner.mode}") or emb.get(inner.type)
                    if md:
                        m.mode = md

    def light_lemma(self, v: Any) -> str | None:
        """The light-verb lemma of ``v`` (tolerating lemmatizer slips: "staged" → "stag")."""
        for lem in _lemma_forms(v):
            if lem in self.lex.light:
                return lem
        return None

    def controller(self, t: Any, matches: dict[int, _Match], any_verb: bool = False) -> _Match | None:
        """An own-control trigger governing ``t`` through complement clauses, possibly via transparent
        verbs ("promised *to continue* aid", "refused to *meet*", "called on X *to release*")."""
        x = t
        for _ in range(4):
            dep = x.dep_
            h = x.head
            if h is x or dep not in ("xcomp", "ccomp", "pcomp", "prep"):
                return None
            if dep == "prep":
                x = h
                continue
            hh = h.head if h.dep_ == "prep" else h
            if dep == "pcomp":
                hh = h.head if h.pos_ == "ADP" else h
            gm = matches.get(hh.i)
            if gm is not None:
                if gm.rule.control == "own" and (dep != "ccomp" or gm.type in ("REQUEST", "AGREE")):
                    return gm
                return None
            if self.lex.control.get(_lower_lemma(hh)) != "transparent" and self.light_lemma(hh) is None \
                    and not any_verb:
                return None
            x = hh
        return None

    # ------------------------------------------------------------------ building
    def build(self, m: _Match, matches: dict[int, _Match]) -> EventMention | None:
        t = m.tok
        sent = self.sent_of(t.i)
        is_noun = t.pos_ in ("NOUN", "PROPN")
        # the clause whose tense/negation/modality apply: a light verb's or the one the noun is subject of
        clause = m.gov if (is_noun and m.gov is not None and (m.light or m.gov_rel == "subj")) else t
        if m.rule is _MUST_RULE:
            clause = t.head  # the demand is the speech act: "X said Y must ..."
        anchor = m.gov if (is_noun and m.gov is not None and not m.gov_rel.startswith("np:")) else clause
        if m.rule is _MUST_RULE:
            actors = self.verb_args(t.head, sent, frozenset())[0]
            recipients = self.roles_of([c for c in t.children if c.dep_ in _SUBJ], "must-subj", sent)
        else:
            actors, recipients = self.roles(m, is_noun, sent)
        typ, mode = m.type, m.mode
        if m.rule.gov_actor and actors and any(_is_gov(r) for r in actors):
            typ = m.rule.gov_actor
            if mode and not self.onto.is_mode(typ, mode):
                mode = None
        if mode is None and (m.rule.words_mode or typ in self.lex.mode_words):
            mode = self.mode_from_words(typ, t, clause, sent)
        if mode and not self.onto.is_mode(typ, mode):
            mode = None
        cues: list[Cue] = []
        chain = self.control_chain(clause) if m.rule is not _MUST_RULE else []
        self.flag_negation(t, clause, chain, is_noun, m, cues)
        self.flag_modality(t, clause, chain, is_noun, cues)
        tx = self.attached_timex(t, anchor, sent, matches)
        self.flag_tense(t, clause, chain, is_noun, tx, cues, sent)
        flags = {c.flag for c in cues}
        q = self.quote_at(t.idx)
        ev = EventMention(
            start=sent.start_char, end=sent.end_char, text=self.text[sent.start_char:sent.end_char],
            trigger_start=t.idx, trigger_end=t.idx + len(t.text), trigger=t.text,
            type=typ, mode=mode, context=self.contexts(m.rule.context, sent),
            quad=self.onto.types[typ].quad, intensity=self.onto.intensity(typ, mode),
            actors=actors, recipients=recipients,
            negated="negated" in flags, hypothetical="hypothetical" in flags, future="future" in flags,
            historical="historical" in flags, cues=cues, rule=m.rule.id, coder=self.c.name,
        )
        if q is not None:
            ev.reported_in_quote = True
            ev.quote_kind = q.kind
            ev.quote_start, ev.quote_end = q.start, q.end
            sp = self.mention_at(q.speaker_start, q.speaker_end) if q.speaker_start is not None else None
            ev.quote_speaker_id = getattr(sp, "actor_id", None)
            ev.cues.append(Cue("reported_in_quote", q.start, q.end, q.text[:80]))
        ev.plover_type = plover_convention(ev, self.onto)
        self.set_date(ev, tx)
        self.set_location(ev, t, anchor, m, recipients)
        if typ == "CONSULT" and mode in ("visit", None) and not recipients and ev.location_start is not None:
            mm = self.mention_covering(ev.location_start, ev.location_end)
            if mm is not None and str(mm.actor_id).startswith("cty:") and mm.actor_id not in ev.actor_ids:
                ev.recipients = [self.mk_role(ev.location_start, ev.location_end, "host-place", mm)]
        return ev

    def roles(self, m: _Match, is_noun: bool, sent: Any) -> tuple[list[Role], list[Role]]:
        t = m.tok
        typ = m.type
        rprep = m.rule.recipient_preps or self.lex.type_recipient_preps.get(typ, self.lex.recipient_preps)
        actors: list[Role] = []
        recips: list[Role] = []
        if is_noun:
            kids = list(t.children)
            own = self.noun_own_actor_heads(t, kids)
            noun_of = self.lex.type_noun_of.get(typ)
            for x, via in own:
                actors += self.roles_of([x], via, sent)
            for c in kids:
                if c.dep_ != "prep":
                    continue
                p = c.lower_
                if p in self.lex.actor_preps or p in self.lex.between_preps:
                    continue
                pobjs = [x for x in c.children if x.dep_ == "pobj" and not self.is_timex_tok(x)]
                if p == "of" and noun_of == "actor" and not actors:
                    actors += self.roles_of(pobjs, "prep:of", sent)
                    continue
                if p in rprep:
                    pobjs = [x for x in pobjs if not (p in self.lex.location_preps and self.is_place(x)
                                                      and typ != "CONSULT")]
                    pobjs = [x for x in pobjs if not self.is_event_noun(x)]
                    recips += self.roles_of(pobjs, "prep:" + p, sent)
            g = m.gov
            if actors and all(a.actor_id is None and a.text.lower() in _THIRD_PERSONAL | _THIRD_OTHER
                              for a in actors) and g is not None:
                actors = []  # "during *their* meeting": the framing clause's subject says more
            if g is not None and m.gov_rel.startswith("np:"):
                if not actors:
                    actors = self.roles_of([g], "np-frame", sent)
            elif g is not None:
                frame = m.gov_rel.startswith("pp:") and m.gov_rel[3:] in _FRAME_ACTOR_PREPS
                if m.light or frame:
                    gact, grec = self.verb_args(g, sent, rprep if m.light else frozenset())
                    if m.light and self.light_lemma(g) in self.lex.passive_light:
                        if not recips:
                            recips = gact
                    elif not actors:
                        actors = gact
                        for r in actors:
                            r.via = "gov-" + r.via
                    if m.light and not recips:
                        carrier = t if m.gov_rel == "obj" else self.carrier(t)
                        cs, ce = carrier.left_edge.idx, t.idx + len(t.text)
                        recips = [r for r in grec if not any(r.start == a.start for a in actors)
                                  and not (cs <= r.start < ce)]
                        if carrier is not t and not recips:  # "a message of congratulations to Lukashenko"
                            for c in carrier.children:
                                if c.dep_ == "prep" and c.lower_ in rprep and c.lower_ != "of":
                                    recips += self.roles_of([x for x in c.children if x.dep_ == "pobj"],
                                                            "prep:" + c.lower_, sent)
        else:
            actors, recips = self.verb_args(t, sent, rprep)
            if typ == "CONSULT" and m.mode in ("visit", None):
                # "visited China", "travelled to Beijing": the host is the place's state
                pass
        # the same span (or actor) cannot be both
        aids = {a.actor_id for a in actors if a.actor_id}
        recips = [r for r in recips if not any(r.start == a.start and r.end == a.end for a in actors)
                  and not (r.actor_id and r.actor_id in aids)]
        return actors, recips

    @staticmethod
    def carrier(t: Any) -> Any:
        """The object noun that carries an event noun: "a *message* of congratulations"."""
        x = t
        for _ in range(3):
            if x.dep_ == "pobj" and x.head.dep_ == "prep" and x.head.head.pos_ in ("NOUN", "PROPN"):
                x = x.head.head
            else:
                break
        return x

    def is_event_noun(self, x: Any) -> bool:
        return x.pos_ in ("NOUN",) and _lower_lemma(x) in self.lex.nouns and not self.is_actorish(x)

    def verb_args(self, v: Any, sent: Any, rprep: frozenset[str]) -> tuple[list[Role], list[Role]]:
        kids = list(v.children)
        subj = [c for c in kids if c.dep_ in _SUBJ]
        subjpass = [c for c in kids if c.dep_ == "nsubjpass"]
        passive = bool(subjpass) or any(c.dep_ == "auxpass" for c in kids)
        agent = [p for c in kids if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
        objs = [c for c in kids if c.dep_ in _OBJ and c.pos_ != "ADP"]
        dative = [p for c in kids if c.dep_ == "dative" and c.pos_ == "ADP" for p in c.children if p.dep_ == "pobj"]
        if not objs and not passive:  # "imprisoned or exiled all his opponents": the object hangs on the last verb
            for c in kids:
                if c.dep_ == "conj" and c.pos_ == "VERB":
                    objs = [o for o in c.children if o.dep_ in _OBJ]
                    if objs:
                        break
        actor_heads: list[Any] = agent if passive else subj
        via = "agent" if passive else "nsubj"
        recip_heads: list[Any] = subjpass if passive else objs
        rvia = "nsubjpass" if passive else "dobj"
        if v.dep_ == "acl" and v.tag_ == "VBN" and not subjpass:  # "the activists arrested by police"
            recip_heads = [v.head]
            rvia = "acl"
        if not actor_heads:
            actor_heads, via = self.inherited_subject(v)
        actors = self.roles_of(actor_heads, via, sent) if actor_heads else []
        recips = self.roles_of([h for h in recip_heads if not self.is_timex_tok(h) and not self.is_event_noun(h)],
                               rvia, sent)
        if dative:  # "sent a message to Lukashenko" parsed with "to" as dative
            recips += self.roles_of(dative, "dative", sent)
        for c in kids:
            if c.dep_ != "prep":
                continue
            p = c.lower_
            if p not in rprep:
                continue
            pobjs = [x for x in c.children if x.dep_ == "pobj" and not self.is_timex_tok(x)]
            if p in self.lex.location_preps:
                pobjs = [x for x in pobjs if not self.is_place(x)]
            pobjs = [x for x in pobjs if not self.is_event_noun(x)]
            recips += self.roles_of(pobjs, "prep:" + p, sent)
        return actors, recips

    def inherited_subject(self, v: Any) -> tuple[list[Any], str]:
        x = v
        for _ in range(4):
            dep = x.dep_
            h = x.head
            if h is x:
                break
            if dep == "conj" and h.pos_ == "ADP":  # "during his trip and meeting with Xi"
                ph = h.head
                if ph.pos_ in ("NOUN", "PROPN"):
                    return [ph], "np-frame"
                subj = [c for c in ph.children if c.dep_ in _SUBJ]
                if subj:
                    return subj, "pcomp-subj"
                break
            if dep == "conj" and h.pos_ in ("VERB", "AUX"):
                subj = [c for c in h.children if c.dep_ in _SUBJ]
                if subj:
                    return subj, "conj-subj"
                x = h
                continue
            if dep in ("xcomp", "ccomp") and h.pos_ in ("VERB", "AUX", "ADJ"):
                subj = [c for c in h.children if c.dep_ in _SUBJ]
                if subj:
                    return subj, "ctrl-subj"
                x = h
                continue
            if dep == "relcl":
                return [h], "relcl"
            if dep in ("acl",) and h.pos_ in ("NOUN", "PROPN"):
                return [h], "acl"
            if dep == "advcl":
                subj = [c for c in h.children if c.dep_ in _SUBJ]
                if subj:
                    return subj, "advcl-subj"
                x = h
                continue
            if dep == "pcomp" and h.dep_ == "prep":
                ph = h.head
                if ph.pos_ in ("VERB", "AUX"):
                    subj = [c for c in ph.children if c.dep_ in _SUBJ]
                    if subj:
                        return subj, "pcomp-subj"
                    x = ph
                    continue
                x = ph
                continue
            if dep in ("acomp", "prep", "advmod"):
                x = h
                continue
            break
        return [], ""

    def is_timex_tok(self, x: Any) -> bool:
        i = bisect.bisect_right(self.t_starts, x.idx) - 1
        return i >= 0 and self.timexes[i].start <= x.idx < self.timexes[i].end

    # ------------------------------------------------------------------ mode, context
    def mode_from_words(self, typ: str, t: Any, clause: Any, sent: Any) -> str | None:
        table = self.lex.mode_words.get(typ)
        if not table:
            return None
        words = {_lower_lemma(t), t.lower_}
        for x in (t, clause):
            for c in x.children:
                words.add(_lower_lemma(c))
                words.add(c.lower_)
                for cc in c.children:
                    words.add(_lower_lemma(cc))
                    words.add(cc.lower_)
        low = None
        for m, ws, phrases in table:
            if ws & words:
                return m
            if phrases:
                low = low or self.text[sent.start_char:sent.end_char].lower()
                if any(p in low for p in phrases):
                    return m
        return None

    def contexts(self, first: str | None, sent: Any) -> list[str]:
        found = self._ctx_cache.get(sent.start_char)
        if found is None:
            found = []
            if self.lex.context_re is not None:
                for mm in self.lex.context_re.finditer(self.text[sent.start_char:sent.end_char].lower()):
                    c = self.lex.context_of.get(mm.group(0))
                    if c and c not in found:
                        found.append(c)
            self._ctx_cache[sent.start_char] = found
        out = [first] if first else []
        return out + [c for c in found if c != first]

    # ------------------------------------------------------------------ flags
    def control_chain(self, v: Any) -> list[Any]:
        """Verbs/adjectives governing ``v`` through complement relations ("plans to *visit*")."""
        out = []
        x = v
        for _ in range(5):
            dep = x.dep_
            h = x.head
            if h is x:
                break
            if dep in ("xcomp", "pcomp", "acl", "prep", "advmod", "acomp") or (
                    dep == "ccomp" and _lower_lemma(h) in self.lex.control):
                out.append(h)
                x = h
                continue
            break
        return out

    def add_cue(self, cues: list[Cue], flag: str, tok: Any, end_tok: Any | None = None) -> None:
        if any(c.flag == flag for c in cues):
            return
        s = tok.idx
        e = (end_tok or tok).idx + len((end_tok or tok).text)
        if e < s:
            s, e = e - len((end_tok or tok).text), tok.idx + len(tok.text)
        cues.append(Cue(flag, s, e, self.text[s:e]))

    def flag_negation(self, t: Any, clause: Any, chain: list[Any], is_noun: bool, m: _Match, cues: list[Cue]) -> None:
        neg = self.lex.flags["negation_words"]
        cands = [t] + ([clause] if clause is not t else []) + chain
        for v in cands:
            for c in v.children:
                if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no" and v.pos_ in ("NOUN", "PROPN")):
                    self.add_cue(cues, "negated", c)
                    return
            if v is not t and self.lex.control.get(_lower_lemma(v)) == "negated":
                self.add_cue(cues, "negated", v)
                return
        # "without meeting", "no talks" as quantifier
        for v in [t, clause]:
            h = v.head
            if v.dep_ in ("pcomp", "pobj") and h.lower_ == "without":
                self.add_cue(cues, "negated", h)
                return
        if is_noun:
            for c in t.children:
                if c.lower_ in neg and c.dep_ in ("det", "neg", "advmod"):
                    self.add_cue(cues, "negated", c)
                    return

    def flag_modality(self, t: Any, clause: Any, chain: list[Any], is_noun: bool, cues: list[Cue]) -> None:
        fl = self.lex.flags
        for v in [clause, *chain]:
            for c in v.children:
                low = c.lower_
                if c.dep_ in ("aux", "auxpass") and c.tag_ == "MD":
                    if low in fl["future_aux"]:
                        self.add_cue(cues, "future", c)
                    elif low in ("would", "'d") and v.dep_ == "ccomp" and _lower_lemma(v.head) in _SPEECH \
                            and not any(x.dep_ == "mark" and x.lower_ in fl["hypothetical_marks"] for x in v.children):
                        self.add_cue(cues, "future", c)  # "said it would free 1,500 prisoners": future in the past
                    elif low in fl["hypothetical_modals"]:
                        self.add_cue(cues, "hypothetical", c)
                elif c.dep_ == "mark" and low in fl["hypothetical_marks"]:
                    self.add_cue(cues, "hypothetical", c)
            if v is not clause:
                kind = self.lex.control.get(_lower_lemma(v))
                if kind in ("future", "hypothetical"):
                    self.add_cue(cues, kind, v)
        # conditional clause around the event: "if X attacks ..."
        x = clause
        for _ in range(4):
            if x.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in fl["hypothetical_marks"] for c in x.children):
                mk = next(c for c in x.children if c.dep_ == "mark")
                self.add_cue(cues, "hypothetical", mk)
                break
            if x.head is x:
                break
            x = x.head
        if is_noun:
            for c in t.children:
                if c.dep_ in ("amod", "compound") and _lower_lemma(c) in fl["future_mods"]:
                    self.add_cue(cues, "future", c)

    def flag_tense(self, t: Any, clause: Any, chain: list[Any], is_noun: bool, tx: Any | None, cues: list[Cue],
                   sent: Any) -> None:
        fl = self.lex.flags
        for v in [clause, *chain]:
            if v.pos_ not in ("VERB", "AUX"):
                continue
            auxes = [c for c in v.children if c.dep_ in ("aux", "auxpass")]
            if v.dep_ == "conj" and not auxes:  # "has imprisoned or exiled": the aux hangs on the first verb
                auxes = [c for c in v.head.children if c.dep_ in ("aux", "auxpass")]
            have = next((a for a in auxes if _lower_lemma(a) == "have"), None)
            if have is not None and have.tag_ == "VBD":
                self.add_cue(cues, "historical", have, v)  # past perfect: "had supported"
                break
            if have is not None and have.tag_ in ("VBZ", "VBP") and not any(a.tag_ == "MD" for a in auxes):
                group = [v, *[c for c in v.children if c.dep_ == "conj" and c.pos_ == "VERB"]]
                if v.dep_ == "conj":
                    group.append(v.head)
                if any(self.background_cue(x, t, tx) is not None for x in group):
                    self.add_cue(cues, "historical", have, v)
                    break
            if v is clause:
                continue
        # adverbs / modifiers: "previously", "last visited", "previous visits"
        for x in [t, clause]:
            for c in x.children:
                lem = c.lower_
                if c.dep_ in ("advmod", "npadvmod") and lem in fl["historical_advs"] and lem not in ("then",) and not (
                        lem == "once" and any(g.dep_ == "mark" for g in c.children)):
                    if lem == "already" and not any(a.dep_ == "aux" and _lower_lemma(a) == "have" for a in x.children):
                        continue
                    self.add_cue(cues, "historical", c)
                elif c.dep_ in ("amod", "compound") and x.pos_ in ("NOUN", "PROPN") and lem in fl["historical_mods"]:
                    self.add_cue(cues, "historical", c)
        # "used to"
        for x in chain:
            if x.lower_ == "used" and _lower_lemma(x) == "use":
                self.add_cue(cues, "historical", x)
        # time expression
        if tx is not None:
            val = tx.value
            ref, _ = self.reference_date()
            b = _date_bounds(val)
            if val == "FUTURE_REF":
                self.add_cue_span(cues, "future", tx.start, tx.end)
            elif b is not None and ref is not None:
                if b[1] < ref - _dt.timedelta(days=31):
                    self.add_cue_span(cues, "historical", tx.start, tx.end)
                elif b[0] > ref + _dt.timedelta(days=1) and "historical" not in {c.flag for c in cues}:
                    self.add_cue_span(cues, "future", tx.start, tx.end)

    def add_cue_span(self, cues: list[Cue], flag: str, s: int, e: int) -> None:
        if not any(c.flag == flag for c in cues):
            cues.append(Cue(flag, s, e, self.text[s:e]))

    def background_cue(self, v: Any, t: Any, tx: Any | None) -> Any | None:
        """A cue that a present-perfect clause reports background, not news: a durative phrase
        ("since 1994", "during his rule", "over recent years"), a duration, a cumulative object
        ("all his opponents", "more than 1,200 prisoners") or an adverb ("repeatedly")."""
        fl = self.lex.flags
        if tx is not None and (tx.type == "DURATION" or tx.value in ("PAST_REF",)):
            return tx
        for c in v.children:
            if c.dep_ == "prep" and c.lower_ in fl["durative_preps"] and c.lower_ != "in":
                return c
            if c.dep_ in ("advmod",) and c.lower_ in fl["historical_advs"]:
                return c
            if c.dep_ in ("dobj", "nsubjpass"):
                for d in c.children:
                    if (d.dep_ in ("det", "predet", "amod", "nummod") and (d.lower_ in fl["cumulative_dets"]
                                                                           or d.like_num)):
                        return d
                    if d.dep_ == "quantmod" or (d.dep_ == "amod" and d.lower_ in ("more", "over")):
                        return d
        return None

    def reference_date(self) -> tuple[_dt.date | None, str]:
        """The publication date, else the latest calendar date the article mentions."""
        if self._ref is not None:
            return self._ref
        if self.pub is not None:
            self._ref = (self.pub, "publication")
            return self._ref
        latest = None
        for tx in self.timexes:
            if tx.type not in ("DATE", "TIME"):
                continue
            b = _date_bounds(tx.value)
            if b is not None and len(str(tx.value).split("-")[0]) == 4 and (latest is None or b[1] > latest):
                latest = b[1]
        self._ref = (latest, "latest_timex" if latest else "none")
        return self._ref

    # ------------------------------------------------------------------ date
    def tok_index(self, char: int) -> int:
        if self._tok_starts is None:
            from spacy.attrs import IDX

            self._tok_starts = self.doc.to_array(IDX).tolist() if len(self.doc) else []
        return max(0, bisect.bisect_right(self._tok_starts, char) - 1)

    def attached_timex(self, t: Any, clause: Any, sent: Any, matches: dict[int, _Match]) -> Any | None:
        i = bisect.bisect_left(self.t_starts, sent.start_char)
        best = None
        best_d = 1 << 30
        anchors = {t.i, clause.i}
        while i < len(self.timexes) and self.timexes[i].start < sent.end_char:
            tx = self.timexes[i]
            i += 1
            if tx.type not in ("DATE", "TIME", "DURATION") or tx.value is None:
                continue
            k = self.tok_index(tx.end - 1)
            th = self.doc[k]
            # climb to the head of the expression
            for _ in range(6):
                h = th.head
                if h is th or not (tx.start <= h.idx < tx.end):
                    break
                th = h
            x = th
            ok = False
            for _ in range(6):
                if x.i in anchors:
                    ok = True
                    break
                h = x.head
                if h is x:
                    break
                if h.i not in anchors and h.pos_ in ("VERB", "AUX") and h.i in matches and h.i != t.i:
                    break  # belongs to another event's clause
                if h.i not in anchors and h.dep_ in ("relcl", "ccomp", "advcl") and h.pos_ in ("VERB", "AUX"):
                    break
                x = h
            if not ok:
                continue
            d = abs(tx.start - t.idx)
            if tx.type == "DURATION":
                d += 10000  # a duration is only a background cue, never the date
            if d < best_d:
                best, best_d = tx, d
        return best

    def set_date(self, ev: EventMention, tx: Any | None) -> None:
        if tx is not None and tx.type != "DURATION":
            ev.date_start, ev.date_end, ev.date_text = tx.start, tx.end, self.text[tx.start:tx.end]
            ev.date_source = "sentence_timex"
            val = tx.value
            if val == "PRESENT_REF":
                ev.date = self.pub.isoformat() if self.pub else None
            elif val in _REF_VALUES:
                ev.date = None
            else:
                ev.date = val
            return
        if ev.historical:
            ev.date_source = "before_publication"
        elif ev.future:
            ev.date_source = "after_publication"
        elif self.pub is not None:
            ev.date, ev.date_source = self.pub.isoformat(), "publication"
        else:
            ev.date_source = "unknown"

    # ------------------------------------------------------------------ location
    def set_location(self, ev: EventMention, t: Any, clause: Any, m: _Match, recipients: list[Role]) -> None:
        lp = self.lex.location_preps
        heads = [t] + ([clause] if clause is not t else [])
        cands: list[Any] = []
        for h in heads:
            for c in h.children:
                if c.dep_ == "prep" and c.lower_ in lp:
                    cands += [p for p in c.children if p.dep_ == "pobj"]
        # "a meeting with Xi in Beijing": the place may hang on the recipient
        for h in heads:
            for c in h.children:
                if c.dep_ == "prep" and c.lower_ in ("with", "to"):
                    for p in c.children:
                        if p.dep_ == "pobj":
                            cands += [pp for cc in p.children if cc.dep_ == "prep" and cc.lower_ in lp
                                      for pp in cc.children if pp.dep_ == "pobj"]
        if ev.type == "CONSULT" and ev.mode in ("visit", None):
            for h in heads:
                for c in h.children:
                    if c.dep_ == "dobj":
                        cands.append(c)
                    if c.dep_ == "prep" and c.lower_ == "to":
                        cands += [p for p in c.children if p.dep_ == "pobj"]
        for p in cands:
            if self.is_place(p) or (p.ent_type_ in self.lex.location_labels):
                s = p.left_edge.idx if p.left_edge.ent_type_ == p.ent_type_ and p.left_edge.i >= p.i - 3 else p.idx
                e = p.idx + len(p.text)
                while s < e and self.text[s:s + 4].lower() == "the ":
                    s += 4
                ev.location, ev.location_start, ev.location_end = self.text[s:e], s, e
                mm = self.mention_covering(p.idx, p.idx + len(p.text))
                if mm is not None:
                    aid = str(mm.actor_id)
                    ev.location_country = getattr(mm, "country", None) or (aid[4:] if aid.startswith("cty:") else None)
                return
