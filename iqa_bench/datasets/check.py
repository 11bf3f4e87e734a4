"""``iqa-bench datasets check``: counts, file presence and decodability of a dataset copy."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import List

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


def _decode_problem(path) -> str:
    if not path.exists():
        return f"missing file {path}"
    try:
        with Image.open(path) as im:
            im.load()
    except Exception as err:  # any decoder error makes the file unusable
        return f"undecodable or truncated file {path}: {err}"
    return ""


def check_dataset(dataset: Dataset, workers: int = 4) -> CheckReport:
    """Parse the score files, compare counts with the official release, open every image."""
    report = CheckReport(dataset.name)
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
        problems = [p for p in pool.map(_decode_problem, paths) if p]
    report.problems += problems
    if not problems:
        report.info.append(f"all {len(paths)} image files present and decodable")
    consistency = getattr(dataset, "consistency", None)
    if consistency is not None:
        extra = consistency()
        report.problems += extra
        if not extra:
            report.info.append("auxiliary files consistent with the score files")
    return report
