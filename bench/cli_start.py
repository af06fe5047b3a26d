"""Benchmark: how fast the command line answers, against a bare Python start.

    .venv/bin/python bench/cli_start.py [--runs 21]

Runs, interleaved ``--runs`` times each, in fresh processes of the same interpreter:
- baseline: ``python -c pass`` (the interpreter's own start);
- help: ``python -m dashboard --help`` (the parser, no verb);
- ingest start: ``python -c "import dashboard.cli.ingest"`` — everything the ingest verb imports
  before it reads its first record.

Prints the median wall times and each ratio against the baseline, PASS/FAIL against
help <= 5x the baseline (issue 12). The ingest start is printed for the record (no target).
Exit code 0 when the target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELP_MAX_RATIO = 5.0

CASES = {
    "baseline": ["-c", "pass"],
    "help": ["-m", "dashboard", "--help"],
    "ingest start": ["-c", "import dashboard.cli.ingest"],
}


def _once(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for args in CASES.values():
        _once(args)  # warm the file cache and the bytecode
    for _ in range(runs):
        for name, args in CASES.items():
            times[name].append(_once(args))
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["baseline"]
    for name, value in medians.items():
        print(f"{name:13s} {value * 1000:8.1f} ms  {value / base:6.1f}x baseline")
    ratio = medians["help"] / base
    ok = ratio <= HELP_MAX_RATIO
    print(f"help: {ratio:.1f}x <= {HELP_MAX_RATIO:.0f}x: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
