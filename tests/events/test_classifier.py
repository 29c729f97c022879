"""The trained event classifier backend (storyline.events.classifier): the shipped artifact, re-labelling
of rule-coder candidates (spans and roles untouched), determinism, and clear errors for a bad model file."""

import json
from pathlib import Path

import pytest

from storyline.errors import ConfigError
from storyline.events.classifier import (
    FEATURES_VERSION, MODEL_PATH, ClassifierCoder, EventModel, EventModelError, features, model_sha256,
)
from storyline.events.coder import EventCoder, RuleCoder
from storyline.events.ontology import load_ontology

PLV_LABELS = {"AGREE", "CONSULT", "SUPPORT", "YIELD", "COOPERATE", "AID", "REQUEST", "ACCUSE", "REJECT", "THREATEN",
              "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"}


@pytest.fixture(scope="module")
def nlp():
    from storyline.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="module")
def facts(nlp):
    from storyline.facts.actors import Registry, resolve_mentions
    from storyline.facts.quotes import find_quotes
    from storyline.facts.time import find_timexes

    reg = Registry.bundled()

    def run(text):
        doc = nlp(text)
        mentions, _ = resolve_mentions(doc, reg, None)
        return doc, mentions, find_timexes(text, None, doc), find_quotes(doc), None

    return run


@pytest.fixture(scope="module")
def shipped():
    return ClassifierCoder()


def tiny_model(label_weights: dict[str, dict[str, float]], labels: list[str]) -> EventModel:
    """A hand-written model: feature → {label: weight}; every label's intercept 0."""
    weights = {f: [[labels.index(lab), w] for lab, w in per.items()] for f, per in label_weights.items()}
    return EventModel({"labels": labels, "intercept": [0.0] * len(labels), "weights": weights, "label_set": "plv",
                       "features_version": FEATURES_VERSION, "version": "test"})


# ------------------------------------------------------------------ the artifact
def test_shipped_artifact_loads_and_records_its_training():
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert MODEL_PATH.stat().st_size < 2_000_000
    assert raw["sha256"] == model_sha256(raw)  # not edited by hand after training
    m = EventModel.load()
    assert set(m.labels) <= PLV_LABELS and len(m.labels) >= 14
    assert m.label_set == "plv"
    meta = m.meta
    assert "tune half" in meta["trained_on"] and "PLV_train.tsv" in meta["files_sha256"]
    assert all(len(h) == 64 for h in meta["files_sha256"].values())
    assert "heldout" not in meta["trained_on"].replace(" ", "").lower()


def test_protocol_and_version(shipped):
    assert isinstance(shipped, EventCoder)
    assert shipped.name == "classifier"
    assert shipped.version.startswith("classifier/") and "+rules/" in shipped.version


# ------------------------------------------------------------------ re-labelling
def test_relabels_a_candidate_keeping_its_evidence(facts):
    args = facts("Russia sent troops and tanks to the border with Ukraine.")
    rule_events = RuleCoder().code(*args)
    ev = next(e for e in rule_events if e.trigger == "sent")
    model = tiny_model({"tl=send": {"AID": 1.0}, "ch=dobj:troop": {"MOBILIZE": 3.0}}, ["AID", "MOBILIZE", "CONSULT"])
    coder = ClassifierCoder(model=model)
    out = coder.code(*args)
    got = next(e for e in out if e.trigger == "sent")
    assert got.plover_type == got.type == "MOBILIZE"
    assert got.quad == 4 and got.coder == "classifier"
    assert (got.start, got.end, got.trigger_start, got.trigger_end) == (ev.start, ev.end, ev.trigger_start,
                                                                       ev.trigger_end)
    assert [r.text for r in got.actors] == [r.text for r in ev.actors]
    assert got.mode is None or load_ontology().is_mode("MOBILIZE", got.mode)

    # a different model: "send" to people in need is aid; the label changes, the evidence does not
    model = tiny_model({"tl=send": {"AID": 2.0}}, ["AID", "MOBILIZE"])
    got = next(e for e in ClassifierCoder(model=model).code(*args) if e.trigger == "sent")
    assert got.type == "AID" and got.quad == 2 and "+clf:" in got.rule
    assert got.intensity == load_ontology().intensity("AID", got.mode)


def test_coarse_label_maps_to_a_type(facts):
    args = facts("The rebels released ten hostages on Monday.")
    # YIELD covers CONCEDE and RETREAT: the rule coder's RETREAT is kept as such
    coder = ClassifierCoder(model=tiny_model({"bias": {"YIELD": 1.0}}, ["YIELD", "ASSAULT"]))
    ev = next(e for e in coder.code(*args) if e.trigger == "released")
    assert ev.type == "RETREAT" and "+clf" not in ev.rule
    # a candidate of another type re-labelled YIELD becomes RETREAT (PLV's YIELD is material cooperation)
    args = facts("Police arrested dozens of protesters in Minsk.")
    ev = next(e for e in coder.code(*args) if e.trigger == "arrested")
    assert ev.type == "RETREAT" and ev.quad == 2


def test_shipped_model_on_plain_sentences(shipped, facts):
    cases = [
        ("Putin congratulated Lukashenko on his re-election.", "congratulated", "SUPPORT"),
        ("Lukashenko met Xi Jinping in Beijing on Monday.", "met", "CONSULT"),
        ("Police arrested dozens of protesters in Minsk.", "arrested", "COERCE"),
        ("The EU called the election a sham.", "called", "ACCUSE"),
        ("Japan sent food and medicine to the flood victims in Pakistan.", "sent", "AID"),
    ]
    for text, trig, typ in cases:
        evs = shipped.code(*facts(text))
        ev = next(e for e in evs if e.trigger == trig)
        assert ev.plover_type == typ, (text, ev.plover_type, ev.rule)
        assert text[ev.trigger_start:ev.trigger_end] == trig


def test_deterministic(shipped, facts):
    text = "Belarus and China signed a trade agreement, and the EU imposed new sanctions on Minsk."
    a = [e.to_dict() for e in shipped.code(*facts(text))]
    b = [e.to_dict() for e in ClassifierCoder().code(*facts(text))]
    assert a and a == b


def test_features_are_sorted_strings(facts):
    args = facts("China will provide humanitarian aid to Belarus.")
    ev = RuleCoder().code(*args)[0]
    f = features(ev, args[0])
    assert f == sorted(set(f)) and "bias" in f and "flag=future" in f and "tl=provide" in f


def test_empty_and_unparsed_input(shipped, nlp):
    assert shipped.code(nlp("")) == []
    assert shipped.code(None) == []


# ------------------------------------------------------------------ bad model files
def test_missing_artifact_is_a_coded_error(tmp_path):
    with pytest.raises(EventModelError) as exc:
        ClassifierCoder(tmp_path / "nope.json")
    err = exc.value
    assert isinstance(err, ConfigError) and err.code == "SL-E301"
    line = err.one_line()
    assert "\n" not in line and "nope.json" in line and "train_event_model.py" in line


@pytest.mark.parametrize("content, why", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"labels": ["AID"]}', "malformed"),
    ('{"labels": ["AID"], "intercept": [0, 1], "weights": {}}', "malformed"),
    (json.dumps({"labels": ["AID"], "intercept": [0], "weights": {}, "features_version": "0"}), "features version"),
])
def test_malformed_artifact(tmp_path, content, why):
    p = tmp_path / "m.json"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(EventModelError, match=why):
        EventModel.load(p)


def test_unknown_label_rejected():
    with pytest.raises(EventModelError, match="not in the ontology"):
        ClassifierCoder(model=tiny_model({}, ["AID", "BOGUS"]))


def test_run_option_selects_it():
    from storyline.engines.local import RunOptions, make_coder

    assert isinstance(make_coder(RunOptions(coder="classifier")), ClassifierCoder)


def test_model_path_is_package_data():
    assert MODEL_PATH.parent == Path(load_ontology.__code__.co_filename).parent / "data"
