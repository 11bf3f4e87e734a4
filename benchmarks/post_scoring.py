"""The stage after scoring (issue 27, item 4): statistics, significance, fit protocols, tables and
figures, when no score needs computing.

    python -m benchmarks.post_scoring [--tid2013 DIR] [--bootstrap 1000] [--skip-sample]

Two runs, each timed in a fresh process (the in-process fit memory starts empty, as in a user's
rerun):

* **sample**: the default evaluation (18 metrics × 150 items), every score reused from the store of a
  first, untimed run;
* **TID2013 metadata-only**: ``evaluate -d tid2013 --scores-dir DIR/metrics_values`` (14 imported
  metrics × 3000 items, 24 distortion groups; no image needed), a first run into an empty folder and a
  rerun (the curve fits kept in the run's score store).

Each line gives the whole ``api.evaluate`` call and its parts: the summary (fits and bootstrap),
significance, the fit-protocol table (``--fit all`` only), tables and figures. Goals: under 20 s and
under 60 s on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_TID = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "iqa" / "tid2013" / "yy3948+IQA"
STAGES = ("build_summary", "write_significance", "write_fit_protocols", "write_reports")


def _timed_evaluate(options: dict) -> dict:
    """One in-process evaluation with a clock around each stage of :mod:`iqa_bench.run.outputs`."""
    from iqa_bench import api
    from iqa_bench.run import outputs
    from iqa_bench.run.config import load_config

    times = {stage: 0.0 for stage in STAGES}

    def clocked(name, function):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                times[name] += time.perf_counter() - start
        return run

    for stage in STAGES:
        setattr(outputs, stage, clocked(stage, getattr(outputs, stage)))
    config = load_config(None, **options)
    start = time.perf_counter()
    result = api.evaluate(config.dataset, config=config)
    times["evaluate"] = time.perf_counter() - start
    times["computed"], times["reused"] = result.computed, result.reused
    return times


def _in_fresh_process(options: dict) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.post_scoring", "--one", json.dumps(options)],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    if out.returncode != 0:
        raise SystemExit(f"the timed run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _line(name: str, times: dict) -> str:
    parts = ", ".join(f"{stage.replace('write_', '').replace('build_', '')} {times[stage]:.1f} s"
                      for stage in STAGES)
    return (f"| {name} | {times['evaluate']:.1f} s | {parts} | {int(times['computed'])} computed, "
            f"{int(times['reused'])} reused |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tid2013", type=Path, default=DEFAULT_TID, help="TID2013 folder with metrics_values/")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_timed_evaluate(json.loads(args.one))))
        return
    print("| run | evaluate | stages | scores |\n|---|---:|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_sample:
            sample = {"results": str(Path(folder) / "sample"), "progress": False, "bootstrap": args.bootstrap}
            first = _in_fresh_process(sample)  # scores the sample into the store: not the stage timed
            print(_line("sample, first run (scoring included)", first))
            print(_line("sample, rerun: every score reused", _in_fresh_process(sample)))
        values = args.tid2013 / "metrics_values"
        if values.is_dir():
            tid = {"dataset": ["tid2013"], "root": [str(args.tid2013)], "scores_dir": str(values),
                   "results": str(Path(folder) / "tid"), "progress": False, "bootstrap": args.bootstrap}
            print(_line("TID2013 metadata-only, first run", _in_fresh_process(tid)))
            print(_line("TID2013 metadata-only, rerun (fits kept in the store)", _in_fresh_process(tid)))
        else:
            print(f"(TID2013 skipped: no {values})")


if __name__ == "__main__":
    main()
