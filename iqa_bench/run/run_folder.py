"""A run folder holds one run's outputs, and a run that fails leaves the finished one as it was.

* **Names that do not collide**: without ``--run``, a run goes to ``RESULTS/<dataset>`` when that folder is
  free or holds a run of the same metrics (a rerun, a resumed run, a re-rendering with other statistics
  options); a run of other metrics goes to the first of ``<dataset>-2``, ``<dataset>-3``, ... that is free or
  holds its own earlier run, and the terminal says so. ``--run NAME`` writes into ``NAME`` whatever it holds.
* **Written aside, moved into place**: every file of a run is written into a hidden sibling
  ``.NAME.partial-PID`` (the previous run's figures copied in first, so unchanged ones are not redrawn;
  those this run does not draw are removed before the move),
  which replaces ``NAME`` only when the run has finished: an error, an interrupt or a run in which every
  metric failed leaves ``NAME`` byte-identical, and the new folder holds no file of an earlier run. What an
  interrupted run left (``kill -9``) is removed by the next run on that folder, under its lock.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Sequence

from .runlock import LOCK_NAME


RUN_RECORD = "run.json"
FIGURES = "plots"


@dataclass(frozen=True)
class RunIdentity:
    """What makes two runs the same run: their metrics and imported score files (by name), whatever the
    statistics options."""

    metrics: tuple
    imported: tuple

    @classmethod
    def of(cls, metrics: Sequence[str], imported: Sequence[str]) -> "RunIdentity":
        return cls(tuple(sorted(set(metrics))), tuple(sorted(set(imported))))

    @classmethod
    def recorded(cls, folder: Path) -> Optional["RunIdentity"]:
        """The identity a run folder's ``run.json`` records, None when it holds none (or an unreadable one)."""
        try:
            meta = json.loads((folder / RUN_RECORD).read_text())
            if "identity" in meta:
                return cls.of(meta["identity"]["metrics"], meta["identity"]["imported"])
            imported = list(meta.get("imported") or {})  # a run.json of an earlier version: its metrics
            return cls.of([m for m in meta["metrics"] if m not in imported], imported)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def to_dict(self) -> dict:
        return {"metrics": list(self.metrics), "imported": list(self.imported)}

    def describe(self) -> str:
        return ", ".join(self.metrics + self.imported)


def _record_folder(folder: Path, datasets: Sequence[str]) -> Path:
    """Where a run folder keeps its ``run.json``: the folder itself, or, for a run across several datasets,
    its first dataset's folder."""
    return folder if len(datasets) == 1 else folder / datasets[0]


def _holds_something(folder: Path) -> bool:
    return folder.is_dir() and any(p.name != LOCK_NAME for p in folder.iterdir())


def choose_run_name(results: Path, datasets: Sequence[str], identity: RunIdentity) -> tuple:
    """``(name, note)``: the default run folder name for a run of ``identity`` under ``results``, and the line
    that says why when it is not the dataset's own name."""
    base = "+".join(datasets)
    taken: Dict[str, RunIdentity] = {}
    for number in range(1, 10_000):
        name = base if number == 1 else f"{base}-{number}"
        folder = results / name
        if not _holds_something(folder):
            break
        recorded = RunIdentity.recorded(_record_folder(folder, datasets))
        if recorded == identity:
            break
        taken[name] = recorded
    else:  # pragma: no cover - ten thousand runs of other metrics
        raise ValueError(f"{results}: every run folder name {base}, {base}-2, ... is taken; choose one with --run")
    if name == base:
        return name, None
    other = taken.get(base)
    held = f"a run of {other.describe()}" if other else "other files"
    return name, (f"{results / base} holds {held}; this run is written to {results / name} "
                  f"(--run NAME chooses the folder)")


@dataclass
class RunFolder:
    """Writes a run into ``stage`` and moves it to ``final`` at :meth:`commit`; see the module's docstring."""

    final: Path
    identity: RunIdentity
    stage: Path = field(init=False)
    kept_previous: bool = False

    def __post_init__(self):
        self.final = Path(self.final)
        self.stage = self.final.parent / f".{self.final.name}.partial-{os.getpid()}"

    @property
    def has_finished_run(self) -> bool:
        return (self.final / RUN_RECORD).exists()

    def check(self) -> "RunFolder":
        """Refuse, before any work, a folder that holds files but no run (a run replaces its folder)."""
        if _holds_something(self.final) and not self.has_finished_run and not _is_across_folder(self.final):
            raise ValueError(f"{self.final} holds files but no run ({RUN_RECORD}); a run replaces its folder: "
                             f"choose another --run or --results")
        return self

    def open(self) -> "RunFolder":
        """Clear what interrupted runs left; start the stage with the previous run's figures (a figure whose
        inputs did not change is not redrawn)."""
        self.check()
        for kind in ("partial", "previous"):  # what a killed run left aside: the lock is ours, so nobody's
            for leftover in self.final.parent.glob(f".{self.final.name}.{kind}-*"):
                shutil.rmtree(leftover, ignore_errors=True)
        self.stage.mkdir(parents=True)
        if (self.final / FIGURES).is_dir():
            from ..reports.figure_cache import MANIFEST, PREVIOUS_MANIFEST

            shutil.copytree(self.final / FIGURES, self.stage / FIGURES)
            manifest = self.stage / FIGURES / MANIFEST
            if manifest.exists():
                os.replace(manifest, manifest.with_name(PREVIOUS_MANIFEST))
        return self

    def keep_previous(self) -> None:
        """The run produced nothing worth its folder: :meth:`commit` leaves the finished run in place."""
        self.kept_previous = True

    def commit(self) -> None:
        """Move the stage into place (the previous run's folder, if any, goes aside and is then removed)."""
        if self.kept_previous:
            self.discard()
            return
        from ..reports.figure_cache import keep_drawn_only

        keep_drawn_only(self.stage / FIGURES)  # the previous run's figures that this run did not draw go
        previous = self.final.parent / f".{self.final.name}.previous-{os.getpid()}"
        had_one = self.final.exists()
        if had_one:
            os.replace(self.final, previous)
        try:
            os.replace(self.stage, self.final)
        except OSError:
            if had_one:
                os.replace(previous, self.final)
            raise
        if had_one:
            shutil.rmtree(previous, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)


def _is_across_folder(folder: Path) -> bool:
    """A folder of a run across several datasets: its datasets' run folders inside, ``across.*`` beside."""
    return any((child / RUN_RECORD).exists() for child in folder.iterdir() if child.is_dir())
