"""The PLOVER ontology data: loads, is consistent, and its lookups behave; the coder lexicon validates."""

import tomllib
from importlib import resources

import pytest

from storyline.events.coder import LexiconError, load_lexicon, parse_lexicon
from storyline.events.ontology import PLOVER_ROOTS, QUADS, OntologyError, load_ontology, parse_ontology

QUAD_OF = {
    "AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "CONCEDE": 1,
    "COOPERATE": 2, "AID": 2, "RETREAT": 2,
    "REQUEST": 3, "ACCUSE": 3, "REJECT": 3, "THREATEN": 3,
    "PROTEST": 4, "SANCTION": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4,
}


@pytest.fixture(scope="module")
def onto():
    return load_ontology()


def _raw() -> dict:
    return tomllib.loads(resources.files("storyline.events").joinpath("data", "plover.toml").read_text("utf-8"))


def test_sixteen_roots_with_manual_quads(onto):
    assert set(onto.types) == set(PLOVER_ROOTS) and len(PLOVER_ROOTS) == 16
    assert {t: onto.types[t].quad for t in onto.types} == QUAD_OF
    assert onto.version and onto.plover_version == "0.7b1"


def test_intensities_in_range_and_signed_by_quad(onto):
    for t in onto.types.values():
        assert -10 <= t.intensity <= 10
        assert (t.intensity > 0) == (t.quad <= 2), t.name
        for m in t.modes.values():
            if m.intensity is not None:
                assert -10 <= m.intensity <= 10 and (m.intensity > 0) == (t.quad <= 2), (t.name, m.name)
    # the manual's Schrodt scores
    assert onto.intensity("ASSAULT") == -9.3 and onto.intensity("CONSULT") == 2.1
    assert onto.intensity("REQUEST") == -5.0 and onto.intensity("RETREAT") == 7.6


def test_mode_intensity_overrides_type(onto):
    assert onto.intensity("CONSULT", "visit") == 1.9  # CAMEO 042
    assert onto.intensity("COERCE", "arrest") == -5.0  # CAMEO 173
    assert onto.intensity("COERCE", "ban") == -5.0
    assert onto.intensity("COERCE", "no-such-mode") == onto.intensity("COERCE")
    assert onto.intensity("AGREE") == 4.2


def test_modes_from_the_manual(onto):
    for t, modes in {
        "CONSULT": {"visit", "third-party", "multilateral", "phone"},
        "COERCE": {"arrest", "censor", "confiscate", "ban", "restrict", "curfew", "martial-law", "deport", "withhold"},
        "ASSAULT": {"beat", "firearms", "explosives", "abduct", "torture", "assassinate", "heavy-weapons", "sexual"},
        "PROTEST": {"demo", "riot", "strike-gen", "strike-hun", "boycott", "obstruct"},
        "THREATEN": {"restrict", "ban", "arrest", "relations", "expel", "territory", "violence"},
        "AID": {"economic", "military", "humanitarian", "asylum"},
        "RETREAT": {"withdraw", "release", "return", "disarm", "ceasefire", "access", "resign"},
        "SANCTION": {"convict", "cancel", "expel", "withdraw", "sever"},
        "MOBILIZE": {"troops", "weapons", "police"},
    }.items():
        assert modes <= set(onto.modes(t)), t
    assert onto.is_mode("consult", "host") and not onto.is_mode("CONSULT", "arrest")


def test_every_mode_sits_under_a_known_root_in_the_file():
    raw = _raw()
    for name, t in raw["types"].items():
        assert name in PLOVER_ROOTS
        for m, spec in (t.get("modes") or {}).items():
            assert isinstance(spec, dict) and spec.get("description"), (name, m)
            assert spec.get("origin", "manual") in ("manual", "gsr", "storyline")
            if "intensity" in spec:
                assert spec.get("cameo"), f"{name}/{m}: a mode intensity must cite its CAMEO code"


def test_contexts(onto):
    for c in ("election", "diplomatic", "military", "economic", "human_rights", "repression", "legal", "terrorism"):
        assert c in onto.contexts
    assert all(isinstance(v, str) and v for v in onto.contexts.values())


def test_legacy_labels_and_label_sets(onto):
    assert onto.canonical("DEMAND") == "REQUEST" and onto.canonical("demand") == "REQUEST"
    assert onto.canonical("DISAPPROVE") == onto.canonical("INVESTIGATE") == "ACCUSE"
    assert onto.canonical("FIGHT") == "ASSAULT"
    assert onto.canonical("YIELD") is None and onto.expand("YIELD") == ("CONCEDE", "RETREAT")
    assert onto.canonical("NONSENSE") is None and onto.canonical("") is None
    assert onto.type("demand").name == "REQUEST"
    with pytest.raises(KeyError):
        onto.type("NONSENSE")
    assert onto.to_label_set("RETREAT", "plv") == "YIELD" and onto.to_label_set("AGREE", "plv") == "AGREE"
    assert onto.label_quad("YIELD", "plv") == 2 and onto.label_quad("PROTEST", "plv") == 4
    assert onto.types["ACCUSE"].quad_name == QUADS[3] == "verbal_conflict"


def test_bundled_ontology_is_cached(onto):
    assert load_ontology() is onto


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("version"), "version"),
    (lambda d: d["types"]["AGREE"].__setitem__("quad", 7), "quad"),
    (lambda d: d["types"]["AGREE"].__setitem__("intensity", 12), "outside"),
    (lambda d: d["types"]["ASSAULT"].__setitem__("intensity", 3.0), "wrong sign"),
    (lambda d: d["types"]["COERCE"]["modes"]["arrest"].__setitem__("intensity", 5.0), "wrong sign"),
    (lambda d: d["legacy"].__setitem__("DEMAND", "NOPE"), "legacy"),
    (lambda d: d["label_sets"]["plv"]["map"].__setitem__("NOPE", "YIELD"), "unknown type"),
    (lambda d: d["types"]["AGREE"].__setitem__("intensity", "high"), "number"),
])
def test_invalid_ontology_rejected_with_the_key(mutate, message):
    raw = _raw()
    mutate(raw)
    with pytest.raises(OntologyError, match=message):
        parse_ontology(raw)


def test_load_ontology_from_file(tmp_path):
    p = tmp_path / "o.toml"
    p.write_text('version = "x"\n[types.AGREE]\nquad = 1\nintensity = 1.0\n', encoding="utf-8")
    o = load_ontology(p)
    assert list(o.types) == ["AGREE"] and o.source == str(p)
    (tmp_path / "bad.toml").write_text("version = [", encoding="utf-8")
    with pytest.raises(OntologyError, match="cannot read"):
        load_ontology(tmp_path / "bad.toml")
    with pytest.raises(OntologyError):
        load_ontology(tmp_path / "missing.toml")


# ------------------------------------------------------------------ the coder lexicon is consistent with it
def test_lexicon_loads_and_every_rule_codes_a_known_type_and_mode(onto):
    lex = load_lexicon()
    assert lex.version
    assert len(lex.verbs) > 300 and len(lex.nouns) > 200
    types = set()
    for table in (lex.verbs, lex.nouns):
        for rules in table.values():
            for r in rules:
                if r.type:
                    types.add(r.type)
                    assert r.mode is None or onto.is_mode(r.type, r.mode), r.id
                for t, m in [*r.by_obj.values(), *r.by_prep.values(), *r.by_mod.values(), *r.by_lemma.values()]:
                    assert not t or t in onto.types
                    assert not m or onto.is_mode(t, m), r.id
    assert types == set(PLOVER_ROOTS)  # every root type has at least one trigger


def test_lexicon_rejects_unknown_keys_types_and_modes():
    base = {"version": "t"}
    with pytest.raises(LexiconError, match="unknown keys"):
        parse_lexicon({**base, "verb": [{"type": "AGREE", "lemmas": ["agree"], "typo": 1}]})
    with pytest.raises(LexiconError, match="unknown type"):
        parse_lexicon({**base, "verb": [{"type": "HUG", "lemmas": ["hug"]}]})
    with pytest.raises(LexiconError, match="not a mode"):
        parse_lexicon({**base, "verb": [{"type": "AGREE", "mode": "visit", "lemmas": ["agree"]}]})
    with pytest.raises(LexiconError, match="unknown condition"):
        parse_lexicon({**base, "verb": [{"type": "AGREE", "lemmas": ["agree"], "requires_match_for": ["agree"],
                                         "match_if": ["telepathy"]}]})
    with pytest.raises(LexiconError, match="by_"):
        parse_lexicon({**base, "verb": [{"lemmas": ["give"]}]})
    with pytest.raises(LexiconError, match="oprd list"):
        parse_lexicon({**base, "verb": [{"type": "ACCUSE", "lemmas": ["call"], "oprd": "insults"}]})
    ok = parse_lexicon({**base, "noun": [{"type": "COERCE", "mode": "martial-law", "lemmas": ["martial law"]}]})
    assert ok.nouns["law"][0].prefix == {"law": ("martial",)}
