"""Unit tests of the benchmark scorers on tiny hand-computed cases."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "scoring.py"
_spec = importlib.util.spec_from_file_location("bench_scoring", _PATH)
assert _spec and _spec.loader
scoring = importlib.util.module_from_spec(_spec)
sys.modules["bench_scoring"] = scoring
_spec.loader.exec_module(scoring)


def test_tokenize_keeps_case_and_splits_on_non_word():
    assert scoring.tokenize("Hello, World! it's 2025") == ["Hello", "World", "it", "s", "2025"]
    assert scoring.tokenize(None) == []


def test_shingles_multiset_and_short_text():
    assert scoring.shingles("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }
    assert scoring.shingles("only two") == {("only", "two"): 1}  # one short shingle
    assert scoring.shingles("") == {}


def test_shingle_counts_hand_computed():
    # gold shingles: abcd bcde ; pred shingles: abcd bcdx  -> tp 1, fp 1, fn 1, normalised by 3
    tp, fp, fn = scoring.shingle_counts("a b c d e", "a b c d x")
    assert (tp, fp, fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert scoring.shingle_counts("a b c d", "a b c d") == (1.0, 0.0, 0.0)
    assert scoring.shingle_counts("", "") == (0.0, 0.0, 0.0)


def test_prf_from_counts_follows_scrapinghub_rules():
    # page 1: perfect; page 2: nothing predicted (no precision entry, recall 0)
    counts = [(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)]
    m = scoring.prf_from_counts(counts)
    assert m["precision"] == 1.0
    assert m["recall"] == 0.5
    assert m["f1"] == pytest.approx(2 * 1.0 * 0.5 / 1.5)
    # both empty: fp == fn == 0 counts as 1.0 for both, but tp+fp == 0 excludes it from the means
    assert scoring.prf_from_counts([(0.0, 0.0, 0.0), (0.5, 0.5, 0.0)])["precision"] == 0.5


def test_aeb_metrics_accuracy_and_bootstrap():
    golds = ["One two three four five.", "Alpha beta gamma delta"]
    preds = ["one two three four five", "Alpha beta gamma delta"]  # case differs on page 1
    m = scoring.aeb_metrics(golds, preds, n_boot=50, seed=1)
    assert m["accuracy"] == 0.5
    # page 1: "One two three four" differs by case, "two three four five" matches -> P 1/2; page 2: 1
    assert m["precision"] == pytest.approx(0.75)
    assert m["f1_std"] >= 0.0
    assert m == scoring.aeb_metrics(golds, preds, n_boot=50, seed=1)  # seeded, reproducible


def test_word_prf_hand_computed():
    # gold: the cat sat (3), pred: the the cat (3); overlap: the(1) + cat(1) = 2
    p, r, f1 = scoring.word_prf("The cat sat", "the THE cat")
    assert (p, r) == pytest.approx((2 / 3, 2 / 3))
    assert f1 == pytest.approx(2 / 3)
    assert scoring.word_prf("", "") == (1.0, 1.0, 1.0)
    assert scoring.word_prf("gold words", "") == (0.0, 0.0, 0.0)
    assert scoring.word_prf("", "spurious") == (0.0, 0.0, 0.0)


def test_wcxb_macro_average_and_snippets():
    m = scoring.wcxb_metrics(["a b", "c d"], ["a b", "x y"])
    assert m == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert scoring.snippet_rate(["Quick Fox", "lazy dog"], "the quick fox jumps") == 0.5
    assert scoring.snippet_rate([], "anything") is None
