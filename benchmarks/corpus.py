"""Reproducible synthetic news corpus for throughput benchmarks.

Articles are assembled from real paragraphs (the gold main text of pagetext-dev and the example
corpus) with realistic faults: boilerplate lines around the body (navigation, captions, appeals,
"Read also" lists), exact re-scrapes, copies with an extra appeal, truncated copies and syndicated
copies with another outlet's header. Same seed → same corpus.

    python benchmarks/corpus.py OUT_DIR --n 10000 [--seed 1] [--format txt|jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import deque
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PARAGRAPHS = REPO.parent / "shared" / "data" / "pagetext-dev" / "gold.jsonl"

NAV = ["Skip to content", "Home", "World", "Politics", "Business", "Menu", "Search", "Sign in"]
APPEALS = [
    "Support independent journalism. Your contribution, however big or small, keeps our reporting free.",
    "Subscribe to our newsletter for the latest news delivered to your inbox.",
]
OUTLETS = ["Daily Planet", "Global Wire", "Evening Post", "Metro Herald", "The Chronicle"]


def load_paragraphs(path: Path = DEFAULT_PARAGRAPHS) -> list[str]:
    paras: list[str] = []
    if path.exists():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                for p in json.loads(line)["main_content"].split("\n\n"):
                    if len(p.split()) >= 25:
                        paras.append(p.strip())
    for seed in sorted((REPO / "examples" / "belarus-china").glob("*.txt")):
        paras += [p.strip() for p in seed.read_text(encoding="utf-8").splitlines() if len(p.split()) >= 25]
    return paras


def generate(n: int, seed: int = 1, paragraphs: list[str] | None = None) -> Iterator[tuple[str, str]]:
    """Yield ``(name, text)`` for ``n`` documents; about 25% are duplicates of earlier ones."""
    rng = random.Random(seed)
    pool = paragraphs or load_paragraphs()
    originals: deque[tuple[str, str]] = deque(maxlen=500)  # recent (title, body): copies come from these
    for i in range(n):
        roll = rng.random()
        if originals and roll < 0.25:
            title, body = rng.choice(originals)
            kind = rng.choice(["exact", "appeal", "truncated", "syndicated"])
            if kind == "appeal":
                body = body + "\n" + rng.choice(APPEALS)
            elif kind == "truncated":
                paras = body.split("\n")
                body = "\n".join(paras[: max(1, int(len(paras) * rng.uniform(0.5, 0.8)))])
            elif kind == "syndicated":
                title = f"{title}\n{rng.choice(OUTLETS)}"
            yield f"doc{i:07d}", f"{title}\n{body}\n"
            continue
        k = rng.randint(5, 12)
        body = "\n".join(rng.choice(pool) for _ in range(k))
        title = " ".join(rng.choice(pool).split()[:8]).rstrip(".,;:")
        originals.append((title, body))
        noise_top = "\n".join(rng.sample(NAV, rng.randint(1, 4)))
        noise_end = rng.choice(APPEALS) if rng.random() < 0.5 else ""
        yield f"doc{i:07d}", f"{noise_top}\n{title}\n{body}\n{noise_end}\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", choices=["txt", "jsonl"], default="jsonl")
    ap.add_argument("--paragraphs", type=Path, default=DEFAULT_PARAGRAPHS, help="gold.jsonl with main_content")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    docs = generate(args.n, args.seed, load_paragraphs(args.paragraphs))
    if args.format == "jsonl":
        with (args.out / "corpus.jsonl").open("w", encoding="utf-8") as fh:
            for name, text in docs:
                fh.write(json.dumps({"id": name, "text": text}) + "\n")
    else:
        for name, text in docs:
            (args.out / f"{name}.txt").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
