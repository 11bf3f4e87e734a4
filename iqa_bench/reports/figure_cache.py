"""Which figures of a run folder are current: ``plots/figures.json`` maps each figure's file name to a
digest of its inputs, so a figure is drawn again only when they changed (or its file is gone); the figures
asked for are drawn together, in forked worker processes. No plotting here (no matplotlib import): the run
folder (:mod:`iqa_bench.run.run_folder`) reads and prunes the manifests too."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Callable, List, Optional

from ..io_utils import atomic_write_text
from ..parallel import map_forked

MANIFEST = "figures.json"
#: In a run written aside (:mod:`iqa_bench.run.run_folder`), the previous run's manifest: its figures may be
#: taken over when their digests match, and the ones this run does not draw are removed when it finishes.
PREVIOUS_MANIFEST = "figures.previous.json"


def _read_manifest(path: Path) -> dict:
    try:
        known = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def keep_drawn_only(folder: Path) -> None:
    """Remove from a figures folder every file that its manifest does not list (with the previous run's
    manifest): what is left is the figures this run drew or took over."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    stems = {Path(name).stem for name in _read_manifest(folder / MANIFEST)}
    for path in folder.iterdir():
        if path.name != MANIFEST and (path.stem not in stems or path.suffix not in (".png", ".pdf")):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    if not stems:
        shutil.rmtree(folder, ignore_errors=True)


def source_digest(function) -> str:
    """The SHA-256 of the file defining ``function``: a figure part of another module (the significance
    heat map) is redrawn when that module's drawing code changes."""
    return hashlib.sha256(Path(function.__code__.co_filename).read_bytes()).hexdigest()


class FigureCache:
    """Which figures of a folder are current: ``figures.json`` maps a figure's file name to the digest of
    its inputs; :meth:`draw` asks for a figure, drawn only when the digest changed or a file is gone.
    The figures asked for are drawn at :meth:`close`, in ``workers`` processes at once
    (:func:`~iqa_bench.parallel.map_forked`; default every available core)."""

    def __init__(self, folder: Path, workers: Optional[int] = None):
        self.folder = Path(folder)
        self.workers = workers
        self.known = _read_manifest(self.folder / MANIFEST)
        self.previous = _read_manifest(self.folder / PREVIOUS_MANIFEST)
        self._pending: List[tuple] = []

    def draw(self, name: str, digest: str, draw: Callable[[], Path], pdf: bool = True, cost: float = 1.0) -> Path:
        """Ask for a figure (drawn at :meth:`close`; ``cost``: its drawing's relative cost, the costliest
        are started first)."""
        path = self.folder / name
        current = digest in (self.known.get(name), self.previous.get(name)) and path.exists() and \
            (not pdf or path.with_suffix(".pdf").exists())
        if current:
            self.known[name] = digest  # a previous run's figure taken over (recorded at close)
        else:
            self.known.pop(name, None)
            self._pending.append((name, digest, draw, cost))
        return path

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.folder / MANIFEST, json.dumps(self.known, indent=1, sort_keys=True))

    def remove_others(self, prefix: str, keep) -> None:
        """Delete the folder's figures named ``prefix*`` that are not in ``keep`` (PNG and PDF) and forget
        them: a folder holds the figures of its current run only, not those of metrics of an earlier one."""
        stems = {Path(name).stem for name in keep}
        stale = [p for p in self.folder.glob(f"{prefix}*") if p.suffix in (".png", ".pdf") and p.stem not in stems]
        for path in stale:
            path.unlink(missing_ok=True)
            self.known.pop(path.name, None)
        if stale:
            self._save()

    def close(self) -> None:
        """Draw the figures asked for (a crash while drawing leaves no stale digest behind: the manifest
        is written without them first) and record their digests."""
        pending, self._pending = self._pending, []
        if pending:
            self._save()
            map_forked(lambda job: job[2](), pending, self.workers, cost=lambda job: job[3])
            for name, digest, _, _ in pending:
                self.known[name] = digest
        self._save()
