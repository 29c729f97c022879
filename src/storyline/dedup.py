"""Cross-document deduplication: exact hashes, MinHash LSH and containment.

Articles stream in one at a time. :func:`fingerprint` turns a clean text into a small,
serialisable :class:`Fingerprint` (pure, per document, parallelisable); :meth:`DedupIndex.add`
matches it against everything indexed so far and then indexes it. :func:`build_groups`
turns the matches into duplicate groups with a canonical member and merged metadata.

Three kinds of match (``DupMatch.reason``):

``exact``
    same :func:`normalise_for_hash` text (128-bit xxh3 hash).
``near_duplicate``
    MinHash Jaccard estimate of the word-shingle sets ``>= jaccard_threshold``.
``contained``
    the smaller shingle set lies (mostly) inside the larger one — a truncated copy, or a copy
    with an extra header / appeal block — and is at least ``min_length_ratio`` of its size.

Candidates come from two bounded inverted indexes, never from all pairs:

* **LSH bands** over the datasketch MinHash signature (band/row counts from datasketch's
  optimiser, tuned for recall); finds pairs with high Jaccard similarity.
* **Anchors**: the ``anchors`` smallest shingle hashes of each document. If A is contained in
  B, every shingle of B's bottom-m that lies in A is also in A's bottom-m, so a truncated
  copy shares anchors with its source with probability ``1 - (1 - |A|/|B|)^m`` (0.9997 for a
  40% prefix with m = 16) — cases that Jaccard LSH misses.

Candidates are verified before a match is declared: Jaccard from the signatures, containment
from bottom-k sketches (the ``sketch_size`` smallest shingle hashes). The containment estimate
samples the smaller document and tests membership in the larger one, so a true subset always
scores exactly 1.0; only partial overlaps carry sampling noise. See docs/dedup.md.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import sqlite3
import struct
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH

from storyline.errors import ConfigError
from storyline.model import Article

__all__ = [
    "DedupConfig",
    "DedupIndex",
    "DupMatch",
    "Fingerprint",
    "Group",
    "GroupMember",
    "IndexStorage",
    "MemoryIndexStorage",
    "MemberLink",
    "MergedField",
    "SqliteIndexStorage",
    "SyncReport",
    "apply_group",
    "build_groups",
    "fingerprint",
    "normalise_for_hash",
    "verdict",
    "verify_candidate",
]


# --------------------------------------------------------------------------- configuration


@dataclass(slots=True)
class DedupConfig:
    """Parameters of fingerprinting, candidate search and verification.

    ``num_perm``, ``shingle``, ``sketch_size`` and ``seed`` define the fingerprint: fingerprints
    made with different values cannot be compared (the index refuses them). The rest only
    affect matching and may change between runs.
    """

    num_perm: int = 128  # MinHash permutations (signature length, uint32 each)
    shingle: int = 5  # words per shingle
    sketch_size: int = 128  # bottom-k sketch length for containment (uint32 each)
    seed: int = 1  # MinHash permutation seed and word-hash seed
    jaccard_threshold: float = 0.8  # near_duplicate when Jaccard estimate >= this
    containment_threshold: float = 0.7  # contained when containment estimate >= this ...
    min_length_ratio: float = 0.25  # ... and smaller/larger shingle count >= this
    min_words: int = 20  # below this only exact dedup
    lsh_threshold: float = 0.7  # Jaccard the LSH banding is optimised for (below the verify threshold)
    lsh_weights: tuple[float, float] = (0.2, 0.8)  # (false positive, false negative) weights
    anchors: int = 16  # smallest shingle hashes indexed per document for containment candidates
    max_band_bucket: int = 32  # band bucket keeps its first N members (all near-identical)
    max_anchor_bucket: int = 64  # anchor seen in more docs than this is boilerplate: dropped

    def __post_init__(self) -> None:
        ints = {
            "num_perm": self.num_perm,
            "shingle": self.shingle,
            "sketch_size": self.sketch_size,
            "max_band_bucket": self.max_band_bucket,
            "max_anchor_bucket": self.max_anchor_bucket,
        }
        for name, value in ints.items():
            if not 1 <= value <= 65535:
                raise ConfigError(f"dedup: {name} must be between 1 and 65535, got {value}")
        if not 0 <= self.anchors <= self.sketch_size:
            raise ConfigError(f"dedup: anchors must be between 0 and sketch_size, got {self.anchors}")
        if self.shingle > 255 or not 0 <= self.seed < 2**32 or self.min_words < 0:
            raise ConfigError("dedup: shingle must be <= 255, seed a uint32, min_words >= 0")
        for name in ("jaccard_threshold", "containment_threshold", "min_length_ratio", "lsh_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"dedup: {name} must be in (0, 1], got {value}")

    def lsh_params(self) -> tuple[int, int]:
        """``(bands, rows)`` of the LSH index, from datasketch's optimiser."""
        return _lsh_params(self.lsh_threshold, self.num_perm, self.lsh_weights)


@lru_cache(maxsize=16)
def _lsh_params(threshold: float, num_perm: int, weights: tuple[float, float]) -> tuple[int, int]:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
    return lsh.b, lsh.r


@lru_cache(maxsize=16)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    return a, b


# --------------------------------------------------------------------------- fingerprints

_U32_MAX = np.uint32(0xFFFFFFFF)
_FP_MAGIC = b"SLFP"
_FP_VERSION = 1
# magic, version, shingle, seed, n_words, n_shingles, num_perm, sketch_len, id_len, content hash
_FP_HEADER = struct.Struct("<4sBBIIIHHH16s")


@dataclass(slots=True, eq=False)
class Fingerprint:
    """Everything dedup needs about one article (about 1.1 KB serialised with the defaults).

    ``signature``: MinHash of the word-shingle set (uint32, ``num_perm`` values).
    ``sketch``: the ``sketch_size`` smallest shingle hashes, sorted (all of them when the
    document has fewer); its first ``anchors`` values are the containment index keys.
    """

    article_id: str
    content_hash: str  # 32 hex digits, xxh3-128 of normalise_for_hash(text)
    n_words: int
    n_shingles: int
    signature: np.ndarray
    sketch: np.ndarray
    shingle: int
    seed: int

    def to_bytes(self) -> bytes:
        ident = self.article_id.encode("utf-8")
        if len(ident) > 0xFFFF:
            raise ValueError("fingerprint: article id longer than 65535 bytes")
        header = _FP_HEADER.pack(
            _FP_MAGIC,
            _FP_VERSION,
            self.shingle,
            self.seed,
            self.n_words,
            self.n_shingles,
            len(self.signature),
            len(self.sketch),
            len(ident),
            bytes.fromhex(self.content_hash),
        )
        return b"".join(
            (header, ident, self.signature.astype("<u4").tobytes(), self.sketch.astype("<u4").tobytes())
        )

    @classmethod
    def from_bytes(cls, b: bytes) -> Fingerprint:
        if len(b) < _FP_HEADER.size:
            raise ValueError("fingerprint: truncated header")
        magic, version, shingle, seed, n_words, n_shingles, n_sig, n_sketch, n_id, chash = _FP_HEADER.unpack_from(b)
        if magic != _FP_MAGIC or version != _FP_VERSION:
            raise ValueError(f"fingerprint: not a version-{_FP_VERSION} storyline fingerprint")
        start = _FP_HEADER.size
        if len(b) != start + n_id + 4 * (n_sig + n_sketch):
            raise ValueError("fingerprint: length does not match its header")
        ident = b[start : start + n_id].decode("utf-8")
        sig_at = start + n_id
        signature = np.frombuffer(b, dtype="<u4", count=n_sig, offset=sig_at).astype(np.uint32)
        sketch = np.frombuffer(b, dtype="<u4", count=n_sketch, offset=sig_at + 4 * n_sig).astype(np.uint32)
        return cls(ident, chash.hex(), n_words, n_shingles, signature, sketch, shingle, seed)


_TRANSLATE: dict[int, str | None] = {
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2035`\u00b4"), "'"),
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb"), '"'),
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"),
    **dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None),  # invisible characters
}
_WORD = re.compile(r"\w+")
_MUL = np.uint64(0x9E3779B97F4A7C15)


def normalise_for_hash(text: str) -> str:
    """NFKC, case-folded, quotes/dashes unified, invisible characters dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLATE)
    return " ".join(text.split())


def fingerprint(article_id: str, text: str, cfg: DedupConfig | None = None) -> Fingerprint:
    """The fingerprint of one clean text (pure; safe to run in parallel workers)."""
    cfg = cfg or DedupConfig()
    norm = normalise_for_hash(text)
    words = _WORD.findall(norm)
    shingles = _shingle_hashes(words, cfg.shingle, cfg.seed)
    return Fingerprint(
        article_id=article_id,
        content_hash=xxhash.xxh3_128_hexdigest(norm.encode("utf-8")),
        n_words=len(words),
        n_shingles=len(shingles),
        signature=_minhash(shingles, cfg.num_perm, cfg.seed),
        sketch=shingles[: cfg.sketch_size].copy(),
        shingle=cfg.shingle,
        seed=cfg.seed,
    )


def _shingle_hashes(words: list[str], k: int, seed: int) -> np.ndarray:
    """Sorted distinct 32-bit hashes of the k-word shingles (one shingle if fewer words)."""
    if not words:
        return np.empty(0, dtype=np.uint32)
    w = np.fromiter(
        (xxhash.xxh3_64_intdigest(x.encode("utf-8"), seed) for x in words), dtype=np.uint64, count=len(words)
    )
    k = min(k, len(w))
    n = len(w) - k + 1
    h = w[:n].copy()
    for j in range(1, k):  # polynomial rolling combination, wraps mod 2^64
        h = h * _MUL + w[j : j + n]
    return np.unique((_fmix64(h) >> np.uint64(32)).astype(np.uint32))


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: avalanches the combined shingle hashes."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _identity(x: int) -> int:
    return x


def _minhash(shingles: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """datasketch MinHash (affine32 scheme) of pre-hashed 32-bit shingles."""
    m = MinHash(
        num_perm=num_perm, seed=seed, hashfunc=_identity, permutations=_permutations(num_perm, seed), scheme="affine32"
    )
    m.update_batch(shingles.tolist())
    return np.asarray(m.hashvalues, dtype=np.uint32)


def _containment(a: np.ndarray, na: int, b: np.ndarray, nb: int) -> float:
    """Containment of the smaller set in the larger one, from bottom-k sketches.

    ``a``/``b`` hold the smallest hashes of sets of ``na``/``nb`` shingles (all of them when
    ``len == n``). Below ``tau`` (the smaller of the two sketch maxima) both sketches are
    complete, so the smaller set's hashes below ``tau`` are a uniform sample of it, each
    tested for membership in the larger set.
    """
    if na > nb:
        a, na, b, nb = b, nb, a, na
    if na == 0:
        return 0.0
    tau = min(_sketch_limit(a, na), _sketch_limit(b, nb))
    a = a[: np.searchsorted(a, tau, side="right")]
    b = b[: np.searchsorted(b, tau, side="right")]
    if len(a) == 0 or len(b) == 0:
        return 0.0
    pos = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return float(np.count_nonzero(b[pos] == a)) / len(a)


def _sketch_limit(sketch: np.ndarray, n: int) -> int:
    return int(_U32_MAX) if len(sketch) >= n else int(sketch[-1])


# --------------------------------------------------------------------------- the index


@dataclass(slots=True)
class DupMatch:
    """``article_id`` (the newcomer) duplicates ``other_id`` (already indexed)."""

    article_id: str
    other_id: str
    reason: str  # "exact" | "near_duplicate" | "contained"
    similarity: float  # Jaccard estimate
    containment: float  # of the smaller in the larger


_STOP = -1  # anchor bucket that overflowed: a boilerplate shingle, never queried again


class _Rows:
    """A growable 2-D uint32 array (amortised doubling)."""

    def __init__(self, width: int) -> None:
        self._a = np.empty((64, width), dtype=np.uint32)
        self.n = 0

    def append(self, row: np.ndarray) -> None:
        if self.n == len(self._a):
            grown = np.empty((2 * len(self._a), self._a.shape[1]), dtype=np.uint32)
            grown[: self.n] = self._a
            self._a = grown
        self._a[self.n, : len(row)] = row
        self.n += 1

    def take(self, rows: np.ndarray) -> np.ndarray:
        return self._a[rows]

    def row(self, i: int) -> np.ndarray:
        return self._a[i]

    @property
    def nbytes(self) -> int:
        return self._a.nbytes


@dataclass(slots=True)
class _Entry:
    """What the index stores about one similarity-searchable document."""

    n_shingles: int
    signature: np.ndarray
    sketch: np.ndarray
    bands: list[int]
    anchors: list[int]


@dataclass(slots=True)
class _Candidates:
    """Candidate rows fetched from storage: ids, set sizes, signatures (2-D), sketches."""

    ids: list[str]
    n_shingles: list[int]
    signatures: np.ndarray
    sketches: list[np.ndarray]


class IndexStorage(Protocol):
    """Where a :class:`DedupIndex` keeps its rows and bucket tables.

    Every fingerprint the index sees (``add`` or ``load``) takes the next *position*
    (0, 1, 2, ...), whether or not it is stored for similarity search, so positions line up
    with the knowledge base's fingerprints in arrival order. Band buckets keep their first
    ``max_band_bucket`` members; an anchor bucket that would exceed ``max_anchor_bucket``
    members is stopped (never queried or extended again).
    """

    @property
    def count(self) -> int:
        """Number of positions recorded."""
        ...

    def distinct(self) -> int:
        """Number of distinct content hashes recorded."""
        ...

    def id_at(self, pos: int) -> str | None:
        """Article id at ``pos``; None when unknown (the storage cannot be verified)."""
        ...

    def twin(self, content_hash: str) -> str | None:
        """First article id recorded with ``content_hash``."""
        ...

    def candidates(self, bands: list[int], anchors: list[int]) -> list[int]:
        """Row handles in the live buckets of the given keys (sorted, distinct)."""
        ...

    def fetch(self, handles: list[int]) -> _Candidates: ...

    def append(self, article_id: str, content_hash: str | None, entry: _Entry | None) -> None:
        """Record the next position; a new content hash and/or a searchable entry."""
        ...

    def truncate(self, count: int) -> bool:
        """Forget positions ``>= count`` exactly; False when this storage cannot."""
        ...

    def clear(self) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...

    def memory_bytes(self) -> int: ...


class MemoryIndexStorage:
    """Rows in growable numpy arrays, buckets in Python dicts (about 8 KB per document)."""

    def __init__(self, cfg: DedupConfig) -> None:
        self.cfg = cfg
        self.clear()

    def clear(self) -> None:
        self._count = 0
        self._ids: list[str] = []  # row -> article id
        self._n_shingles = array("I")  # row -> shingle-set size
        self._sigs = _Rows(self.cfg.num_perm)
        self._sketches = _Rows(self.cfg.sketch_size)
        self._by_hash: dict[str, str] = {}  # content hash -> first article id with it
        self._band_buckets: dict[int, int | list[int]] = {}
        self._anchor_buckets: dict[int, int | list[int]] = {}

    @property
    def count(self) -> int:
        return self._count

    def distinct(self) -> int:
        return len(self._by_hash)

    def id_at(self, pos: int) -> str | None:
        return None  # positions are not kept: a non-empty memory index is rebuilt by sync()

    def twin(self, content_hash: str) -> str | None:
        return self._by_hash.get(content_hash)

    def candidates(self, bands: list[int], anchors: list[int]) -> list[int]:
        found: set[int] = set()
        for table, keys in ((self._band_buckets, bands), (self._anchor_buckets, anchors)):
            for key in keys:
                hit = table.get(key)
                if hit is None or hit == _STOP:
                    continue
                if isinstance(hit, int):
                    found.add(hit)
                else:
                    found.update(hit)
        return sorted(found)

    def fetch(self, handles: list[int]) -> _Candidates:
        idx = np.asarray(handles, dtype=np.intp)
        n = [self._n_shingles[h] for h in handles]
        sketches = [self._sketches.row(h)[: min(k, self.cfg.sketch_size)] for h, k in zip(handles, n, strict=True)]
        return _Candidates([self._ids[h] for h in handles], n, self._sigs.take(idx), sketches)

    def append(self, article_id: str, content_hash: str | None, entry: _Entry | None) -> None:
        self._count += 1
        if content_hash is not None:
            self._by_hash[content_hash] = article_id
        if entry is None:
            return
        row = len(self._ids)
        self._ids.append(article_id)
        self._n_shingles.append(entry.n_shingles)
        self._sigs.append(entry.signature)
        self._sketches.append(entry.sketch)
        for key in entry.bands:
            _bucket_add(self._band_buckets, key, row, self.cfg.max_band_bucket, stop_when_full=False)
        for key in entry.anchors:
            _bucket_add(self._anchor_buckets, key, row, self.cfg.max_anchor_bucket, stop_when_full=True)

    def truncate(self, count: int) -> bool:
        return count == self._count

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def memory_bytes(self) -> int:
        """Bytes held by the signature and sketch arrays (excludes the hash tables)."""
        return self._sigs.nbytes + self._sketches.nbytes


def _bucket_add(table: dict[int, int | list[int]], key: int, row: int, cap: int, *, stop_when_full: bool) -> None:
    """Add ``row`` to a bucket holding at most ``cap`` rows (a bare int while it holds one)."""
    hit = table.get(key)
    if hit is None:
        table[key] = row
    elif isinstance(hit, int):
        if hit == _STOP:
            return
        if cap >= 2:
            table[key] = [hit, row]
        elif stop_when_full:
            table[key] = _STOP
    elif len(hit) < cap:
        hit.append(row)
    elif stop_when_full:
        table[key] = _STOP


_SQLITE_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
-- one row per position; n_shingles, sig and sketch only for documents stored for similarity search
CREATE TABLE log (pos INTEGER PRIMARY KEY, article_id TEXT NOT NULL, n_shingles INTEGER, sig BLOB, sketch BLOB);
CREATE TABLE hashes (hash BLOB PRIMARY KEY, pos INTEGER NOT NULL, article_id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE bands (key INTEGER NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (key, pos)) WITHOUT ROWID;
CREATE TABLE anchors (key INTEGER NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (key, pos)) WITHOUT ROWID;
"""
_SQLITE_VERSION = "1"
_SQLITE_FILES = ("", "-wal", "-shm", "-journal")
_SIGNED = 1 << 63


class _StaleCache(Exception):
    """The cache file belongs to other settings or is inconsistent: rebuild it."""


class SqliteIndexStorage:
    """The index in its own SQLite file: a rebuildable cache of the stored fingerprints.

    Memory is bounded by the SQLite page cache (``cache_mib``), not by the corpus. Writes go
    into one transaction committed every ``commit_every`` appends and on :meth:`flush` /
    :meth:`close`; ``synchronous=OFF`` because a lost or torn file is detected on open and
    rebuilt by :meth:`DedupIndex.sync`. Anchor buckets keep up to ``cap + 1`` entries: the
    extra one marks the bucket stopped, so dropping positions (:meth:`truncate`) restores
    exactly the state a fresh build would have.
    """

    def __init__(self, path: str | os.PathLike[str], cfg: DedupConfig, *, commit_every: int = 1000,
                 cache_mib: int = 64) -> None:
        self.path = Path(path)
        self.cfg = cfg
        self.commit_every = commit_every
        self.cache_mib = cache_mib
        self.reset_reason: str | None = None  # why the file was recreated on open, if it was
        self._settings = json.dumps(_structure(cfg), sort_keys=True)
        try:
            self._connect(create=not self.path.exists())
        except (sqlite3.DatabaseError, _StaleCache) as exc:
            self.reset_reason = str(exc) or type(exc).__name__
            self._reset()

    # ---- lifecycle

    def _connect(self, *, create: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            for pragma in ("journal_mode = WAL", "synchronous = OFF", f"cache_size = {-1024 * self.cache_mib}",
                           "temp_store = FILE", "mmap_size = 0"):
                self._conn.execute(f"PRAGMA {pragma}")
            if create:
                self._conn.executescript(_SQLITE_SCHEMA)
                self._conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("version", _SQLITE_VERSION), ("settings", self._settings), ("count", "0"), ("distinct", "0")])
            self._load_meta()
        except BaseException:
            self._conn.close()
            raise
        self._pending = 0
        self._looked_up: tuple[list[int], list[int], dict[int, list[int]], dict[int, list[int]]] | None = None
        self._conn.execute("BEGIN")

    def _load_meta(self) -> None:
        meta = dict(self._conn.execute("SELECT name, value FROM meta").fetchall())
        if meta.get("version") != _SQLITE_VERSION:
            raise _StaleCache("cache format version differs")
        if meta.get("settings") != self._settings:
            raise _StaleCache("cache made with other dedup settings")
        self._count = int(meta["count"])
        self._distinct = int(meta["distinct"])
        last = self._conn.execute("SELECT max(pos) FROM log").fetchone()[0]
        if (last if last is not None else -1) != self._count - 1:
            raise _StaleCache("cache log does not match its count")

    def _reset(self) -> None:
        for suffix in _SQLITE_FILES:
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._connect(create=True)

    def clear(self) -> None:
        self._conn.rollback()
        self._conn.close()
        self._reset()

    def flush(self) -> None:
        """Commit what was appended (and the count that goes with it)."""
        self._conn.executemany("UPDATE meta SET value = ? WHERE name = ?",
                               [(str(self._count), "count"), (str(self._distinct), "distinct")])
        self._conn.execute("COMMIT")
        self._conn.execute("BEGIN")
        self._pending = 0

    def close(self) -> None:
        if self._conn is None:
            return
        self.flush()
        self._conn.execute("COMMIT")
        self._conn.close()
        self._conn = None  # type: ignore[assignment]

    # ---- reads

    @property
    def count(self) -> int:
        return self._count

    def distinct(self) -> int:
        return self._distinct

    def id_at(self, pos: int) -> str | None:
        row = self._conn.execute("SELECT article_id FROM log WHERE pos = ?", (pos,)).fetchone()
        return None if row is None else row[0]

    def twin(self, content_hash: str) -> str | None:
        key = bytes.fromhex(content_hash)
        row = self._conn.execute("SELECT article_id FROM hashes WHERE hash = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def candidates(self, bands: list[int], anchors: list[int]) -> list[int]:
        band_hits, anchor_hits = self._lookup(bands, anchors)
        found = {pos for hits in band_hits.values() for pos in hits}
        cap = self.cfg.max_anchor_bucket
        for hits in anchor_hits.values():
            if len(hits) <= cap:  # cap + 1 entries: a stopped bucket
                found.update(hits)
        return sorted(found)

    def _lookup(self, bands: list[int], anchors: list[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """Bucket contents per key, in one query; remembered for the :meth:`append` that follows."""
        sql = _lookup_sql(len(bands), len(anchors))
        band_hits: dict[int, list[int]] = {}
        anchor_hits: dict[int, list[int]] = {}
        for kind, key, pos in self._conn.execute(sql, [*map(_signed, bands), *anchors]):
            (anchor_hits if kind else band_hits).setdefault(key, []).append(pos)
        self._looked_up = (bands, anchors, band_hits, anchor_hits)
        return band_hits, anchor_hits

    def fetch(self, handles: list[int]) -> _Candidates:
        marks = ",".join("?" * len(handles))
        sql = f"SELECT article_id, n_shingles, sig, sketch FROM log WHERE sig NOT NULL AND pos IN ({marks})"
        rows = self._conn.execute(sql, handles).fetchall()
        if len(rows) != len(handles):
            raise sqlite3.DatabaseError("dedup cache: bucket entry without its row")
        sigs = np.frombuffer(b"".join(r[2] for r in rows), dtype="<u4").reshape(len(rows), self.cfg.num_perm)
        sketches = [np.frombuffer(r[3], dtype="<u4") for r in rows]
        return _Candidates([r[0] for r in rows], [r[1] for r in rows], sigs, sketches)

    # ---- writes

    def append(self, article_id: str, content_hash: str | None, entry: _Entry | None) -> None:
        c = self._conn
        pos = self._count
        if entry is None:
            c.execute("INSERT INTO log (pos, article_id) VALUES (?, ?)", (pos, article_id))
        else:
            c.execute("INSERT INTO log VALUES (?, ?, ?, ?, ?)", (
                pos, article_id, entry.n_shingles, entry.signature.astype("<u4").tobytes(),
                entry.sketch.astype("<u4").tobytes()))
            self._add_to_buckets(pos, entry)
        if content_hash is not None:
            c.execute("INSERT INTO hashes VALUES (?, ?, ?)", (bytes.fromhex(content_hash), pos, article_id))
            self._distinct += 1
        self._count += 1
        self._pending += 1
        if self._pending >= self.commit_every:
            self.flush()

    def _add_to_buckets(self, pos: int, entry: _Entry) -> None:
        looked = self._looked_up
        if looked is not None and looked[0] is entry.bands and looked[1] is entry.anchors:
            band_hits, anchor_hits = looked[2], looked[3]
        else:
            band_hits, anchor_hits = self._lookup(entry.bands, entry.anchors)
        self._looked_up = None
        for table, keys, hits, cap in (
            ("bands", map(_signed, entry.bands), band_hits, self.cfg.max_band_bucket),
            ("anchors", entry.anchors, anchor_hits, self.cfg.max_anchor_bucket + 1),
        ):
            room = [k for k in dict.fromkeys(keys) if len(hits.get(k, ())) < cap]
            if room:
                values = ",".join(["(?,?)"] * len(room))
                self._conn.execute(f"INSERT INTO {table} VALUES {values}", [x for k in room for x in (k, pos)])

    def truncate(self, count: int) -> bool:
        """Drop positions ``>= count`` (full scans of the bucket tables: only after a crash)."""
        if count >= self._count:
            return count == self._count
        c = self._conn
        for table in ("log", "hashes", "bands", "anchors"):
            c.execute(f"DELETE FROM {table} WHERE pos >= ?", (count,))
        self._count = count
        self._distinct = c.execute("SELECT count(*) FROM hashes").fetchone()[0]
        self.flush()
        return True

    def memory_bytes(self) -> int:
        """The page-cache bound (SQLite allocates it lazily)."""
        return self.cache_mib << 20


@lru_cache(maxsize=256)
def _lookup_sql(n_bands: int, n_anchors: int) -> str:
    return (f"SELECT 0, key, pos FROM bands WHERE key IN ({','.join('?' * n_bands)}) UNION ALL "
            f"SELECT 1, key, pos FROM anchors WHERE key IN ({','.join('?' * n_anchors)})")


def _signed(key: int) -> int:
    """A uint64 band key as the int64 SQLite stores."""
    return key - (1 << 64) if key >= _SIGNED else key


def _structure(cfg: DedupConfig) -> dict[str, object]:
    """The settings that decide what an index contains (thresholds only affect verification)."""
    names = ("num_perm", "shingle", "sketch_size", "seed", "min_words", "lsh_threshold", "lsh_weights",
             "anchors", "max_band_bucket", "max_anchor_bucket")
    return {name: getattr(cfg, name) for name in names}


FingerprintSource = Callable[[int], Iterable["Fingerprint | bytes"]]


@dataclass(slots=True)
class SyncReport:
    """What :meth:`DedupIndex.sync` did."""

    kept: int  # positions already indexed and verified
    dropped: int  # positions the cache had beyond the knowledge base (a killed run)
    loaded: int  # fingerprints indexed from the knowledge base
    rebuilt: str | None  # why the index was rebuilt from scratch, if it was


class DedupIndex:
    """Incremental duplicate index; memory per indexed document is bounded (docs/dedup.md).

    Only documents with at least ``min_words`` words and a content hash not seen before are
    stored for similarity search; exact copies and short texts cost one hash-table entry.
    Empty texts never match anything. Storage is in memory unless opened with a path
    (:meth:`open`), which keeps it in a SQLite cache file with flat memory use.
    """

    def __init__(self, cfg: DedupConfig | None = None, storage: IndexStorage | None = None) -> None:
        self.cfg = cfg or DedupConfig()
        self._bands, self._rows_per_band = self.cfg.lsh_params()
        self.storage: IndexStorage = storage if storage is not None else MemoryIndexStorage(self.cfg)

    @classmethod
    def open(cls, cfg: DedupConfig | None = None, path: str | os.PathLike[str] | None = None,
             **storage_options: int) -> DedupIndex:
        """An index in memory (``path=None``) or in the SQLite cache file ``path``.

        Call :meth:`sync` before the first :meth:`add`, and :meth:`close` at the end.
        """
        cfg = cfg or DedupConfig()
        if path is None:
            return cls(cfg)
        return cls(cfg, SqliteIndexStorage(path, cfg, **storage_options))

    def __enter__(self) -> DedupIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        """Number of distinct texts seen (exact copies are not counted twice)."""
        return self.storage.distinct()

    @property
    def count(self) -> int:
        """Number of fingerprints seen (``add`` and ``load`` calls), i.e. the next position."""
        return self.storage.count

    def add(self, fp: Fingerprint) -> list[DupMatch]:
        """Match ``fp`` against everything already indexed, then index it.

        Returns the matches, strongest first. An exact copy returns only its ``exact`` match:
        the first copy already carries every other link.
        """
        self._check(fp)
        if fp.n_words == 0:
            self.storage.append(fp.article_id, None, None)
            return []
        twin = self.storage.twin(fp.content_hash)
        if twin is not None:
            self.storage.append(fp.article_id, None, None)
            return [] if twin == fp.article_id else [DupMatch(fp.article_id, twin, "exact", 1.0, 1.0)]
        keys = self.bucket_keys(fp) if fp.n_words >= self.cfg.min_words else None
        matches = self._query(fp, *keys) if keys else []
        self._insert(fp, keys)
        return matches

    def load(self, fps: Iterable[Fingerprint | bytes]) -> int:
        """Index persisted fingerprints, in their original order, without matching; returns how many."""
        n = 0
        for item in fps:
            fp = Fingerprint.from_bytes(item) if isinstance(item, bytes | bytearray | memoryview) else item
            self._check(fp)
            if fp.n_words and self.storage.twin(fp.content_hash) is None:
                self._insert(fp, self.bucket_keys(fp) if fp.n_words >= self.cfg.min_words else None)
            else:
                self.storage.append(fp.article_id, None, None)
            n += 1
        return n

    def sync(self, count: int, fingerprints_from: FingerprintSource) -> SyncReport:
        """Bring the index in line with the ``count`` fingerprints the knowledge base holds.

        ``fingerprints_from(pos)`` yields the stored fingerprints (objects or bytes) from
        0-based arrival position ``pos`` on. Positions the index has beyond ``count`` (a run
        killed after the cache committed, before the knowledge base did) are dropped exactly;
        the ids at the first and last common positions must agree with the knowledge base,
        otherwise the index is rebuilt from scratch; then the missing tail is loaded.
        """
        s = self.storage
        dropped = max(0, s.count - count)
        rebuilt = None
        if dropped and not s.truncate(count):
            rebuilt, dropped = "index ahead of the knowledge base", 0
        kept = 0 if rebuilt else min(s.count, count)
        tail: Iterator[Fingerprint | bytes] | None = None
        if kept:
            tail = iter(fingerprints_from(kept - 1))
            if s.id_at(0) != _first_id(fingerprints_from(0)) or s.id_at(kept - 1) != _first_id(tail):
                rebuilt, tail, kept = "index does not match the knowledge base", None, 0
        if rebuilt or (kept == 0 and s.count):
            rebuilt = rebuilt or "index does not match the knowledge base"
            s.clear()
            dropped = 0
        loaded = self.load(tail if tail is not None else fingerprints_from(0)) if count > kept else 0
        s.flush()
        return SyncReport(kept, dropped, loaded, rebuilt)

    def flush(self) -> None:
        """Commit the storage's pending writes (no-op in memory)."""
        self.storage.flush()

    def close(self) -> None:
        """Flush and release the storage."""
        self.storage.close()

    def bucket_keys(self, fp: Fingerprint) -> tuple[list[int], list[int]]:
        """``(band keys, anchor keys)`` of ``fp``: the keys a sharded index partitions on."""
        data = fp.signature.astype("<u4").tobytes()
        width = 4 * self._rows_per_band
        bands = [xxhash.xxh3_64_intdigest(data[i * width : (i + 1) * width], i) for i in range(self._bands)]
        return bands, fp.sketch[: self.cfg.anchors].tolist()

    def memory_bytes(self) -> int:
        """Memory-storage: bytes of the signature and sketch arrays; SQLite: the page-cache bound."""
        return self.storage.memory_bytes()

    # ---- internals

    def _check(self, fp: Fingerprint) -> None:
        cfg = self.cfg
        made = (fp.shingle, fp.seed, len(fp.signature), len(fp.sketch))
        if made != (cfg.shingle, cfg.seed, cfg.num_perm, min(fp.n_shingles, cfg.sketch_size)):
            raise ConfigError(
                f"dedup: fingerprint {fp.article_id!r} was made with other settings than the index "
                f"(shingle={fp.shingle}, seed={fp.seed}, num_perm={len(fp.signature)}, sketch={len(fp.sketch)})",
                hint="re-fingerprint the articles with the index's DedupConfig",
            )

    def _insert(self, fp: Fingerprint, keys: tuple[list[int], list[int]] | None) -> None:
        entry = None if keys is None else _Entry(fp.n_shingles, fp.signature, fp.sketch, *keys)
        self.storage.append(fp.article_id, fp.content_hash, entry)

    def _query(self, fp: Fingerprint, bands: list[int], anchors: list[int]) -> list[DupMatch]:
        handles = self.storage.candidates(bands, anchors)
        if not handles:
            return []
        found = self.storage.fetch(handles)
        jaccard = np.count_nonzero(found.signatures == fp.signature, axis=1) / self.cfg.num_perm
        matches = verify_candidates(self.cfg, fp, found.ids, found.n_shingles, found.sketches, jaccard.tolist())
        matches.sort(key=lambda m: (-m.similarity, -m.containment, m.other_id))
        return matches

    def _verdict(self, sim: float, contained: float, n_a: int, n_b: int) -> str | None:
        return verdict(self.cfg, sim, contained, n_a, n_b)


def jaccard_estimate(sig_a: np.ndarray, sig_b: np.ndarray, num_perm: int) -> float:
    """MinHash Jaccard estimate: the share of equal signature values (as :meth:`DedupIndex.add` computes it)."""
    return int(np.count_nonzero(sig_a == sig_b)) / num_perm


def verdict(cfg: DedupConfig, sim: float, contained: float, n_a: int, n_b: int) -> str | None:
    """The match reason for a candidate pair with Jaccard estimate ``sim`` and containment ``contained``
    (shingle-set sizes ``n_a``, ``n_b``), or None when it is no duplicate. Pure."""
    if sim >= cfg.jaccard_threshold:
        return "near_duplicate"
    ratio = min(n_a, n_b) / max(n_a, n_b, 1)
    if contained >= cfg.containment_threshold and ratio >= cfg.min_length_ratio:
        return "contained"
    return None


def verify_candidate(cfg: DedupConfig, fp: Fingerprint, other_id: str, other_n_shingles: int,
                     other_sketch: np.ndarray, sim: float) -> DupMatch | None:
    """Verify one candidate pair: ``fp`` (the newcomer) against an indexed document with the given
    shingle count and sketch, whose Jaccard estimate with ``fp`` is ``sim``. Pure: the index and the
    distributed (Dask) engine share it, so both declare exactly the same matches."""
    ratio = min(fp.n_shingles, other_n_shingles) / max(fp.n_shingles, other_n_shingles, 1)  # as verdict's
    if sim < cfg.jaccard_threshold and ratio < cfg.min_length_ratio:
        return None  # neither a near-duplicate nor (sizes too far apart) a contained copy: no sketch work
    contained = _containment(fp.sketch, fp.n_shingles, other_sketch, other_n_shingles)
    reason = verdict(cfg, sim, contained, fp.n_shingles, other_n_shingles)
    return None if reason is None else DupMatch(fp.article_id, other_id, reason, sim, contained)


def verify_candidates(cfg: DedupConfig, fp: Fingerprint, other_ids: Sequence[str], other_n_shingles: Sequence[int],
                      other_sketches: Sequence[np.ndarray], sims: Sequence[float]) -> list[DupMatch]:
    """:func:`verify_candidate` for many candidates of one newcomer at once (the containments in a few array
    operations instead of a few per pair): the same matches, in candidate order; ``fp`` itself is skipped."""
    if not other_ids:
        return []
    contained = _containments(fp.sketch, fp.n_shingles, other_sketches, other_n_shingles)
    n = np.asarray(other_n_shingles, dtype=np.int64)
    ratio = np.minimum(n, fp.n_shingles) / np.maximum(np.maximum(n, fp.n_shingles), 1)
    maybe = (np.asarray(sims) >= cfg.jaccard_threshold) | (
        (contained >= cfg.containment_threshold) & (ratio >= cfg.min_length_ratio))  # verdict's test, at once
    matches = []
    for i in np.flatnonzero(maybe).tolist():
        other, sim, c = other_ids[i], sims[i], float(contained[i])
        if other != fp.article_id:
            reason = verdict(cfg, sim, c, fp.n_shingles, other_n_shingles[i])
            if reason is not None:
                matches.append(DupMatch(fp.article_id, other, reason, sim, c))
    return matches


def _containments(a: np.ndarray, na: int, sketches: Sequence[np.ndarray], ns: Sequence[int]) -> np.ndarray:
    """``_containment(a, na, b, nb)`` for every ``(b, nb)`` in ``zip(sketches, ns)``, vectorised (equal values:
    the same integer counts divided once)."""
    k = len(sketches)
    lens = np.fromiter((len(b) for b in sketches), dtype=np.int64, count=k)
    nb = np.asarray(ns, dtype=np.int64)
    if len(a) == 0 or na == 0:
        return np.zeros(k)
    big = np.concatenate(sketches) if k else np.empty(0, dtype=np.uint32)
    owner = np.repeat(np.arange(k), lens)
    ends = np.cumsum(lens)
    last = np.where(lens > 0, big[np.maximum(ends - 1, 0)] if len(big) else 0, 0).astype(np.int64)
    lim_b = np.where(lens >= nb, int(_U32_MAX), last)
    tau = np.minimum(_sketch_limit(a, na), lim_b)
    keep = big.astype(np.int64) <= tau[owner]
    pos = np.minimum(np.searchsorted(a, big), len(a) - 1)
    both = keep & (a[pos] == big)
    inter = np.bincount(owner, weights=both, minlength=k)
    len_b = np.bincount(owner, weights=keep, minlength=k)
    len_a = np.searchsorted(a.astype(np.int64), tau, side="right").astype(np.float64)
    small = np.where(na > nb, len_b, len_a)
    ok = (nb > 0) & (len_a > 0) & (len_b > 0)
    out = np.zeros(k)
    np.divide(inter, small, out=out, where=ok)
    return out


def _first_id(fps: Iterable[Fingerprint | bytes]) -> str | None:
    """Article id of the first fingerprint (consumes one item), None when there is none."""
    for item in fps:
        return Fingerprint.from_bytes(item).article_id if isinstance(item, bytes | bytearray | memoryview) \
            else item.article_id
    return None


# --------------------------------------------------------------------------- groups

#: Metadata fields merged across a group. ``published_source`` travels with ``published``.
META_FIELDS: tuple[str, ...] = ("title", "byline", "published", "outlet", "url")
#: Fields a member lacking them inherits from the group. ``outlet`` and ``url`` describe one
#: copy (where it was published), so by default they stay per member.
ARTICLE_FIELDS: tuple[str, ...] = ("title", "byline", "published")


@dataclass(slots=True)
class GroupMember:
    """What grouping needs to know about one article."""

    id: str
    text_len: int
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    published_source: str | None = None
    outlet: str | None = None
    url: str | None = None

    @classmethod
    def from_article(cls, a: Article) -> GroupMember:
        return cls(a.id, len(a.text), a.title, a.byline, a.published, a.published_source, a.outlet, a.url)

    def n_meta(self) -> int:
        return sum(1 for name in META_FIELDS if getattr(self, name))


@dataclass(slots=True)
class MemberLink:
    """How a member joined its group: the strongest path from the canonical, last hop ``via``; reason and
    scores are those of the path's weakest hop (see ``_spanning_links``)."""

    id: str
    similarity: float
    containment: float
    reason: str  # "canonical" | "exact" | "near_duplicate" | "contained"
    via: str | None  # the member it matched; the canonical itself when the match is direct


@dataclass(slots=True)
class MergedField:
    value: str
    from_id: str  # the member that supplied the value

    @property
    def provenance(self) -> str:
        return f"merged:{self.from_id}"


@dataclass(slots=True)
class Group:
    group_id: str  # "g" + the smallest member id: independent of arrival order
    canonical_id: str
    members: list[MemberLink]  # canonical first, then by completeness
    outlets: list[str]  # every distinct member outlet, canonical's first
    metadata: dict[str, MergedField]  # the group's record: canonical's fields, gaps filled
    fills: dict[str, dict[str, MergedField]] = field(default_factory=dict)  # member -> fields it inherits


def build_groups(
    matches: Iterable[DupMatch],
    articles: Mapping[str, GroupMember],
    propagate: Iterable[str] = ARTICLE_FIELDS,
) -> list[Group]:
    """Union-find over ``matches``; one :class:`Group` per connected set of two or more articles.

    Groups, canonical choice and metadata depend only on the set of members, not on the order
    the matches arrived in. Raises ``KeyError`` for a match naming an id missing from ``articles``.
    """
    edges: dict[tuple[str, str], DupMatch] = {}  # strongest match per unordered pair
    parent: dict[str, str] = {}
    for m in matches:
        for ident in (m.article_id, m.other_id):
            if ident not in articles:
                raise KeyError(f"dedup: match names unknown article id {ident!r}")
        pair = (min(m.article_id, m.other_id), max(m.article_id, m.other_id))
        if pair[0] == pair[1]:
            continue
        if pair not in edges or _strength(m) > _strength(edges[pair]):
            edges[pair] = m
        _union(parent, *pair)
    components: dict[str, list[str]] = {}
    for ident in parent:
        components.setdefault(_find(parent, ident), []).append(ident)
    adjacency: dict[str, list[tuple[str, DupMatch]]] = {i: [] for i in parent}
    for (a, b), m in edges.items():
        adjacency[a].append((b, m))
        adjacency[b].append((a, m))
    propagate = tuple(propagate)
    groups = [_make_group([articles[i] for i in ids], adjacency, propagate) for ids in components.values()]
    groups.sort(key=lambda g: g.group_id)
    return groups


def apply_group(group: Group, articles: Mapping[str, Article]) -> None:
    """Write a group onto its articles: ``group_id``, ``duplicate_of`` and inherited fields."""
    for link in group.members:
        article = articles[link.id]
        article.group_id = group.group_id
        article.duplicate_of = None if link.id == group.canonical_id else group.canonical_id
        for name, merged in group.fills.get(link.id, {}).items():
            setattr(article, name, merged.value)
            article.meta_sources[name] = merged.provenance


def _strength(m: DupMatch) -> tuple[float, float]:
    return max(m.similarity, m.containment), m.similarity


def _find(parent: dict[str, str], x: str) -> str:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        parent[x], x = root, parent[x]
    return root


def _union(parent: dict[str, str], a: str, b: str) -> None:
    parent.setdefault(a, a)
    parent.setdefault(b, b)
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def _rank(member: GroupMember) -> tuple[int, int, str]:
    """Most complete first: longest clean text, then most metadata, then smallest id."""
    return -member.text_len, -member.n_meta(), member.id


def _make_group(
    members: list[GroupMember], adjacency: dict[str, list[tuple[str, DupMatch]]], propagate: tuple[str, ...]
) -> Group:
    ranked = sorted(members, key=_rank)
    canonical = ranked[0]
    links = _spanning_links(canonical.id, adjacency)
    order = {m.id: i for i, m in enumerate(ranked)}
    links.sort(key=lambda link: order[link.id])
    outlets = list(dict.fromkeys(m.outlet for m in ranked if m.outlet))
    metadata = _merge_metadata(ranked)
    fills = _member_fills(ranked, metadata, propagate)
    return Group(
        group_id="g" + min(m.id for m in members),
        canonical_id=canonical.id,
        members=links,
        outlets=outlets,
        metadata=metadata,
        fills=fills,
    )


def _spanning_links(root: str, adjacency: dict[str, list[tuple[str, DupMatch]]]) -> list[MemberLink]:
    """Maximum spanning tree from the canonical (Prim): each member's strongest path to it.

    A member's reason and scores are those of the weakest hop of that path (the nearest to the
    canonical on ties): what links it to the canonical, whatever the arrival order. (Exact copies
    of a near duplicate are matched to whichever of them arrived first; each of them is the near
    duplicate, not an ``exact`` copy of the canonical.)"""
    links = [MemberLink(root, 1.0, 1.0, "canonical", None)]
    weakest: dict[str, DupMatch | None] = {root: None}  # the weakest hop from the canonical to each member
    seen = {root}
    heap: list[tuple[tuple[float, float], str, str, int]] = []
    matches: list[DupMatch] = []

    def push(src: str) -> None:
        for dst, m in adjacency[src]:
            if dst not in seen:
                strength = _strength(m)
                matches.append(m)
                heapq.heappush(heap, ((-strength[0], -strength[1]), dst, src, len(matches) - 1))

    push(root)
    while heap:
        _, dst, src, i = heapq.heappop(heap)
        if dst in seen:
            continue
        seen.add(dst)
        m = matches[i]
        before = weakest[src]
        if before is not None and _strength(m) >= _strength(before):
            m = before
        weakest[dst] = m
        links.append(MemberLink(dst, m.similarity, m.containment, m.reason, src))
        push(dst)
    return links


def _merge_metadata(ranked: list[GroupMember]) -> dict[str, MergedField]:
    """Each field from the most complete member that has it (the canonical when it does)."""
    merged: dict[str, MergedField] = {}
    for name in META_FIELDS:
        donor = next((m for m in ranked if getattr(m, name)), None)
        if donor is None:
            continue
        merged[name] = MergedField(getattr(donor, name), donor.id)
        if name == "published" and donor.published_source:
            merged["published_source"] = MergedField(donor.published_source, donor.id)
    return merged


def _member_fills(
    ranked: list[GroupMember], metadata: dict[str, MergedField], propagate: tuple[str, ...]
) -> dict[str, dict[str, MergedField]]:
    fills: dict[str, dict[str, MergedField]] = {}
    for member in ranked:
        inherited: dict[str, MergedField] = {}
        for name in propagate:
            if getattr(member, name) or name not in metadata:
                continue
            inherited[name] = metadata[name]
            if name == "published" and "published_source" in metadata:
                inherited["published_source"] = metadata["published_source"]
        if inherited:
            fills[member.id] = inherited
    return fills
