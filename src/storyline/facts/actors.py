"""Actors: a canonical registry of people, states and organisations, and per-article mention resolution.

Registry
--------
:meth:`Registry.bundled` builds the shipped registry:

* every ISO 3166 country from :mod:`pycountry` (id ``cty:<alpha-3>``, names and official names as
  aliases), completed from ``data/countries.csv`` with capitals, demonyms (adjective and plural
  forms) and metonyms for the government or its branches (``the Kremlin`` → RUS/GOV,
  ``the Pentagon`` → USA/MIL, ``Downing Street`` → GBR/GOV) for all UN members plus Kosovo,
  Palestine, Taiwan and the Holy See;
* intergovernmental organisations, media outlets and a few NGOs, parties and armed groups from
  ``data/organisations.csv`` (ids ``igo:un``, ``med:cctv``, ``ngo:hrw``, ...);
* heads of state and government with their terms, and some ministers, opposition leaders and
  IGO chiefs from ``data/people.csv`` (ids ``per:<slug of the name>``), with transliteration
  variants as aliases and surname-only forms.

Id policy: one id per real-world actor. A state and its government share the state's id
(``cty:BLR``); the role in which it is mentioned is carried by the *mention* (``sector="GOV"`` for
"Minsk" used as an agent, "the Kremlin", "the Belarusian authorities"). People get ``per:``, IGOs
``igo:``, media ``med:``, NGOs ``ngo:``, parties ``pty:``, armed groups ``reb:``; actors first met in
an article get ``per:``/``org:`` + a slug of their longest full name in that article.

Resolution
----------
:func:`resolve_mentions` uses the spaCy parse of one article (NER, dependencies, sentences) and one
:class:`spacy.matcher.PhraseMatcher` built once per registry and vocabulary. See
``docs/actors.md`` for the rules.
"""

from __future__ import annotations

import bisect
import copy
import csv
import datetime as _dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "Actor", "Mention", "MentionLookup", "Registry", "resolve_mentions", "mention_at", "doc_text",
    "SECTORS", "slugify",
]

SECTORS: dict[str, str] = {
    "GOV": "government: heads of state and government, ministers, officials, diplomats, the state acting",
    "LEG": "legislature: parliament, lawmakers",
    "MIL": "military: army, armed and security forces, defence ministry",
    "COP": "police",
    "SPY": "intelligence and state security services",
    "JUD": "judiciary: courts, judges, prosecutors",
    "OPP": "political opposition, dissidents, exiled opposition",
    "REB": "rebels, insurgents, armed non-state groups",
    "MED": "media: outlets, state media, journalists",
    "BUS": "business",
    "CVL": "civil society and civilians: NGOs, rights groups, activists, experts, citizens",
    "REL": "religious figures and bodies",
    "IGO": "intergovernmental organisations and their officials",
}


# --------------------------------------------------------------------------------------------- model
@dataclass(slots=True)
class Actor:
    id: str
    name: str
    type: str  # PER | COUNTRY | GOV | IGO | PARTY | MEDIA | ORG | NGO | REB | MIL | CITY ...
    country: str | None = None  # ISO 3166 alpha-3
    sector: str | None = None  # GOV OPP MIL JUD MED IGO BUS CVL REB ... (see SECTORS)
    aliases: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)  # offices, gender, born, capitals, demonyms, metonyms...


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    text: str
    actor_id: str
    kind: str  # name | title | description | demonym | metonym | place | pronoun
    country: str | None = None
    sector: str | None = None


# --------------------------------------------------------------------------------------------- text utils
_THE = re.compile(r"^(?:the)\s+", re.I)
_WS = re.compile(r"\s+")


def _fold(s: str) -> str:
    """Strip diacritics (Lukashenka → Lukashenka, Orbán → Orban, Élysée → Elysee)."""
    if s.isascii():
        return s
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def _norm(s: str) -> str:
    """Lookup key of an alias: folded, casefolded, straight apostrophes, no leading 'the'."""
    s = _WS.sub(" ", _fold(s.replace("’", "'").replace("‘", "'")).strip()).casefold()
    return _THE.sub("", s)


def slugify(s: str) -> str:
    s = _fold(s.replace("’", "'")).lower()
    s = re.sub(r"['.]", "", s)
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if s.startswith("the-"):
        s = s[4:]
    return s or "x"


def _strip_the(s: str) -> str:
    return _THE.sub("", s.strip())


# --------------------------------------------------------------------------------------------- dates
def _parse_bound(s: str | None, end: bool) -> _dt.date | None:
    """'1994' / '1994-07' / '1994-07-20' → a date; start bounds inclusive, end bounds exclusive."""
    if not s:
        return None
    s = s.strip()
    try:
        parts = [int(p) for p in s.split("-")]
    except ValueError:
        return None
    if len(parts) == 3:
        return _dt.date(*parts)
    if len(parts) == 2:
        y, m = parts
        if not end:
            return _dt.date(y, m, 1)
        return _dt.date(y + (m == 12), m % 12 + 1, 1)
    if len(parts) == 1:
        return _dt.date(parts[0] + (1 if end else 0), 1, 1)
    return None


@dataclass(slots=True)
class _Office:
    title: str
    cls: str  # head | hog | vp | minister | opp | igo | other
    start: _dt.date | None
    end: _dt.date | None  # exclusive
    where: str | None  # country iso3 or igo id

    def valid(self, d: _dt.date | None) -> bool:
        if d is None:
            return self.end is None
        return (self.start is None or self.start <= d) and (self.end is None or d < self.end)

    def ended_before(self, d: _dt.date | None) -> bool:
        return self.end is not None and (d is None or self.end <= d)


# --------------------------------------------------------------------------------------------- bundled data
def _data_text(name: str) -> str:
    return resources.files("storyline.facts").joinpath("data", name).read_text(encoding="utf-8")


def _split(s: str | None, sep: str = "|") -> list[str]:
    return [p.strip() for p in (s or "").split(sep) if p.strip()]


def _plural(demonym: str) -> str | None:
    d = demonym
    if d.endswith(("ese", "sh", "ch", "ss", "x", "z", "ic", "y", "o", "a", "ois", "ais")) or " " in d or "-" in d:
        return None
    if d in {"Swiss", "Lao", "Malagasy", "Hellenic", "Philippine"}:
        return None
    return d + "s"


def _csv_rows(text: str) -> list[dict[str, str]]:
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        first = next(iter(r.values()), "") or ""
        if (r.get("id") or "").startswith("#") or first.startswith("#"):
            continue
        rows.append({k: (v or "").strip() for k, v in r.items() if k})
    return rows


def _kv_attrs(s: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in _split(s):
        k, _, v = part.partition("=")
        out[k.strip()] = int(v) if v.strip().isdigit() else v.strip()
    return out


def _metonyms(s: str, default: str) -> dict[str, str]:
    out = {}
    for part in _split(s):
        alias, _, sector = part.partition(":")
        out[alias.strip()] = (sector.strip() or default).upper()
    return out


@lru_cache(maxsize=1)
def _bundled_actors() -> tuple[Actor, ...]:
    import pycountry

    actors: list[Actor] = []
    extra = {r["iso3"]: r for r in _csv_rows(_data_text("countries.csv"))}
    seen: set[str] = set()

    def clean(n: str | None) -> str | None:
        if not n or "," in n:
            return None
        n = re.sub(r"\s*\([^)]*\)", "", n).strip()
        return _strip_the(n) or None

    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        iso = c.alpha_3
        row = extra.get(iso, {})
        names = [clean(getattr(c, "common_name", None)), clean(c.name), clean(getattr(c, "official_name", None))]
        actors.append(_country_actor(iso, row, [n for n in names if n], getattr(c, "alpha_2", None)))
        seen.add(iso)
    for iso, row in extra.items():  # entities pycountry lacks (Kosovo: user-assigned XKX)
        if iso not in seen:
            actors.append(_country_actor(iso, row, [], None))

    for r in _csv_rows(_data_text("organisations.csv")):
        attrs = _kv_attrs(r.get("attrs", ""))
        met = _metonyms(r.get("metonyms", ""), r.get("sector") or "GOV")
        if met:
            attrs["metonyms"] = met
        actors.append(Actor(r["id"], r["name"], r.get("type") or "ORG", r.get("country") or None,
                            r.get("sector") or None, _split(r.get("aliases")), attrs))

    for r in _csv_rows(_data_text("people.csv")):
        if not r.get("name"):
            continue
        offices = []
        for o in _split(r.get("offices"), ";"):
            parts = (o.split("/") + ["", "", "", "", ""])[:5]
            title, cls, start, end, where = (p.strip() for p in parts)
            offices.append({"title": title, "class": cls or "other", "start": start or None,
                            "end": end or None, "where": where or r.get("country") or None})
        short = _split(r.get("short"))
        attrs: dict[str, Any] = {"offices": offices}
        if short == ["-"]:
            attrs["short"] = []
        elif short:
            attrs["short"] = short
        if r.get("gender"):
            attrs["gender"] = r["gender"]
        if r.get("born"):
            attrs["born"] = int(r["born"])
        pid = r.get("id") or "per:" + slugify(r["name"])
        actors.append(Actor(pid, r["name"], "PER", r.get("country") or None, r.get("sector") or None,
                            _split(r.get("aliases")), attrs))
    return tuple(actors)


def _country_actor(iso: str, row: dict[str, str], names: list[str], alpha2: str | None) -> Actor:
    name = row.get("name") or (names[0] if names else iso)
    aliases: list[str] = []
    keys = {_norm(name)}
    for a in names + _split(row.get("aliases")):
        if _norm(a) not in keys:
            keys.add(_norm(a))
            aliases.append(a)
    # a leading '!' keeps a form as data without matching it ("!Victoria": a common first name;
    # "!Dominican": Dominican Republic's)
    all_dem = _split(row.get("demonyms"))
    demonyms = [d for d in all_dem if not d.startswith("!")]
    for d in list(demonyms):
        p = _plural(d)
        if p:
            demonyms.append(p)
    attrs: dict[str, Any] = {}
    if alpha2:
        attrs["alpha2"] = alpha2
    all_caps = _split(row.get("capitals"))
    if all_caps:
        attrs["capital"] = all_caps[0].lstrip("!")
    if all_dem:
        attrs["demonym"] = all_dem[0].lstrip("!")
    caps = [c for c in all_caps if not c.startswith("!") and _norm(c) not in keys]
    if caps:
        attrs["capitals"] = caps
    if demonyms:
        attrs["demonyms"] = demonyms
    met = _metonyms(row.get("metonyms", ""), "GOV")
    if met:
        attrs["metonyms"] = met
    return Actor(f"cty:{iso}", name, "COUNTRY", iso, None, aliases, attrs)


# --------------------------------------------------------------------------------------------- registry
_KIND_RANK = {"name": 0, "metonym": 1, "short": 2, "capital": 3, "demonym": 4, "group": 5}


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


def _variants(alias: str) -> set[str]:
    base = _strip_the(alias)
    if not base:
        return set()
    out = {base, _fold(base)}
    for v in list(out):
        if "'" in v:
            out.add(v.replace("'", "’"))
        if "’" in v:
            out.add(v.replace("’", "'"))
    for v in list(out):
        if v[:1].islower():
            out.add(v[:1].upper() + v[1:])
    return out


class Registry:
    """The canonical actors and their aliases. Mutations (add/merge/split/load_file) rebuild the
    alias index and the matcher lazily, on the next lookup or resolution."""

    def __init__(self, actors: Iterable[Actor] = ()):
        self._actors: dict[str, Actor] = {}
        self._redirects: dict[str, str] = {}
        self._version = 0
        self._built = -1
        self._index: dict[str, list[tuple[str, str, str | None]]] = {}
        self._patterns: dict[str, set[str]] = {}
        self._offices: dict[str, list[_Office]] = {}
        self._matchers: dict[int, tuple[int, Any, Any, dict[int, str]]] = {}
        for a in actors:
            self.add(a)

    # ---------------------------------------------------------------- construction
    @classmethod
    def bundled(cls) -> "Registry":
        """A fresh registry with the shipped data (callers may mutate it freely)."""
        return cls(copy.deepcopy(a) for a in _bundled_actors())

    def load_file(self, path: str | Path) -> list[Actor]:
        """Add the actors of a user file (CSV with ``id,name,type,country,sector,aliases``,
        ``|``-separated aliases; or YAML/TOML: a list of such tables, top-level or under ``actors``).
        Returns the actors added. Raises ``storyline.errors.UsageError`` for malformed files."""
        from .edits import actor_from_dict, read_actor_file

        added = []
        for d in read_actor_file(path):
            a = actor_from_dict(d, Actor)
            self.add(a)
            added.append(self._actors[a.id])
        return added

    # ---------------------------------------------------------------- access
    def __len__(self) -> int:
        return len(self._actors)

    def __iter__(self) -> Iterator[Actor]:
        return iter(list(self._actors.values()))

    def __contains__(self, actor_id: object) -> bool:
        return isinstance(actor_id, str) and self.get(actor_id) is not None

    def get(self, actor_id: str) -> Actor | None:
        seen = set()
        while actor_id in self._redirects and actor_id not in seen:
            seen.add(actor_id)
            actor_id = self._redirects[actor_id]
        return self._actors.get(actor_id)

    def lookup(self, alias: str) -> Actor | None:
        """The actor an alias denotes, or None when unknown or ambiguous ("Congo", "Li")."""
        entries = self.candidates(alias)
        if not entries:
            return None
        best = min(_KIND_RANK.get(k, 9) for _, k, _ in entries)
        ids = sorted({aid for aid, k, _ in entries if _KIND_RANK.get(k, 9) == best})
        return self._actors.get(ids[0]) if len(ids) == 1 else None

    def candidates(self, alias: str) -> list[tuple[str, str, str | None]]:
        """All (actor_id, alias kind, sector) entries for an alias. Case is ignored except that an
        acronym only known in capitals ("WHO", "US") is not matched by a lower-case query ("who")."""
        self._ensure()
        key = _norm(alias)
        entries = self._index.get(key)
        if not entries:
            return []
        q = _strip_the(alias)
        if not q.isupper() and all(v.isupper() for v in self._patterns.get(key, ())):
            return []
        return list(entries)

    def aliases_of(self, actor_id: str) -> list[str]:
        """Every string the actor is matched by: name, aliases, surname forms, capitals, demonyms,
        metonyms."""
        a = self.get(actor_id)
        if a is None:
            return []
        return [t for t, _, _ in _alias_entries(a)]

    def offices(self, actor_id: str) -> list[_Office]:
        self._ensure()
        return self._offices.get(actor_id, [])

    def office_holders(self, country: str | None, on: _dt.date | None, classes: Iterable[str] = ("head",),
                       where: str | None = None) -> list[Actor]:
        """People holding an office of ``classes`` in ``country`` (or IGO ``where``) on date ``on``
        (None: in office at the time of the data)."""
        self._ensure()
        cls = set(classes)
        out = []
        target = where or country
        for aid, offs in self._offices.items():
            if any(o.cls in cls and o.where == target and o.valid(on) for o in offs):
                out.append(self._actors[aid])
        return out

    # ---------------------------------------------------------------- mutation
    def add(self, actor: Actor) -> Actor:
        """Insert ``actor``; an existing id is updated (aliases united, non-empty fields replaced)."""
        old = self._actors.get(actor.id)
        self._redirects.pop(actor.id, None)
        if old is None:
            self._actors[actor.id] = actor
        else:
            old.name = actor.name or old.name
            old.type = actor.type or old.type
            old.country = actor.country or old.country
            old.sector = actor.sector or old.sector
            keys = {_norm(x) for x in [old.name, *old.aliases]}
            for a in actor.aliases:
                if _norm(a) not in keys:
                    keys.add(_norm(a))
                    old.aliases.append(a)
            old.attrs.update(actor.attrs)
        self._version += 1
        return self._actors[actor.id]

    def remove(self, actor_id: str) -> Actor | None:
        a = self._actors.pop(actor_id, None)
        self._version += 1
        return a

    def merge(self, src_id: str, dst_id: str) -> Actor:
        """Fold ``src`` into ``dst``: its name and aliases become ``dst``'s aliases; ``get(src)``
        answers ``dst`` afterwards."""
        src, dst = self._actors.get(src_id), self._actors.get(dst_id)
        if src is None or dst is None:
            raise KeyError(src_id if src is None else dst_id)
        if src_id == dst_id:
            return dst
        keys = {_norm(x) for x in [dst.name, *dst.aliases]}
        for a in [src.name, *src.aliases, *src.attrs.get("short", [])]:
            if _norm(a) not in keys:
                keys.add(_norm(a))
                dst.aliases.append(a)
        if src.attrs.get("offices"):
            dst.attrs.setdefault("offices", []).extend(src.attrs["offices"])
        for k, v in src.attrs.items():
            dst.attrs.setdefault(k, v)
        dst.country = dst.country or src.country
        dst.sector = dst.sector or src.sector
        del self._actors[src_id]
        self._redirects[src_id] = dst_id
        for k, v in list(self._redirects.items()):
            if v == src_id:
                self._redirects[k] = dst_id
        self._version += 1
        return dst

    def split(self, actor_id: str, aliases: Iterable[str], new_id: str, new_name: str | None = None) -> Actor:
        """Move ``aliases`` of ``actor_id`` to a new actor ``new_id`` (same type/country/sector)."""
        src = self._actors.get(actor_id)
        if src is None:
            raise KeyError(actor_id)
        moved = {_norm(a) for a in aliases}
        keep = [a for a in src.aliases if _norm(a) not in moved]
        taken = [a for a in src.aliases if _norm(a) in moved]
        for a in aliases:
            if _norm(a) not in {_norm(t) for t in taken} and _norm(a) != _norm(new_name or ""):
                taken.append(a)
        src.aliases = keep
        if "short" in src.attrs:
            src.attrs["short"] = [s for s in src.attrs["short"] if _norm(s) not in moved]
        name = new_name or (taken[0] if taken else new_id)
        if _norm(src.name) in moved and new_name is None:
            name = src.name
        new = Actor(new_id, name, src.type, src.country, src.sector,
                    [a for a in taken if _norm(a) != _norm(name)], {})
        if src.type == "PER":
            new.attrs["short"] = []  # surname forms stay with the original unless given explicitly
        self._redirects.pop(new_id, None)
        self._actors[new_id] = new
        self._version += 1
        return new

    # ---------------------------------------------------------------- index
    def _ensure(self) -> None:
        if self._built == self._version:
            return
        index: dict[str, list[tuple[str, str, str | None]]] = {}
        patterns: dict[str, set[str]] = {}
        offices: dict[str, list[_Office]] = {}
        for a in self._actors.values():
            for text, kind, sector in _alias_entries(a):
                key = _norm(text)
                if not key:
                    continue
                lst = index.setdefault(key, [])
                e = (a.id, kind, sector)
                if e not in lst:
                    lst.append(e)
                patterns.setdefault(key, set()).update(_variants(text))
            offs = []
            for o in a.attrs.get("offices") or ():
                try:
                    offs.append(_Office(o.get("title") or "", o.get("class") or "other",
                                        _parse_bound(o.get("start"), False), _parse_bound(o.get("end"), True),
                                        o.get("where") or a.country))
                except (TypeError, ValueError, AttributeError):
                    continue
            if offs:
                offices[a.id] = offs
        self._index, self._patterns, self._offices = index, patterns, offices
        self._built = self._version

    def _matcher(self, vocab: Any) -> tuple[Any, dict[int, str]]:
        """PhraseMatcher over every alias variant (ORTH), built once per registry version and vocab."""
        self._ensure()
        hit = self._matchers.get(id(vocab))
        if hit is not None and hit[0] == self._version and hit[1] is vocab:
            return hit[2], hit[3]
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        tok = _tokenizer()
        pm = PhraseMatcher(vocab, attr="ORTH")
        by_hash: dict[int, str] = {}
        for key in sorted(self._patterns):
            docs = []
            for v in sorted(self._patterns[key]):
                words = [t.text for t in tok(v)]
                if words:
                    docs.append(Doc(vocab, words=words))
            if docs:
                pm.add(key, docs)
                by_hash[vocab.strings.add(key)] = key
        self._matchers[id(vocab)] = (self._version, vocab, pm, by_hash)
        return pm, by_hash


def _alias_entries(a: Actor) -> list[tuple[str, str, str | None]]:
    out: list[tuple[str, str, str | None]] = []
    generic = bool(a.attrs.get("generic"))
    for n in [a.name, *a.aliases]:
        if n:
            out.append((n, "group" if generic else "name", a.sector))
    if a.type == "PER":
        short = a.attrs.get("short")
        if short is None:  # default surname form: last word of a multi-word name
            words = _strip_the(a.name).split()
            short = [words[-1]] if len(words) >= 2 and len(words[-1]) > 2 else []
        out += [(s, "short", a.sector) for s in short]
    for c in a.attrs.get("capitals") or ():
        out.append((c, "capital", "GOV"))
    for d in a.attrs.get("demonyms") or ():
        out.append((d, "demonym", None))
    for m, sector in (a.attrs.get("metonyms") or {}).items():
        out.append((m, "metonym", sector))
    return out


# --------------------------------------------------------------------------------------------- lexicons
# role phrase → (class, sector). class: head | leader | hog | vp | minister | other | opp | mil | ...
_ROLES: dict[str, tuple[str, str | None]] = {}


def _roles(cls: str, sector: str | None, words: str) -> None:
    for w in words.split(","):
        _ROLES[w.strip()] = (cls, sector)


_roles("head", "GOV", "president,head of state,king,queen,monarch,emperor,emir,sultan,supreme leader,"
                      "general secretary,grand duke,pope,pontiff,ayatollah")
_roles("leader", "GOV", "chief,leader,ruler,autocrat,dictator,strongman,despot,tyrant,authoritarian leader,"
                        "authoritarian ruler,national leader,paramount leader")
_roles("hog", "GOV", "prime minister,premier,chancellor,pm,taoiseach,head of government")
_roles("vp", "GOV", "vice president,vice-president")
_roles("minister", "GOV", "foreign minister,defence minister,defense minister,finance minister,interior minister,"
                          "economy minister,justice minister,health minister,trade minister,energy minister,"
                          "minister,foreign secretary,secretary of state,home secretary,defence secretary,"
                          "defense secretary,deputy prime minister,deputy foreign minister")
_roles("other", "GOV", "spokesman,spokeswoman,spokesperson,press secretary,ambassador,envoy,diplomat,official,"
                       "governor,mayor,aide,adviser,advisor,chief of staff,crown prince,prince,princess,"
                       "first lady,speaker,negotiator,commissioner")
_roles("leg", "LEG", "lawmaker,senator,mp,congressman,congresswoman,legislator,deputy,parliamentarian")
_roles("opp", "OPP", "opposition leader,opposition figure,opposition politician,opposition activist,"
                     "opposition candidate,opposition leader-in-exile,dissident")
_roles("igo", "IGO", "secretary-general,secretary general,director-general,director general,high commissioner,"
                     "high representative,managing director")
_roles("mil", "MIL", "general,commander,colonel,admiral,marshal,army chief,defence chief,soldier,"
                     "lieutenant general,major general,military chief")
_roles("cop", "COP", "police chief,police officer,policeman")
_roles("jud", "JUD", "judge,prosecutor,prosecutor general,chief justice,attorney general")
_roles("med", "MED", "journalist,reporter,correspondent,editor,columnist,blogger,anchor,commentator,photographer")
_roles("bus", "BUS", "businessman,businesswoman,tycoon,oligarch,ceo,chief executive,billionaire,entrepreneur,"
                     "banker,investor")
_roles("cvl", "CVL", "activist,campaigner,rights activist,human rights activist,human rights defender,lawyer,"
                     "analyst,expert,scholar,professor,researcher,writer,author,student,protester")
_roles("rel", "REL", "cleric,imam,priest,bishop,archbishop,patriarch,rabbi,metropolitan")
_roles("reb", "REB", "rebel leader,rebel,militant,warlord,insurgent,militia leader")

_PRIMARY = ("head", "leader", "hog", "vp", "minister", "opp", "igo")
_MAX_ROLE_WORDS = max(len(k.split()) for k in _ROLES)
# office titles (→ mention kind "title"); the rest are descriptions ("the autocrat")
_DESC_ROLES = sorted([r for r, (c, _) in _ROLES.items()
                      if c in ("head", "leader", "hog", "vp", "minister", "igo", "opp")
                      or r in ("spokesman", "spokeswoman", "spokesperson", "crown prince", "press secretary")]
                     + ["head of state", "head of government"], key=len, reverse=True)
_TITLE_WORDS = {r for r, (c, _) in _ROLES.items() if c not in ("leader", "opp") and r != "dissident"}
_FORMER = {"former", "ex", "late", "then", "ousted", "deposed", "toppled", "outgoing", "exiled-former"}
_OPP_MODS = {"opposition", "exiled", "dissident", "jailed", "imprisoned"}
_TITLE_PREFIXES = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "madam", "madame", "lady", "lord", "sheikh",
                   "president", "prime", "minister", "king", "queen", "pope", "general", "gen", "chancellor",
                   "premier", "ayatollah", "emir", "prince", "senator", "sen", "rep", "judge", "justice",
                   "lt", "lt.", "gen.", "col", "col.", "maj", "maj.", "capt", "capt.", "sgt", "adm", "brig", "cmdr",
                   "gov", "gov.", "sec", "secretary", "foreign", "defence", "defense", "interior", "deputy", "vice",
                   "federal", "acting", "interim", "chief", "ambassador", "governor", "chairman", "spokesman",
                   "mayor", "commander", "field", "marshal", "colonel", "lieutenant", "sergeant", "captain",
                   "admiral", "brigadier", "major", "sultan", "shah", "imam", "rabbi", "reverend", "rev", "father",
                   "bishop", "archbishop", "cardinal", "mullah", "maulana", "opposition", "leader", "former",
                   "ex", "late", "exiled", "jailed", "dissident", "activist", "journalist"}
_TITLE_PREFIXES |= {w for r in _ROLES for w in r.replace("-", " ").split()}
# words that make a "person" from the NER an organisation
_ORG_WORDS = frozenset("front party movement union council organization organisation army forces group committee "
                       "association agency ministry bank university court league alliance congress federation "
                       "institute foundation company corporation coalition tigers brigade brigades battalion "
                       "militia government administration authority commission assembly parliament fund network "
                       "centre center service services office trust society".split())

# words after a state reference that make it an institution: "Belarusian authorities" → GOV
_INSTITUTIONS: dict[str, str] = {}


def _inst(sector: str, words: str) -> None:
    for w in words.split(","):
        _INSTITUTIONS[w.strip()] = sector


_inst("GOV", "government,governments,authorities,administration,presidency,regime,leadership,officials,official,"
             "cabinet,ministry,ministries,foreign ministry,ministry of foreign affairs,foreign office,embassy,"
             "embassies,diplomats,diplomat,diplomacy,state,side,delegation,envoy,envoys,president's office,"
             "presidential administration,presidential office,interior ministry,economy ministry,finance ministry,"
             "trade ministry,health ministry,foreign affairs ministry,central bank,state department,"
             "government officials,security council,spokesman,spokeswoman,spokesperson,customs,"
             "presidential press service,press service,foreign ministry spokesperson,foreign ministry spokesman,"
             "ministry of defence,ministry of defense,mfa,leaders,regime's")
_inst("LEG", "parliament,lawmakers,legislators,legislature,mps,senators,congress,duma,national assembly,senate")
_inst("MIL", "army,armies,military,militaries,troops,forces,armed forces,security forces,soldiers,navy,air force,"
             "defence ministry,defense ministry,military forces,border guards,generals,special forces,"
             "air defences,air defenses,defence forces,defense forces,general staff,military officials,"
             "warplanes,jets,drones,missiles,tanks")
_inst("COP", "police,riot police,law enforcement,interior troops,investigative committee")
_inst("SPY", "intelligence,intelligence services,security services,security service,kgb,spy agency,"
             "secret service,secret police,intelligence agency")
_inst("JUD", "court,courts,judges,judiciary,prosecutors,prosecutor's office,prosecutor general's office,"
             "supreme court,constitutional court,prosecutor-general's office,justice system")
_inst("MED", "state media,media,state television,state tv,television,state broadcaster,broadcaster,"
             "news agency,state news agency,press,journalists,newspaper,newspapers,outlets,media outlets,"
             "state-run media,state-controlled media,state-run television,state-run news agency,"
             "state-run tv,state-owned media,propaganda,bloggers,reporters")
_inst("BUS", "companies,firms,businesses,business,industry,banks,exporters,investors,manufacturers,company,firm,"
             "state-owned companies,oil companies,businessmen,oligarchs,state companies,corporations")
_inst("CVL", "people,citizens,civilians,population,public,society,civil society,voters,protesters,demonstrators,"
             "activists,students,workers,nationals,rights groups,human rights groups,ngos,human rights activists,"
             "rights activists,residents,refugees,migrants,emigres,émigrés,diaspora")
_inst("OPP", "opposition,dissidents,opposition leaders,opposition figures,democratic forces,exiles,"
             "opposition activists,opposition politicians,exiled opposition,democratic opposition")
_inst("REB", "rebels,insurgents,militants,separatists,militias")
for _r, (_c, _sec) in list(_ROLES.items()):  # "Argentine judge", "Russian negotiators", "Afghan rebel leaders"
    if _sec and _c not in ("head", "leader", "hog", "igo"):
        _INSTITUTIONS.setdefault(_r, _sec)
        _INSTITUTIONS.setdefault(_r[:-1] + "ies" if _r.endswith("y") else _r + ("es" if _r.endswith("s") else "s"), _sec)
_inst("GOV", "negotiators,negotiator,leaders,politicians,ministers")
_inst("MIL", "warships,peacekeepers,peacekeeping troops,officers,paratroopers,servicemen,mercenaries,fighter jets")
_inst("REB", "extremists,guerrillas,guerrilla,fighters,gunmen,rebel leaders,rebel group,rebel groups,insurgent groups")
_inst("CVL", "doctors,aid workers,aid groups,farmers,civil servants,teachers,pensioners,businesspeople")
_LEADER_INSTITUTIONS = frozenset(("administration", "government", "regime", "cabinet", "presidency", "leadership"))
_INST_RE = re.compile(
    r"(?:['’]s?)?[ \t]++(?P<p>(?i:" + "|".join(
        re.escape(p).replace(r"\ ", r"[ \t]+").replace("'", "['’]")
        for p in sorted(_INSTITUTIONS, key=len, reverse=True)) + r"))(?![\w-])")

_REPORT_VERBS = frozenset(
    "say tell add continue state note stress insist claim argue explain warn announce declare write tweet post "
    "reply respond answer ask acknowledge admit assert comment concede conclude confirm deny describe emphasise "
    "emphasize point recall remark report reiterate suggest urge vow pledge promise predict quip joke complain "
    "charge accuse allege observe mention reveal disclose boast caution contend maintain agree recount underline "
    "underscore highlight believe think hope demand quote testify thank praise criticise criticize speak address "
    "shout cry whisper mutter recommend propose order instruct summarise summarize hail congratulate reassure "
    "assure inform brief stress argue lament insist estimate forecast calculate counter retort rebut object "
    "protest complain plead beg appeal call signal indicate imply hint muse wonder question affirm reaffirm "
    "proclaim decry condemn denounce slam blast dismiss reject welcome".split())
_LOCATIVE_PREPS = frozenset("in at near inside outside around across throughout within into to via through "
                            "towards toward outside over above below beneath onto upon".split())
_MOVE_VERBS = frozenset("visit travel arrive reach leave enter return fly tour go come head move flee land".split())
_SUBJ = frozenset(("nsubj", "nsubjpass"))
_FEMALE_NAMES = frozenset(
    "maria mary anna ana elena helena olga svetlana sviatlana tatiana tatyana natalia natalya yulia julia irina "
    "ekaterina yekaterina marina galina ludmila lyudmila valentina victoria viktoria kamala hillary ursula angela "
    "theresa liz elizabeth margaret giorgia kaja maia sanna mette jacinda claudia cristina christine kristalina "
    "nancy sarah sara jane emma laura lisa susan karen linda patricia barbara jennifer michelle melania nikki "
    "ilhan alexandria annalena roberta ngozi salome sanae yvette catherine halla kristrun evika ingrida inga "
    "zuzana katalin natasa vjosa gordana myriam katerina ana beata agnieszka joanna magdalena daria darya "
    "alena alina veronika veronica oksana iryna yuliia anastasia nadezhda lyudmyla hanna ksenia xenia "
    "yevgenia evgenia polina sofia sophia maryia mariya marie sophie nathalie isabelle segolene marine "
    "paetongtarn yingluck aung tsai droupadi sheikh-hasina".split())
_FEMALE_SURNAME = re.compile(r"(?:ova|eva|ina|aya|skaya|tskaya|kaya|ska|cka|ová|ná|ienė|ytė|aitė|dóttir|dottir)$",
                             re.I)
_FEMALE_WORDS = frozenset("mrs ms miss madam madame queen dame lady princess spokeswoman businesswoman "
                          "congresswoman chairwoman she her first-lady actress".split())
_MALE_WORDS = frozenset("mr sir king prince lord spokesman businessman congressman chairman he his".split())

_PRON_RE = re.compile(r"(?<![\w’'-])(?:[Hh]e|[Ss]he)(?![\w’'-])|(?<=according to )(?:him|her)(?![\w-])", re.I)
_LETTER_RE = re.compile(r"[^\W\d_]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_AGE_RE = re.compile(r"(\d{1,3})[- ]year[- ]old", re.I)
_OPPOSITION_RE = re.compile(
    r"(?<![\w-])[Tt]he\s+(?:(?P<mod>[A-Za-z’'-]+)\s+)?opposition(?![\w-])"
    r"(?!\s+(?:leader|leaders|figure|figures|politician|politicians|candidate|candidates|activist|activists|"
    r"party|parties|member|members|lawmaker|lawmakers|leader-in-exile|movement|coalition|bloc|government)\b)")

_MOD_STOP_WORDS = ("of", "in", "on", "at", "to", "for", "and", "or", "but", "with", "by", "from", "that", "which",
                   "who", "a", "an", "the", "his", "her", "their", "its", "is", "was", "are", "were", "has", "had",
                   "said", "says", "will", "would", "as", "than", "when", "while", "after", "before")
_ROLE_ALT = "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in _DESC_ROLES)
_DESC_RE = re.compile(
    # ReDoS-safe (tests/test_redos.py): a possessor token is at most 60 characters (every capital of
    # "A.A.A.A..." may start a match), blanks are possessive
    r"(?<![\w’'-])(?:(?P<det>[Tt]he|[Tt]his|[Tt]hat)|(?P<poss>[A-Z][\w.-]{1,60}+(?:\s[A-Z][\w.-]{1,60}+)?)(?:['’]s?))\s++"
    r"(?P<mods>(?:(?!(?:" + "|".join(sorted(_MOD_STOP_WORDS)) + r")\b)(?:\w(?:\.\w)+\.?|[\w’'-]+)[ \t]++){0,4}?)"
    r"(?P<role>(?i:" + _ROLE_ALT + r"))(?![\w-])"
)
_MOD_STOP = frozenset("of in on at to for and or but with by from that which who whom whose a an the his her their "
                      "its our your my is was are were be been has had have said says will would could should "
                      "not no as than then when while where after before during under over about into this "
                      "these those".split())


# --------------------------------------------------------------------------------------------- resolution
@dataclass(slots=True)
class _Cand:
    s: int  # token start
    e: int  # token end (exclusive)
    entries: list[tuple[str, str, str | None]]
    absorbed: bool = False


@dataclass(slots=True)
class _Ctx:
    country: str | None = None
    sector: str | None = None
    roles: list[tuple[str, str]] = field(default_factory=list)  # (role phrase, class)
    former: bool = False
    age: int | None = None
    gender: str | None = None
    igo: str | None = None


@dataclass(slots=True)
class _PMention:  # a person mention used as an antecedent
    start: int
    end: int
    actor_id: str
    sent: int
    subject: bool
    root_is_main: bool
    country: str | None
    sector: str | None


class _Person:
    __slots__ = ("actor_id", "name", "new", "gender", "country", "sector", "roles", "count", "first", "last",
                 "former", "igo")

    def __init__(self, actor_id: str, name: str, new: bool):
        self.actor_id = actor_id
        self.name = name
        self.new = new
        self.gender: str | None = None
        self.country: str | None = None
        self.sector: str | None = None
        self.roles: list[tuple[str, str]] = []
        self.former = False
        self.igo: str | None = None
        self.count = 0
        self.first = -1
        self.last = -1


def resolve_mentions(doc: Any, registry: Registry, published: _dt.date | None = None
                     ) -> tuple[list[Mention], list[Actor]]:
    """Mentions of actors in one parsed article, and the actors first met in it (not in the
    registry). Deterministic: the same doc, registry and date give the same output."""
    if doc is None or len(doc) == 0:
        return [], []
    text = doc_text(doc)
    if not text.strip():
        return [], []
    if isinstance(published, _dt.datetime):
        published = published.date()
    return _Resolver(doc, registry, published, text).run()


def doc_text(doc: Any) -> str:
    """``doc.text``, computed once per Doc and kept in ``doc.user_data["storyline_text"]`` (spaCy
    rebuilds the string from every token on each ``doc.text`` access, which costs about as much as
    this whole module)."""
    ud = doc.user_data
    t = ud.get("storyline_text")
    if not isinstance(t, str):
        t = ud["storyline_text"] = doc.text
    return t


class MentionLookup:
    """:func:`mention_at` over one document's mentions in O(log n + overlaps) per call (sorted by start; the
    longest mention bounds how far back an overlapping one can start). Same answers as the linear scan."""

    def __init__(self, mentions: Iterable[Mention]):
        self.items = sorted(mentions, key=lambda m: m.start)  # stable: ties keep their order, as the scan
        self.starts = [m.start for m in self.items]
        self.longest = max((m.end - m.start for m in self.items), default=0)

    def at(self, start: int | None, end: int | None) -> Mention | None:
        if start is None or end is None:
            return None
        stop = max(end, start + 1)
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_left(self.starts, stop)
        return mention_at(self.items[lo:hi], start, end)


def mention_at(mentions: Iterable[Mention], start: int | None, end: int | None) -> Mention | None:
    """The mention covering or overlapping the span [start, end): largest overlap, then the one
    denoting a person (name/title/description/pronoun) over a state reference, then the earliest."""
    if start is None or end is None:
        return None
    if end <= start:
        end = start + 1
    best = None
    best_key = None
    for m in mentions:
        ov = min(end, m.end) - max(start, m.start)
        if ov <= 0:
            continue
        personish = m.kind in ("name", "title", "description", "pronoun") and m.actor_id.startswith("per:")
        key = (ov, personish, -m.start)
        if best_key is None or key > best_key:
            best, best_key = m, key
    return best


class _Resolver:
    def __init__(self, doc: Any, registry: Registry, published: _dt.date | None, text: str):
        from spacy.attrs import IDX, LENGTH

        self.doc = doc
        self.reg = registry
        self.pub = published
        self.text = text
        self.n = len(doc)
        self.has_dep = doc.has_annotation("DEP")
        self.has_tag = doc.has_annotation("TAG") or doc.has_annotation("POS")
        self.mentions: list[Mention] = []
        self.new_actors: dict[str, Actor] = {}
        self.people: dict[str, _Person] = {}
        self.surnames: dict[str, list[str]] = {}
        self.pmentions: list[_PMention] = []
        self.claimed: list[tuple[int, int]] = []  # char spans of emitted person/description mentions
        self.occupied = bytearray(self.n)
        self.claimed_tok = bytearray(self.n)  # tokens of emitted person/description mentions
        sample = self.text[:1500]
        letters = len(_LETTER_RE.findall(sample))
        self.latin = letters == 0 or len(_LATIN_RE.findall(sample)) / letters >= 0.5
        # sentence starts (chars) for pronoun antecedents
        if doc.has_annotation("SENT_START"):
            self.sent_starts = [s.start_char for s in doc.sents]
        else:
            self.sent_starts = [0]
        arr = doc.to_array([IDX, LENGTH])
        self.tok_idx = arr[:, 0].tolist()
        self.tok_end = (arr[:, 0] + arr[:, 1]).tolist()

    # ---------------------------------------------------------------- helpers
    def sent_of(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.sent_starts, char) - 1)

    def tok_at(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.tok_idx, char) - 1)

    def span_chars(self, s: int, e: int) -> tuple[int, int]:
        return self.tok_idx[s], self.tok_end[e - 1]

    def extend_the(self, s: int) -> int:
        if s > 0 and self.doc[s - 1].lower_ == "the":
            return s - 1
        return s

    def in_quote(self, pos: int) -> bool:
        text = self.text
        ps = text.rfind("\n", max(0, pos - 3000), pos) + 1
        seg = text[max(ps, pos - 3000):pos]
        return seg.count("“") > seg.count("”") or seg.count('"') % 2 == 1 or seg.count("«") > seg.count("»")

    def offices_at(self, actor_id: str) -> list[_Office]:
        return [o for o in self.reg.offices(actor_id) if o.valid(self.pub)]

    def gender_of(self, actor_id: str) -> str | None:
        p = self.people.get(actor_id)
        if p is not None and p.gender:
            return p.gender
        a = self.reg.get(actor_id)
        return a.attrs.get("gender") if a is not None else None

    def age_ok(self, actor_id: str, age: int | None) -> bool | None:
        """True/False when the age can be checked against the birth year, None when unknown."""
        if age is None:
            return None
        a = self.reg.get(actor_id)
        born = a.attrs.get("born") if a is not None else None
        if not born or self.pub is None:
            return None
        return self.pub.year - born - 1 <= age <= self.pub.year - born

    def add_mention(self, m: Mention) -> None:
        self.mentions.append(m)

    def claim(self, cs: int, ce: int) -> None:
        self.claimed.append((cs, ce))
        s, e = self.tok_at(cs), self.tok_at(ce - 1) + 1
        self.claimed_tok[s:e] = b"\x01" * (e - s)

    def is_claimed(self, cs: int, ce: int) -> bool:
        s, e = self.tok_at(cs), self.tok_at(max(cs, ce - 1)) + 1
        return any(self.claimed_tok[s:e])

    # ---------------------------------------------------------------- main
    def run(self) -> tuple[list[Mention], list[Actor]]:
        cands = self.registry_candidates()
        ents = self.entities()
        cands, persons_ner, orgs_ner = self.reconcile(cands, ents)
        self.resolve_people(cands, persons_ner)
        if self.latin:
            self.rescan_surnames()
        if self.latin:
            self.surname_ents(orgs_ner)
        self.main_country = self.compute_main_country(cands)
        if self.main_country:  # opposition with no country of its own: the article's country
            for m in self.mentions:
                if m.sector == "OPP" and m.country is None:
                    m.country = self.main_country
            for pm in self.pmentions:
                if pm.sector == "OPP" and pm.country is None:
                    pm.country = self.main_country
            for p in self.people.values():
                if p.sector == "OPP" and p.country is None:
                    p.country = self.main_country
            for a in self.new_actors.values():
                if a.sector == "OPP" and a.country is None:
                    a.country = self.main_country
        self.descriptions(cands)
        self.emit_states(cands)
        if self.latin:
            self.new_orgs(orgs_ner)
        self.opposition()
        if self.latin:
            self.pronouns()
        self.mentions.sort(key=lambda m: (m.start, -m.end, m.actor_id))
        out: list[Mention] = []
        for m in self.mentions:  # no exact duplicates
            if out and out[-1].start == m.start and out[-1].end == m.end:
                continue
            out.append(m)
        used = {m.actor_id for m in out}
        new = [self.new_actors[k] for k in sorted(self.new_actors) if k in used]
        return out, new

    # ---------------------------------------------------------------- candidates
    def registry_candidates(self) -> list[_Cand]:
        pm, by_hash = self.reg._matcher(self.doc.vocab)
        index = self.reg._index
        raw = pm(self.doc)
        raw.sort(key=lambda m: (m[1] - m[2], m[1]))  # longest first, then leftmost
        occ = bytearray(self.n)
        out = []
        for mid, s, e in raw:
            if any(occ[s:e]):
                continue
            key = by_hash.get(mid)
            entries = index.get(key) if key is not None else None
            if not entries:
                continue
            occ[s:e] = b"\x01" * (e - s)
            out.append(_Cand(s, e, list(entries)))
        out.sort(key=lambda c: c.s)
        return out

    def entities(self) -> list[tuple[int, int, str]]:
        out = [(e.start, e.end, e.label_) for e in self.doc.ents
               if e.label_ in ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP")]
        doc = self.doc
        # first words of multi-word person names, to recognise them where the tagger did not
        self.given = {doc[s].text for s, e, lab in out if lab == "PERSON" and e - s >= 2}
        return out

    def reconcile(self, cands: list[_Cand], ents: list[tuple[int, int, str]]):
        doc = self.doc
        ent_of: dict[int, tuple[int, int, str]] = {}
        for ent in ents:
            for i in range(ent[0], ent[1]):
                ent_of[i] = ent
        kept: list[_Cand] = []
        starts = {c.s for c in cands}
        starts_cover = {i for c in cands if not any(a.startswith("per:") for a, _, _ in c.entries)
                        for i in range(c.s, c.e)}
        covered_ents: set[tuple[int, int, str]] = set()
        org_country: dict[tuple[int, int, str], str] = {}
        for c in cands:
            ent = ent_of.get(c.s) or ent_of.get(c.e - 1)
            is_person = any(k in ("name", "short") and aid.startswith("per:") for aid, k, _ in c.entries)
            if is_person and all(k == "short" for _, k, _ in c.entries) and c.e < self.n and c.e not in starts:
                nt = doc[c.e]
                if nt.is_title and nt.is_alpha and (not self.has_tag or nt.pos_ == "PROPN"):
                    continue  # "Pavel Sevyarynets": a first name here, not Petr Pavel
            if ent is not None:
                es, ee, label = ent
                if es < c.s and doc[es].lower_ == "the" and es + 1 == c.s:
                    es = c.s
                longer = es < c.s or ee > c.e
                if longer:
                    extra = [doc[i] for i in range(es, ee) if not (c.s <= i < c.e)]
                    extra_names = [t for t in extra if t.is_title and t.lower_ not in _ROLES
                                   and t.lower_ not in _TITLE_PREFIXES and t.lower_ != "the"]
                    if is_person and label == "PERSON":
                        if extra_names:
                            # "Viktor Lukashenko" is not "Alexander Lukashenko": a full name the registry
                            # does not know is another person (NER decides)
                            continue
                    elif not is_person and extra_names:
                        if all(i in starts_cover for i in range(es, ee)):
                            pass  # "Bosnian Serbs": only state words, whatever the NER label
                        elif label in ("ORG", "FAC") and self.institution_after(c.e, limit=ee) is not None:
                            pass  # "the Belarusian Foreign Ministry": a state institution
                        else:
                            if label in ("ORG", "FAC"):
                                iso = self.country_of_entries(c.entries)
                                if iso:
                                    org_country.setdefault(ent, iso)
                            continue  # "New Jersey", "Northern Ireland", "Moscow State University"
                covered_ents.add(ent)
            kept.append(c)
        self.cand_at: dict[int, _Cand] = {}
        for c in kept:
            self.occupied[c.s:c.e] = b"\x01" * (c.e - c.s)
            for i in range(c.s, c.e):
                self.cand_at[i] = c
        persons_ner, orgs_ner = [], []
        for ent in ents:
            es, ee, label = ent
            if ent in covered_ents or any(self.occupied[es:ee]):
                continue
            if label == "PERSON" or (label in ("ORG", "GPE", "NORP", "LOC") and self.after_role(es, ee)):
                persons_ner.append((es, ee))
            else:
                orgs_ner.append((es, ee, org_country.get(ent) if label == "ORG" else "-"))
        return kept, persons_ner, orgs_ner

    def after_role(self, s: int, e: int) -> bool:
        """An ent of proper names right after a person role ("opposition figure Pavel Sevyarynets")."""
        if s == 0 or e - s > 3 or (self.has_tag and not all(t.pos_ == "PROPN" for t in self.doc[s:e])):
            return False
        prev = self.doc[s - 1].lower_
        cls = _ROLES.get(prev, (None,))[0] or _ROLES.get(self.doc[max(0, s - 2):s].text.lower(), (None,))[0]
        if prev == "figure":
            cls = "opp" if s >= 2 and self.doc[s - 2].lower_ == "opposition" else None
        return cls is not None and cls not in ("igo",)

    def country_of_entries(self, entries) -> str | None:
        for aid, kind, _ in entries:
            if aid.startswith("cty:"):
                return aid[4:]
        return None

    # ---------------------------------------------------------------- people
    def clean_person(self, s: int, e: int) -> tuple[int, int] | None:
        doc = self.doc
        while s < e and (doc[s].lower_ in _TITLE_PREFIXES or doc[s].lower_ in _ROLES or doc[s].lower_ == "the"
                         or not (doc[s].text[:1].isupper())):
            s += 1
        while e > s and (doc[e - 1].text in ("'s", "’s", "'", "’") or doc[e - 1].is_punct):
            e -= 1
        if s >= e or e - s > 5:
            return None
        toks = doc[s:e]
        if self.has_tag and not any(t.pos_ == "PROPN" for t in toks):
            return None
        if any(t.lower_ in _ORG_WORDS for t in toks):
            return None
        if not all(t.text[:1].isupper() or t.text in ("-", ".", "de", "van", "von", "der", "da", "al", "bin",
                                                       "el", "la", "le", "di", "du", "dos", "ibn")
                   or t.is_punct for t in toks):
            return None
        if e - s == 1 and (len(toks[0].text) < 3 or not toks[0].is_alpha):
            return None
        # the NER sometimes leaves a first name out ("Ales [Ivanovich Kovalchuk]")
        lo = self.tok_at(self.sent_starts[self.sent_of(self.tok_idx[s])])
        k = 0
        while k < 2 and s - 1 >= lo and not self.occupied[s - 1]:
            t = doc[s - 1]
            if not (t.is_title and t.is_alpha and (not self.has_tag or t.pos_ == "PROPN" or t.text in self.given)
                    and t.lower_ not in _ROLES and t.lower_ not in _TITLE_PREFIXES and not t.ent_type_):
                break
            s -= 1
            k += 1
        return s, e

    def resolve_people(self, cands: list[_Cand], persons_ner: list[tuple[int, int]]) -> None:
        doc = self.doc
        items: list[tuple[int, int, str, Any]] = []  # (s, e, source, entries)
        for c in cands:
            pe = [(aid, k) for aid, k, _ in c.entries if aid.startswith("per:") and k in ("name", "short")]
            if not pe:
                continue
            if len(pe) < len(c.entries):
                # a person alias that is also a country/org alias ("Montenegro"): the non-person wins
                continue
            c.absorbed = True  # handled here
            if all(k == "short" for _, k in pe):
                t = doc[c.s]
                if c.e - c.s == 1 and self.has_tag and t.pos_ not in ("PROPN", "X") and t.ent_type_ != "PERSON":
                    continue
                if c.s > 0 and doc[c.s - 1].lower_ in ("the", "a", "an") and t.ent_type_ != "PERSON":
                    continue
                if t.ent_type_ and t.ent_type_ not in ("PERSON", "NORP", "ORG", "GPE"):
                    continue
            items.append((c.s, c.e, "reg", pe))
        if self.latin:
            for s, e in persons_ner:
                r = self.clean_person(s, e)
                if r:
                    items.append((r[0], r[1], "ner", None))
        items.sort(key=lambda x: x[0])
        if not items:
            return
        # groups of unknown full names by last word: the longest full name names the new actor
        groups: dict[str, str] = {}
        for s, e, src, _ in items:
            if src == "ner" and e - s >= 2:
                last = _norm(doc[e - 1].text)
                name = doc[s:e].text
                cur = groups.get(last)
                if cur is None or (len(name.split()), len(name), name) > (len(cur.split()), len(cur), cur):
                    groups[last] = name
        surnames: dict[str, list[str]] = self.surnames  # surname key → actor ids met so far (in order)

        def remember(aid: str, s: int, e: int) -> None:
            keys = {_norm(doc[e - 1].text)}
            a = self.reg.get(aid)
            if a is not None:
                keys.update(_norm(x) for x in (a.attrs.get("short") or ()))
            for k in keys:
                lst = surnames.setdefault(k, [])
                if aid in lst:
                    lst.remove(aid)
                lst.append(aid)

        for s, e, src, pe in items:
            text = doc[s:e].text
            aid: str | None = None
            new_name = None
            if src == "reg":
                full = [a for a, k in pe if k == "name"]
                if full:
                    aid = sorted(set(full))[0] if len(set(full)) == 1 else self.pick_by_office(sorted(set(full)))
                else:
                    key = _norm(text)
                    earlier = surnames.get(key)
                    if earlier:
                        aid = self.most_salient(earlier)
                    else:
                        ids = sorted({a for a, _ in pe})
                        aid = ids[0] if len(ids) == 1 else self.pick_by_office(ids)
                        if aid is None and key in groups:
                            new_name = groups[key]
            else:
                last = _norm(doc[e - 1].text)
                if e - s >= 2:
                    new_name = groups.get(last, text)
                else:
                    earlier = surnames.get(last)
                    if earlier:
                        aid = self.most_salient(earlier)
                    elif last in groups:
                        new_name = groups[last]
                    else:
                        new_name = text
            if aid is None and new_name is None:
                continue
            if aid is None:
                aid = "per:" + slugify(new_name)
                if self.reg.get(aid) is None and aid not in self.new_actors:
                    self.new_actors[aid] = Actor(aid, new_name, "PER", None, None, [], {"source": "article"})
            a = self.reg.get(aid)
            if a is not None:
                aid = a.id
            ctx = self.title_context(s, e)
            inst = self.institution_after(e)
            if inst is not None and inst[2] in _LEADER_INSTITUTIONS:
                iso = ctx.country or (a.country if a is not None else None)
                if iso:  # "the Bush administration", "Lukashenko's regime": the state's government
                    s0 = self.extend_the(s)
                    cs, ce = self.span_chars(s0, inst[0])
                    self.add_mention(Mention(cs, ce, self.text[cs:ce], f"cty:{iso}", "description", iso, "GOV"))
                    self.claim(cs, ce)
                    self.occupied[s0:inst[0]] = b"\x01" * (inst[0] - s0)
                    continue
            self.add_person_mention(aid, s, e, ctx, text)
            remember(aid, s, e)

    def most_salient(self, ids: list[str]) -> str:
        """Of the people met so far with one surname: the most mentioned, then the most recent."""
        if len(ids) == 1:
            return ids[0]
        return max(ids, key=lambda i: (self.people[i].count if i in self.people else 0,
                                       self.reg.get(i) is not None,
                                       -(self.people[i].first if i in self.people else 0)))

    def registry_sector(self, a: Actor) -> str | None:
        """A registry person's sector at the publication date: GOV/IGO while in office; their
        recorded sector when it is not an office (OPP, CVL, MIL...); None for a former office holder."""
        offs = self.reg.offices(a.id)
        valid = [o for o in offs if o.valid(self.pub)]
        if valid:
            if all(o.cls == "igo" for o in valid):
                return "IGO"
            if all(o.cls == "opp" for o in valid):
                return "OPP"
            return "GOV"
        if offs and a.sector in ("GOV", "IGO"):
            return None
        return a.sector

    def pick_by_office(self, ids: list[str]) -> str | None:
        valid = [i for i in ids if self.offices_at(i)]
        if len(valid) == 1:
            return valid[0]
        return None

    def title_context(self, s: int, e: int) -> _Ctx:
        """Roles, country and modifiers from the words before a name ("exiled opposition leader",
        "Belarus President", "Kremlin leader") and from an apposition after it."""
        doc = self.doc
        ctx = _Ctx()
        # left window
        j = s - 1
        sent_start = self.tok_at(self.sent_starts[self.sent_of(doc[s].idx)])
        lo = max(sent_start, s - 8)
        words: list[Any] = []
        while j >= lo:
            t = doc[j]
            if t.is_punct and t.text not in ("-", "'s", "’s"):
                break
            if t.pos_ in ("VERB", "AUX", "CCONJ", "ADP", "SCONJ", "PRON") and t.lower_ not in _ROLES:
                break
            if self.occupied[j] and self.is_person_cand(j):
                break
            words.append(t)
            if t.pos_ == "DET":
                break
            j -= 1
        words.reverse()
        if words:
            self.parse_title(words, ctx, absorb=True)
        # apposition: "Tsikhanouskaya, the exiled opposition leader,"
        if self.has_dep:
            root = doc[s:e].root
            for ch in root.children:
                if ch.dep_ == "appos" and ch.i >= e:
                    toks = [t for t in ch.subtree if t.i >= e][:8]
                    if toks and not any(self.is_person_token(t.i) for t in toks):
                        self.parse_title(toks, ctx, absorb=False)
                    break
        return ctx

    def is_person_cand(self, i: int) -> bool:
        c = self.cand_at.get(i)
        return c is not None and any(aid.startswith("per:") for aid, _, _ in c.entries)

    def is_person_token(self, i: int) -> bool:
        t = self.doc[i]
        return t.ent_type_ == "PERSON"

    def parse_title(self, toks: list[Any], ctx: _Ctx, absorb: bool) -> None:
        lows = [t.lower_ for t in toks]
        found_role = False
        i = 0
        n = len(lows)
        while i < n:
            for L in range(min(_MAX_ROLE_WORDS, n - i), 0, -1):
                phrase = " ".join(lows[i:i + L]).replace(" - ", "-")
                if phrase in _ROLES:
                    cls, sector = _ROLES[phrase]
                    ctx.roles.append((phrase, cls))
                    found_role = True
                    i += L
                    break
            else:
                w = lows[i]
                if w in _FORMER:
                    ctx.former = True
                elif w in _OPP_MODS:
                    ctx.sector = "OPP"
                elif w in _FEMALE_WORDS:
                    ctx.gender = "f"
                elif w in _MALE_WORDS:
                    ctx.gender = "m"
                i += 1
        text = " ".join(t.text for t in toks)
        m = _AGE_RE.search(text.replace(" - ", "-"))
        if m:
            ctx.age = int(m.group(1))
        # state / IGO references inside the window (registry candidates)
        country = None
        igo = None
        for t in toks:
            if not self.occupied[t.i]:
                continue
            c = self.cand_at.get(t.i)
            if c is None:
                continue
            for aid, kind, _ in c.entries:
                if aid.startswith("cty:") and country is None:
                    country = aid[4:]
                elif aid.startswith("igo:") and igo is None:
                    igo = aid
            if absorb and found_role and not c.absorbed:
                c.absorbed = True
        if country:
            ctx.country = country
        if igo:
            ctx.igo = igo
        if ctx.roles and ctx.sector != "OPP":
            phrase, cls = next((r for r in ctx.roles if r[1] in _PRIMARY), ctx.roles[0])
            sec = _ROLES[phrase][1]
            if cls == "igo":
                sec = "IGO" if igo else "GOV"
            elif igo and cls in ("other", "leader", "head"):
                sec = "IGO"  # "UN envoy", "NATO chief"
            if ctx.former and cls in ("head", "leader", "hog", "vp", "minister"):
                sec = None
            ctx.sector = sec

    def add_person_mention(self, aid: str, s: int, e: int, ctx: _Ctx, text: str) -> None:
        doc = self.doc
        cs, ce = self.span_chars(s, e)
        p = self.people.get(aid)
        if p is None:
            p = self.people[aid] = _Person(aid, text, aid in self.new_actors)
            p.first = cs
            a = self.reg.get(aid)
            if a is not None:
                p.gender = a.attrs.get("gender")
            else:
                p.gender = self.guess_gender(doc[s:e].text)
        if ctx.gender and not p.gender:
            p.gender = ctx.gender
        if ctx.roles:
            p.roles.extend(ctx.roles)
            p.former = p.former or ctx.former
            p.igo = p.igo or ctx.igo
        # country / sector of this mention
        a = self.reg.get(aid)
        country = ctx.country
        sector = ctx.sector
        if country is None:
            country = p.country or (a.country if a is not None else None)
        if sector is None and not ctx.former:
            sector = p.sector
            if sector is None and a is not None:
                sector = self.registry_sector(a)
                if country is None:
                    offs = self.offices_at(aid)
                    country = next((o.where for o in offs if o.where and not o.where.startswith("igo:")), None)
        if p.country is None and ctx.country:
            p.country = ctx.country
        if p.sector is None and ctx.sector:
            p.sector = ctx.sector
        if aid in self.new_actors:
            na = self.new_actors[aid]
            na.country = na.country or ctx.country
            na.sector = na.sector or ctx.sector
        p.count += 1
        p.last = cs
        self.add_mention(Mention(cs, ce, self.text[cs:ce], aid, "name", country, sector))
        self.claim(cs, ce)
        self.add_pmention(aid, s, e, cs, ce, country, sector)

    def add_pmention(self, aid: str, s: int, e: int, cs: int, ce: int, country, sector) -> None:
        subject = False
        main = False
        if self.has_dep:
            root = self.doc[s:e].root
            r = root
            while r.dep_ == "conj" and r.head is not r:
                r = r.head
            subject = r.dep_ in _SUBJ
            main = subject and r.head.dep_ == "ROOT"
        pm = _PMention(cs, ce, aid, self.sent_of(cs), subject, main, country, sector)
        bisect.insort(self.pmentions, pm, key=lambda x: x.start)

    def guess_gender(self, name: str) -> str | None:
        words = name.split()
        if not words:
            return None
        if words[0].lower() in _FEMALE_NAMES:
            return "f"
        if len(words) >= 1 and _FEMALE_SURNAME.search(_fold(words[-1])):
            return "f"
        return None

    # ---------------------------------------------------------------- main country
    def compute_main_country(self, cands: list[_Cand]) -> str | None:
        counts: dict[str, int] = {}
        first: dict[str, int] = {}
        for c in cands:
            iso = None
            for aid, kind, _ in c.entries:
                if aid.startswith("cty:"):
                    iso = aid[4:]
                    break
            if iso:
                counts[iso] = counts.get(iso, 0) + 1
                first.setdefault(iso, c.s)
        for m in self.mentions:
            if m.country:
                counts[m.country] = counts.get(m.country, 0) + 1
                first.setdefault(m.country, self.tok_at(m.start))
        if not counts:
            return None
        return max(counts, key=lambda k: (counts[k], -first[k]))

    # ---------------------------------------------------------------- descriptions
    def descriptions(self, cands: list[_Cand]) -> None:
        text = self.text
        person_starts = {m.start for m in self.mentions}
        by_char = {self.doc[c.s].idx: c for c in cands}
        cand_starts = sorted(by_char)
        for m in _DESC_RE.finditer(text):
            ds, de = m.start(), m.end()
            role = _WS.sub(" ", m.group("role").lower())
            j = de
            while j < len(text) and text[j] == " ":
                j += 1
            if j in person_starts:
                continue  # a title before a name, handled with the name
            if self.is_claimed(ds, de):
                continue
            mods_text = m.group("mods") or ""
            mods = [w for w in mods_text.split()]
            if any(w.lower() in _MOD_STOP for w in mods):
                continue
            ctx = _Ctx()
            poss = m.group("poss")
            if poss:
                entries = self.reg._index.get(_norm(poss))
                iso = self.country_of_entries(entries or [])
                if not iso:
                    continue
                ctx.country = iso
            for w in mods:
                wl = w.lower().rstrip(".")
                wl2 = re.sub(r"['’]s?$", "", wl)
                if wl2 in ("country", "nation") and wl != wl2:
                    ctx.country = ctx.country or self.main_country
                elif wl in _FORMER or wl.startswith("ex-") or wl.startswith("then-"):
                    ctx.former = True
                elif wl in _OPP_MODS:
                    ctx.sector = "OPP"
            # state / IGO references among the modifiers: registry candidates inside the span
            i = bisect.bisect_left(cand_starts, ds)
            inside: list[_Cand] = []
            while i < len(cand_starts) and cand_starts[i] < de:
                c = by_char[cand_starts[i]]
                inside.append(c)
                for aid, kind, _ in c.entries:
                    if aid.startswith("cty:") and ctx.country is None:
                        ctx.country = aid[4:]
                    elif aid.startswith("igo:") and ctx.igo is None:
                        ctx.igo = aid
                i += 1
            age = _AGE_RE.search(mods_text)
            if age:
                ctx.age = int(age.group(1))
            # "the president of Belarus"
            tail = text[de:de + 60]
            mo = re.match(r"\s+of\s+(?:the\s+)?", tail)
            if mo:
                k = de + mo.end()
                c = by_char.get(k)
                if c is not None:
                    for aid, kind, _ in c.entries:
                        if aid.startswith("cty:") and ctx.country is None:
                            ctx.country = aid[4:]
                        elif aid.startswith("igo:") and ctx.igo is None:
                            ctx.igo = aid
            aid = self.resolve_description(role, ctx, ds)
            if aid is None:
                continue
            for c in inside:
                c.absorbed = True
            p = self.people.get(aid)
            cls, sector = _ROLES.get(role, ("leader", "GOV"))
            if ctx.sector == "OPP":
                sector = "OPP"
            elif ctx.igo:
                sector = "IGO"
            elif ctx.former and cls in ("head", "leader", "hog", "vp", "minister"):
                sector = None
            elif cls == "igo" and not ctx.igo:
                sector = p.sector if p is not None else "GOV"
            country = ctx.country or (p.country if p is not None else None)
            if country is None:
                a = self.reg.get(aid)
                country = a.country if a is not None else None
            kind = "title" if role in _TITLE_WORDS or role in ("head of state", "head of government") else "description"
            self.add_mention(Mention(ds, de, text[ds:de], aid, kind, country, sector))
            self.claim(ds, de)
            if p is None:
                a = self.reg.get(aid)
                p = self.people[aid] = _Person(aid, a.name if a else aid, False)
                p.gender = a.attrs.get("gender") if a else None
                p.first = ds
            p.count += 1
            p.last = ds
            s_tok = self.tok_at(ds)
            e_tok = self.tok_at(de - 1) + 1
            self.add_pmention(aid, s_tok, e_tok, ds, de, country, sector)

    def role_score(self, role: str, aid: str, former: bool) -> int:
        """2: the same title; 1: the same class of office; 0: incompatible."""
        cls = _ROLES.get(role, ("leader", "GOV"))[0]
        p = self.people.get(aid)
        titles: list[tuple[str, str]] = list(p.roles) if p is not None else []
        offs = self.reg.offices(aid)
        if former:
            titles += [(o.title, o.cls) for o in offs if o.ended_before(self.pub)]
            if p is not None and not p.former and not any(o.ended_before(self.pub) for o in offs):
                return 0
        else:
            titles += [(o.title, o.cls) for o in offs if o.valid(self.pub)]
        best = 0
        for t, c in titles:
            if t == role or (role in ("premier", "prime minister") and t in ("premier", "prime minister")):
                return 2
            if cls == "leader":
                if c in ("head", "leader"):
                    best = max(best, 1)
                elif c == "hog":
                    best = max(best, 1)
            elif cls == "head" and role in ("president", "head of state"):
                if c in ("head", "leader") or (role == "head of state" and c == "head"):
                    best = max(best, 1)
            elif cls == c:
                best = max(best, 1)
        return best

    def resolve_description(self, role: str, ctx: _Ctx, pos: int) -> str | None:
        cls = _ROLES.get(role, ("leader", None))[0]
        if ctx.sector == "OPP" and cls in ("leader", "head"):
            role, cls = "opposition leader", "opp"
        cands = []
        for aid, p in self.people.items():
            if p.first >= pos and p.first != -1:
                continue
            if ctx.igo:
                offs = self.reg.offices(aid)
                ok_igo = [o for o in offs if o.where == ctx.igo
                          and (o.ended_before(self.pub) if ctx.former else o.valid(self.pub))]
                score = 1 if ok_igo or p.igo == ctx.igo else 0
            else:
                score = self.role_score(role, aid, ctx.former)
            if score == 0:
                continue
            if ctx.country:
                a = self.reg.get(aid)
                countries = {p.country, a.country if a else None}
                countries |= {o.where for o in self.reg.offices(aid)}
                if ctx.country not in countries:
                    continue
            ok = self.age_ok(aid, ctx.age)
            if ok is False:
                continue
            before = [pm for pm in self.pmentions if pm.actor_id == aid and pm.start < pos]
            cands.append((score, ok is True, len(before), before[-1].start if before else -1, aid))
        if cands:
            if ctx.age is not None and any(c[1] for c in cands):
                cands = [c for c in cands if c[1]]
            top = max(c[0] for c in cands)
            cands = [c for c in cands if c[0] == top]
            if ctx.country or ctx.igo:
                cands.sort(key=lambda c: (c[3], c[2], c[4]))  # most recent
            else:
                cands.sort(key=lambda c: (c[2], c[3], c[4]))  # most salient, then most recent
            return cands[-1][4]
        # registry: the office holder at the publication date
        country = ctx.country
        if country is None and ctx.igo is None:
            if role in _TITLE_WORDS and role not in ("minister", "official", "spokesman", "spokeswoman",
                                                     "spokesperson"):
                country = self.main_country
            else:
                return None
        if ctx.igo:
            classes = ("igo",)
        elif cls in ("leader", "head"):
            classes = ("head",) if cls == "head" or role not in ("leader", "chief") else ("head", "hog")
        elif cls in ("hog", "vp", "minister", "igo", "opp"):
            classes = (cls,)
        else:
            classes = ("other",)
        holders = self.reg.office_holders(country, self.pub, classes, where=ctx.igo) if not ctx.former else []
        if ctx.age is not None:
            holders = [h for h in holders if self.age_ok(h.id, ctx.age) is not False]
        exact = [h for h in holders if any(o.title == role and o.valid(self.pub) for o in self.reg.offices(h.id))]
        if len(exact) == 1:
            return exact[0].id
        if role == "leader" and len(holders) > 1:
            heads = [h for h in holders if any(o.cls == "head" and o.valid(self.pub) for o in self.reg.offices(h.id))]
            if len(heads) == 1:
                return heads[0].id
        if len(holders) == 1:
            return holders[0].id
        return None

    # ---------------------------------------------------------------- states, organisations
    def institution_after(self, e: int, limit: int | None = None) -> tuple[int, str, str] | None:
        """(end token, sector) of an institution phrase right after token ``e`` ('s allowed)."""
        if e <= 0 or e > self.n:
            return None
        ce = self.tok_end[e - 1]
        m = _INST_RE.match(self.text, ce)
        if m is None:
            return None
        end_char = m.end()
        if limit is not None and end_char > self.tok_end[limit - 1]:
            return None
        phrase = _WS.sub(" ", m.group("p").lower().replace("’", "'"))
        sec = _INSTITUTIONS.get(phrase)
        if sec is None:
            return None
        return self.tok_at(end_char - 1) + 1, sec, phrase

    def emit_states(self, cands: list[_Cand]) -> None:
        prefix: dict[int, int] = {}  # cand start token → start of a descriptive prefix it takes over
        starts = {c.s: c for c in cands}
        for c in cands:
            if c.absorbed:
                continue
            ents = c.entries
            if any(self.claimed_tok[c.s:c.e]):
                continue
            kinds = {k for _, k, _ in ents}
            # choose the entry
            if "capital" in kinds:
                cap = [x for x in ents if x[1] == "capital"]
                other = [x for x in ents if x[1] == "metonym"]
                caps = sorted({x[0] for x in cap})
                if len(caps) != 1:
                    continue
                inst = self.institution_after(c.e)
                if inst is not None:
                    self.emit_institution(c, caps[0], inst, starts, prefix)
                    continue
                if self.agentive(c):
                    if other:
                        aid, _, sector = other[0]
                        a = self.reg.get(aid)
                        self.emit(c, aid, "metonym", a.country if a else None, sector)
                    else:
                        self.emit(c, caps[0], "metonym", caps[0][4:], "GOV")
                else:
                    self.emit(c, caps[0], "place", caps[0][4:], None)
                continue
            best = min(_KIND_RANK.get(k, 9) for k in kinds)
            top = [x for x in ents if _KIND_RANK.get(x[1], 9) == best]
            top_ids = sorted({x[0] for x in top})
            if len(top_ids) != 1:
                continue  # ambiguous alias ("Congo", "Korean")
            aid, kind, sector = top[0]
            a = self.reg.get(aid)
            if a is None:
                continue
            if aid.startswith("cty:"):
                inst = self.institution_after(c.e)
                if inst is not None:
                    self.emit_institution(c, aid, inst, starts, prefix)
                    continue
                coord = self.coordinated_institution(c, starts) if kind in ("demonym", "name") else None
                if coord is not None:  # "Hungarian and Romanian officials"
                    self.emit(c, aid, "description", aid[4:], coord, the=True)
                elif kind == "metonym":
                    self.emit(c, aid, "metonym", aid[4:], sector, the=True)
                elif kind == "demonym":
                    self.emit(c, aid, "demonym", aid[4:], None)
                else:
                    self.emit(c, aid, "name", aid[4:], None)
                continue
            if c.s in prefix:
                cs, ce = self.span_chars(prefix[c.s], c.e)
                self.add_mention(Mention(cs, ce, self.text[cs:ce], aid, "name", a.country, a.sector))
            elif kind == "metonym":
                self.emit(c, aid, "metonym", a.country, sector, the=True)
            elif kind == "group":
                self.emit(c, aid, "description", a.country, a.sector, the=True)
            else:
                self.emit(c, aid, "name", a.country, a.sector, the=True)

    def coordinated_institution(self, c: _Cand, starts: dict[int, _Cand]) -> str | None:
        """The sector of "X and Y officials" for X: the institution after a coordinated state Y."""
        doc = self.doc
        j = c.e
        if j < self.n and doc[j].lower_ in ("and", "or", ",", "&"):
            nxt = starts.get(j + 1)
            if nxt is not None and any(a.startswith("cty:") for a, _, _ in nxt.entries):
                inst = self.institution_after(nxt.e)
                if inst is not None:
                    return inst[1]
        return None

    def emit(self, c: _Cand, aid: str, kind: str, country: str | None, sector: str | None,
             the: bool = False, end_tok: int | None = None) -> None:
        s = self.extend_the(c.s) if the else c.s
        cs, ce = self.span_chars(s, end_tok or c.e)
        self.add_mention(Mention(cs, ce, self.text[cs:ce], aid, kind, country, sector))

    def emit_institution(self, c: _Cand, aid: str, inst: tuple[int, str, str],
                         starts: dict[int, _Cand] | None = None, prefix: dict[int, int] | None = None) -> None:
        k, sector = inst[0], inst[1]
        nxt = starts.get(k) if starts is not None else None
        if nxt is not None and prefix is not None and not nxt.absorbed and any(
                not a.startswith(("cty:", "per:")) for a, _, _ in nxt.entries):
            # "China's state broadcaster CCTV": the whole phrase names the outlet
            prefix[nxt.s] = self.extend_the(c.s)
            return
        s = self.extend_the(c.s)
        cs, ce = self.span_chars(s, k)
        self.add_mention(Mention(cs, ce, self.text[cs:ce], aid, "description", aid[4:], sector))
        self.occupied[c.s:k] = b"\x01" * (k - c.s)

    def agentive(self, c: _Cand) -> bool:
        if not self.has_dep:
            return False
        t = self.doc[c.s:c.e].root
        while t.dep_ == "conj" and t.head is not t:
            t = t.head
        dep = t.dep_
        if dep in ("nsubj", "nsubjpass", "poss", "agent", "appos"):
            return True
        if dep == "pobj":
            return t.head.lower_ not in _LOCATIVE_PREPS
        if dep == "dobj":
            return t.head.lemma_ not in _MOVE_VERBS
        return False

    def rescan_surnames(self) -> None:
        """Surnames of people first met in this article, wherever the NER missed them."""
        names = sorted({self.doc[self.tok_at(m.end - 1)].text for m in self.mentions
                        if m.actor_id in self.new_actors and m.kind == "name"}, key=len, reverse=True)
        names = [n for n in names if len(n) >= 3 and n[:1].isupper() and n.isalpha()]
        if not names:
            return
        rx = re.compile(r"(?<![\w’'-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
        for m in rx.finditer(self.text):
            ti = self.tok_at(m.start())
            if self.tok_idx[ti] != m.start() or self.tok_end[ti] != m.end():
                continue
            if self.occupied[ti] or self.claimed_tok[ti]:
                continue
            ids = self.surnames.get(_norm(m.group(0)))
            if not ids:
                continue
            self.add_person_mention(self.most_salient(ids), ti, ti + 1, self.title_context(ti, ti + 1),
                                    m.group(0))
            self.occupied[ti] = 1

    def surname_ents(self, ents: list[tuple[int, int, str | None]]) -> None:
        """A surname of a person already met, tagged ORG/GPE/NORP by the NER ("Ivanova said")."""
        if not self.surnames:
            return
        doc = self.doc
        for s, e, _ in ents:
            if any(self.occupied[s:e]):
                continue
            r = self.clean_person(s, e)
            if r is None or r[1] - r[0] > 2:
                continue
            s2, e2 = r
            ids = self.surnames.get(_norm(doc[s2:e2].text))
            if not ids:
                continue
            self.add_person_mention(self.most_salient(ids), s2, e2, self.title_context(s2, e2), doc[s2:e2].text)
            self.occupied[s:e] = b"\x01" * (e - s)

    def new_orgs(self, orgs: list[tuple[int, int, str | None]]) -> None:
        doc = self.doc
        for s, e, iso in orgs:
            if iso == "-" or any(self.occupied[s:e]):
                continue
            if doc[s].lower_ == "the":
                s += 1
            while e > s and (doc[e - 1].text in ("'s", "’s", "'", "’") or doc[e - 1].is_punct):
                e -= 1
            if s >= e or e - s > 8:
                continue
            toks = doc[s:e]
            if not any(t.text[:1].isupper() for t in toks) or toks[0].like_num:
                continue
            if any(self.claimed_tok[s:e]):
                continue
            cs, ce = self.span_chars(s, e)
            name = self.text[cs:ce]
            if len(name) < 2:
                continue
            words = {t.lower_ for t in toks}
            sector = None
            typ = "ORG"
            if words & {"ministry", "government", "presidency", "administration", "office", "council", "cabinet",
                        "embassy", "commission"}:
                sector = "GOV"
            if words & {"parliament", "assembly", "duma", "senate", "congress"}:
                sector = "LEG"
            if words & {"court", "prosecutor", "tribunal"}:
                sector = "JUD"
            if words & {"army", "forces", "military", "guard", "navy", "brigade", "battalion", "regiment"}:
                sector = "MIL"
            if words & {"police"}:
                sector = "COP"
            if words & {"party"}:
                typ = "PARTY"
            if words & {"news", "times", "post", "tv", "television", "radio", "agency", "herald", "gazette",
                        "tribune", "journal", "daily", "press", "media", "broadcasting"} and sector is None:
                sector, typ = "MED", "MEDIA"
            if words & {"inc", "corp", "ltd", "llc", "plc", "bank", "group", "company", "corporation", "gmbh",
                        "holding", "holdings"} and sector is None:
                sector, typ = "BUS", "ORG"
            aid = "org:" + slugify(name)
            a = self.reg.get(aid)
            if a is None:
                na = self.new_actors.get(aid)
                if na is None:
                    na = self.new_actors[aid] = Actor(aid, _strip_the(name), typ, iso, sector, [],
                                                      {"source": "article"})
                country, sector = na.country, na.sector
            else:
                aid, country, sector = a.id, a.country, a.sector
            self.add_mention(Mention(cs, ce, name, aid, "name", country, sector))
            self.occupied[s:e] = b"\x01" * (e - s)

    def opposition(self) -> None:
        text = self.text
        for m in _OPPOSITION_RE.finditer(text):
            s, e = m.start(), m.end()
            if self.is_claimed(s, e):
                continue
            ts, te = self.tok_at(s), self.tok_at(e - 1) + 1
            if any(self.occupied[ts:te]):
                continue
            iso = None
            mod = m.group("mod")
            if mod:
                entries = self.reg._index.get(_norm(mod))
                iso = self.country_of_entries(entries or [])
                if iso is None and mod.lower() not in _OPP_MODS and mod.lower() not in (
                        "democratic", "main", "political", "united", "whole", "entire", "real", "pro-western",
                        "liberal", "fragmented", "divided", "domestic", "parliamentary", "official"):
                    continue
            iso = iso or self.main_country
            if iso is None:
                continue
            self.add_mention(Mention(s, e, text[s:e], f"cty:{iso}", "description", iso, "OPP"))
            self.occupied[ts:te] = b"\x01" * (te - ts)

    # ---------------------------------------------------------------- pronouns
    def pronouns(self) -> None:
        if not self.pmentions:
            return
        doc = self.doc
        text = self.text
        for m in _PRON_RE.finditer(text):
            s, e = m.start(), m.end()
            word = m.group(0).lower()
            ti = self.tok_at(s)
            t = doc[ti]
            if t.idx != s:
                continue
            gender = "m" if word in ("he", "him") else "f"
            if word in ("him", "her") and (not self.has_dep or t.dep_ != "pobj"):
                continue
            if word in ("he", "she"):
                if not self.has_dep or t.dep_ not in _SUBJ:
                    continue
                h = t.head
                if h.lemma_.lower() not in _REPORT_VERBS:
                    # "he went on to say", "he was quoted as saying"
                    if not any(ch.dep_ in ("xcomp", "advcl", "pcomp") and ch.lemma_.lower() in _REPORT_VERBS
                               for ch in h.children):
                        continue
            aid = self.antecedent(s, gender)
            if aid is None:
                continue
            pm = next((x for x in reversed(self.pmentions) if x.actor_id == aid and x.start < s), None)
            country = pm.country if pm else None
            sector = pm.sector if pm else None
            self.add_mention(Mention(s, e, text[s:e], aid, "pronoun", country, sector))
            pmn = _PMention(s, e, aid, self.sent_of(s), True, t.head.dep_ == "ROOT", country, sector)
            bisect.insort(self.pmentions, pmn, key=lambda x: x.start)

    def compatible(self, aid: str, gender: str) -> bool:
        g = self.gender_of(aid)
        return g is None or g == gender

    def antecedent(self, pos: int, gender: str) -> str | None:
        si = self.sent_of(pos)
        before = [pm for pm in self.pmentions if pm.start < pos and self.compatible(pm.actor_id, gender)]
        if not before:
            return None
        quoted: dict[int, bool] = {}

        def outside(pm: _PMention) -> bool:
            if pm.start not in quoted:
                quoted[pm.start] = not self.in_quote(pm.start)
            return quoted[pm.start]

        # (a) a subject earlier in the same sentence, outside quotation marks
        same = [pm for pm in before if pm.sent == si and pm.subject and outside(pm)]
        if same:
            return same[-1].actor_id
        # (b) the subject of the previous sentences (main clause first), up to three back
        for k in range(1, 4):
            prev = [pm for pm in before if pm.sent == si - k and pm.subject and outside(pm)]
            if prev:
                main = [pm for pm in prev if pm.root_is_main]
                return (main[0] if main else prev[0]).actor_id
            if any(pm.sent == si - k and outside(pm) for pm in before):
                break
        # (c) the most recent compatible person outside quotes, else any
        out = [pm for pm in before if outside(pm)]
        return (out[-1] if out else before[-1]).actor_id
