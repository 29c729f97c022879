"""Rebuild the event classifier's model (src/storyline/events/data/event_model.json), deterministically.

Training data — the *tune* half of the Zero-Shot-PLOVER PLV training file (rows whose
``sha1(sentence_id)`` is even, see benchmarks/plover.py) and, with ``--gsr`` (the default), the PLOVER
gold standard records (labels mapped to PLV's 15: CONCEDE/RETREAT → YIELD). The *held-out* half of PLV
and AW are never read here. Every sentence is parsed, facts found and the rule coder run exactly as in
benchmarks/plover.py; each gold record gives one example: the candidate whose roles overlap the gold
source/target (``select_pair``) with its sparse features (storyline.events.classifier.features) and the
gold label. Records where the rule coder finds no candidate give no example.

Model: scikit-learn multinomial logistic regression (lbfgs, deterministic), features seen at least
``--min-count`` times; coefficients rounded and stored sparsely as JSON with the training files'
sha256, the split rule, the counts and the artifact's own hash. scikit-learn is only needed here
(``pip install 'storyline[train]'``), not at run time.

    .venv/bin/python benchmarks/train_event_model.py [DATA_DIR] [--out PATH] [--cv 5] [--C 3.0]

``--cv K`` prints K-fold cross-validated scores on the tune half (grouped by sentence; GSR examples are
always in the training folds) instead of / before writing the model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

MODEL_VERSION = "1.0.0"


def sha256_file(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def build_examples(data: Path, use_gsr: bool) -> list[dict[str, Any]]:
    """One example per tune-half PLV record (and GSR record) whose rule-coder candidate is found."""
    from plover import load_gsr, load_plv, select_pair

    from storyline.events.classifier import features
    from storyline.events.coder import RuleCoder
    from storyline.events.ontology import load_ontology
    from storyline.facts.actors import Registry, resolve_mentions
    from storyline.facts.quotes import find_quotes
    from storyline.facts.time import find_timexes
    from storyline.nlp import load_nlp

    onto = load_ontology()
    recs = [r for r in load_plv(data / "PLV_train.tsv") if r["split"] == "tune"]
    if use_gsr:
        for r in load_gsr(data / "plover_gsr.json", onto):
            r["gold"] = onto.to_label_set(r["gold"], "plv")
            recs.append(r)
    texts = sorted({r["text"] for r in recs})
    nlp = load_nlp()
    reg = Registry.bundled()
    coder = RuleCoder()
    coded: dict[str, tuple[Any, list[Any]]] = {}
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=64)):
        mentions, _ = resolve_mentions(doc, reg, None)
        events = coder.code(doc, mentions, find_timexes(text, None, doc), find_quotes(doc), None)
        coded[text] = (doc, events)
    out = []
    for r in recs:
        doc, events = coded[r["text"]]
        ev = select_pair(events, r)
        if ev is None:
            continue
        out.append({"id": r["id"], "dataset": r["dataset"], "text": r["text"], "gold": r["gold"],
                    "rule": onto.to_label_set(ev.plover_type, "plv"), "x": features(ev, doc, events)})
    return out


def fit(examples: list[dict[str, Any]], C: float, min_count: int, gsr_weight: float,
        balanced: bool = False) -> tuple[Any, list[str], Any]:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for e in examples:
        for f in e["x"]:
            counts[f] = counts.get(f, 0) + 1
    vocab = sorted(f for f, c in counts.items() if c >= min_count)
    index = {f: i for i, f in enumerate(vocab)}
    rows, cols = [], []
    for i, e in enumerate(examples):
        for f in e["x"]:
            j = index.get(f)
            if j is not None:
                rows.append(i)
                cols.append(j)
    X = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(examples), len(vocab)))
    y = [e["gold"] for e in examples]
    w = np.array([gsr_weight if e["dataset"] == "gsr" else 1.0 for e in examples])
    clf = LogisticRegression(C=C, max_iter=5000, tol=1e-6, class_weight="balanced" if balanced else None)
    clf.fit(X, y, sample_weight=w)
    return clf, vocab, index


def predict(clf: Any, index: dict[str, int], xs: list[list[str]]) -> list[str]:
    import numpy as np
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, x in enumerate(xs):
        for f in x:
            j = index.get(f)
            if j is not None:
                rows.append(i)
                cols.append(j)
    X = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(xs), len(index)))
    return list(clf.predict(X))


def cross_validate(examples: list[dict[str, Any]], k: int, C: float, min_count: int, gsr_weight: float,
                   quads: dict[str, int], balanced: bool = False) -> dict[str, float]:
    from plover import prf

    plv = [e for e in examples if e["dataset"] == "plv"]
    gsr = [e for e in examples if e["dataset"] != "plv"]
    fold = {e["text"]: int(hashlib.sha1(e["text"].encode()).hexdigest(), 16) % k for e in plv}
    gold, pred, rule = [], [], []
    for f in range(k):
        train = [e for e in plv if fold[e["text"]] != f] + gsr
        test = [e for e in plv if fold[e["text"]] == f]
        clf, _, index = fit(train, C, min_count, gsr_weight, balanced)
        gold += [e["gold"] for e in test]
        pred += predict(clf, index, [e["x"] for e in test])
        rule += [e["rule"] for e in test]
    q = lambda labs: [str(quads[x]) for x in labs]  # noqa: E731
    a, r = prf(gold, pred), prf(gold, rule)
    return {"n": len(gold), "root_acc": a["accuracy"], "root_f1": a["macro_f1"], "quad_acc": prf(q(gold), q(pred))["accuracy"],
            "rule_root_acc": r["accuracy"], "rule_root_f1": r["macro_f1"], "rule_quad_acc": prf(q(gold), q(rule))["accuracy"]}


def artifact(clf: Any, vocab: list[str], meta: dict[str, Any], digits: int = 4) -> dict[str, Any]:
    from storyline.events.classifier import FEATURES_VERSION, model_sha256

    labels = [str(c) for c in clf.classes_]
    coef = clf.coef_
    weights: dict[str, list[list[float]]] = {}
    for j, f in enumerate(vocab):
        pairs = [[i, round(float(coef[i, j]), digits)] for i in range(len(labels))]
        pairs = [p for p in pairs if abs(p[1]) >= 10 ** -digits]
        if pairs:
            weights[f] = pairs
    data = {"format": "storyline-event-model", "version": MODEL_VERSION, "features_version": FEATURES_VERSION,
            "label_set": "plv", "labels": labels,
            "intercept": [round(float(v), digits) for v in clf.intercept_], "weights": weights, "meta": meta}
    data["sha256"] = model_sha256(data)
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data" / "plover"))
    ap.add_argument("--out", default=str(ROOT / "src" / "storyline" / "events" / "data" / "event_model.json"))
    ap.add_argument("--C", type=float, default=3.0, help="inverse L2 regularisation strength")
    ap.add_argument("--min-count", type=int, default=2, help="keep features seen in at least N examples")
    ap.add_argument("--gsr-weight", type=float, default=1.0, help="sample weight of GSR examples (0: leave out)")
    ap.add_argument("--cv", type=int, default=0, help="print K-fold CV scores on the tune half; with --no-write, only that")
    ap.add_argument("--no-write", action="store_true", help="do not write the model")
    args = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("error: scikit-learn is needed to train the model: pip install 'storyline[train]'", file=sys.stderr)
        return 2

    from storyline.events.ontology import load_ontology

    data = Path(args.data)
    use_gsr = args.gsr_weight > 0
    examples = build_examples(data, use_gsr)
    onto = load_ontology()
    quads = {lab: onto.label_quad(lab, "plv") for lab in {e["gold"] for e in examples} | {e["rule"] for e in examples}}
    print(f"{len(examples)} examples ({sum(e['dataset'] == 'plv' for e in examples)} PLV tune half, "
          f"{sum(e['dataset'] == 'gsr' for e in examples)} GSR)")
    if args.cv:
        res = cross_validate(examples, args.cv, args.C, args.min_count, args.gsr_weight, quads)
        print(f"{args.cv}-fold CV on the PLV tune half (found candidates only; C={args.C}, min_count={args.min_count}, "
              f"gsr_weight={args.gsr_weight}): " + ", ".join(f"{k} {v}" for k, v in res.items()))
    if args.no_write:
        return 0
    clf, vocab, _ = fit(examples, args.C, args.min_count, args.gsr_weight)
    files = {"PLV_train.tsv": sha256_file(data / "PLV_train.tsv")}
    if use_gsr:
        files["plover_gsr.json"] = sha256_file(data / "plover_gsr.json")
    meta = {
        "trained_on": "PLV_train.tsv tune half (sha1(sentence_id) even)" + (" + plover_gsr.json (labels → PLV)" if use_gsr else ""),
        "held_out": "PLV_train.tsv rows with sha1(sentence_id) odd, AW_train.tsv: never read by the trainer",
        "files_sha256": files, "examples": len(examples),
        "model": f"sklearn LogisticRegression(C={args.C}, lbfgs, multinomial), min_count={args.min_count}, "
                 f"gsr_weight={args.gsr_weight}",
        "sklearn": __import__("sklearn").__version__, "spacy_model": _spacy_model(),
        "script": "benchmarks/train_event_model.py",
    }
    art = artifact(clf, vocab, meta)
    out = Path(args.out)
    out.write_text(json.dumps(art, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {len(art['weights'])} features, sha256 {art['sha256'][:12]})")
    return 0


def _spacy_model() -> str:
    try:
        from storyline.nlp import load_nlp

        m = load_nlp().meta
        return f"{m.get('lang')}_{m.get('name')}-{m.get('version')}"
    except Exception:  # noqa: BLE001 - informational only
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
