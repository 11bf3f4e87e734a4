"""``iqa-bench report RUN --format html`` on a finished run: the page drawn again from the stored scores
(issue 44: the run's kept curve fits are read from its score store, not fitted again).

    python -m benchmarks.report_page RUN_DIR [--baseline CHECKOUT] [--rounds 2]

Each round runs the command in a fresh process from this checkout and, with ``--baseline``, from another
checkout of the package (e.g. ``git worktree add /tmp/before <commit>``), interleaved; prints each time,
the medians and whether the two pages are byte-identical.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def timed_page(checkout: Path, run_dir: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "iqa_bench", "report", str(run_dir), "--format", "html", "-o", str(out)],
                   cwd=checkout, env={**os.environ, "PYTHONPATH": str(checkout)}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--baseline", type=Path, help="another checkout of iqa-bench, timed in turn")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    checkouts = {"this checkout": CHECKOUT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    times = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory() as scratch:
        pages = {name: Path(scratch) / f"{k}.html" for k, name in enumerate(checkouts)}
        for round_ in range(args.rounds):
            for name, checkout in reversed(checkouts.items()):
                times[name].append(timed_page(checkout, args.run_dir.resolve(), pages[name]))
                print(f"round {round_ + 1}, {name}: {times[name][-1]:.1f} s")
        for name in checkouts:
            print(f"{name}: median {statistics.median(times[name]):.1f} s")
        if args.baseline:
            same = pages["this checkout"].read_bytes() == pages["baseline"].read_bytes()
            print(f"pages byte-identical: {same}")


if __name__ == "__main__":
    main()
