"""Train the per-line boilerplate classifier (``src/storyline/clean/model/lines.json``).

Deterministic: trains on the pagetext-dev pages whose integer id is EVEN only; odd ids are
held out (score them with ``benchmarks/pagetext.py --split odd``). A line is labelled
content when its tokens occur in the page's gold main text (see :func:`label_lines`). Only
lines that no rule removed are used, exactly the lines the classifier decides at run time,
and only on full-page scrapes (:func:`storyline.clean.model.is_full_page`).

Both stages are scikit-learn ``HistGradientBoostingClassifier`` ensembles (needed only here,
at training time), exported as flat node arrays that :mod:`storyline.clean.model` evaluates
with numpy. Stage 2 adds the neighbours' stage-1 probabilities, cross-fitted on folds of the
training pages. The decision threshold is chosen on the training half only, from
out-of-fold predictions (the whole pipeline refitted on each outer fold of the even pages),
together with the island filter's ``min_share`` and the recall-recovery threshold ``rescue``
(:func:`storyline.clean.model.keep_mask`): the best mean page F1 among settings whose mean page
precision reaches ``--min-precision``. Pages on which no line reaches the threshold keep the lines
whose probability is at least ``FALLBACK`` times the page's best (so that they do not come out
empty); the settings are scored with that fallback in place.

    python benchmarks/train_line_model.py [DATA_DIR] [--out PATH] [--min-precision P]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storyline.clean import model as lm
from storyline.clean.text import prepare_lines

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "pagetext-dev"
DEFAULT_OUT = REPO / "src" / "storyline" / "clean" / "model" / "lines.json"
STOP_LANGUAGES = ("English", "German", "French", "Spanish", "Italian", "Portuguese", "Dutch")
_TOKEN = re.compile(r"\w+")
FOLDS = 3
GAP = 3  # kept lines closer than this form one block (see storyline.clean.model.keep_mask)
THRESHOLDS = tuple(float(t) for t in np.round(np.arange(0.5, 0.951, 0.025), 3))
MIN_SHARES = (0.0, 0.05, 0.1, 0.2, 0.3)
RESCUES = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 1.0)  # 1.0: no recall recovery
FALLBACK = 0.5  # a page where no line reaches the threshold keeps lines >= FALLBACK x its best probability
HGB_PARAMS = {
    "max_iter": 120,
    "learning_rate": 0.1,
    "max_leaf_nodes": 24,
    "max_depth": 7,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}


def stopwords() -> list[str]:
    import justext  # installed with trafilatura; needed only to build the artifact

    words: set[str] = set()
    for language in STOP_LANGUAGES:
        words |= {w.lower() for w in justext.get_stoplist(language)}
    return sorted(words)


def label_lines(lines: list, gold: str) -> list[int]:
    """1 when a line's tokens occur in the gold text: short lines (< 4 tokens) as a whole gold
    line, longer ones as a token run or, failing that, with 60%+ of their token trigrams in gold."""
    gold_tokens = _TOKEN.findall(gold.lower())
    gold_flat = " " + " ".join(gold_tokens) + " "
    gold_lines = {" ".join(_TOKEN.findall(g.lower())) for g in gold.splitlines()}
    trigrams = {tuple(gold_tokens[i : i + 3]) for i in range(len(gold_tokens) - 2)}
    labels = []
    for line in lines:
        toks = _TOKEN.findall(line.norm.lower())
        text = " ".join(toks)
        if not toks:
            labels.append(0)
        elif len(toks) < 4:
            labels.append(int(text in gold_lines))
        elif f" {text} " in gold_flat:
            labels.append(1)
        else:
            grams = [tuple(toks[i : i + 3]) for i in range(len(toks) - 2)]
            labels.append(int(sum(g in trigrams for g in grams) >= 0.6 * len(grams)))
    return labels


@dataclass
class Page:
    pid: str
    lines: list
    gold: Counter
    gated: bool
    x1: np.ndarray | None = None
    y: np.ndarray | None = None
    free: np.ndarray | None = None  # lines no rule removed
    weight: np.ndarray | None = None


def export(clf) -> lm.Forest:
    """Flatten a fitted binary ``HistGradientBoostingClassifier`` into a :class:`Forest`."""
    feature, threshold, left, right, value, roots, depth = [], [], [], [], [], [], 0
    for (tree,) in clf._predictors:
        nodes, offset = tree.nodes, len(feature)
        roots.append(offset)
        for k, node in enumerate(nodes):
            if node["is_leaf"]:
                feature.append(0)
                threshold.append(np.inf)
                left.append(offset + k)
                right.append(offset + k)
                value.append(float(node["value"]))
            else:
                feature.append(int(node["feature_idx"]))
                threshold.append(float(node["num_threshold"]))
                left.append(offset + int(node["left"]))
                right.append(offset + int(node["right"]))
                value.append(0.0)
            depth = max(depth, int(node["depth"]))
    forest = lm.Forest(
        baseline=float(clf._baseline_prediction.ravel()[0]),
        feature=np.asarray(feature, dtype=np.int64),
        threshold=np.asarray(threshold, dtype=np.float64),
        left=np.asarray(left, dtype=np.int64),
        right=np.asarray(right, dtype=np.int64),
        value=np.asarray(value, dtype=np.float64),
        roots=np.asarray(roots, dtype=np.int64),
        depth=depth,
    )
    return lm.Forest.from_dict(json.loads(json.dumps(forest.to_dict())))  # exactly what ships


def fit_forest(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> lm.Forest:
    from sklearn.ensemble import HistGradientBoostingClassifier  # training-time only

    clf = HistGradientBoostingClassifier(**HGB_PARAMS).fit(x, y, sample_weight=w)
    forest = export(clf)
    check = x[:2000]
    diff = np.max(np.abs(forest.raw(check) - clf.decision_function(check)))
    assert diff < 1e-4, f"exported forest disagrees with scikit-learn ({diff})"
    return forest


def page_weights(tokens: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Line weights ~ tokens (the metric counts tokens), normalised so that every page weighs
    the same in total (the metric is a mean over pages), scaled to a mean line weight of ~1."""
    w = 1.0 + tokens
    return w * (free.sum() / max(1.0, w[free].sum()))


def _stack(pages: list[Page], get) -> np.ndarray:
    return np.concatenate([get(p)[p.free] for p in pages])


def fit_pipeline(pages: list[Page]) -> tuple[lm.Forest, lm.Forest]:
    """Stage 1 on all ``pages``; stage 2 on stage-1 probabilities cross-fitted over page folds."""
    y, w = _stack(pages, lambda p: p.y), _stack(pages, lambda p: p.weight)
    stage1 = fit_forest(_stack(pages, lambda p: p.x1), y, w)
    p1: dict[str, np.ndarray] = {}
    for k in range(FOLDS):
        train = [p for i, p in enumerate(pages) if i % FOLDS != k]
        forest = fit_forest(_stack(train, lambda p: p.x1), _stack(train, lambda p: p.y), _stack(train, lambda p: p.weight))
        for p in pages[k::FOLDS]:
            p1[p.pid] = lm._sigmoid(forest.raw(p.x1))
    stage2 = fit_forest(_stack(pages, lambda p: np.hstack([p.x1, lm.context_features(p1[p.pid], p.x1[:, 2])])), y, w)
    return stage1, stage2


def page_scores(kept: list[str], gold: Counter) -> tuple[float, float, float]:
    pred = Counter(t for text in kept for t in _TOKEN.findall(text.lower()))
    if not pred and not gold:
        return 1.0, 1.0, 1.0
    overlap = sum((pred & gold).values())
    p = overlap / max(1, sum(pred.values()))
    r = overlap / max(1, sum(gold.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


class PageScorer:
    """:func:`page_scores` for many keep masks of one page: a line x token count matrix, so that
    the bag of kept tokens is one matrix product."""

    def __init__(self, lines: list, gold: Counter) -> None:
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, line in enumerate(lines):
            for t in _TOKEN.findall(line.norm.lower()):
                rows.append(i)
                cols.append(vocab.setdefault(t, len(vocab)))
        self.counts = np.zeros((len(lines), len(vocab)), dtype=np.float32)
        np.add.at(self.counts, (rows, cols), 1.0)
        self.gold = np.array([gold.get(t, 0) for t in vocab], dtype=np.float32)
        self.gold_total = sum(gold.values())

    def __call__(self, keep: np.ndarray) -> tuple[float, float, float]:
        pred = np.asarray(keep, dtype=np.float32) @ self.counts
        total = float(pred.sum())
        if total == 0 and self.gold_total == 0:
            return 1.0, 1.0, 1.0
        overlap = float(np.minimum(pred, self.gold).sum())
        p, r = overlap / max(1.0, total), overlap / max(1, self.gold_total)
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_table(
    pages: list[Page], probs: dict[str, np.ndarray], settings: list[tuple[float, float, float]], gap: int
) -> np.ndarray:
    """Mean page (P, R, F1) over all ``pages`` for each (threshold, min_share, rescue) (ungated pages: rules only)."""
    scorers = {p.pid: PageScorer(p.lines, p.gold) for p in pages}
    fixed = {p.pid: scorers[p.pid](np.array([ln.reason is None for ln in p.lines])) for p in pages if not p.gated}
    rows = []
    for threshold, min_share, rescue in settings:
        scores = []
        for p in pages:
            if p.gated:
                keep = lm.keep_mask(probs[p.pid], p.x1[:, 2], threshold, min_share, gap, rescue, FALLBACK)
                scores.append(scorers[p.pid](keep))
            else:
                scores.append(fixed[p.pid])
        rows.append(np.mean(scores, axis=0))
    return np.array(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--min-precision", type=float, default=0.95)
    args = ap.parse_args(argv)

    with (args.data / "gold.jsonl").open(encoding="utf-8") as fh:
        gold = {row["id"]: row["main_content"] for row in map(json.loads, fh)}
    stop = frozenset(stopwords())
    pages: list[Page] = []
    for pid in sorted(gold):
        if int(pid) % 2:
            continue  # odd ids are held out
        lines, _ = prepare_lines((args.data / f"{pid}.txt").read_text(encoding="utf-8"))
        page = Page(pid, lines, Counter(_TOKEN.findall(gold[pid].lower())), lm.is_full_page(lines))
        if page.gated:
            page.x1 = lm.line_features(lines, stop)
            page.y = np.array(label_lines(lines, gold[pid]), dtype=float)
            page.free = np.array([line.reason is None for line in lines])
            page.weight = page_weights(page.x1[:, 2], page.free)
        pages.append(page)
    gated = [p for p in pages if p.gated]
    print(f"training pages (even ids): {len(pages)}, full-page gate: {len(gated)}")

    # threshold from out-of-fold predictions: the whole pipeline refitted without each fold
    oof: dict[str, np.ndarray] = {}
    for k in range(FOLDS):
        stage1, stage2 = fit_pipeline([p for i, p in enumerate(gated) if i % FOLDS != k])
        model = lm.LineModel(stop, stage1, stage2, 0.5)
        for p in gated[k::FOLDS]:
            oof[p.pid] = lm.predict(model, p.lines)
    settings = [(t, share, rescue) for t in THRESHOLDS for share in MIN_SHARES for rescue in RESCUES if rescue < t or rescue == 1.0]
    table = score_table(pages, oof, settings, GAP)
    feasible = sorted((i for i, row in enumerate(table) if row[0] >= args.min_precision), key=lambda i: -table[i][2])
    best = feasible[0] if feasible else int(np.argmax(table[:, 0]))
    print(f"best {min(15, len(feasible))} of {len(settings)} settings with out-of-fold precision >= {args.min_precision}:")
    for i in feasible[:15]:
        (threshold, share, rescue), (p, r, f1) = settings[i], table[i]
        mark = " <- chosen" if i == best else ""
        print(f"  threshold {threshold:.3f} min_share {share:.2f} rescue {rescue:.2f}: out-of-fold even pages P {p:.4f} R {r:.4f} F1 {f1:.4f}{mark}")

    stage1, stage2 = fit_pipeline(gated)
    artifact = {
        "about": "storyline line classifier; built by benchmarks/train_line_model.py on pagetext-dev even ids",
        "features1": lm.N_FEATURES1,
        "params": HGB_PARAMS,
        "stopwords": sorted(stop),
        "stage1": stage1.to_dict(),
        "stage2": stage2.to_dict(),
        "threshold": settings[best][0],
        "min_share": settings[best][1],
        "rescue": settings[best][2],
        "gap": GAP,
        "fallback": FALLBACK,
    }
    args.out.write_text(json.dumps(artifact, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB), threshold/min_share/rescue {settings[best]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
