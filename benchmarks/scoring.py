"""Shared scorers for the extraction benchmarks.

* :func:`shingle_counts` / :func:`aeb_metrics` reproduce the ScrapingHub Article Extraction
  Benchmark ``evaluate.py`` exactly: ``\\w+`` tokens (case kept), 4-token shingles as multisets,
  per-page tp/fp/fn normalised by their sum, precision and recall averaged over pages, F1 of the
  averages, accuracy = exact token-sequence match, ± = standard deviation of 1,000 bootstrap
  resamples of the pages.
* :func:`word_prf` / :func:`wcxb_metrics` reproduce the WCXB word-level measure: lower-cased
  ``\\w+`` tokens, bag-of-words overlap, P/R/F1 per page, averaged over pages.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence

TOKEN_RE = re.compile(r"\w+")

TpFpFn = tuple[float, float, float]


def tokenize(text: str | None) -> list[str]:
    """ScrapingHub tokenisation: ``re.findall(r"\\w+", text)``, case kept."""
    return TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``n``-token shingles; a text shorter than ``n`` tokens is one short shingle."""
    tokens = tokenize(text)
    out: Counter[tuple[str, ...]] = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        shingle = tuple(tokens[i : i + n])
        if shingle:
            out[shingle] += 1
    return out


def shingle_counts(true: str | None, pred: str | None, n: int = 4) -> TpFpFn:
    """Per-page (tp, fp, fn) over shingles, normalised by their sum (as ScrapingHub does)."""
    gold, guess = shingles(true, n), shingles(pred, n)
    tp = float(sum((gold & guess).values()))
    fp = float(sum((guess - gold).values()))
    fn = float(sum((gold - guess).values()))
    total = tp + fp + fn
    if total > 0:
        return (tp / total, fp / total, fn / total)
    return (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def prf_from_counts(counts: Sequence[TpFpFn]) -> dict[str, float]:
    """Macro P (pages with tp+fp > 0), macro R (pages with tp+fn > 0) and F1 of those means."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"f1": f1, "precision": p, "recall": r}


def exact_match(true: str | None, pred: str | None) -> float:
    """1.0 when the token sequences are identical (ScrapingHub "accuracy")."""
    return float(tokenize(true) == tokenize(pred))


def bootstrap_std(
    n_items: int,
    stat: Callable[[list[int]], dict[str, float]],
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, float]:
    """Standard deviation of each statistic over ``n_boot`` resamples (with replacement) of items."""
    rng = random.Random(seed)
    values: dict[str, list[float]] = {}
    for _ in range(n_boot):
        idx = [rng.randrange(n_items) for _ in range(n_items)]
        for key, value in stat(idx).items():
            values.setdefault(key, []).append(value)
    return {f"{k}_std": statistics.stdev(v) if len(v) > 1 else 0.0 for k, v in values.items()}


def aeb_metrics(golds: Sequence[str], preds: Sequence[str | None], n_boot: int = 1000, seed: int = 0) -> dict[str, float]:
    """ScrapingHub AEB metrics (P, R, F1, accuracy and their bootstrap std) for aligned lists."""
    counts = [shingle_counts(g, p) for g, p in zip(golds, preds, strict=True)]
    accs = [exact_match(g, p) for g, p in zip(golds, preds, strict=True)]

    def stat(idx: list[int]) -> dict[str, float]:
        out = prf_from_counts([counts[i] for i in idx])
        out["accuracy"] = statistics.mean(accs[i] for i in idx)
        return out

    metrics = stat(list(range(len(counts))))
    metrics.update(bootstrap_std(len(counts), stat, n_boot, seed))
    return metrics


def word_prf(gold: str | None, pred: str | None) -> tuple[float, float, float]:
    """WCXB per-page word-level (P, R, F1): lower-cased ``\\w+`` bag-of-words overlap."""
    g = Counter(TOKEN_RE.findall((gold or "").lower()))
    p = Counter(TOKEN_RE.findall((pred or "").lower()))
    n_g, n_p = sum(g.values()), sum(p.values())
    if n_g == 0 and n_p == 0:
        return (1.0, 1.0, 1.0)
    if n_g == 0 or n_p == 0:
        return (0.0, 0.0, 0.0)
    overlap = sum((g & p).values())
    precision, recall = overlap / n_p, overlap / n_g
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return (precision, recall, f1)


def snippet_rate(snippets: Sequence[str], text: str | None) -> float | None:
    """Share of ``snippets`` found in ``text`` (case-insensitive substring); None if no snippets."""
    if not snippets:
        return None
    low = (text or "").lower()
    return sum(s.lower() in low for s in snippets) / len(snippets)


def wcxb_metrics(golds: Sequence[str], preds: Sequence[str | None]) -> dict[str, float]:
    """Macro-averaged WCXB word-level P, R, F1 over pages."""
    rows = [word_prf(g, p) for g, p in zip(golds, preds, strict=True)]
    if not rows:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    return {
        "precision": statistics.mean(r[0] for r in rows),
        "recall": statistics.mean(r[1] for r in rows),
        "f1": statistics.mean(r[2] for r in rows),
    }
