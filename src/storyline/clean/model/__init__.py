"""Per-line boilerplate classifier for full-page scrapes (``lines.json``).

Two stacked logistic regressions over hand-made line features (length, stop-word share,
punctuation, sentence-likeness, title case, position, distance to the densest run of prose,
neighbours, repetition, rule hits of neighbours). Stage 2 adds stage 1's probabilities of the
neighbouring lines (jusText-style context smoothing). The artifact is plain JSON, rebuilt
deterministically by ``benchmarks/train_line_model.py``.

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
from importlib import resources
from typing import Protocol, Sequence

import numpy as np

_WORD = re.compile(r"\w+")
_SENT_END = re.compile(r"[.!?…][\"'”’)]?\s+[\"'“‘(]?[A-ZÀ-ÖØ-ÞА-Я0-9]")
_BOILER = re.compile(
    r"cookie|privacy|subscri|newsletter|log ?in|sign ?(?:in|up)|account|share|comment|reply|"
    r"follow|menu|search|rights reserved|copyright|©|terms|advert|sponsor|related|read more|"
    r"click|download|password|email|contact|posted|tags?:|categor|previous|next|home|login",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(
    r"\b(?:19|20)\d\d\b.{0,20}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.? \d{1,2}\b", re.IGNORECASE
)
FULL_PAGE_MIN_LINES = 40
FULL_PAGE_MIN_SHORT = 0.35


class LineLike(Protocol):
    norm: str
    reason: str | None
    rule: str | None


@dataclass(frozen=True, slots=True)
class LineModel:
    """Standardisation and weights of both stages, the stop-word list and the threshold."""

    stopwords: frozenset[str]
    mean1: np.ndarray
    scale1: np.ndarray
    weights1: np.ndarray
    mean2: np.ndarray
    scale2: np.ndarray
    weights2: np.ndarray
    threshold: float


@lru_cache(maxsize=1)
def load_model() -> LineModel | None:
    """The shipped model, or ``None`` when ``lines.json`` is absent (rules only)."""
    path = resources.files("storyline.clean.model").joinpath("lines.json")
    if not path.is_file():
        return None
    data = json.loads(path.read_text("utf-8"))
    return from_dict(data)


def from_dict(data: dict) -> LineModel:
    arr = lambda key: np.asarray(data[key], dtype=np.float64)  # noqa: E731
    return LineModel(
        stopwords=frozenset(data["stopwords"]),
        mean1=arr("mean1"),
        scale1=arr("scale1"),
        weights1=arr("weights1"),
        mean2=arr("mean2"),
        scale2=arr("scale2"),
        weights2=arr("weights2"),
        threshold=float(data["threshold"]),
    )


def is_full_page(lines: Sequence[LineLike]) -> bool:
    """A full-page scrape: many lines, a large share of them short (menus, buttons, links)."""
    if len(lines) < FULL_PAGE_MIN_LINES:
        return False
    short = sum(1 for line in lines if len(line.norm.split()) <= 4)
    return short >= FULL_PAGE_MIN_SHORT * len(lines)


def _is_prose(words: int, norm: str) -> bool:
    return words >= 10 and norm[-1:] in ".!?\"'”’)…:"


def _main_run(prose: list[float]) -> tuple[int, int]:
    """Kadane's best segment over per-line scores: the densest run of prose lines."""
    best, best_range, cur, cur_start = -math.inf, (0, 0), 0.0, 0
    for i, score in enumerate(prose):
        if cur <= 0:
            cur, cur_start = score, i
        else:
            cur += score
        if cur > best:
            best, best_range = cur, (cur_start, i + 1)
    return best_range


def _windows(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean of ``values`` over ``[i - radius, i + radius]`` (clipped at the page ends)."""
    n = len(values)
    cum = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(n)
    lo, hi = np.maximum(0, idx - radius), np.minimum(n, idx + radius + 1)
    return (cum[hi] - cum[lo]) / (hi - lo)


def _shift(values: np.ndarray, by: int, fill: float) -> np.ndarray:
    """``values[i - by]`` (``by`` > 0: previous line), ``fill`` beyond the page."""
    out = np.full(len(values), fill, dtype=np.float64)
    if by > 0:
        out[by:] = values[:-by]
    else:
        out[:by] = values[-by:]
    return out


def _text_row(norm: str, stopwords: frozenset[str]) -> list[float]:
    """Features of one line on its own."""
    words = norm.split()
    w = len(words)
    chars = max(1, len(norm))
    toks = _WORD.findall(norm.lower())
    stop = sum(1 for t in toks if t in stopwords)
    alpha = sum(map(str.isalpha, norm))
    digits = sum(map(str.isdigit, norm))
    last = norm[-1:]
    return [
        math.log1p(chars),
        math.log1p(w),
        1.0 if w <= 2 else 0.0,
        1.0 if 3 <= w <= 5 else 0.0,
        1.0 if 6 <= w <= 12 else 0.0,
        1.0 if w >= 25 else 0.0,
        stop / max(1, len(toks)),
        math.log1p(stop),
        1.0 if last in ".!?" else 0.0,
        1.0 if last == ":" else 0.0,
        1.0 if norm.endswith(("...", "…")) else 0.0,
        1.0 if last in "\"'”’)" else 0.0,
        1.0 if norm[:1].isupper() else 0.0,
        1.0 if norm.isupper() and alpha > 3 else 0.0,
        alpha / chars,
        digits / chars,
        sum(1 for t in words if t[:1].isupper()) / max(1, w),
        math.log1p(len(_SENT_END.findall(norm))),
        math.log1p(norm.count(",")),
        1.0 if _BOILER.search(norm, 0, 300) else 0.0,
        1.0 if w <= 8 and _DATE_LIKE.search(norm) else 0.0,
        1.0 if "|" in norm or "»" in norm or "›" in norm else 0.0,
    ]


def line_features(lines: Sequence[LineLike], stopwords: frozenset[str]) -> np.ndarray:
    """Stage-1 feature matrix, one row per line (see the module docstring)."""
    n = len(lines)
    if n == 0:
        return np.zeros((0, N_FEATURES1), dtype=np.float64)
    own = np.array([_text_row(line.norm, stopwords) for line in lines], dtype=np.float64)
    words = np.array([len(line.norm.split()) for line in lines], dtype=np.float64)
    counts = Counter(line.norm.lower() for line in lines)
    repeated = np.array([counts[line.norm.lower()] > 1 for line in lines], dtype=np.float64)
    removed = np.array([line.reason is not None for line in lines], dtype=np.float64)
    prose = np.array([_is_prose(int(w), line.norm) for w, line in zip(words, lines)], dtype=np.float64)
    run_start, run_end = _main_run(list(np.where(prose > 0, np.minimum(words, 60) / 10.0, -1.0)))
    idx = np.arange(n)
    dist = np.where(idx < run_start, run_start - idx, np.where(idx >= run_end, idx - run_end + 1, 0))
    cum_words = np.concatenate([[0.0], np.cumsum(words)])
    context = np.column_stack(
        [
            repeated,
            idx / max(1, n - 1),
            cum_words[:-1] / max(1.0, cum_words[-1]),
            (dist == 0).astype(np.float64),
            np.log1p(dist),
            prose,
            _shift(prose, 1, 0.0),
            _shift(prose, -1, 0.0),
            _windows(prose, 3),
            _windows(prose, 10),
            _windows(removed, 3),
            np.log1p(_windows(words, 3)),
            np.log1p(_shift(words, -1, 0.0)),
            np.log1p(_shift(words, 1, 0.0)),
            _shift(removed, 1, 1.0),
            _shift(removed, -1, 1.0),
        ]
    )
    return np.hstack([own, context])


N_FEATURES1 = 38


def context_features(p: np.ndarray) -> np.ndarray:
    """Stage-2 extras from stage-1 probabilities ``p``: neighbours and windowed means/maxima."""
    before = np.max([_shift(p, k, 0.0) for k in (1, 2, 3)], axis=0)
    after = np.max([_shift(p, -k, 0.0) for k in (1, 2, 3)], axis=0)
    return np.column_stack(
        [_shift(p, 1, 0.0), _shift(p, -1, 0.0), before, after, _windows(p, 2), _windows(p, 6), _windows(p, 20), p]
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _logit(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return ((x - mean) / scale) @ weights[1:] + weights[0]


def predict(model: LineModel, lines: Sequence[LineLike]) -> np.ndarray:
    """Probability that each line is article content."""
    x1 = line_features(lines, model.stopwords)
    p1 = _sigmoid(_logit(x1, model.mean1, model.scale1, model.weights1))
    x2 = np.hstack([x1, context_features(p1)])
    return _sigmoid(_logit(x2, model.mean2, model.scale2, model.weights2))


def apply(lines: Sequence[LineLike]) -> None:
    """Mark kept lines the classifier calls boilerplate (``boilerplate`` / ``line_model``)."""
    model = load_model()
    if model is None or not is_full_page(lines):
        return
    probs = predict(model, lines)
    for line, prob in zip(lines, probs):
        if line.reason is None and prob < model.threshold:
            line.reason, line.rule = "boilerplate", "line_model"
