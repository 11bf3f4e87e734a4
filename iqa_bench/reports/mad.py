"""What ``iqa-bench mad`` writes (:class:`~iqa_bench.competition.mad.MadResult`): the four MAD images and the
initial one as PNG, each image's two metric values along its iterations (``trace.csv``), and the figure in the
layout of the paper's Figure 8 (reference and initial image on the left; to their right the pair of best and
worst quality by B with A held, and the pair by A with B held), both metrics' values under every panel.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from ..images import to_uint8  # noqa: E402
from ..io_utils import atomic_write, atomic_write_text  # noqa: E402
from .labels import metric_label  # noqa: E402
from .plots import PAGE_WIDTH, STYLE, save_figure  # noqa: E402


def _file_name(name: str) -> str:
    return name.replace(",", "").replace(" ", "_") + ".png"


def trace_table(result) -> pd.DataFrame:
    """One row per image and iteration: image, iteration, A's value, B's value, the step taken."""
    rows = [{"image": image.name, **row} for image in result.images for row in image.trace]
    return pd.DataFrame(rows).rename(columns={"a": result.spec_a, "b": result.spec_b})


def mad_figure(result, path: Path) -> Path:
    """The 2×3 figure (PNG at 200 dpi and PDF): reference and initial image, then the four extremes."""
    names = {key: metric_label(spec).split(" (")[0] for key, spec in (("a", result.spec_a), ("b", result.spec_b))}
    by_name = {image.name: image for image in result.images}
    panels = [("reference", result.reference, None), ("best B, A fixed", None, "best B, A fixed"),
              ("worst B, A fixed", None, "worst B, A fixed"), ("initial", result.initial, None),
              ("best A, B fixed", None, "best A, B fixed"), ("worst A, B fixed", None, "worst A, B fixed")]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 3, figsize=(PAGE_WIDTH, PAGE_WIDTH * 0.8))
        for ax, (title, tensor, key) in zip(axes.flat, panels):
            if key is None:
                values = None if title == "reference" else result.initial_values
                shown = tensor
            else:
                image = by_name[key]
                values, shown = image.values, image.image
                best, _, held = title.partition(", ")
                moved = names["b"] if best.endswith("B") else names["a"]
                title = f"{best[:-1]}{moved}, {names['a'] if held.startswith('A') else names['b']} fixed"
                problems = [w for w, on in (("drifted", image.drifted), ("stalled", image.stalled)) if on]
                title += f" ({', '.join(problems)})" if problems else ""
            ax.imshow(to_uint8(shown), interpolation="nearest")
            ax.set_title(title, fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
            if values is not None:
                ax.set_xlabel(f"{result.spec_a} = {values['a']:.4g}\n{result.spec_b} = {values['b']:.4g}", fontsize=6.5)
        fig.tight_layout(h_pad=1.2)
        return save_figure(fig, path, pdf=True)


def write_mad(result, folder: Path) -> Dict[str, Path]:
    """Every output of a MAD competition into ``folder``: the images, ``trace.csv``, ``mad.png``/``.pdf``."""
    folder = Path(folder)
    written = {}
    for name, tensor in [("reference", result.reference), ("initial", result.initial)] + \
            [(image.name, image.image) for image in result.images]:
        array = to_uint8(tensor)
        path = folder / _file_name(name)
        atomic_write(path, lambda tmp, array=array: Image.fromarray(array).save(tmp, "PNG"))
        written[name] = path
    written["trace"] = atomic_write_text(folder / "trace.csv", trace_table(result).to_csv(index=False))
    written["figure"] = mad_figure(result, folder / "mad.png")
    return written

