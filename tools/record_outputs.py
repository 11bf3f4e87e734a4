"""Every file a fixed set of runs writes, recorded so that a behaviour-preserving change can be proven
byte for byte (issue 28: "record every output before the move, compare after").

    python tools/record_outputs.py record OUT [--tid2013 DIR] [--only NAME ...]
    python tools/record_outputs.py compare BEFORE AFTER

``record`` runs each command of :data:`RUNS` through the command line (``python -m iqa_bench``, from the
checkout the script lies in -- run a copy of it from a ``git worktree`` of the old commit to record the
"before"), each into ``OUT/<name>/``, with its stdout, stderr and exit code, and writes
``OUT/manifest.json``: SHA-256 of every file. ``compare`` lists the files that differ, appear or vanish
between two recordings, each with the line that differs first (text files), after masking what
legitimately differs between two runs (:data:`VOLATILE`: the recording's own folder, timings); the exit
status is 1 when anything else differs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

CHECKOUT = Path(__file__).resolve().parents[1]
DEFAULT_TID = CHECKOUT.parent / "shared" / "data" / "iqa" / "tid2013" / "yy3948+IQA"
#: name -> arguments after ``iqa-bench`` ({out}: the run's folder; {tid}: the TID2013 folder; {custom}: the custom folder
#: :func:`write_custom_folder` makes).
RUNS: Dict[str, List[str]] = {
    "sample": ["evaluate", "--results", "{out}", "--no-progress"],
    "sample_fit_all_references": ["evaluate", "--results", "{out}", "--no-progress", "--fit", "all",
                                  "--resample", "references", "-m", "psnr,ssim,ms_ssim,vifp,gmsd"],
    "sample_every_statistic": ["evaluate", "--results", "{out}", "--no-progress", "--fit", "all", "--resample",
                               "references", "--correct", "holm", "--mapping", "held-out"],
    "report_latex": ["report", "{out}/../sample/sample", "--format", "latex"],
    "report_html": ["report", "{out}/../sample/sample", "--format", "html", "-o", "{out}/report.html"],
    "stand_plugin": ["stand", "gradsim", "--results", "{out}", "--no-progress"],
    "paper_recipe": ["paper", "--recipe-file", str(CHECKOUT / "tools" / "sample_recipe.yaml"), "--out",
                     "{out}/tables", "--results", "{out}/runs", "--bootstrap", "100"],
    "check": ["check", "--baseline", str(CHECKOUT / "reports" / "baseline.json"), "--results", "{out}"],
    "calibrate_csv": ["calibrate", "--format", "csv"],
    "sample_and_custom": ["evaluate", "-d", "sample", "-d", "custom", "--root", "custom={custom}", "--results",
                          "{out}", "--no-progress", "-m", "psnr,ssim,gmsd"],
    "tid2013_metadata_only": ["evaluate", "-d", "tid2013", "--root", "{tid}", "--scores-dir",
                              "{tid}/metrics_values", "--results", "{out}", "--no-progress"],
}
#: What differs between two recordings of the same behaviour, besides the recording's folder and the
#: checkout's (masked by :func:`compare` from the manifests): masked before comparing.
VOLATILE = [
    (re.compile(r"\b\d+(\.\d+)? ?(s|ms|seconds)\b"), "<time>"),
    (re.compile(r"/CreationDate \(D:\d+Z?\)"), "/CreationDate ()"),
]
#: Binary stores: compared by content elsewhere (their tables), not by bytes.
SKIPPED = ("scores.sqlite", "scores.sqlite-wal", "scores.sqlite-shm", ".lock")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_custom_folder(folder: Path) -> Path:
    """A small custom dataset (``manifest.csv`` + PNGs) that is the same on every machine: four seeded
    192x192 gradient-and-noise references, each with three levels of added noise, scored by level."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rows = ["ref,dist,score,distortion,reference"]
    for r in range(4):
        generator = np.random.default_rng(r)
        ramp = np.linspace(0, 255, 192)[None, :, None] * np.ones((192, 1, 3))
        ref = np.clip(ramp * (0.5 + 0.1 * r) + generator.normal(0, 20, (192, 192, 3)), 0, 255)
        Image.fromarray(ref.astype(np.uint8)).save(folder / f"ref{r}.png")
        for level in (1, 2, 3):
            dist = np.clip(ref + generator.normal(0, 12 * level, ref.shape), 0, 255)
            Image.fromarray(dist.astype(np.uint8)).save(folder / f"ref{r}_noise{level}.png")
            rows.append(f"ref{r}.png,ref{r}_noise{level}.png,{10 - 3 * level + 0.5 * r},noise,ref{r}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder


def record(out: Path, tid: Path, only: List[str]) -> Dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    custom = write_custom_folder(out / "custom_dataset")
    for name, arguments in RUNS.items():
        if only and name not in only:
            continue
        if "{tid}" in " ".join(arguments) and not (tid / "metrics_values").is_dir():
            print(f"{name}: skipped (no {tid}/metrics_values)", file=sys.stderr)
            continue
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "iqa_bench"] + [a.format(out=folder, tid=tid, custom=custom) for a in arguments]
        done = subprocess.run(command, cwd=CHECKOUT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(CHECKOUT)})
        (folder / "stdout.txt").write_text(done.stdout)
        (folder / "stderr.txt").write_text(done.stderr)
        (folder / "exit_code.txt").write_text(f"{done.returncode}\n")
        print(f"{name}: exit {done.returncode}", file=sys.stderr)
    files = {str(p.relative_to(out)): _digest(p) for p in sorted(out.rglob("*"))
             if p.is_file() and p.name != "manifest.json" and not p.name.endswith(SKIPPED)}
    (out / "manifest.json").write_text(json.dumps({"recording": str(out), "checkout": str(CHECKOUT),
                                                   "files": files}, indent=1, sort_keys=True))
    return files


def _masked(data: bytes, folders) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    for folder, name in folders:
        text = text.replace(folder, name)
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text.encode("utf-8")


def compare(before: Path, after: Path) -> List[str]:
    """One line per file that differs (after masking), appears or vanishes."""
    old, new = (json.loads((folder / "manifest.json").read_text()) for folder in (before, after))
    lines = [f"only before: {name}" for name in sorted(set(old["files"]) - set(new["files"]))]
    lines += [f"only after: {name}" for name in sorted(set(new["files"]) - set(old["files"]))]
    for name in sorted(set(old["files"]) & set(new["files"])):
        if old["files"][name] == new["files"][name]:
            continue
        a, b = (_masked((folder / name).read_bytes(), [(m["recording"], "<recording>"), (m["checkout"], "<checkout>")])
                for folder, m in ((before, old), (after, new)))
        if a == b:
            continue
        first = next((k for k, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())) if x != y),
                     min(len(a.splitlines()), len(b.splitlines())))
        lines.append(f"differs: {name} (first at line {first + 1})")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("out", type=Path)
    rec.add_argument("--tid2013", type=Path, default=DEFAULT_TID)
    rec.add_argument("--only", nargs="*", default=[], choices=sorted(RUNS))
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "record":
        manifest = record(args.out.resolve(), args.tid2013.resolve(), args.only)
        print(f"{len(manifest)} files recorded in {args.out / 'manifest.json'}")
        return 0
    lines = compare(args.before, args.after)
    print("\n".join(lines) if lines else "every recorded file is the same (after masking what is volatile)")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
