"""Storage behind one small module: SQLite (embedded default) and exports (JSONL, CSV, Parquet)."""

from .sqlite import Store

__all__ = ["Store"]
