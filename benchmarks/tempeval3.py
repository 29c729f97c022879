"""TempEval-3 (Task A, temporal expressions) on the TBAQ-cleaned training data: TimeBank + AQUAINT.

Runs :func:`storyline.facts.time.find_timexes` on the tag-stripped ``<TEXT>`` of each ``.tml``
document with the document creation time (``<DCT>``) as the publication date and scores it the way
the TempEval-3 evaluation does:

* extent precision/recall/F1, **strict** (exact character span) and **relaxed** (any overlap), with
  one-to-one matching of system and gold expressions;
* attribute accuracy on relaxed matches: ``type`` and ``value``;
* **value F1** = relaxed F1 × value accuracy (the TE3 ranking measure), type F1 likewise.

The rules were developed looking at TimeBank only; AQUAINT is held out and reported separately
(and together). Anchor: HeidelTime value F1 0.776 on the TE3 platinum test set; target ≥ 0.80.

    python benchmarks/tempeval3.py [DATA_DIR] [--spacy] [--json out.json] [--errors N] [--split S]
                                   [--only REGEX] [--exclude REGEX]

``--only``/``--exclude`` select documents by name, to check that a rule tuned on one source
generalises to the others before the held-out set is touched (e.g. ``--split TimeBank --only wsj_``
to tune on the WSJ files, ``--split TimeBank --exclude wsj_`` to check on ABC/AP/APW/CNN/NYT/PRI/VOA).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from storyline.facts.time import find_timexes  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tempeval3"
SPLITS = ("TimeBank", "AQUAINT")
HELD_OUT = {"TimeBank": "tuning", "AQUAINT": "held-out"}
ANCHOR = {"system": "HeidelTime (TE3 test)", "relaxed_f1": 0.9030, "strict_f1": 0.8134, "value_f1": 0.7761}
TARGET_VALUE_F1 = 0.80


@dataclass
class Gold:
    start: int
    end: int
    text: str
    type: str
    value: str
    mod: str | None


@dataclass
class Doc:
    name: str
    dct: date
    text: str
    gold: list[Gold] = field(default_factory=list)


def parse_tml(path: Path) -> Doc:
    root = ET.parse(path).getroot()
    dct_el = root.find("DCT/TIMEX3")
    assert dct_el is not None, f"{path}: no DCT"
    dct = date.fromisoformat(dct_el.get("value", "")[:10])
    text_el = root.find("TEXT")
    assert text_el is not None, f"{path}: no TEXT"
    parts: list[str] = []
    gold: list[Gold] = []
    pos = 0

    def walk(el: ET.Element) -> None:
        nonlocal pos
        if el.text:
            parts.append(el.text)
            pos += len(el.text)
        for ch in el:
            s = pos
            walk(ch)
            if ch.tag == "TIMEX3":
                gold.append(Gold(s, pos, "", ch.get("type", ""), ch.get("value", ""), ch.get("mod")))
            if ch.tail:
                parts.append(ch.tail)
                pos += len(ch.tail)

    walk(text_el)
    text = "".join(parts)
    for g in gold:
        g.text = text[g.start: g.end]
    return Doc(path.stem, dct, text, gold)


def load(data: Path, split: str, only: str | None = None, exclude: str | None = None) -> list[Doc]:
    files = sorted((data / split).glob("*.tml"))
    if not files:
        raise SystemExit(f"no .tml files under {data / split}")
    if only:
        files = [p for p in files if re.match(only, p.stem)]
    if exclude:
        files = [p for p in files if not re.match(exclude, p.stem)]
    return [parse_tml(p) for p in files]


@dataclass
class Counts:
    n_sys: int = 0
    n_gold: int = 0
    strict: int = 0
    relaxed: int = 0
    type_ok: int = 0
    value_ok: int = 0
    docs: int = 0

    def add(self, o: "Counts") -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(o, k))

    def metrics(self) -> dict[str, float]:
        def prf(tp: int) -> tuple[float, float, float]:
            p = tp / self.n_sys if self.n_sys else 0.0
            r = tp / self.n_gold if self.n_gold else 0.0
            return p, r, (2 * p * r / (p + r) if p + r else 0.0)

        sp, sr, sf = prf(self.strict)
        rp, rr, rf = prf(self.relaxed)
        type_acc = self.type_ok / self.relaxed if self.relaxed else 0.0
        value_acc = self.value_ok / self.relaxed if self.relaxed else 0.0
        return {"docs": self.docs, "gold": self.n_gold, "system": self.n_sys,
                "strict_p": sp, "strict_r": sr, "strict_f1": sf,
                "relaxed_p": rp, "relaxed_r": rr, "relaxed_f1": rf,
                "type_acc": type_acc, "type_f1": rf * type_acc,
                "value_acc": value_acc, "value_f1": rf * value_acc}


def match(sys_tx: list, gold: list[Gold]) -> list[tuple[int, int]]:
    """One-to-one pairs (system index, gold index): exact spans first, then largest overlap."""
    pairs: list[tuple[int, int]] = []
    used_s: set[int] = set()
    used_g: set[int] = set()
    exact = {(g.start, g.end): j for j, g in enumerate(gold)}
    for i, t in enumerate(sys_tx):
        j = exact.get((t.start, t.end))
        if j is not None and j not in used_g:
            pairs.append((i, j))
            used_s.add(i)
            used_g.add(j)
    cands = []
    for i, t in enumerate(sys_tx):
        if i in used_s:
            continue
        for j, g in enumerate(gold):
            if j in used_g:
                continue
            ov = min(t.end, g.end) - max(t.start, g.start)
            if ov > 0:
                cands.append((-ov, i, j))
    for _, i, j in sorted(cands):
        if i in used_s or j in used_g:
            continue
        pairs.append((i, j))
        used_s.add(i)
        used_g.add(j)
    return pairs


def score_doc(doc: Doc, sys_tx: list, errors: list | None = None) -> Counts:
    c = Counts(n_sys=len(sys_tx), n_gold=len(doc.gold), docs=1)
    pairs = match(sys_tx, doc.gold)
    for i, j in pairs:
        t, g = sys_tx[i], doc.gold[j]
        c.relaxed += 1
        if (t.start, t.end) == (g.start, g.end):
            c.strict += 1
        if t.type == g.type:
            c.type_ok += 1
        if (t.value or "") == g.value:
            c.value_ok += 1
        elif errors is not None:
            errors.append(("value", doc.name, doc.dct.isoformat(), g.text, g.type, g.value, t.text, t.type, t.value, t.reason))
        if errors is not None and (t.start, t.end) != (g.start, g.end):
            errors.append(("extent", doc.name, doc.dct.isoformat(), g.text, g.type, g.value, t.text, t.type, t.value, t.reason))
    if errors is not None:
        ms = {i for i, _ in pairs}
        mg = {j for _, j in pairs}
        for i, t in enumerate(sys_tx):
            if i not in ms:
                ctx = doc.text[max(0, t.start - 30): t.end + 20].replace("\n", " ")
                errors.append(("fp", doc.name, doc.dct.isoformat(), ctx, "", "", t.text, t.type, t.value, t.reason))
        for j, g in enumerate(doc.gold):
            if j not in mg:
                ctx = doc.text[max(0, g.start - 30): g.end + 20].replace("\n", " ")
                errors.append(("fn", doc.name, doc.dct.isoformat(), ctx, g.type, g.value, g.text, "", "", ""))
    return c


def run(data: Path, splits: list[str], use_spacy: bool, errors: list | None, only: str | None = None,
        exclude: str | None = None) -> tuple[dict[str, Counts], dict[str, float]]:
    nlp = None
    if use_spacy:
        from storyline.nlp import load_nlp

        nlp = load_nlp()
    out: dict[str, Counts] = {}
    timing = {"docs": 0, "chars": 0, "seconds": 0.0, "parse_seconds": 0.0}
    for split in splits:
        docs = load(data, split, only, exclude)
        total = Counts()
        spacy_docs = [None] * len(docs)
        if nlp is not None:
            t0 = time.perf_counter()
            spacy_docs = list(nlp.pipe([d.text for d in docs], batch_size=32))
            timing["parse_seconds"] += time.perf_counter() - t0
        for d, sd in zip(docs, spacy_docs):
            t0 = time.perf_counter()
            tx = find_timexes(d.text, d.dct, sd)
            timing["seconds"] += time.perf_counter() - t0
            timing["docs"] += 1
            timing["chars"] += len(d.text)
            # error listings are for development and never show the held-out split
            total.add(score_doc(d, tx, errors if HELD_OUT.get(split) == "tuning" else None))
        out[split] = total
    return out, timing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="tempeval3 folder (TimeBank/, AQUAINT/)")
    ap.add_argument("--spacy", action="store_true", help="pass spaCy docs (tense of the governing verb) to find_timexes")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    ap.add_argument("--errors", type=int, default=0,
                    help="print up to N errors per kind, TimeBank only (the held-out AQUAINT errors are never listed)")
    ap.add_argument("--only", metavar="REGEX", help="score only documents whose name matches (e.g. 'wsj_' to tune on one source)")
    ap.add_argument("--exclude", metavar="REGEX", help="leave out documents whose name matches (e.g. 'wsj_' to check the other sources)")
    args = ap.parse_args(argv)
    splits = list(SPLITS) if args.split == "all" else [args.split]
    errors: list | None = [] if args.errors else None
    t0 = time.perf_counter()
    counts, timing = run(args.data.resolve(), splits, args.spacy, errors, args.only, args.exclude)
    wall = time.perf_counter() - t0
    rows: dict[str, dict[str, float]] = {s: counts[s].metrics() for s in splits}
    if len(splits) > 1:
        both = Counts()
        for s in splits:
            both.add(counts[s])
        rows["TimeBank+AQUAINT"] = both.metrics()

    print(f"TempEval-3 Task A (timex extent + normalisation), find_timexes{' + spaCy tense' if args.spacy else ' (no spaCy doc)'}")
    print(f"data: {args.data.resolve()}")
    print("Rules tuned on TimeBank only; AQUAINT is the held-out set.\n")
    hdr = f"{'split':<18}{'role':<10}{'docs':>5}{'gold':>6}{'sys':>6} | {'strict P':>8}{'R':>7}{'F1':>7} | {'relax P':>8}{'R':>7}{'F1':>7} | {'type acc':>8} | {'value acc':>9}{'value F1':>9}"
    print(hdr)
    print("-" * len(hdr))
    for name, r in rows.items():
        role = HELD_OUT.get(name, "all")
        print(f"{name:<18}{role:<10}{r['docs']:>5}{r['gold']:>6}{r['system']:>6} | {r['strict_p']:>8.3f}{r['strict_r']:>7.3f}{r['strict_f1']:>7.3f}"
              f" | {r['relaxed_p']:>8.3f}{r['relaxed_r']:>7.3f}{r['relaxed_f1']:>7.3f} | {r['type_acc']:>8.3f} | {r['value_acc']:>9.3f}{r['value_f1']:>9.3f}")
    print(f"\nanchor: {ANCHOR['system']} relaxed F1 {ANCHOR['relaxed_f1']:.3f}, strict F1 {ANCHOR['strict_f1']:.3f}, value F1 {ANCHOR['value_f1']:.3f}"
          f"; target value F1 >= {TARGET_VALUE_F1:.2f} (held-out AQUAINT counts)")
    per_doc_ms = 1000 * timing["seconds"] / max(1, timing["docs"])
    print(f"find_timexes: {timing['docs']} docs, {timing['chars'] / 1e6:.2f} M chars, {timing['seconds']:.2f} s "
          f"({per_doc_ms:.2f} ms/doc){'; spaCy parse ' + format(timing['parse_seconds'], '.1f') + ' s' if args.spacy else ''}; wall {wall:.1f} s")
    if errors:
        by_kind: dict[str, list] = {}
        for e in errors:
            by_kind.setdefault(e[0], []).append(e)
        for kind, items in by_kind.items():
            print(f"\n== {kind}: {len(items)}")
            for e in items[: args.errors]:
                print("  ", " | ".join("" if x is None else str(x) for x in e[1:]))
        fp_words = Counter(e[6].lower() for e in errors if e[0] == "fp")
        fn_words = Counter(e[6].lower() for e in errors if e[0] == "fn")
        print("\nmost frequent FP:", fp_words.most_common(30))
        print("most frequent FN:", fn_words.most_common(30))
    if args.json:
        payload = {"benchmark": "tempeval3", "spacy": args.spacy, "tuned_on": "TimeBank", "held_out": "AQUAINT",
                   "results": rows, "anchor": ANCHOR, "target_value_f1": TARGET_VALUE_F1,
                   "timing": {**timing, "ms_per_doc": per_doc_ms, "wall_seconds": wall}}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
