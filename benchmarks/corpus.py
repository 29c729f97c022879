"""Reproducible synthetic news corpora for the scale and throughput benchmarks.

Two generators, both deterministic for a seed:

``generate`` (``--kind flat``, the clean+dedup throughput corpus): articles assembled from real
paragraphs with boilerplate lines and ~25% copies (exact, +appeal, truncated, syndicated).

``generate_news`` (``--kind news``, the default; issue 7's corpus): **stories** reported by several
outlets. A story has a date and a core of real paragraphs (pagetext-dev gold main text, ECB+ news
sentences, the example corpus); each outlet writes its own article (its title, part of the core in
its own order, paragraphs of its own), with the outlet's header (title, byline, date line,
``Original url:`` line) and boilerplate (navigation, section label, photo caption and credit,
"Read also" list, donation appeal, trailing teaser of an unrelated article). Faults: exact
re-scrapes (another file name), syndicated copies (same body, another outlet's header and
boilerplate), truncated copies, and HTML pages of the same article. Output is sharded for 1M
articles: JSONL shards of 1,000 records (url/title/published/outlet fields, text or html) plus a
fraction of single .txt/.md/.html files in subfolders of 1,000.

    python benchmarks/corpus.py OUT_DIR --n 10000 [--seed 1] [--kind news|flat] [--format mixed|txt|jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import html as html_lib
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
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


# ---------------------------------------------------------------------------- story-based corpus
ECBPLUS_DOCS = REPO.parent / "shared" / "data" / "ecbplus" / "docs"
NEWS_OUTLETS = [  # (name, domain): a made-up press with realistic spread
    ("Daily Planet", "dailyplanet.example.com"), ("Global Wire", "globalwire.example.org"),
    ("Evening Post", "eveningpost.example.co.uk"), ("Metro Herald", "metroherald.example.com"),
    ("The Chronicle", "chronicle.example.net"), ("Baltic Times Online", "baltictimes.example.eu"),
    ("Capital Report", "capitalreport.example.com"), ("Northern Ledger", "northernledger.example.ca"),
    ("Pacific Courier", "pacificcourier.example.com.au"), ("Continental Review", "contreview.example.de"),
    ("Harbour News", "harbournews.example.ie"), ("The Observer Desk", "observerdesk.example.in"),
]
AGENCIES = ["AFP", "Reuters", "AP", "dpa"]
AUTHORS = ["Anna Kowalska", "James Whitfield", "Maria Santos", "Oleg Petrov", "Chen Li", "Fatima Haddad",
           "Tom Becker", "Ingrid Larsen", "David Okafor", "Sofia Rossi", "Liam O'Connor", "Priya Nair"]
SECTIONS = ["Politics", "World", "Europe", "Asia", "Business", "Opinion", "Analysis"]
CAPTIONS = ["Photo: {a} / {o}", "Image caption: Officials at the meeting on {d}. (Photo by {a})",
            "Credit: {a}/Getty Images", "File photo. {o}"]
READ_ALSO = ["Read also:", "Related articles", "READ MORE:"]
TEASERS = ["Sign up for our morning briefing", "Most read", "More from {o}", "Recommended for you"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def load_news_paragraphs(paragraphs: Path = DEFAULT_PARAGRAPHS, ecb_docs: Path = ECBPLUS_DOCS) -> list[str]:
    """Real news paragraphs: pagetext-dev main text and the example corpus (``load_paragraphs``) plus ECB+
    documents cut into 3-sentence paragraphs. Missing sources are skipped."""
    paras = [p for p in load_paragraphs(paragraphs) if "\n" not in p]  # lists and tables make poor prose
    if ecb_docs.is_dir():
        for doc in sorted(ecb_docs.glob("*.txt")):
            sents = [x.strip() for x in doc.read_text(encoding="utf-8").splitlines()[2:] if len(x.split()) >= 6]
            for i in range(0, len(sents) - 2, 3):
                paras.append(" ".join(sents[i : i + 3]))
    if not paras:
        raise SystemExit("no source paragraphs found: pass --paragraphs (pagetext-dev gold.jsonl)")
    return paras


@dataclass
class NewsDoc:
    """One generated input: ``fmt`` in txt|md|html|jsonl; ``record`` for JSONL, ``content`` otherwise."""

    name: str
    fmt: str
    story: int
    kind: str  # original | rescrape | syndicated | truncated | html
    content: str = ""
    record: dict | None = None


def _date_line(rng: random.Random, day: date) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    if style == 1:
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}, {rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}"
    if style == 2:
        return day.isoformat()
    return f"Published {day.strftime('%d.%m.%Y')}"


def _title(rng: random.Random, pool: list[str]) -> str:
    words = rng.choice(pool).split()
    start = rng.randrange(max(1, len(words) - 9))
    return " ".join(words[start : start + rng.randint(6, 11)]).strip(" .,;:\"'").capitalize()


def _render(rng: random.Random, outlet: tuple[str, str], title: str, body: list[str], day: date, slug: str,
            pool: list[str], fmt: str) -> tuple[str, dict]:
    """The page text of one article with the outlet's header and boilerplate, and its metadata."""
    name, domain = outlet
    url = f"https://{domain}/{day.year}/{day.month:02d}/{slug}"
    byline = rng.choice([f"By {rng.choice(AUTHORS)}", f"By {rng.choice(AUTHORS)} and {rng.choice(AUTHORS)}",
                         rng.choice(AGENCIES), f"{rng.choice(AUTHORS)}, {name}"])
    meta = {"url": url, "title": title, "published": day.isoformat(), "outlet": name}
    lines: list[str] = []
    if rng.random() < 0.6:
        lines += ["Skip to content"] + rng.sample(NAV[1:], rng.randint(1, 4))
    if rng.random() < 0.5:
        lines.append(rng.choice(SECTIONS))
    h = "# " if fmt == "md" else ""
    lines += [h + title, byline, _date_line(rng, day)]
    if rng.random() < 0.5:
        lines.append(f"Original url: {url}")
    body = list(body)
    if rng.random() < 0.4:
        cap = rng.choice(CAPTIONS).format(a=rng.choice(AGENCIES), o=name, d=day.isoformat())
        body.insert(rng.randint(0, min(2, len(body))), cap)
    if rng.random() < 0.3 and len(body) > 3:
        k = rng.randint(2, len(body) - 1)
        body[k:k] = [rng.choice(READ_ALSO)] + [_title(rng, pool) for _ in range(rng.randint(1, 3))]
    lines += body
    if rng.random() < 0.4:
        lines.append(rng.choice(APPEALS))
    if rng.random() < 0.3:
        lines += [rng.choice(TEASERS).format(o=name), _title(rng, pool), rng.choice(pool)[:200]]
    sep = "\n\n" if fmt == "md" else "\n"
    return sep.join(lines) + "\n", meta


def _html(text_lines: list[str], meta: dict) -> str:
    esc = html_lib.escape
    paras = "\n".join(f"<p>{esc(p)}</p>" for p in text_lines)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(meta['title'])} | {esc(meta['outlet'])}"
            f"</title><meta property='og:url' content='{esc(meta['url'])}'>"
            f"<meta property='article:published_time' content='{meta['published']}'>"
            f"<meta name='author' content='{esc(meta['byline'])}'></head><body><nav><a href='/'>Home</a>"
            f"<a href='/world'>World</a></nav><article><h1>{esc(meta['title'])}</h1>{paras}</article>"
            "<footer>© All rights reserved</footer></body></html>")


def generate_news(n: int, seed: int = 1, paragraphs: list[str] | None = None,
                  file_share: float = 0.1, fmt: str = "mixed") -> Iterator[NewsDoc]:
    """Yield ``n`` :class:`NewsDoc` grouped in stories (same seed → same corpus). ``fmt``: mixed (JSONL plus
    ``file_share`` of single txt/md/html files), txt (all single .txt files) or jsonl (all records)."""
    rng = random.Random(seed)
    pool = paragraphs or load_news_paragraphs()
    sents = [x for p in pool for x in _SENT_END.split(p) if len(x.split()) >= 5]
    start = date(2025, 1, 1)
    i = story = 0
    while i < n:
        story += 1
        day = start + timedelta(days=rng.randrange(365 * 2))
        core = rng.sample(sents, rng.randint(8, 12))  # the event's facts, as sentences
        slug_base = f"story-{story}"
        n_outlets = min(len(NEWS_OUTLETS), max(1, int(rng.paretovariate(1.3))))
        for outlet in rng.sample(NEWS_OUTLETS, n_outlets):
            if i >= n:
                break
            # each outlet writes its own article: a few of the core sentences among its own
            mine = rng.sample(core, rng.randint(3, 5)) + rng.sample(sents, rng.randint(8, 16))
            rng.shuffle(mine)
            body, k = [], 0
            while k < len(mine):
                step = rng.randint(2, 4)
                body.append(" ".join(mine[k : k + step]))
                k += step
            title = _title(rng, core)
            odate = day + timedelta(days=rng.choice([0, 0, 0, 1, 1, 2]))
            yield from _emit(rng, f"a{i:07d}", story, "original", outlet, title, body, odate, slug_base, pool, fmt,
                             file_share)
            i += 1
            # faults, each drawn from what was just written
            roll = rng.random()
            if i < n and roll < 0.08:
                yield from _emit(rng, f"a{i:07d}", story, "rescrape", outlet, title, body, odate, slug_base, pool,
                                 fmt, file_share, same_rng_seed=True)
                i += 1
            elif i < n and roll < 0.20:
                other = rng.choice([o for o in NEWS_OUTLETS if o != outlet])
                yield from _emit(rng, f"a{i:07d}", story, "syndicated", other, title, body, odate, slug_base, pool,
                                 fmt, file_share)
                i += 1
            elif i < n and roll < 0.26:
                cut = body[: max(1, int(len(body) * rng.uniform(0.4, 0.8)))]
                yield from _emit(rng, f"a{i:07d}", story, "truncated", outlet, title, cut, odate, slug_base, pool,
                                 fmt, file_share)
                i += 1


def _emit(rng: random.Random, name: str, story: int, kind: str, outlet: tuple[str, str], title: str,
          body: list[str], day: date, slug: str, pool: list[str], fmt: str, file_share: float,
          same_rng_seed: bool = False) -> Iterator[NewsDoc]:
    if fmt == "mixed":
        r = rng.random()
        kind_fmt = "jsonl" if r >= file_share else rng.choice(["txt", "txt", "md", "html"])
    else:
        kind_fmt = fmt
    page_rng = random.Random(f"{story}:{outlet[0]}") if same_rng_seed or kind == "original" else rng
    text_fmt = "md" if kind_fmt == "md" else "txt"
    text, meta = _render(page_rng, outlet, title, body, day, slug, pool, text_fmt)
    if kind_fmt == "html":
        meta["byline"] = rng.choice(AUTHORS)
        yield NewsDoc(name, "html", story, kind, content=_html(body, meta))
    elif kind_fmt == "jsonl":
        rec = {"id": name, **meta}
        if rng.random() < 0.1:
            meta["byline"] = rng.choice(AUTHORS)
            rec["html"] = _html(body, meta)
        else:
            rec["text"] = text
        yield NewsDoc(name, "jsonl", story, kind, record=rec)
    else:
        yield NewsDoc(name, kind_fmt, story, kind, content=text)


def write_news(out: Path, docs: Iterable[NewsDoc], shard: int = 1000) -> dict[str, int]:
    """Write ``docs`` under ``out`` (JSONL shards + single files in subfolders of ``shard``); returns counts
    by kind and format, and writes ``<out>.truth.jsonl`` beside the folder (name, story, kind) for evaluation."""
    counts: Counter[str] = Counter()
    jsonl_fh = None
    n_jsonl = n_files = 0
    with out.with_name(out.name + ".truth.jsonl").open("w", encoding="utf-8") as truth:
        for d in docs:
            counts[d.kind] += 1
            counts[f"format:{d.fmt}"] += 1
            truth.write(json.dumps({"name": d.name, "story": d.story, "kind": d.kind}) + "\n")
            if d.fmt == "jsonl":
                if jsonl_fh is None or n_jsonl % shard == 0:
                    if jsonl_fh is not None:
                        jsonl_fh.close()
                    jsonl_fh = (out / f"shard-{n_jsonl // shard:05d}.jsonl").open("w", encoding="utf-8")
                jsonl_fh.write(json.dumps(d.record, ensure_ascii=False) + "\n")
                n_jsonl += 1
            else:
                folder = out / f"files-{n_files // shard:05d}"
                folder.mkdir(exist_ok=True)
                (folder / f"{d.name}.{d.fmt}").write_text(d.content, encoding="utf-8")
                n_files += 1
    if jsonl_fh is not None:
        jsonl_fh.close()
    return dict(counts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kind", choices=["news", "flat"], default="news")
    ap.add_argument("--format", choices=["mixed", "txt", "jsonl"], default=None,
                    help="news: mixed (default) | txt | jsonl; flat: jsonl (default) | txt")
    ap.add_argument("--file-share", type=float, default=0.1, help="news, mixed: share of single-file articles")
    ap.add_argument("--paragraphs", type=Path, default=DEFAULT_PARAGRAPHS, help="gold.jsonl with main_content")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.kind == "news":
        pool = load_news_paragraphs(args.paragraphs)
        counts = write_news(args.out, generate_news(args.n, args.seed, pool, args.file_share, args.format or "mixed"))
        print(json.dumps(counts, sort_keys=True))
        return
    args.format = args.format or "jsonl"
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
