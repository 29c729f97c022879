"""The per-file reading context shared by the format readers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import Reject
from .decode import path_text
from .discover import name_stem
from .limits import IngestOptions


@dataclass(slots=True)
class Source:
    """One input file being read: where it is, its format, limits, and what was skipped."""

    path: Path
    kind: str
    opts: IngestOptions
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def stem(self) -> str:
        return name_stem(self.path)

    def provenance(self, record: int | None = None, offset: int | None = None) -> dict[str, Any]:
        prov: dict[str, Any] = {"path": path_text(self.path), "format": self.kind}
        if record is not None:
            prov["record"] = record
            prov["offset"] = offset
        return prov

    def reject(self, reason: str, detail: str = "", record: int | None = None, offset: int | None = None) -> Reject:
        return Reject(source_path=path_text(self.path), reason=reason, detail=detail, record=record, offset=offset)
