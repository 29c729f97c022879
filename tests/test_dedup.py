"""Tests for storyline.dedup: matching, grouping, metadata merge, persistence."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.dedup import (
    DedupConfig,
    DedupIndex,
    DupMatch,
    Fingerprint,
    GroupMember,
    _bucket_add,
    _containment,
    _containments,
    _shingle_hashes,
    apply_group,
    build_groups,
    fingerprint,
    normalise_for_hash,
    verify_candidate,
    verify_candidates,
)
from storyline.errors import ConfigError
from storyline.model import Article

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "belarus-china"
FIXTURES = ROOT / "tests" / "fixtures" / "dedup"
CFG = DedupConfig()


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _raw(prefix: str) -> str:
    return next(EXAMPLES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def _appeal() -> str:
    raw = _raw("001")
    return raw[raw.index("A Message from The Moscow Times") :]


BODY = _fixture("000_clean.txt")


def _match(a: str, b: str, cfg: DedupConfig = CFG) -> list[DupMatch]:
    """Add ``a`` then ``b`` to a fresh index; the matches found for ``b``."""
    index = DedupIndex(cfg)
    assert index.add(fingerprint("a", a, cfg)) == []
    return index.add(fingerprint("b", b, cfg))


def _reasons(a: str, b: str) -> set[str]:
    """Reasons found in both arrival orders (they must agree)."""
    forward = {m.reason for m in _match(a, b)}
    backward = {m.reason for m in _match(b, a)}
    assert forward == backward
    return forward


def _groups_of(docs: dict[str, str], order: list[str] | None = None) -> set[frozenset[str]]:
    index = DedupIndex(CFG)
    matches = [m for ident in order or sorted(docs) for m in index.add(fingerprint(ident, docs[ident], CFG))]
    members = {i: GroupMember(i, len(t)) for i, t in docs.items()}
    return {frozenset(link.id for link in g.members) for g in build_groups(matches, members)}


# --------------------------------------------------------------------------- normalisation


def test_normalise_unifies_case_quotes_dashes_width_and_space() -> None:
    a = "\u201cHello\u201d \u2014 it\u2019s   ＷＯＲＬＤ\u200b\n\nagain\u00a0now"
    assert normalise_for_hash(a) == "\"hello\" - it's world again now"


@given(st.text(max_size=200))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_for_hash(text)
    assert normalise_for_hash(once) == once


# --------------------------------------------------------------------------- matching


def test_exact_duplicate_despite_different_paragraphing() -> None:
    # 000 (split sentence across paragraphs) and 001, both hand-cleaned: the same article
    matches = _match(BODY, _fixture("001_clean.txt"))
    assert [(m.other_id, m.reason, m.similarity) for m in matches] == [("a", "exact", 1.0)]


def test_appended_appeal_block_still_matches() -> None:
    assert _reasons(BODY, BODY + "\n\n" + _appeal()) == {"contained"}


def test_prepended_header_still_matches() -> None:
    header = "Putin, Xi Hail Lukashenko's Victory Amid Western Condemnation\n\nBy AFP\n\nJanuary 27, 2025\n\n"
    assert _reasons(BODY, header + BODY) == {"near_duplicate"}


@pytest.mark.parametrize("fraction", [0.4, 0.6])
def test_truncated_copy_is_contained(fraction: float) -> None:
    truncated = BODY[: int(len(BODY) * fraction)]  # may cut mid-word
    matches = _match(BODY, truncated)
    assert [m.reason for m in matches] == ["contained"]
    assert matches[0].containment >= 0.95
    assert _reasons(BODY, truncated) == {"contained"}


def test_short_fragment_of_long_article_is_not_a_duplicate() -> None:
    # 10% of the article: contained, but too small relative to it (min_length_ratio)
    assert _reasons(BODY, BODY[: len(BODY) // 10]) == set()


def test_paraphrase_is_not_matched() -> None:
    # 004's "Read also" list paraphrases its body sentence by sentence
    assert _reasons(_fixture("004_clean.txt"), _fixture("004_paraphrase.txt")) == set()


def test_different_articles_on_same_event_are_not_matched() -> None:
    # 002 and 003: the same visit, different outlets, different words
    assert _reasons(_raw("002"), _fixture("003_clean.txt")) == set()


def test_examples_group_000_and_001_only() -> None:
    clean = {"000": BODY, "001": _fixture("001_clean.txt"), "002": _raw("002"), "003": _fixture("003_clean.txt")}
    clean["004"] = _fixture("004_clean.txt")
    assert _groups_of(clean) == {frozenset({"000", "001"})}


def test_raw_uncleaned_examples_group_000_and_001_only() -> None:
    raw = {p: _raw(p) for p in ("000", "001", "002", "003", "004")}
    assert _groups_of(raw) == {frozenset({"000", "001"})}


def test_short_texts_only_match_exactly() -> None:
    short = "Lukashenko met Xi Jinping in Beijing on Monday."
    assert [m.reason for m in _match(short, short.upper() + "  ")] == ["exact"]
    assert _match(short, short.replace("Monday", "Tuesday")) == []


def test_empty_texts_never_match() -> None:
    index = DedupIndex(CFG)
    for ident, text in (("a", ""), ("b", ""), ("c", "  \n\t "), ("d", "— … —")):
        fp = fingerprint(ident, text, CFG)
        assert fp.n_words == 0
        assert index.add(fp) == []
    assert len(index) == 0


def test_re_adding_the_same_article_is_not_a_self_match() -> None:
    index = DedupIndex(CFG)
    fp = fingerprint("a", BODY, CFG)
    assert index.add(fp) == []
    assert index.add(fp) == []


def test_fingerprint_settings_must_match_the_index() -> None:
    fp = fingerprint("a", BODY, DedupConfig(shingle=4))
    with pytest.raises(ConfigError):
        DedupIndex(CFG).add(fp)


@pytest.mark.parametrize(
    "kwargs", [{"num_perm": 0}, {"jaccard_threshold": 1.5}, {"anchors": 500}, {"min_words": -1}]
)
def test_invalid_config_is_a_config_error(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        DedupConfig(**kwargs)


# --------------------------------------------------------------------------- estimators and buckets


@settings(max_examples=40, deadline=None)
@given(n=st.integers(30, 800), cut=st.floats(0.25, 1.0))
def test_containment_of_a_prefix_is_exactly_one(n: int, cut: float) -> None:
    words = [f"w{i}" for i in range(n)]
    full = _shingle_hashes(words, 5, 1)
    part = _shingle_hashes(words[: max(5, int(n * cut))], 5, 1)
    k = CFG.sketch_size
    assert _containment(part[:k], len(part), full[:k], len(full)) == 1.0
    assert _containment(full[:k], len(full), part[:k], len(part)) == 1.0


def test_containment_of_disjoint_sets_is_zero() -> None:
    a = _shingle_hashes([f"a{i}" for i in range(300)], 5, 1)
    b = _shingle_hashes([f"b{i}" for i in range(300)], 5, 1)
    assert _containment(a[:128], len(a), b[:128], len(b)) == 0.0


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(0, 700), min_size=1, max_size=12), n=st.integers(0, 700),
       overlap=st.floats(0.0, 1.0), seed=st.integers(0, 1000))
def test_batched_containments_and_verdicts_equal_the_pairwise_ones(sizes: list[int], n: int, overlap: float,
                                                                  seed: int) -> None:
    """The index verifies all candidates of a newcomer at once; the Dask engine verifies pair by pair: both
    must give exactly the same containments and matches (sizes around the sketch size, empty sets, overlaps)."""
    rng = np.random.default_rng(seed)
    pool = [f"w{i}" for i in range(3000)]
    words = [pool[i] for i in rng.choice(len(pool), size=n, replace=False)] if n else []
    k = CFG.sketch_size
    mine = _shingle_hashes(words, 1, 1)
    fp = Fingerprint("new", "0" * 32, len(words), len(mine), np.zeros(CFG.num_perm, np.uint32), mine[:k].copy(),
                     1, 1)
    others, ns, sims = [], [], []
    for j, size in enumerate(sizes):
        shared = words[: int(len(words) * overlap)]
        extra = [pool[i] for i in rng.choice(len(pool), size=size, replace=False)]
        h = _shingle_hashes(list(dict.fromkeys(shared[:size] + extra))[:size], 1, 1)
        others.append(h[:k].copy())
        ns.append(len(h))
        sims.append([0.0, 0.85, 0.5][j % 3])
    batch = _containments(fp.sketch, fp.n_shingles, others, ns)
    assert batch.tolist() == [_containment(fp.sketch, fp.n_shingles, b, nb) for b, nb in zip(others, ns)]
    ids = [f"o{j}" for j in range(len(sizes))]
    pairwise = [m for i, b, nb, sim in zip(ids, others, ns, sims)
                if (m := verify_candidate(CFG, fp, i, nb, b, sim)) is not None]
    assert verify_candidates(CFG, fp, ids, ns, others, sims) == pairwise


def test_anchor_bucket_overflow_becomes_a_stop_entry() -> None:
    anchors: dict[int, int | list[int]] = {}
    bands: dict[int, int | list[int]] = {}
    for row in range(5):
        _bucket_add(anchors, 7, row, 3, stop_when_full=True)
        _bucket_add(bands, 7, row, 3, stop_when_full=False)
    assert anchors[7] == -1
    assert bands[7] == [0, 1, 2]


# --------------------------------------------------------------------------- persistence


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ident=st.text(min_size=1, max_size=30), text=st.text(max_size=600))
def test_fingerprint_round_trips_through_bytes(ident: str, text: str) -> None:
    fp = fingerprint(ident, text, CFG)
    back = Fingerprint.from_bytes(fp.to_bytes())
    assert (back.article_id, back.content_hash, back.n_words, back.n_shingles) == (
        fp.article_id,
        fp.content_hash,
        fp.n_words,
        fp.n_shingles,
    )
    assert back.signature.dtype == np.uint32 and np.array_equal(back.signature, fp.signature)
    assert np.array_equal(back.sketch, fp.sketch)


@pytest.mark.parametrize("blob", [b"", b"SLFP", b"XXXX" + bytes(40)])
def test_from_bytes_rejects_garbage(blob: bytes) -> None:
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(blob)


def test_from_bytes_rejects_truncated_fingerprint() -> None:
    with pytest.raises(ValueError):
        Fingerprint.from_bytes(fingerprint("a", BODY, CFG).to_bytes()[:-1])


def _variants() -> dict[str, str]:
    """The five examples (clean and raw) plus synthetic copies: a corpus with several groups."""
    docs = {f"{p}-raw": _raw(p) for p in ("000", "001", "002", "003", "004")}
    docs |= {"000": BODY, "001": _fixture("001_clean.txt"), "003": _fixture("003_clean.txt")}
    docs |= {"004": _fixture("004_clean.txt"), "004-para": _fixture("004_paraphrase.txt")}
    docs |= {"000-appeal": BODY + "\n\n" + _appeal(), "000-40": BODY[: int(len(BODY) * 0.4)]}
    docs |= {"003-60": docs["003"][: int(len(docs["003"]) * 0.6)], "short": "Too short to matter."}
    return docs


DOCS = _variants()
FPS = {i: fingerprint(i, t, CFG) for i, t in DOCS.items()}


def test_load_then_add_behaves_like_one_session() -> None:
    order = sorted(DOCS)
    first, rest = order[:7], order[7:]
    one = DedupIndex(CFG)
    for ident in first:
        one.add(FPS[ident])
    expected = [one.add(FPS[i]) for i in rest]

    persisted = [Fingerprint.from_bytes(FPS[i].to_bytes()) for i in first]
    resumed = DedupIndex(CFG)
    resumed.load(persisted)
    assert [resumed.add(FPS[i]) for i in rest] == expected
    assert len(resumed) == len(one)


# --------------------------------------------------------------------------- groups


def _grouping(order: list[str]) -> list[tuple[str, str, frozenset[str], tuple[str, ...]]]:
    index = DedupIndex(CFG)
    matches = [m for ident in order for m in index.add(FPS[ident])]
    members = {i: GroupMember(i, len(t), outlet=f"outlet-{i[:3]}") for i, t in DOCS.items()}
    return [
        (g.group_id, g.canonical_id, frozenset(link.id for link in g.members), tuple(g.outlets))
        for g in build_groups(matches, members)
    ]


EXPECTED_GROUPS = {
    frozenset({"000", "001", "000-raw", "001-raw", "000-appeal", "000-40"}),
    frozenset({"003", "003-raw", "003-60"}),
    frozenset({"004", "004-raw", "004-para"}),  # the raw page contains the paraphrase list verbatim
}


def test_variant_corpus_groups() -> None:
    assert {members for _, _, members, _ in _grouping(sorted(DOCS))} == EXPECTED_GROUPS


@settings(max_examples=25, deadline=None)
@given(st.permutations(sorted(DOCS)))
def test_groups_are_independent_of_arrival_order(order: list[str]) -> None:
    assert _grouping(list(order)) == _grouping(sorted(DOCS))


def test_group_id_canonical_and_member_links() -> None:
    matches = [
        DupMatch("b", "a", "near_duplicate", 0.9, 0.95),
        DupMatch("c", "b", "contained", 0.4, 1.0),
        DupMatch("e", "d", "exact", 1.0, 1.0),
    ]
    members = {
        "a": GroupMember("a", 500),
        "b": GroupMember("b", 900),
        "c": GroupMember("c", 300),
        "d": GroupMember("d", 100, title="T"),
        "e": GroupMember("e", 100),
    }
    first, second = build_groups(matches, members)
    assert (first.group_id, first.canonical_id) == ("ga", "b")
    assert [(m.id, m.reason, m.via) for m in first.members] == [
        ("b", "canonical", None),
        ("a", "near_duplicate", "b"),
        ("c", "contained", "b"),
    ]
    # equal length: more metadata wins over the smaller id
    assert (second.group_id, second.canonical_id) == ("gd", "d")


def test_member_link_goes_through_the_strongest_path() -> None:
    matches = [
        DupMatch("b", "a", "near_duplicate", 0.95, 0.97),
        DupMatch("c", "b", "near_duplicate", 0.9, 0.92),
        DupMatch("c", "a", "contained", 0.5, 0.75),
    ]
    members = {i: GroupMember(i, n) for i, n in (("a", 900), ("b", 800), ("c", 700))}
    (group,) = build_groups(matches, members)
    assert {m.id: m.via for m in group.members} == {"a": None, "b": "a", "c": "b"}


def test_metadata_merge_provenance_and_outlets() -> None:
    members = {
        "long": GroupMember("long", 3000, title="Putin, Xi Hail Victory", outlet="AFP"),
        "mid": GroupMember(
            "mid", 2500, byline="Staff", published="2025-01-27", published_source="header_line", outlet="MT"
        ),
        "short": GroupMember("short", 1000, published="2025-01-28", url="https://x.example/a", outlet="AFP"),
    }
    matches = [DupMatch("mid", "long", "contained", 0.7, 1.0), DupMatch("short", "long", "contained", 0.3, 1.0)]
    (group,) = build_groups(matches, members)
    assert group.canonical_id == "long"
    assert group.outlets == ["AFP", "MT"]
    merged = {name: (f.value, f.provenance) for name, f in group.metadata.items()}
    assert merged == {
        "title": ("Putin, Xi Hail Victory", "merged:long"),
        "byline": ("Staff", "merged:mid"),
        "published": ("2025-01-27", "merged:mid"),
        "published_source": ("header_line", "merged:mid"),
        "outlet": ("AFP", "merged:long"),
        "url": ("https://x.example/a", "merged:short"),
    }
    fills = {m: {n: (f.value, f.provenance) for n, f in d.items()} for m, d in group.fills.items()}
    assert fills == {
        "long": {
            "byline": ("Staff", "merged:mid"),
            "published": ("2025-01-27", "merged:mid"),
            "published_source": ("header_line", "merged:mid"),
        },
        "mid": {"title": ("Putin, Xi Hail Victory", "merged:long")},
        # keeps its own (conflicting) date; url and outlet are per copy and never inherited
        "short": {"title": ("Putin, Xi Hail Victory", "merged:long"), "byline": ("Staff", "merged:mid")},
    }


def test_apply_group_writes_articles() -> None:
    def article(ident: str, text: str, **meta: str) -> Article:
        return Article(ident, "src", f"{ident}.txt", "text", {}, text, text=text, **meta)

    articles = {"a": article("a", BODY, title="Title", outlet="AFP"), "b": article("b", BODY[:1000], outlet="MT")}
    members = {i: GroupMember.from_article(a) for i, a in articles.items()}
    (group,) = build_groups([DupMatch("b", "a", "contained", 0.3, 1.0)], members)
    apply_group(group, articles)
    assert (articles["a"].group_id, articles["a"].duplicate_of) == ("ga", None)
    assert (articles["b"].group_id, articles["b"].duplicate_of) == ("ga", "a")
    assert (articles["b"].title, articles["b"].meta_sources) == ("Title", {"title": "merged:a"})
    assert articles["b"].outlet == "MT"


def test_build_groups_rejects_unknown_ids() -> None:
    with pytest.raises(KeyError):
        build_groups([DupMatch("a", "zz", "exact", 1.0, 1.0)], {"a": GroupMember("a", 1)})


def test_build_groups_has_no_singletons() -> None:
    assert build_groups([], {"a": GroupMember("a", 10)}) == []


def test_word_tokens_ignore_markdown_and_punctuation() -> None:
    plain = "Putin said the election showed undoubted backing of the people " * 3
    marked = re.sub(r"(\w+)", r"**\1**", plain)
    assert _match(plain, marked)[0].reason == "near_duplicate"
