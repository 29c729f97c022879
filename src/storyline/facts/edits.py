"""User edits of the actor registry (add, merge, split), kept in the knowledge base and replayed.

Edits are recorded in the ``actor_edits`` table in the order they were made. Every facts pass
rebuilds the registry as *bundled data + the user's edits*, so a re-analysed article lands on the
same actors as the stored data after the edit:

* ``add``   — a user actor (from ``storyline actors add`` or an imported CSV/YAML/TOML file) joins the
  registry, so its names and aliases are matched in every article analysed afterwards;
* ``merge`` — ``src`` is folded into ``dst``: any mention resolved to ``src`` is given to ``dst``;
* ``split`` — mentions of ``src`` written as one of the given aliases go to a new actor ``new_id``.

Resolution itself (:func:`storyline.facts.actors.resolve_mentions`) knows nothing about edits: the
facts stage calls :meth:`Edits.remap` on each mention it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Edits:
    added: list[dict[str, Any]] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)  # merged src -> dst
    splits: dict[str, list[tuple[frozenset[str], str]]] = field(default_factory=dict)  # src -> [(aliases, new)]

    @classmethod
    def from_rows(cls, rows: list[tuple[str, dict[str, Any]]]) -> "Edits":
        out = cls()
        for op, args in rows:
            out.apply(op, args)
        return out

    def apply(self, op: str, args: dict[str, Any]) -> None:
        if op == "add":
            self.added.append(args)
        elif op == "merge":
            src, dst = args["src"], args["dst"]
            self.redirects[src] = dst
            for k, v in list(self.redirects.items()):  # keep chains flat: a -> src becomes a -> dst
                if v == src:
                    self.redirects[k] = dst
            self.redirects.pop(dst, None)  # merging back undoes an earlier merge of dst
        elif op == "split":
            aliases = frozenset(a.casefold() for a in args["aliases"])
            self.splits.setdefault(args["src"], []).append((aliases, args["new_id"]))
            self.redirects.pop(args["new_id"], None)
        else:
            raise ValueError(f"unknown actor edit {op!r}")

    def __bool__(self) -> bool:
        return bool(self.added or self.redirects or self.splits)

    def remap(self, actor_id: str, text: str) -> str:
        """The actor a mention of ``actor_id`` written as ``text`` belongs to after the edits."""
        seen: set[str] = set()
        while actor_id not in seen:
            seen.add(actor_id)
            for aliases, new_id in self.splits.get(actor_id, ()):
                if text.casefold() in aliases:
                    actor_id = new_id
                    break
            else:
                nxt = self.redirects.get(actor_id)
                if nxt is None:
                    return actor_id
                actor_id = nxt
        return actor_id

    def apply_to_registry(self, registry: Any) -> Any:
        """Add the user's actors to ``registry`` (a :class:`storyline.facts.actors.Registry`)."""
        from .actors import Actor

        for args in self.added:
            registry.add(actor_from_dict(args, Actor))
        return registry


def actor_from_dict(d: dict[str, Any], cls: Any = None) -> Any:
    if cls is None:
        from .actors import Actor as cls  # noqa: N813
    aliases = d.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split("|") if a.strip()]
    return cls(id=d["id"], name=d["name"], type=d.get("type") or "PER", country=d.get("country") or None,
               sector=d.get("sector") or None, aliases=list(aliases), attrs=dict(d.get("attrs") or {}))


ACTOR_FIELDS = ("id", "name", "type", "country", "sector", "aliases")
ACTOR_TYPES = ("PER", "COUNTRY", "GOV", "IGO", "PARTY", "MEDIA", "ORG", "CITY", "NGO", "REB", "BUS", "MIL")


def read_actor_file(path: str | Any) -> list[dict[str, Any]]:
    """Actors from a user file: CSV (``id,name,type,country,sector,aliases`` with ``|``-separated
    aliases), YAML or TOML (a list of tables with the same keys, under ``actors``). Raises
    :class:`storyline.errors.UsageError` naming the file and row for anything malformed."""
    import csv
    from pathlib import Path

    from ..errors import InputNotFound, UsageError

    p = Path(path)
    if not p.is_file():
        raise InputNotFound(f"actor file not found: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            with open(p, newline="", encoding="utf-8-sig") as fh:
                rows: list[dict[str, Any]] = [dict(r) for r in csv.DictReader(fh)]
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(p.read_text(encoding="utf-8"))
            rows = data.get("actors", []) if isinstance(data, dict) else (data or [])
        elif suffix == ".toml":
            import tomllib

            rows = tomllib.loads(p.read_text(encoding="utf-8")).get("actors", [])
        else:
            raise UsageError(f"unsupported actor file {p.name}", hint="use .csv, .yaml/.yml or .toml")
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse error becomes one actionable line
        raise UsageError(f"cannot read actor file {p}: {type(exc).__name__}: {exc}".splitlines()[0],
                         hint="see docs/actors.md for the file format") from exc
    out = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not row.get("id") or not row.get("name"):
            raise UsageError(f"{p.name}: actor #{i} needs at least `id` and `name`",
                             hint="columns: id,name,type,country,sector,aliases (aliases separated by |)")
        out.append(validate_actor({k: row.get(k) for k in ACTOR_FIELDS}, where=f"{p.name}: actor #{i}"))
    return out


def validate_actor(d: dict[str, Any], where: str = "actor") -> dict[str, Any]:
    from ..errors import UsageError

    d = dict(d)
    d["id"] = str(d["id"]).strip()
    if not d["id"] or any(ch.isspace() for ch in d["id"]):
        raise UsageError(f"{where}: id {d['id']!r} must be non-empty and without spaces", hint="e.g. per:jane-doe")
    d["type"] = (d.get("type") or "PER").strip().upper()
    if d["type"] not in ACTOR_TYPES:
        raise UsageError(f"{where}: unknown type {d['type']!r}", hint=f"one of: {', '.join(ACTOR_TYPES)}")
    country = (d.get("country") or "").strip().upper() or None
    if country is not None and (len(country) != 3 or not country.isalpha()):
        raise UsageError(f"{where}: country {country!r} is not an ISO 3166 alpha-3 code", hint="e.g. BLR, CHN, RUS")
    d["country"] = country
    d["sector"] = (d.get("sector") or "").strip().upper() or None
    aliases = d.get("aliases") or []
    if isinstance(aliases, str):
        aliases = aliases.split("|")
    d["aliases"] = [str(a).strip() for a in aliases if str(a).strip()]
    return d
