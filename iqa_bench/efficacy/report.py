"""Outputs of ``iqa-bench efficacy``: the per-channel CSV and plots like Fig. 2-3 of the
Perceptual-Efficacy paper (tuning curves of the top and bottom channels by PE, with the CSF)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from ..io_utils import atomic_write_text  # noqa: E402
from ..csf import mannos_sakrison  # noqa: E402
from ..reports.plots import save_figure  # noqa: E402
from .scores import ChannelEfficacy  # noqa: E402


def channel_table(efficacy: ChannelEfficacy) -> pd.DataFrame:
    """channel, mu1, mu2, pe, rank (1 = highest PE), sorted by rank."""
    rank = np.empty(efficacy.pe.size, dtype=int)
    rank[efficacy.ranking] = np.arange(1, efficacy.pe.size + 1)
    table = pd.DataFrame({"channel": np.arange(efficacy.pe.size), "mu1": efficacy.mu1, "mu2": efficacy.mu2,
                          "pe": efficacy.pe, "rank": rank})
    return table.sort_values("rank").reset_index(drop=True)


@dataclass(frozen=True)
class Tuning:
    """One tuning experiment's curves: the stimulus values ``x``, the mean activation per (value, channel),
    how each channel's curve is scaled, the axis texts and an optional overlay (curve, legend label)."""

    x: np.ndarray
    curves: np.ndarray
    scale: Callable[[np.ndarray], np.ndarray]
    xlabel: str
    what: str
    ylabel: str
    overlay: Optional[Tuple[np.ndarray, str]] = None


def _tuning_figure(tuning: Tuning, top, bottom, title: str, path: Path) -> Path:
    """Two panels (highest / lowest PE channels) of scaled tuning curves, optionally with an overlay."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), dpi=110, sharey=True)
    for ax, channels, label in ((axes[0], top, "highest PE"), (axes[1], bottom, "lowest PE")):
        for c in channels:
            ax.plot(tuning.x, tuning.scale(tuning.curves[:, c]), label=f"ch {c}")
        if tuning.overlay is not None:
            ax.plot(tuning.x, tuning.overlay[0], "k--", lw=2, label=tuning.overlay[1])
        ax.set_title(f"{label}: mean activation vs {tuning.what}", fontsize=9)
        ax.set_xlabel(tuning.xlabel)
        ax.legend(fontsize=7)
    axes[0].set_ylabel(tuning.ylabel)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def write_efficacy_report(efficacy: ChannelEfficacy, folder, title: str, show: int = 4) -> Dict[str, Path]:
    """``channels.csv``, ``frequency_tuning.png`` and ``orientation_tuning.png`` in ``folder``."""
    folder = Path(folder)
    table = channel_table(efficacy)
    written = {"csv": atomic_write_text(folder / "channels.csv", table.to_csv(index=False))}
    top, bottom = list(table["channel"][:show]), list(table["channel"][-show:])

    f = efficacy.frequencies_cpd
    csf = mannos_sakrison(torch.from_numpy(f)).numpy()

    def min_max(curve):
        return (curve - curve.min()) / (np.ptp(curve) or 1.0)

    frequency = Tuning(f, efficacy.frequency_tuning, min_max, "spatial frequency (cycles/degree)", "frequency",
                       "normalised mean activation", overlay=(csf / csf.max(), "CSF (Mannos–Sakrison)"))
    orientation = Tuning(efficacy.orientations_deg, efficacy.orientation_tuning,
                         lambda curve: curve / (np.abs(curve).max() or 1.0), "grating orientation (degrees)",
                         "orientation", "mean activation / max")
    written["frequency"] = _tuning_figure(frequency, top, bottom, title, folder / "frequency_tuning.png")
    written["orientation"] = _tuning_figure(orientation, top, bottom, title, folder / "orientation_tuning.png")
    return written
