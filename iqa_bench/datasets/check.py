"""``iqa-bench datasets check``: counts, file presence and decodability of a dataset copy."""
from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Tuple

from PIL import Image

from .base import Dataset


@dataclass
class CheckReport:
    dataset: str
    info: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [f"dataset {self.dataset}:"] + [f"  ok   {line}" for line in self.info]
        lines += [f"  FAIL {line}" for line in self.problems]
        lines.append(f"{self.dataset}: {'complete' if self.ok else f'{len(self.problems)} problem(s)'}")
        return "\n".join(lines)


EXAMPLES = 3


def _decode_problem(path) -> Tuple[str, Path, str]:
    """("missing" | "undecodable or truncated" | "", path, detail)."""
    if not path.exists():
        return "missing", path, ""
    try:
        with Image.open(path) as im:
            im.load()
    except Exception as err:  # any decoder error makes the file unusable
        return "undecodable or truncated", path, str(err)
    return "", path, ""


def grouped(problems: List[Tuple[str, Path, str]]) -> List[str]:
    """One line per (kind, folder): the count and the first few names, e.g.
    "145 missing files in /d/live/gblur: img1.bmp, img10.bmp, img100.bmp, ..."."""
    groups: "OrderedDict[Tuple[str, Path], List[Tuple[Path, str]]]" = OrderedDict()
    for kind, path, detail in problems:
        groups.setdefault((kind, path.parent), []).append((path, detail))
    lines = []
    for (kind, folder), entries in groups.items():
        if len(entries) == 1:
            path, detail = entries[0]
            lines.append(f"{kind} file {path}" + (f": {detail}" if detail else ""))
            continue
        names = ", ".join(p.name for p, _ in entries[:EXAMPLES]) + (", ..." if len(entries) > EXAMPLES else "")
        example = next((d for _, d in entries if d), "")
        lines.append(f"{len(entries)} {kind} files in {folder}: {names}" + (f" (e.g. {example})" if example else ""))
    return lines


def check_dataset(dataset: Dataset, workers: int = 4) -> CheckReport:
    """Parse the score files, compare counts with the official release, open every image."""
    report = CheckReport(dataset.name)
    absent = [(path, hint) for path, hint in dataset.score_files() if not Path(path).exists()]
    if absent:  # every missing score file, not only the first the parser would meet
        report.problems += [f"missing score file {path}" + (f" ({hint})" if hint else "") for path, hint in absent]
        report.problems.append("the image files cannot be listed without the score files above")
        return report
    try:
        items = dataset.items()
    except (OSError, ValueError) as err:
        report.problems.append(str(err))
        return report
    report.info.append(f"score files parsed: {len(items)} items")
    for key, count in dataset.counts(items).items():
        expected = getattr(dataset, "expected", {}).get(key)
        line = f"{key}: {count}" + (f" (official: {expected})" if expected is not None else "")
        (report.info if expected in (None, count) else report.problems).append(line)
    paths = sorted({p for it in items for p in (it.ref_path, it.dist_path)})
    with ThreadPoolExecutor(max_workers=workers) as pool:
        problems = [p for p in pool.map(_decode_problem, paths) if p[0]]
    report.problems += grouped(problems)
    if not problems:
        report.info.append(f"all {len(paths)} image files present and decodable")
    consistency = getattr(dataset, "consistency", None)
    if consistency is not None:
        try:
            extra = consistency()
        except (OSError, ValueError) as err:  # a damaged auxiliary file (info.txt) is one problem line
            extra = [str(err)]
        report.problems += extra
        if not extra:
            report.info.append("auxiliary files consistent with the score files")
    return report
