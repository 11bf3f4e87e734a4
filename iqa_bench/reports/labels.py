"""Display names of metric specs, as a paper prints them: ``ms_ssim`` → ``MS-SSIM``,
``lpips`` → ``LPIPS (AlexNet)``, ``lp:efficientnet_lite0/block2_expand_relu`` →
``LP (EfficientNet-Lite0, block2_expand_relu)``, ``mdf:sisr`` → ``MDF (SISR)``.

The spec stays the key everywhere data is kept (the store, ``scores.csv``, ``summary.csv``'s ``metric``
column, LaTeX row comments); tables and figures show the label. A user renames any metric with
``--label SPEC=TEXT`` or a YAML ``labels: {SPEC: TEXT}``; imported scores keep the name they were
imported under. Pure string work: importing this module loads no metric (and no torch).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional

import pandas as pd

#: Family names as the literature writes them.
FAMILIES = {
    "psnr": "PSNR", "mse": "MSE", "l2": "MSE", "l1": "L1", "huber": "Huber", "ssim": "SSIM", "ms_ssim": "MS-SSIM",
    "iw_ssim": "IW-SSIM", "vif": "VIF", "vifp": "VIFp", "gmsd": "GMSD", "ms_gmsd": "MS-GMSD",
    "ms_gmsdc": "MS-GMSDc", "fsim": "FSIM", "fsimc": "FSIMc", "haarpsi": "HaarPSI", "mdsi": "MDSI", "vsi": "VSI",
    "srsim": "SR-SIM", "srsimc": "SR-SIMc", "dss": "DSS", "lpips": "LPIPS", "dists": "DISTS", "pieapp": "PieAPP",
    "lp": "LP", "lp_att": "LP-att", "lpv": "LP-PE", "cx": "CX", "cx_att": "CX-att", "content": "Content",
    "style": "Style", "mdf": "MDF", "afm": "AFM", "dec": "DEC",
}
#: Backbones as their papers name them.
NETWORKS = {
    "vgg16": "VGG-16", "vgg19": "VGG-19", "alexnet": "AlexNet", "squeezenet1_0": "SqueezeNet 1.0",
    "squeezenet1_1": "SqueezeNet 1.1", "resnet18": "ResNet-18", "resnet50": "ResNet-50", "googlenet": "GoogLeNet",
    "mobilenet_v2": "MobileNetV2", "shufflenet_v2_x1_0": "ShuffleNetV2 1.0×", "efficientnet_lite0": "EfficientNet-Lite0",
    # lpips's own network names
    "alex": "AlexNet", "vgg": "VGG-16", "squeeze": "SqueezeNet 1.1",
}
MDF_TASKS = {"sisr": "SISR", "jpeg": "JPEG", "denoise": "denoising"}
DEEP = ("lp", "lp_att", "lpv", "cx", "cx_att", "content", "style")


def _network(text: str) -> str:
    """``vgg16`` → ``VGG-16``; ``alexnet:random`` → ``AlexNet, random``; ``vgg16:random3`` →
    ``VGG-16, random 3``."""
    name, _, weights = text.partition(":")
    shown = NETWORKS.get(name.lower(), name)
    if weights.startswith("random"):
        seed = weights[len("random"):]
        shown += ", random" + (f" {seed}" if seed else "")
    elif weights and weights != "imagenet":
        shown += f", {weights}"
    return shown


def _deep(arg: str) -> str:
    """``<net>[:<weights>]/<layer>[+<layer>...][@<channels>]`` → ``Network, layer[, channels …]``."""
    net, _, rest = arg.partition("/")
    layers, _, channels = rest.partition("@")
    parts = [_network(net)] + ([layers.replace("+", " + ")] if layers else [])
    if channels:
        parts.append(f"channels {channels}")
    return ", ".join(parts)


def metric_label(spec: str) -> str:
    """The display name of one spec (a canonical spec or an imported name: the latter unchanged
    unless it is a built-in family's name)."""
    family, sep, arg = str(spec).partition(":")
    key = family.strip().lower()
    if key == "pyiqa" and arg:
        name, _, options = arg.partition(":")
        return f"{name} (pyiqa{', ' + options.replace(',', ', ') if options else ''})"
    if key not in FAMILIES:
        return str(spec)
    base = FAMILIES[key]
    if not sep or not arg:
        return "LPIPS (AlexNet)" if key == "lpips" else base
    shown = _deep(arg) if key in DEEP else _ARGUMENT.get(key, str)(arg)  # ssim:piq → SSIM (piq)
    return f"{base} ({shown})"


#: How a family's argument is shown inside the parentheses of its display name.
_ARGUMENT = {"lpips": lambda arg: _network(arg), "huber": lambda arg: f"δ = {arg}",
             "dec": lambda arg: f"{arg}×{arg} patches",
             "mdf": lambda arg: MDF_TASKS.get(arg.lower(), Path(arg).stem),
             "afm": lambda arg: Path(arg).stem, "psnr": str.upper}


def parse_label_option(text: str, where: str = "--label") -> tuple:
    """``SPEC=TEXT`` → (SPEC, TEXT); ValueError naming the option otherwise."""
    spec, sep, label = str(text).partition("=")
    if not sep or not spec.strip() or not label.strip():
        raise ValueError(f"{where} {text!r}: expected SPEC=TEXT, e.g. --label 'lp:vgg16/relu2_2=LP (ReLU2_2)'")
    return spec.strip(), label.strip()


def resolve_labels(specs: Iterable[str], overrides: Optional[Mapping[str, str]] = None,
                   verbatim: Iterable[str] = ()) -> Dict[str, str]:
    """spec → label for every spec: the user's override, else the imported name as imported
    (``verbatim``), else :func:`metric_label`. Two specs shown alike are told apart by their specs; one
    shown as its own spec (an imported ``PSNR`` beside the computed ``psnr``) keeps its name."""
    overrides = dict(overrides or {})
    kept = set(verbatim)
    labels = {s: overrides.get(s, s if s in kept else metric_label(s)) for s in dict.fromkeys(specs)}
    seen: Dict[str, list] = {}
    for spec, label in labels.items():
        seen.setdefault(label, []).append(spec)
    for label, same in seen.items():
        if len(same) > 1:
            for spec in same:
                if spec not in overrides and label != spec:
                    labels[spec] = f"{label} [{spec}]"
    return labels


def label_of(row, spec_key: str = "metric") -> str:
    """The label of a table row: its ``label`` column when present, else the spec's display name."""
    label = row.get("label") if hasattr(row, "get") else None
    if isinstance(label, str) and label:
        return label
    return metric_label(row[spec_key])


def with_labels(frame: pd.DataFrame, labels: Mapping[str, str], spec_key: str = "metric") -> pd.DataFrame:
    """``frame`` with a ``label`` column after ``spec_key`` (the spec column stays: it is the key)."""
    if frame.empty or spec_key not in frame.columns:
        return frame
    frame = frame.drop(columns=["label"], errors="ignore")
    shown = [labels.get(s) or metric_label(s) for s in frame[spec_key]]
    frame.insert(frame.columns.get_loc(spec_key) + 1, "label", shown)
    return frame


def trained_on_note(names) -> list:
    """[the footnote of the § mark] when a shown name carries it (a metric evaluated on its training
    data: :mod:`iqa_bench.metrics.training_data`), else []."""
    mark, note = "§", ("§ evaluated on data its weights were trained on (summary.csv, column trained_on, names the "
                       "source): these figures are not a test on unseen images")
    return [note + "."] if any(str(n).endswith(mark) for n in names) else []
