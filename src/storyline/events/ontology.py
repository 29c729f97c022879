"""The PLOVER event ontology, loaded from data (``data/plover.toml``) and validated.

:func:`load_ontology` reads a TOML file (the bundled one by default, cached) and returns an
:class:`Ontology`: the event types with their quad class, intensity and modes, the contexts, the
legacy labels (PLOVER 0.5b1 ``DEMAND`` → ``REQUEST``…) and the label sets of evaluation data
(``plv``: ``CONCEDE``/``RETREAT`` → ``YIELD``). A malformed file raises :class:`OntologyError` with
the offending key. See ``docs/events.md`` for the file format and where the numbers come from.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Ontology", "EventType", "Mode", "OntologyError", "load_ontology", "PLOVER_ROOTS", "QUADS"]

#: The 16 root event types of PLOVER (manual 0.7b1), in the manual's order (cooperation → conflict).
PLOVER_ROOTS: tuple[str, ...] = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)
#: Quad classes: 1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict.
QUADS: dict[int, str] = {1: "verbal_cooperation", 2: "material_cooperation", 3: "verbal_conflict",
                         4: "material_conflict"}


class OntologyError(ValueError):
    """The ontology file is malformed (message names the key)."""


@dataclass(slots=True, frozen=True)
class Mode:
    name: str
    description: str = ""
    intensity: float | None = None  # None: the type's intensity applies
    cameo: str | None = None  # CAMEO code the mode's intensity comes from
    origin: str = "manual"  # manual | gsr | storyline


@dataclass(slots=True, frozen=True)
class EventType:
    name: str
    quad: int
    intensity: float
    description: str = ""
    requires_recipient: bool = False
    modes: dict[str, Mode] = field(default_factory=dict)

    @property
    def quad_name(self) -> str:
        return QUADS[self.quad]


@dataclass(slots=True)
class Ontology:
    version: str
    types: dict[str, EventType]
    contexts: dict[str, str]
    legacy: dict[str, tuple[str, ...]]
    label_sets: dict[str, dict[str, Any]]
    plover_version: str = ""
    source: str = ""

    # ------------------------------------------------------------------ lookups
    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.upper() in self.types

    def type(self, name: str) -> EventType:
        """The event type ``name`` (case-insensitive; legacy labels mapping to one type accepted)."""
        canon = self.canonical(name)
        if canon is None:
            raise KeyError(name)
        return self.types[canon]

    def canonical(self, label: str | None) -> str | None:
        """The current type for a label: itself, or the one a legacy label maps to (``DEMAND`` →
        ``REQUEST``). None for unknown labels and for coarse labels covering several types (``YIELD``)."""
        if not label:
            return None
        key = label.strip().upper()
        if key in self.types:
            return key
        tgt = self.legacy.get(key)
        if tgt is not None and len(tgt) == 1:
            return tgt[0]
        return None

    def expand(self, label: str) -> tuple[str, ...]:
        """All types a (possibly coarse or legacy) label covers: ``YIELD`` → (CONCEDE, RETREAT)."""
        key = label.strip().upper()
        if key in self.types:
            return (key,)
        return self.legacy.get(key, ())

    def quad(self, type_name: str) -> int:
        return self.type(type_name).quad

    def intensity(self, type_name: str, mode: str | None = None) -> float:
        """The mode's intensity when it has its own, else the type's."""
        t = self.type(type_name)
        if mode:
            m = t.modes.get(mode)
            if m is not None and m.intensity is not None:
                return m.intensity
        return t.intensity

    def is_mode(self, type_name: str, mode: str) -> bool:
        t = self.types.get(type_name.upper())
        return t is not None and mode in t.modes

    def modes(self, type_name: str) -> list[str]:
        return list(self.type(type_name).modes)

    def to_label_set(self, type_name: str, label_set: str) -> str:
        """Our type as labelled in an evaluation data set (``plv``: CONCEDE → YIELD)."""
        ls = self.label_sets[label_set]
        return ls.get("map", {}).get(type_name, type_name)

    def label_quad(self, label: str, label_set: str | None = None) -> int | None:
        """Quad class of a label in a label set (its own ``quads`` first), else of the type it denotes."""
        if label_set is not None:
            q = self.label_sets.get(label_set, {}).get("quads", {}).get(label)
            if q is not None:
                return int(q)
        canon = self.canonical(label)
        return self.types[canon].quad if canon else None


# ---------------------------------------------------------------------------------------- loading
def _err(msg: str) -> OntologyError:
    return OntologyError(f"plover ontology: {msg}")


def _num(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _err(f"{where} must be a number, got {v!r}")
    if not -10.0 <= float(v) <= 10.0:
        raise _err(f"{where} = {v} is outside [-10, 10]")
    return float(v)


def parse_ontology(data: dict[str, Any], source: str = "") -> Ontology:
    """Validate a parsed TOML document and build the :class:`Ontology`."""
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise _err("missing string key 'version'")
    raw_types = data.get("types")
    if not isinstance(raw_types, dict) or not raw_types:
        raise _err("missing table 'types'")
    contexts = data.get("contexts") or {}
    if not isinstance(contexts, dict) or not all(isinstance(v, str) for v in contexts.values()):
        raise _err("'contexts' must map names to descriptions")
    types: dict[str, EventType] = {}
    for name, t in raw_types.items():
        where = f"types.{name}"
        if name != name.upper() or not name.isalpha():
            raise _err(f"{where}: type names are upper-case words")
        if not isinstance(t, dict):
            raise _err(f"{where} must be a table")
        quad = t.get("quad")
        if quad not in QUADS:
            raise _err(f"{where}.quad must be 1, 2, 3 or 4, got {quad!r}")
        inten = _num(t.get("intensity"), f"{where}.intensity")
        if (quad <= 2 and inten <= 0) or (quad >= 3 and inten >= 0):
            raise _err(f"{where}.intensity {inten} has the wrong sign for quad {quad}")
        modes: dict[str, Mode] = {}
        raw_modes = t.get("modes") or {}
        if not isinstance(raw_modes, dict):
            raise _err(f"{where}.modes must be a table")
        for mname, m in raw_modes.items():
            mw = f"{where}.modes.{mname}"
            if not isinstance(m, dict):
                raise _err(f"{mw} must be a table")
            mi = m.get("intensity")
            if mi is not None:
                mi = _num(mi, f"{mw}.intensity")
                if (quad <= 2) != (mi > 0):
                    raise _err(f"{mw}.intensity {mi} has the wrong sign for quad {quad}")
            origin = m.get("origin", "manual")
            if origin not in ("manual", "gsr", "storyline"):
                raise _err(f"{mw}.origin must be manual, gsr or storyline")
            modes[mname] = Mode(mname, str(m.get("description", "")), mi, m.get("cameo"), origin)
        types[name] = EventType(name, int(quad), inten, str(t.get("description", "")),
                                bool(t.get("requires_recipient", False)), modes)
    legacy: dict[str, tuple[str, ...]] = {}
    for k, v in (data.get("legacy") or {}).items():
        tgt = (v,) if isinstance(v, str) else tuple(v) if isinstance(v, list) else None
        if not tgt or any(x not in types for x in tgt):
            raise _err(f"legacy.{k} must name known types, got {v!r}")
        if k.upper() in types:
            raise _err(f"legacy.{k} shadows a current type")
        legacy[k.upper()] = tgt
    label_sets: dict[str, dict[str, Any]] = {}
    for k, ls in (data.get("label_sets") or {}).items():
        if not isinstance(ls, dict):
            raise _err(f"label_sets.{k} must be a table")
        for src, dst in (ls.get("map") or {}).items():
            if src not in types:
                raise _err(f"label_sets.{k}.map: unknown type {src}")
            if dst not in types and dst not in legacy:
                raise _err(f"label_sets.{k}.map.{src}: unknown label {dst}")
        for lab, q in (ls.get("quads") or {}).items():
            if q not in QUADS:
                raise _err(f"label_sets.{k}.quads.{lab} must be 1-4")
        label_sets[k] = dict(ls)
    return Ontology(version.strip(), types, dict(contexts), legacy, label_sets,
                    str(data.get("plover_version", "")), source)


def load_ontology(path: str | Path | None = None) -> Ontology:
    """The ontology in ``path`` (TOML), or the bundled one (cached) when ``path`` is None."""
    if path is None:
        return _bundled()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _err(f"cannot read {p}: {exc}") from exc
    return parse_ontology(data, str(p))


@lru_cache(maxsize=1)
def _bundled() -> Ontology:
    text = resources.files("storyline.events").joinpath("data", "plover.toml").read_text(encoding="utf-8")
    return parse_ontology(tomllib.loads(text), "storyline.events/data/plover.toml")
