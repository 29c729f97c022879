"""Run every fuzz target for N seconds and print a table of execs, crashes, timeouts and coverage.

    python fuzz/run_all.py [--seconds 60] [--timeout 10] [--work /tmp/storyline-fuzz] [TARGET ...]

For each target: seeds the corpus from ``fuzz/seeds.py`` (once), runs ``fuzz_readers.py TARGET``
under libFuzzer with ``-max_total_time``, ``-timeout`` (a hang = one input running longer) and
``-rss_limit_mb``, and restarts it after a crash or hang until the target's time is spent, so
one finding does not end the session. Findings land in ``WORK/artifacts/TARGET/``
(``crash-*``, ``timeout-*``, ``oom-*``), logs in ``WORK/logs/``. The corpus in
``WORK/corpus/TARGET`` is kept, so a second session continues where the first stopped.
Exit status 1 when anything was found.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from seeds import write as write_seeds  # noqa: E402
from targets import TARGETS  # noqa: E402

DICTS = {"txt": "text", "md": "text", "clean_text": "text", "html": "html", "html_gz": "html", "clean_html": "html",
         "jsonl": "json", "json": "json", "warc": "warc", "warc_gz": "warc"}  # fmt: skip
_EXECS = re.compile(r"^#(\d+)\s", re.MULTILINE)
_COV = re.compile(r"cov: (\d+) ft: (\d+)")
_DONE = re.compile(r"stat::number_of_executed_units: (\d+)|Done (\d+) runs in")


def run_target(target: str, work: Path, seconds: int, timeout: int, rss_mb: int) -> dict[str, object]:
    corpus, seeds = work / "corpus" / target, work / "seeds" / target
    artifacts, logs = work / "artifacts" / target, work / "logs"
    for d in (corpus, artifacts, logs):
        d.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in artifacts.iterdir()}
    execs, cov, ft, findings, session = 0, 0, 0, [], 0
    start = time.monotonic()
    while (left := seconds - (time.monotonic() - start)) >= 3:
        session += 1
        cmd = [sys.executable, str(HERE / "fuzz_readers.py"), target, str(corpus), str(seeds),
               f"-max_total_time={int(left)}", f"-timeout={timeout}", f"-rss_limit_mb={rss_mb}",
               f"-dict={HERE / 'dicts' / (DICTS[target] + '.dict')}", "-max_len=65536",
               f"-artifact_prefix={artifacts}/", "-print_final_stats=1"]  # fmt: skip
        log = logs / f"{target}.{session}.log"
        tmp = work / "tmp" / target
        env = {**os.environ, "STORYLINE_FUZZ_TMP": str(tmp)}
        with log.open("w") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=work, env=env, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
        text = log.read_text(errors="replace")
        done = _DONE.search(text)
        runs = [int(n) for n in _EXECS.findall(text)]
        execs += int(done.group(1) or done.group(2)) if done else (max(runs) if runs else 0)
        if m := _COV.findall(text):
            cov, ft = max(cov, int(m[-1][0])), max(ft, int(m[-1][1]))
        if proc.returncode != 0:
            findings.append(f"{log.name}: exit {proc.returncode}: {_summary(text)}")
            if not done and not runs and session > 1:
                break  # it fails before fuzzing: no point retrying
    found = sorted({p.name for p in artifacts.iterdir()} - before)
    return {
        "target": target,
        "seconds": round(time.monotonic() - start),
        "execs": execs,
        "crashes": sum(n.startswith(("crash-", "oom-")) for n in found),
        "timeouts": sum(n.startswith(("timeout-", "slow-unit-")) for n in found),
        "cov": cov,
        "ft": ft,
        "findings": findings,
        "artifacts": found,
    }


def _summary(log: str) -> str:
    """The exception line of a Python traceback, else libFuzzer's ERROR line."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if "Uncaught Python exception" in line:
            tail = [ln for ln in lines[i + 1 : i + 60] if ln and not ln.startswith((" ", "Traceback"))]
            if tail:
                return tail[0][:300]
    err = [ln for ln in lines if "ERROR: libFuzzer" in ln or "ALARM" in ln]
    return (err[0] if err else (lines[-1] if lines else "no output"))[:300]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("targets", nargs="*", default=list(TARGETS))
    ap.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    ap.add_argument("--timeout", type=int, default=10, help="seconds one input may run before it counts as a hang")
    ap.add_argument("--rss-mb", type=int, default=3072, help="memory limit (an input above it is an 'oom' crash)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/storyline-fuzz"))
    args = ap.parse_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        ap.error(f"unknown targets: {', '.join(sorted(unknown))}")
    args.work.mkdir(parents=True, exist_ok=True)
    if not (args.work / "seeds").exists():
        write_seeds(args.work / "seeds")
    rows = []
    for target in args.targets:
        row = run_target(target, args.work, args.seconds, args.timeout, args.rss_mb)
        rows.append(row)
        print(f"{target}: {row['execs']} execs in {row['seconds']} s, {row['crashes']} crashes, "
              f"{row['timeouts']} timeouts, cov {row['cov']}", file=sys.stderr, flush=True)  # fmt: skip
    print("| target | seconds | execs | execs/s | crashes | timeouts | cov | ft |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        rate = r["execs"] / max(r["seconds"], 1)  # type: ignore[operator]
        print(f"| {r['target']} | {r['seconds']} | {r['execs']} | {rate:.0f} | {r['crashes']} | {r['timeouts']} "
              f"| {r['cov']} | {r['ft']} |")  # fmt: skip
    found = [r for r in rows if r["findings"] or r["artifacts"]]
    for r in found:
        print(f"\n{r['target']}: {len(r['artifacts'])} new artifacts in {args.work / 'artifacts' / r['target']}")
        kinds = Counter(f.split(": ", 2)[-1] for f in r["findings"])  # type: ignore[union-attr]
        for what, n in kinds.most_common():
            print(f"  {n} x {what}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
