"""Per-line boilerplate classifier for full-page scrapes (``lines.json``).

Two stacked gradient-boosted tree ensembles (trained with scikit-learn's
``HistGradientBoostingClassifier`` by ``benchmarks/train_line_model.py``, exported to plain JSON
and evaluated here with numpy only — scikit-learn is not needed at run time).

Stage 1 sees per-line features computed for the whole page at once (:func:`line_features`):
length, token and stop-word counts, boilerplate and date keywords, final punctuation,
capitalisation, letter/digit share, sentence ends, commas, separators, rule hits, repetition,
position, distance to the densest run of prose, run lengths of long and short lines, and the
same quantities of the neighbours up to three lines away. Stage 2 adds stage 1's probabilities
of the neighbouring lines (jusText-style context smoothing, :func:`context_features`).

The classifier only acts on pages that look like a full-page scrape (:func:`is_full_page`):
short already-clean articles are left to the rules.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from importlib import resources
from typing import Protocol, Sequence

import numpy as np

_WORD = re.compile(r"\w+")
_SENT_END = re.compile(r"[.!?…][\"'”’)]? [\"'“‘(]?[A-ZÀ-ÖØ-ÞА-Я0-9]")
_BOILER_WORDS = (
    "cookie cookies privacy subscribe subscribed subscriber subscribers subscription subscriptions newsletter "
    "newsletters login logout signin signup sign log account accounts share shares shared comment comments "
    "reply replies follow menu search copyright reserved terms advertisement advertising advertise ad ads "
    "sponsor sponsored related click download password email contact posted tags tag category categories "
    "previous next home skip facebook twitter instagram linkedin whatsapp youtube pinterest reddit telegram "
    "print cart checkout register rss feed"
).split()
_COMMENT_WORDS = "writes wrote ago reply replies score upvote downvote flag report anonymous permalink points".split()
_MONTHS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december"
).split()
_TERMINAL = ".!?"
_CLOSERS = "\"'”’)»"
_SEPARATORS = "|»›•·/"
FULL_PAGE_MIN_LINES = 30
FULL_PAGE_MIN_SHORT = 0.1
_BMP = 0x10000


class LineLike(Protocol):
    norm: str
    reason: str | None
    rule: str | None


@dataclass(frozen=True, slots=True)
class Forest:
    """A boosted tree ensemble flattened into arrays (global node ids; leaves loop to themselves)."""

    baseline: float
    feature: np.ndarray  # int, feature index of each node (0 for leaves)
    threshold: np.ndarray  # float, go left when x <= threshold (+inf for leaves)
    left: np.ndarray  # int
    right: np.ndarray  # int
    value: np.ndarray  # float, leaf values (0 for inner nodes)
    roots: np.ndarray  # int, root node of each tree
    depth: int  # longest root-to-leaf path

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Summed leaf values plus the baseline (the log-odds of content) for each row of ``x``.

        All trees are walked at once, one level per step: ``children[2 * node + go_left]``.
        """
        n, width = x.shape
        if n == 0:
            return np.zeros(0)
        flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
        base = (np.arange(n, dtype=np.intp) * width)[:, None]
        children = self._children()
        node = np.empty((n, len(self.roots)), dtype=np.intp)
        node[:] = self.roots
        for _ in range(self.depth):
            go_left = flat[base + self.feature[node]] <= self.threshold[node]
            node = children[2 * node + go_left]
        return self.value[node].sum(axis=1) + self.baseline

    def _children(self) -> np.ndarray:
        out = np.empty(2 * len(self.left), dtype=np.intp)
        out[0::2], out[1::2] = self.right, self.left
        return out

    def to_dict(self) -> dict:
        return {
            "baseline": self.baseline,
            "feature": self.feature.tolist(),
            "threshold": [float(t) if math.isfinite(t) else None for t in self.threshold],  # exact: data values can sit on a threshold
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": [round(float(v), 7) for v in self.value],
            "roots": self.roots.tolist(),
            "depth": self.depth,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Forest:
        return cls(
            baseline=float(data["baseline"]),
            feature=np.asarray(data["feature"], dtype=np.intp),
            threshold=np.asarray([math.inf if t is None else t for t in data["threshold"]], dtype=np.float64),
            left=np.asarray(data["left"], dtype=np.intp),
            right=np.asarray(data["right"], dtype=np.intp),
            value=np.asarray(data["value"], dtype=np.float64),
            roots=np.asarray(data["roots"], dtype=np.intp),
            depth=int(data["depth"]),
        )


@dataclass(frozen=True, slots=True)
class LineModel:
    """Both stages, the stop-word list, the decision threshold (probability of content) and
    the island filter and recall recovery of :func:`keep_mask` (``min_share``, ``gap``, ``rescue``)."""

    stopwords: frozenset[str]
    stage1: Forest
    stage2: Forest
    threshold: float
    min_share: float = 0.0
    gap: int = 3
    rescue: float = 1.0
    fallback: float = 0.0


@lru_cache(maxsize=1)
def load_model() -> LineModel | None:
    """The shipped model, or ``None`` when ``lines.json`` is absent (rules only)."""
    path = resources.files("storyline.clean.model").joinpath("lines.json")
    if not path.is_file():
        return None
    return from_dict(json.loads(path.read_text("utf-8")))


def from_dict(data: dict) -> LineModel:
    return LineModel(
        stopwords=frozenset(data["stopwords"]),
        stage1=Forest.from_dict(data["stage1"]),
        stage2=Forest.from_dict(data["stage2"]),
        threshold=float(data["threshold"]),
        min_share=float(data.get("min_share", 0.0)),
        gap=int(data.get("gap", 3)),
        rescue=float(data.get("rescue", 1.0)),
        fallback=float(data.get("fallback", 0.0)),
    )


def is_full_page(lines: Sequence[LineLike]) -> bool:
    """A full-page scrape: many lines, some share of them short (menus, buttons, links)."""
    if len(lines) < FULL_PAGE_MIN_LINES:
        return False
    short = sum(1 for line in lines if line.norm.count(" ") <= 3)
    return short >= FULL_PAGE_MIN_SHORT * len(lines)


# ---------------------------------------------------------------- per-character classes


@lru_cache(maxsize=1)
def _char_table() -> np.ndarray:
    """Bit flags of every BMP code point: 1 word char (``\\w``), 2 letter, 4 digit, 8 upper case,
    16 separator (``|»›•·/``)."""
    table = np.zeros(_BMP + 1, dtype=np.uint8)  # the last slot stands for any non-BMP character
    for code in range(_BMP):
        ch = chr(code)
        if ch.isalnum() or ch == "_":
            flags = 1 | (2 if ch.isalpha() else 0) | (4 if ch.isdigit() else 0) | (8 if ch.isupper() else 0)
            table[code] = flags
    for ch in _SEPARATORS:
        table[ord(ch)] |= 16
    return table


def _codes(text: str) -> np.ndarray:
    arr = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return np.minimum(arr, _BMP)


def _per_line(columns: list[np.ndarray], starts: np.ndarray) -> np.ndarray:
    """Sums of each flag column over each line's characters (a line runs up to the next start)."""
    return np.add.reduceat(np.column_stack(columns).astype(np.int32), starts, axis=0).astype(np.float64)


@lru_cache(maxsize=4)
def _token_codes(stopwords: frozenset[str]) -> dict[str, int]:
    """Token (lower case) → 1 stop word, 2 boilerplate keyword, 4 month name or year, 8 comment word."""
    codes: dict[str, int] = {}
    for word in stopwords:
        codes[word] = codes.get(word, 0) | 1
    for word in _BOILER_WORDS:
        codes[word] = codes.get(word, 0) | 2
    for word in [*_MONTHS, *map(str, range(1900, 2100))]:
        codes[word] = codes.get(word, 0) | 4
    for word in _COMMENT_WORDS:
        codes[word] = codes.get(word, 0) | 8
    return codes


def _token_counts(lowered: list[str], codes: dict[str, int]) -> np.ndarray:
    """Per line: tokens, stop words, boilerplate keywords, date tokens, comment words (columns)."""
    joined = "\n".join(lowered)
    lengths = np.fromiter((len(s) for s in lowered), dtype=np.int64, count=len(lowered))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    flags = _char_table()[_codes(joined)] & 1
    begins = np.flatnonzero(flags & ~np.concatenate([[0], flags[:-1]]).astype(np.uint8))
    tokens = _WORD.findall(joined)
    if len(tokens) != len(begins):  # a non-BMP word character: count line by line
        per_line = [_WORD.findall(s) for s in lowered]
        owner = np.repeat(np.arange(len(lowered)), [len(t) for t in per_line])
        tokens = [t for toks in per_line for t in toks]
    else:
        owner = np.searchsorted(starts, begins, side="right") - 1
    kinds = np.fromiter(map(codes.get, tokens, repeat(0)), dtype=np.int64, count=len(tokens))
    n = len(lowered)
    out = np.zeros((n, 5))
    out[:, 0] = np.bincount(owner, minlength=n)
    for col, bit in ((1, 1), (2, 2), (3, 4), (4, 8)):
        out[:, col] = np.bincount(owner, weights=(kinds & bit) > 0, minlength=n)
    return out


# ---------------------------------------------------------------- features


def _shift(values: np.ndarray, by: int, fill: float) -> np.ndarray:
    """``values[i - by]`` (``by`` > 0: previous line), ``fill`` beyond the page."""
    out = np.full(len(values), fill, dtype=np.float64)
    if by > 0:
        out[by:] = values[:-by]
    elif by < 0:
        out[:by] = values[-by:]
    else:
        out[:] = values
    return out


def _windows(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean of ``values`` over ``[i - radius, i + radius]`` (clipped at the page ends)."""
    n = len(values)
    cum = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(n)
    lo, hi = np.maximum(0, idx - radius), np.minimum(n, idx + radius + 1)
    return (cum[hi] - cum[lo]) / (hi - lo)


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """Length of the run of consecutive true values each line belongs to (0 where false)."""
    n = len(mask)
    if n == 0:
        return np.zeros(0)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    out = np.zeros(n)
    for start, end in zip(edges[::2], edges[1::2]):
        out[start:end] = end - start
    return out


def _main_run(score: np.ndarray) -> tuple[int, int]:
    """Kadane's best segment over per-line scores: the densest run of prose lines."""
    best, best_range, cur, cur_start = -math.inf, (0, 0), 0.0, 0
    for i, value in enumerate(score.tolist()):
        if cur <= 0:
            cur, cur_start = value, i
        else:
            cur += value
        if cur > best:
            best, best_range = cur, (cur_start, i + 1)
    return best_range


def _last_char_code(norm: str) -> int:
    """0 none/other, 1 sentence end, 2 colon, 3 closing quote/bracket, 4 ellipsis, 5 digit, 6 letter, 7 comma."""
    last = norm[-1:]
    if not last:
        return 0
    if norm.endswith(("...", "…")):
        return 4
    if last in _TERMINAL:
        return 1
    if last == ":":
        return 2
    if last in _CLOSERS:
        return 3
    if last.isdigit():
        return 5
    if last.isalpha():
        return 6
    return 7 if last == "," else 0


def line_features(lines: Sequence[LineLike], stopwords: frozenset[str]) -> np.ndarray:
    """Stage-1 feature matrix, one row per line (see the module docstring), page-vectorised."""
    n = len(lines)
    if n == 0:
        return np.zeros((0, N_FEATURES1), dtype=np.float64)
    norms = [line.norm for line in lines]
    joined = "\n".join(norms) + "\n"  # every line owns at least its line break
    chars = np.fromiter((len(s) for s in norms), dtype=np.int64, count=n)
    starts = np.concatenate([[0], np.cumsum(chars + 1)[:-1]])
    codes = _codes(joined)
    flags = _char_table()[codes]
    at_word_start = np.concatenate([[True], (codes[:-1] == 32) | (codes[:-1] == 10)])  # after a space or break
    is_upper = (flags & 8) > 0
    sums = _per_line(
        [
            (flags & 2) > 0,
            (flags & 4) > 0,
            is_upper,
            is_upper & at_word_start,
            codes == 32,
            codes == 44,
            (flags & 16) > 0,
        ],
        starts,
    )
    alpha, digits, upper, cap_words, spaces, commas, seps = sums.T
    words = np.where(chars > 0, spaces + 1, 0.0)
    sent_pos = np.fromiter((m.start() for m in _SENT_END.finditer(joined)), dtype=np.int64)
    sentences = np.bincount(np.searchsorted(starts, sent_pos, side="right") - 1, minlength=n).astype(np.float64)
    lowered = [s.lower() for s in norms]
    tok = _token_counts(lowered, _token_codes(stopwords))
    tokens, stop, boiler, datey, comment = tok.T
    last = np.fromiter((_last_char_code(s) for s in norms), dtype=np.float64, count=n)
    first_upper = np.fromiter((s[:1].isupper() for s in norms), dtype=np.float64, count=n)
    removed = np.fromiter((line.reason is not None for line in lines), dtype=np.float64, count=n)

    counts = Counter(lowered)
    first_seen: dict[str, int] = {}
    last_seen: dict[str, int] = {}
    for i, s in enumerate(lowered):
        first_seen.setdefault(s, i)
        last_seen[s] = i
    repeated = np.fromiter((counts[s] for s in lowered), dtype=np.float64, count=n)
    spread = np.fromiter((last_seen[s] - first_seen[s] for s in lowered), dtype=np.float64, count=n)

    terminal = ((last == 1) | (last == 3)).astype(np.float64)
    prose = ((words >= 10) & ((last == 1) | (last == 2) | (last == 3) | (last == 4))).astype(np.float64)
    run_start, run_end = _main_run(np.where(prose > 0, np.minimum(words, 60) / 10.0, -1.0))
    idx = np.arange(n)
    dist = np.where(idx < run_start, idx - run_start, np.where(idx >= run_end, idx - run_end + 1, 0))
    cum_words = np.concatenate([[0.0], np.cumsum(words)])
    total_words = max(1.0, cum_words[-1])
    log_words = np.log1p(words)
    stop_ratio = stop / np.maximum(1.0, tokens)

    own = [
        chars.astype(np.float64),
        words,
        tokens,
        stop_ratio,
        stop,
        boiler,
        datey * (words <= 8),
        last,
        first_upper,
        ((upper == alpha) & (alpha > 3)).astype(np.float64),
        alpha / np.maximum(1, chars),
        digits / np.maximum(1, chars),
        cap_words / np.maximum(1.0, words),
        sentences,
        commas,
        seps,
        removed,
        repeated,
        spread / n,
        idx / max(1, n - 1),
        cum_words[:-1] / total_words,
        np.sign(dist) * np.log1p(np.abs(dist)),
        np.full(n, (cum_words[run_end] - cum_words[run_start]) / total_words),
        np.full(n, math.log(n)),
        _run_lengths(words >= 10),
        _run_lengths(words <= 4),
        _windows(prose, 3),
        _windows(prose, 10),
        _windows(removed, 3),
        _windows(log_words, 3),
        _windows(stop_ratio, 2),
        _windows(boiler > 0, 5),
        _windows(boiler > 0, 15),
        _windows(comment > 0, 10),
        _windows(terminal, 5),
        _run_lengths(terminal == 0),
        _windows(words <= 4, 10),
    ]
    for by in (1, 2, 3, -1, -2, -3):
        own += [
            _shift(log_words, by, 0.0),
            _shift(stop_ratio, by, 0.0),
            _shift(terminal, by, 0.0),
            _shift(removed, by, 1.0),
        ]
    return np.column_stack(own)


N_FEATURES1 = 37 + 6 * 4


def context_features(p: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Stage-2 extras from stage-1 probabilities ``p``: neighbours, windowed means/maxima, and
    the position relative to the best run of likely content (Kadane over token-weighted ``p``)."""
    n = len(p)
    before = np.max([_shift(p, k, 0.0) for k in (1, 2, 3)], axis=0)
    after = np.max([_shift(p, -k, 0.0) for k in (1, 2, 3)], axis=0)
    shifted = [_shift(p, k, 0.0) for k in (1, 2, 3, -1, -2, -3)]
    start, end = _main_run((p - 0.5) * np.sqrt(tokens + 1.0))
    idx = np.arange(n)
    dist = np.where(idx < start, idx - start, np.where(idx >= end, idx - end + 1, 0))
    return np.column_stack(
        [
            p,
            *shifted,
            before,
            after,
            _windows(p, 2),
            _windows(p, 6),
            _windows(p, 20),
            np.sign(dist) * np.log1p(np.abs(dist)),
            np.full(n, (end - start) / max(1, n)),
        ]
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def predict(model: LineModel, lines: Sequence[LineLike]) -> np.ndarray:
    """Probability that each line is article content (0 for lines a rule already removed:
    stage 2 only scores the lines still undecided)."""
    return _predict(model, lines, line_features(lines, model.stopwords))


def _predict(model: LineModel, lines: Sequence[LineLike], x1: np.ndarray) -> np.ndarray:
    p1 = _sigmoid(model.stage1.raw(x1))
    free = np.fromiter((line.reason is None for line in lines), dtype=bool, count=len(lines))
    x2 = np.hstack([x1, context_features(p1, x1[:, 2])])[free]
    out = np.zeros(len(lines))
    out[free] = _sigmoid(model.stage2.raw(x2))
    return out


def keep_mask(
    probs: np.ndarray,
    tokens: np.ndarray,
    threshold: float,
    min_share: float,
    gap: int,
    rescue: float = 1.0,
    fallback: float = 0.0,
) -> np.ndarray:
    """Lines kept: probability at least ``threshold``, and not in a small island of kept lines.

    Kept lines closer than ``gap`` lines form a block; blocks with fewer than ``min_share`` of
    the tokens of the largest block are dropped (stray menu items or comments far from the
    article). Then recall recovery: lines between the first and the last line still kept whose
    probability reaches ``rescue`` (< ``threshold``) are kept too. ``probs`` is 0 for lines a
    rule removed. Fallback (``fallback`` > 0): when no line reaches ``threshold``, the lines
    whose probability reaches ``fallback`` times the page's highest are kept, so that a page
    with one short article (a single paragraph among menus) does not come out empty.
    """
    keep = probs >= threshold
    kept = np.flatnonzero(keep)
    if len(kept) == 0:
        top = float(probs.max()) if len(probs) else 0.0
        if fallback > 0 and top > 0:
            return probs >= fallback * top
        return keep
    breaks = np.flatnonzero(np.diff(kept) > gap) + 1
    blocks = np.split(kept, breaks)
    sizes = np.array([tokens[b].sum() for b in blocks])
    for block, size in zip(blocks, sizes):
        if size < min_share * sizes.max():
            keep[block] = False
    kept = np.flatnonzero(keep)
    if rescue < threshold and len(kept):
        inside = probs[kept[0] : kept[-1] + 1]
        keep[kept[0] : kept[-1] + 1] |= (inside >= rescue) & (inside > 0)
    return keep


def apply(lines: Sequence[LineLike]) -> None:
    """Mark kept lines the classifier calls boilerplate (``boilerplate`` / ``line_model``)."""
    model = load_model()
    if model is None or not is_full_page(lines):
        return
    x1 = line_features(lines, model.stopwords)
    probs = _predict(model, lines, x1)
    keep = keep_mask(probs, x1[:, 2], model.threshold, model.min_share, model.gap, model.rescue, model.fallback)
    for line, kept in zip(lines, keep):
        if line.reason is None and not kept:
            line.reason, line.rule = "boilerplate", "line_model"
