"""``iqa-bench study CONFIG``: train one SR model per loss (and per α), evaluate each, and write
(a) perception–distortion tables/plots (a distortion measure against a perception measure, one curve
per loss, one point per α) and (b) the loss-versus-metric comparison of the MDF paper (Sec. 6): each
loss's |SROCC| as a quality predictor on an IQA dataset, against the restoration quality its model
reaches, with the Spearman correlation across losses and a scatter plot.

Config (YAML)::

    train: {model: vdsr, scale: 4, train_dir: DIV2K/HR, patch: 96, batch_size: 16, iters: 1000, lr: 1e-4}
    testset: Set5/HR
    losses:
      - {name: l2, loss: "l2", predictor: mse}
      - {name: lp_att, loss: "{alpha}*l2 + {beta}*lp_att:vgg16/relu3_2", alphas: [0.5, 0.9],
         predictor: "lp_att:vgg16/relu3_2"}
    iqa: {dataset: live, root: /data/live}        # where each predictor's SROCC is measured
    perception: "lpips:alex"                      # the perception axis (reported under its spec)
    distortion: ssim_y                            # psnr_y or ssim_y
    quality: psnr_y                               # restoration quality of (b)
    output: results/study

``{alpha}``/``{beta}`` in a loss are replaced by α and 1 − α. Every run resumes from its checkpoint.
Also accepted: ``testsets: {Set5: Set5/HR, Set14: Set14/HR}`` (every model is evaluated on each; the
tables and plots of (a)/(b) use the first), a per-entry ``train: {model: srresnet}`` overriding the
shared training settings, and ``{name: bicubic, baseline: bicubic}`` — a model evaluated without
training (the papers' "Bicubic" column). ``restoration.csv`` has one row per (run, test set); the
paper recipes (``iqa-bench paper afm-table1 --root <output>``) read it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..io_utils import read_yaml_mapping  # noqa: E402
from scipy import stats  # noqa: E402

from ..io_utils import atomic_write_text  # noqa: E402
from ..reports.plots import save_figure  # noqa: E402
from .restoration import SrTestSet, evaluate_restoration  # noqa: E402
from .models import create_model  # noqa: E402
from .trainer import Trainer, load_model, load_train_config  # noqa: E402


def _runs(config: Dict[str, Any]):
    for entry in config["losses"]:
        if "name" not in entry or not (entry.get("loss") or entry.get("baseline")):
            raise ValueError(f"study: losses entry {entry!r} needs a name and a loss (or a baseline model)")
        if entry.get("baseline"):
            yield entry, None, entry["name"], ""
            continue
        alphas = entry.get("alphas") or [None]
        for alpha in alphas:
            loss = entry["loss"] if alpha is None else entry["loss"].format(alpha=alpha, beta=round(1 - alpha, 10))
            name = entry["name"] if alpha is None else f"{entry['name']}_a{alpha:g}"
            yield entry, alpha, name, loss


def _testsets(config: Dict[str, Any], config_path: Path) -> Dict[str, str]:
    if "testsets" in config:
        testsets = config["testsets"]
        if not isinstance(testsets, dict) or not testsets:
            raise ValueError(f"study config {config_path}: 'testsets' must map names to folders")
        return {str(k): str(v) for k, v in testsets.items()}
    if "testset" not in config:
        raise ValueError(f"study config {config_path}: missing key 'testset' (or 'testsets')")
    return {Path(str(config["testset"])).name: str(config["testset"])}


def _model(config, entry, name, loss, output: Path, device, progress):
    """The trained (or, for ``baseline`` entries, untrained) model of one run."""
    train = dict(config["train"], **entry.get("train", {}))
    scale = int(train.get("scale", 4))
    if entry.get("baseline"):
        return create_model(str(entry["baseline"]), scale=scale), scale
    train.update(loss=loss, output=str(output / "runs" / name), device=device, progress=progress)
    return load_model(Trainer(load_train_config(None, **train)).train()), scale


def _checked_config(config_path: Path, trust_specs: bool) -> dict:
    """The study configuration read, its keys checked, no spec in it naming code or a file unless
    ``trust_specs``."""
    from ..metrics.registry import check_file_values, check_specs_from_file
    from .losses import check_loss_from_file

    config = read_yaml_mapping(config_path, "study config")
    check_file_values(config, f"study config {config_path}", trust_specs)
    for key in ("train", "losses"):
        if key not in config:
            raise ValueError(f"study config {config_path}: missing key {key!r}")
    if not isinstance(config["losses"], list) or not all(isinstance(e, dict) for e in config["losses"]):
        raise ValueError(f"study config {config_path}: key 'losses' must be a list of mappings (name, loss, ...)")
    for entry in config["losses"]:
        if isinstance(entry, dict) and entry.get("loss"):
            check_loss_from_file(str(entry["loss"]).format(alpha=0.5, beta=0.5),
                                 f"study config {config_path}: loss", trust_specs)
        if isinstance(entry, dict) and entry.get("predictor"):
            check_specs_from_file([str(entry["predictor"])], f"study config {config_path}: predictor", trust_specs)
    return config


def _perception_distortion(runs: pd.DataFrame, output: Path, perception: str, distortion: str) -> pd.DataFrame:
    """The perception–distortion table (CSV, Markdown) and figure of the runs on the first test set: one
    point per run, a line per loss family, each point's α beside it."""
    table = runs[["family", "alpha", "name", distortion, perception]]
    atomic_write_text(output / "perception_distortion.csv", table.to_csv(index=False))
    atomic_write_text(output / "perception_distortion.md", _markdown(table))
    fig, ax = plt.subplots(figsize=(5, 4), dpi=110)
    for family, part in runs.groupby("family", sort=False):
        part = part.sort_values(distortion)
        ax.plot(part[distortion], part[perception], "o-", label=family)
        for _, r in part.iterrows():
            if r["alpha"] is not None and pd.notna(r["alpha"]):
                ax.annotate(f"α={r['alpha']:g}", (r[distortion], r[perception]), fontsize=7)
    ax.set_xlabel(distortion)
    ax.set_ylabel(f"{perception} (lower = better)")
    ax.set_title("perception–distortion")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, output / "perception_distortion.png")
    return table


def run_study(config_path: Path, device: str = "cpu", progress: bool = True,
              trust_specs: bool = False) -> Dict[str, pd.DataFrame]:
    """No spec read from the config (under any key: losses, predictors, the perception axis, ...) may name
    code or a file unless ``trust_specs`` (the one gate, :func:`~iqa_bench.metrics.registry.check_file_values`)."""
    config = _checked_config(config_path, trust_specs)
    testsets = _testsets(config, config_path)
    output = Path(config.get("output", "results/study"))
    perception = config.get("perception", "lpips:alex")
    distortion = config.get("distortion", "ssim_y")
    quality = config.get("quality", "psnr_y")
    rows, notes = [], set()
    for entry, alpha, name, loss in _runs(config):
        model, scale = _model(config, entry, name, loss, output, device, progress)
        for k, (testset, folder) in enumerate(testsets.items()):
            evaluation = output / "runs" / name / ("eval" if k == 0 else f"eval-{testset}")
            result = evaluate_restoration(model, SrTestSet(folder, scale), output=evaluation, device=device,
                                          lpips_spec=perception)
            notes.update(result.unavailable)
            rows.append({"name": name, "testset": testset, "loss": loss,
                         "family": entry["name"], "alpha": alpha, "predictor": entry.get("predictor", loss),
                         **result.summary})
    every = pd.DataFrame(rows)
    atomic_write_text(output / "restoration.csv", every.to_csv(index=False))
    runs = every[every["testset"] == next(iter(testsets))].reset_index(drop=True)
    tables = {"restoration": every}

    if perception in runs.columns:
        tables["perception_distortion"] = _perception_distortion(runs, output, perception, distortion)
    else:
        notes.add(f"perception-distortion table not written: {perception} was not computed")

    if "iqa" in config:
        trained = runs[runs["loss"] != ""]  # baselines (bicubic) predict nothing
        tables["loss_vs_metric"] = _loss_vs_metric(config, trained, quality, output, device, progress, notes)
    atomic_write_text(output / "notes.txt", "".join(f"{n}\n" for n in sorted(notes)))
    return tables


def _markdown(frame: pd.DataFrame) -> str:
    cells = [[("" if pd.isna(v) else f"{v:.4f}" if isinstance(v, float) else str(v)) for v in row]
             for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells]) + "\n"


def _loss_vs_metric(config, runs, quality, output, device, progress, notes) -> pd.DataFrame:
    from ..run.evaluate import evaluate

    iqa = config["iqa"]
    per_family = runs.groupby("family", sort=False).agg({"predictor": "first", quality: "max"}).reset_index()
    result = evaluate(iqa["dataset"], list(dict.fromkeys(per_family["predictor"])), root=iqa.get("root"),
                      results=str(output / "iqa"), bootstrap=int(iqa.get("bootstrap", 1000)), plots=False,
                      device=device, progress=progress)
    notes.update(f"iqa: {f.metric}: {f.message}" for f in result.failures if f.item_id == "(all items)")
    overall = result.summary[result.summary["group"] == "all"].set_index("metric")
    per_family["abs_srocc"] = [abs(overall["srocc"].get(p, float("nan"))) for p in per_family["predictor"]]
    per_family["iqa_dataset"] = result.dataset
    valid = per_family.dropna(subset=["abs_srocc", quality])
    rho = stats.spearmanr(valid["abs_srocc"], valid[quality])[0] if len(valid) >= 3 else float("nan")
    per_family.attrs["spearman"] = rho
    atomic_write_text(output / "loss_vs_metric.csv", per_family.to_csv(index=False))
    atomic_write_text(output / "loss_vs_metric.md", _markdown(per_family) +
                      f"\nSpearman correlation across losses of |SROCC| and {quality}: {rho:.4f}\n")
    fig, ax = plt.subplots(figsize=(5, 4), dpi=110)
    ax.scatter(per_family["abs_srocc"], per_family[quality])
    for _, r in per_family.iterrows():
        ax.annotate(r["family"], (r["abs_srocc"], r[quality]), fontsize=7)
    ax.set_xlabel(f"|SROCC| as a predictor on {result.dataset}")
    ax.set_ylabel(f"restoration {quality}")
    ax.set_title(f"loss as metric vs loss as objective (Spearman {rho:.2f})")
    fig.tight_layout()
    save_figure(fig, output / "loss_vs_metric.png")
    return per_family
