"""Benchmark the text cleaner on pagetext-dev (naive full-page text with gold main text).

Scores with the WCXB word-level measure: per page bag-of-words P/R/F1 over
``re.findall(r"\\w+", text.lower())``, macro-averaged over pages (empty gold and empty
prediction score 1). Also prints the no-cleaning baseline and docs/s of ``clean_text``.

    python benchmarks/pagetext.py [DATA_DIR] [--ids-file F] [--split even|odd|all] [--snippets] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

from storyline.clean.text import clean_text

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "pagetext-dev"
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    """WCXB word-level precision, recall and F1 of one page."""
    p_tok, g_tok = tokens(pred), tokens(gold)
    if not p_tok and not g_tok:
        return 1.0, 1.0, 1.0
    overlap = sum((Counter(p_tok) & Counter(g_tok)).values())
    precision = overlap / len(p_tok) if p_tok else 0.0
    recall = overlap / len(g_tok) if g_tok else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def load_gold(data: Path) -> dict[str, str]:
    with (data / "gold.jsonl").open(encoding="utf-8") as fh:
        return {row["id"]: row["main_content"] for row in map(json.loads, fh)}


def load_snippets(data: Path) -> dict[str, tuple[list[str], list[str]]]:
    answers = data.parent / "wcxb-dev" / "answers.jsonl"
    if not answers.exists():
        return {}
    with answers.open(encoding="utf-8") as fh:
        return {row["id"]: (row.get("with") or [], row.get("without") or []) for row in map(json.loads, fh)}


def select_ids(gold: dict[str, str], split: str, ids_file: Path | None) -> list[str]:
    ids = sorted(gold)
    if ids_file is not None:
        wanted = set(ids_file.read_text().split())
        ids = [i for i in ids if i in wanted]
    if split == "even":
        ids = [i for i in ids if int(i) % 2 == 0]
    elif split == "odd":
        ids = [i for i in ids if int(i) % 2 == 1]
    return ids


def snippet_rates(text: str, snippets: tuple[list[str], list[str]]) -> tuple[float | None, float | None]:
    low = text.lower()
    with_, without = snippets
    w = sum(s.lower() in low for s in with_) / len(with_) if with_ else None
    wo = sum(s.lower() in low for s in without) / len(without) if without else None
    return w, wo


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def run(data: Path, ids: list[str], gold: dict[str, str], with_snippets: bool) -> dict[str, object]:
    pages = {i: (data / f"{i}.txt").read_text(encoding="utf-8") for i in ids}
    snippets = load_snippets(data) if with_snippets else {}
    rows: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "clean_text": []}
    snip: dict[str, list[list[float]]] = {"baseline": [[], []], "clean_text": [[], []]}
    cleaned: dict[str, str] = {}
    started = time.perf_counter()
    for i in ids:
        cleaned[i] = clean_text(pages[i]).text
    elapsed = time.perf_counter() - started
    for i in ids:
        for name, text in (("baseline", pages[i]), ("clean_text", cleaned[i])):
            rows[name].append(prf(text, gold[i]))
            if i in snippets:
                w, wo = snippet_rates(text, snippets[i])
                if w is not None:
                    snip[name][0].append(w)
                if wo is not None:
                    snip[name][1].append(wo)
    result: dict[str, object] = {"pages": len(ids), "seconds": elapsed, "docs_per_s": len(ids) / elapsed}
    for name, scores in rows.items():
        result[name] = {
            "precision": mean([s[0] for s in scores]),
            "recall": mean([s[1] for s in scores]),
            "f1": mean([s[2] for s in scores]),
        }
        if with_snippets:
            result[name]["with"] = mean(snip[name][0])  # type: ignore[index]
            result[name]["without"] = mean(snip[name][1])  # type: ignore[index]
    return result


def print_table(result: dict[str, object], split: str, with_snippets: bool) -> None:
    cols = ["system", "P", "R", "F1"] + (["with↑", "without↓"] if with_snippets else [])
    print(f"pagetext-dev, split={split}, pages={result['pages']}")
    print(" | ".join(f"{c:>10}" for c in cols))
    for name in ("baseline", "clean_text"):
        row = result[name]
        assert isinstance(row, dict)
        cells = [f"{name:>10}"] + [f"{row[k]:10.3f}" for k in ("precision", "recall", "f1")]
        if with_snippets:
            cells += [f"{row['with']:10.3f}", f"{row['without']:10.3f}"]
        print(" | ".join(cells))
    print(f"clean_text speed: {result['docs_per_s']:.1f} docs/s ({result['seconds']:.2f} s, one process)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--ids-file", type=Path, help="whitespace-separated page ids to score")
    ap.add_argument("--split", choices=["all", "even", "odd"], default="all", help="even = training half")
    ap.add_argument("--snippets", action="store_true", help="also report with/without snippet rates")
    ap.add_argument("--json", type=Path, help="write machine-readable results here")
    args = ap.parse_args(argv)
    gold = load_gold(args.data)
    ids = select_ids(gold, args.split, args.ids_file)
    result = run(args.data, ids, gold, args.snippets)
    result["split"] = args.split
    print_table(result, args.split, args.snippets)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
