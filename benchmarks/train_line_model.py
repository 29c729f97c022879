"""Train the per-line boilerplate classifier (``src/storyline/clean/model/lines.json``).

Deterministic: trains on the pagetext-dev pages whose integer id is EVEN only; odd ids are
held out (score them with ``benchmarks/pagetext.py --split odd``). A line is labelled
content when its tokens occur in the page's gold main text (see :func:`label_lines`). Only lines that no rule removed are used, exactly the
lines the classifier decides at run time, and only on full-page scrapes
(:func:`storyline.clean.model.is_full_page`).

Stage 1 is an L2 logistic regression (Newton/IRLS) on the line features; stage 2 adds the
neighbours' stage-1 probabilities, which are cross-fitted on two folds of the training pages.
The threshold maximises mean page F1 (word level) on the training pages.

    python benchmarks/train_line_model.py [DATA_DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from storyline.clean import model as lm
from storyline.clean.text import prepare_lines

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "pagetext-dev"
DEFAULT_OUT = REPO / "src" / "storyline" / "clean" / "model" / "lines.json"
STOP_LANGUAGES = ("English", "German", "French", "Spanish", "Italian", "Portuguese", "Dutch")
_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")


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


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0, iters: int = 30) -> np.ndarray:
    """Weighted L2 logistic regression by Newton's method; returns ``[bias, *weights]``."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ beta, -30, 30)))
        grad = xb.T @ (w * (p - y)) + reg * beta
        hess = (xb * (w * p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return beta


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def page_f1(kept: list[str], gold_tokens: Counter) -> float:
    pred = Counter(t for text in kept for t in _TOKEN.findall(text.lower()))
    if not pred and not gold_tokens:
        return 1.0
    overlap = sum((pred & gold_tokens).values())
    p = overlap / max(1, sum(pred.values()))
    r = overlap / max(1, sum(gold_tokens.values()))
    return 2 * p * r / (p + r) if p + r else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    with (args.data / "gold.jsonl").open(encoding="utf-8") as fh:
        gold = {row["id"]: row["main_content"] for row in map(json.loads, fh)}
    stop = frozenset(stopwords())
    pages = []  # (id, lines, x1, labels, keep-mask)
    for pid in sorted(gold):
        if int(pid) % 2:
            continue  # odd ids are held out
        lines, _ = prepare_lines((args.data / f"{pid}.txt").read_text(encoding="utf-8"))
        if not lm.is_full_page(lines):
            continue
        x1 = lm.line_features(lines, stop)
        free = np.array([line.reason is None for line in lines])
        pages.append((pid, lines, x1, np.array(label_lines(lines, gold[pid]), dtype=float), free))
    print(f"training pages (even ids, full-page gate): {len(pages)}")

    def stack(rows: list, index: int) -> np.ndarray:
        return np.concatenate([r[index][r[4]] for r in rows])

    def weights(rows: list) -> np.ndarray:
        return np.concatenate([np.sqrt(1 + r[2][r[4], 1].clip(0)) for r in rows])  # ~sqrt(words)

    # stage 1 on all training pages
    x_all, y_all, w_all = stack(pages, 2), stack(pages, 3), weights(pages)
    mean1, scale1 = standardise(x_all)
    beta1 = fit_logistic((x_all - mean1) / scale1, y_all, w_all)

    # stage-1 probabilities cross-fitted on two folds, for training stage 2
    folds = [[p for p in pages if int(p[0]) // 2 % 2 == k] for k in (0, 1)]
    p1_cross: dict[str, np.ndarray] = {}
    for k in (0, 1):
        train = folds[1 - k]
        xf = stack(train, 2)
        beta = fit_logistic((xf - mean1) / scale1, stack(train, 3), weights(train))
        for page in folds[k]:
            p1_cross[page[0]] = lm._sigmoid(lm._logit(page[2], mean1, scale1, beta))
    x2_pages = [np.hstack([p[2], lm.context_features(p1_cross[p[0]])]) for p in pages]
    x2 = np.concatenate([x[p[4]] for x, p in zip(x2_pages, pages)])
    mean2, scale2 = standardise(x2)
    beta2 = fit_logistic((x2 - mean2) / scale2, y_all, w_all)

    # threshold: best mean page F1 on the training pages, scored on their lines
    model = lm.LineModel(stop, mean1, scale1, beta1, mean2, scale2, beta2, 0.5)
    probs = [lm.predict(model, p[1]) for p in pages]
    golds = [Counter(_TOKEN.findall(gold[p[0]].lower())) for p in pages]
    best = (0.0, 0.5)
    for threshold in np.arange(0.15, 0.86, 0.05):
        scores = [
            page_f1([ln.norm for ln, pr in zip(p[1], prob) if ln.reason is None and pr >= threshold], g)
            for p, prob, g in zip(pages, probs, golds)
        ]
        f1 = float(np.mean(scores))
        print(f"  threshold {threshold:.2f}: train-page F1 {f1:.4f}")
        if f1 > best[0]:
            best = (f1, float(threshold))
    print(f"chosen threshold {best[1]:.2f} (train-page F1 {best[0]:.4f})")

    artifact = {
        "about": "storyline line classifier; built by benchmarks/train_line_model.py on pagetext-dev even ids",
        "features1": lm.N_FEATURES1,
        "stopwords": sorted(stop),
        "mean1": np.round(mean1, 6).tolist(),
        "scale1": np.round(scale1, 6).tolist(),
        "weights1": np.round(beta1, 6).tolist(),
        "mean2": np.round(mean2, 6).tolist(),
        "scale2": np.round(scale2, 6).tolist(),
        "weights2": np.round(beta2, 6).tolist(),
        "threshold": round(best[1], 2),
    }
    args.out.write_text(json.dumps(artifact, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
