"""The full-page line classifier: tree evaluation, the island filter, features, the shipped
artifact, and the page-level rule screen of the text cleaner."""

from __future__ import annotations

import json
import math
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.clean import model as lm
from storyline.clean import text as tx


def _stump_forest() -> lm.Forest:
    """Two trees: x0 <= 0.5 ? -1 : +1, and x1 <= 2 ? (x0 <= 0.2 ? 0.5 : 0.25) : -0.5."""
    data = {
        "baseline": 0.1,
        "feature": [0, 0, 0, 1, 0, 0, 0, 0],
        "threshold": [0.5, None, None, 2.0, 0.2, None, None, None],
        "left": [1, 1, 2, 4, 5, 5, 6, 7],
        "right": [2, 1, 2, 7, 6, 5, 6, 7],
        "value": [0, -1.0, 1.0, 0, 0, 0.5, 0.25, -0.5],
        "roots": [0, 3],
        "depth": 2,
    }
    return lm.Forest.from_dict(data)


def test_forest_walks_every_tree_and_adds_the_baseline() -> None:
    x = np.array([[0.1, 1.0], [0.3, 2.0], [0.9, 3.0], [0.5, 2.5]])
    expected = [0.1 - 1 + 0.5, 0.1 - 1 + 0.25, 0.1 + 1 - 0.5, 0.1 - 1 - 0.5]
    assert np.allclose(_stump_forest().raw(x), expected)
    assert _stump_forest().raw(np.zeros((0, 2))).shape == (0,)


def test_forest_round_trips_through_json() -> None:
    forest = _stump_forest()
    again = lm.Forest.from_dict(json.loads(json.dumps(forest.to_dict())))
    x = np.array([[0.2, 2.0], [0.7, 1.0]])
    assert np.array_equal(forest.raw(x), again.raw(x))


def test_keep_mask_drops_small_islands_far_from_the_article() -> None:
    probs = np.array([0.9, 0.1, 0.1, 0.1, 0.1, 0.95, 0.9, 0.2, 0.9, 0.9])
    tokens = np.array([3, 1, 1, 1, 1, 40, 50, 1, 30, 20], dtype=float)
    plain = lm.keep_mask(probs, tokens, 0.5, 0.0, 3)
    assert plain.tolist() == [p >= 0.5 for p in probs]
    filtered = lm.keep_mask(probs, tokens, 0.5, 0.1, 3)
    assert not filtered[0]  # 3 tokens, four lines away from the block of 140
    assert filtered[[5, 6, 8, 9]].all()  # a one-line gap stays inside the block


def test_keep_mask_recovers_likely_lines_only_inside_the_kept_span() -> None:
    probs = np.array([0.6, 0.1, 0.9, 0.6, 0.3, 0.0, 0.9, 0.6])
    tokens = np.full(len(probs), 10.0)
    keep = lm.keep_mask(probs, tokens, 0.8, 0.0, 3, rescue=0.5)
    assert keep.tolist() == [False, False, True, True, False, False, True, False]
    assert lm.keep_mask(probs, tokens, 0.8, 0.0, 3).tolist() == (probs >= 0.8).tolist()


def test_keep_mask_falls_back_to_the_best_lines_when_nothing_reaches_the_threshold() -> None:
    probs = np.array([0.1, 0.0, 0.6, 0.35, 0.2, 0.0])
    tokens = np.full(len(probs), 10.0)
    assert not lm.keep_mask(probs, tokens, 0.8, 0.2, 3).any()  # no fallback: the page comes out empty
    keep = lm.keep_mask(probs, tokens, 0.8, 0.2, 3, rescue=0.5, fallback=0.5)
    assert keep.tolist() == [False, False, True, True, False, False]  # >= half the best (0.6)
    assert not lm.keep_mask(np.zeros(4), np.ones(4), 0.8, 0.2, 3, fallback=0.5).any()  # rules removed all
    confident = np.array([0.9, 0.1, 0.3])
    assert lm.keep_mask(confident, np.ones(3), 0.8, 0.0, 3, fallback=0.5).tolist() == [True, False, False]


def test_features_have_the_documented_width_and_are_finite() -> None:
    lines, _ = tx.prepare_lines("\n".join(["Home", "News", "A sentence that is long enough to be prose, it says."] * 20))
    x = lm.line_features(lines, frozenset({"a", "that", "is"}))
    assert x.shape == (len(lines), lm.N_FEATURES1)
    assert np.isfinite(x).all()
    assert lm.line_features([], frozenset()).shape == (0, lm.N_FEATURES1)


def test_token_counts_agree_with_a_per_line_count_even_outside_the_bmp() -> None:
    lowered = ["the cat 𝐀𝐁 sat", "", "ok_go 42"]
    counts = lm._token_counts(lowered, lm._token_codes(frozenset({"the"})))
    assert counts[:, 0].tolist() == [4, 0, 2]  # 𝐀𝐁 is a word (\w), counted line by line
    assert counts[:, 1].tolist() == [1, 0, 0]


def test_shipped_artifact_is_small_and_complete() -> None:
    path = resources.files("storyline.clean.model").joinpath("lines.json")
    assert len(path.read_bytes()) < 2_000_000
    model = lm.load_model()
    assert model is not None
    assert 0 < model.threshold < 1 and model.stage1.depth > 0
    assert max(model.stage1.feature) < lm.N_FEATURES1
    assert all(math.isfinite(t) for t in model.stage2.threshold if t != math.inf)


def test_gate_needs_many_lines() -> None:
    lines, _ = tx.prepare_lines("\n".join(f"Menu {i}" for i in range(lm.FULL_PAGE_MIN_LINES - 1)))
    assert not lm.is_full_page(lines)
    lines, _ = tx.prepare_lines("\n".join(f"Menu {i}" for i in range(lm.FULL_PAGE_MIN_LINES)))
    assert lm.is_full_page(lines)


def test_rule_patterns_must_be_lower_case() -> None:
    with pytest.raises(ValueError):
        tx._compile_lower("bad", "Photo: .*")
    assert tx._compile_lower("ok", r"\S+ / afp$").search("x / afp")


_LINE = st.sampled_from(
    [
        "Home > News > World",
        "Photo: Jane Doe / Reuters",
        "Related articles:",
        "Read also: the other story",
        "We use cookies to improve your experience.",
        "A Message from The Moscow Times:",
        "Remind me later.",
        "Lukashenko (l.) and Xi in",
        "The council met on Tuesday and agreed on the budget for next year.",
        "1. A numbered teaser",
        "Share",
        "a / b",
    ]
) | st.text(alphabet="ab /|>:.()\n", max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, max_size=30))
def test_page_screen_never_drops_a_rule_hit(page: list[str]) -> None:
    lines, _ = tx.prepare_lines("\n".join(page))
    screen = tx._screen(lines)
    for k, rule, _ in tx._compiled().others:
        for i, line in enumerate(lines):
            if line.norm and tx._line_hit(rule, line):
                assert i in screen[k], (rule.name, line.norm)
