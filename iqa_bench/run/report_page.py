"""``report.html`` of a finished run (``iqa-bench report RUN --format html``): the run folder read back, the
significance matrices and fit protocols computed again as the run did, the other tables read from the
folder."""
from __future__ import annotations

from pathlib import Path
from typing import List

import pandas as pd

from ..reports.html_run import RunView, package_versions
from ..reports.labels import with_labels
from ..reports.renderers import RENDERERS
from ..reports.tables import display_name
from ..reports.thumbnails import thumbnails
from .method_outputs import EXTRA_TABLES
from .outputs import significance_of

def read_failures(run_dir: Path) -> List[tuple]:
    """failures.txt as (item, metric, message) rows ([] when absent; a line without tabs is kept whole as
    the message)."""
    path = Path(run_dir) / "failures.txt"
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t", 2)
        if line.strip():
            rows.append(tuple(parts) if len(parts) == 3 else ("", "", line))
    return rows


def finished_run_page(run_dir: Path, run: dict, summary: pd.DataFrame, fit: str, bootstrap: int,
                      with_thumbnails: bool = False, by: str = "") -> str:
    """``report.html`` of a finished run (``iqa-bench report RUN --format html``) from its stored scores:
    the significance matrices and, under ``fit: all``, the fit protocols computed again as the run did;
    ``with_thumbnails``: the dataset is opened again from run.json's dataset and root to read its images."""
    from ..stats.fit_protocols import fit_protocol_table

    config = run["config"]
    protocol = run.get("protocol", "regression")
    scores, specs = run["scores"], [m for m in run["metrics"] if m in run["scores"].columns]
    significance = protocols = None
    labels = {m: label for m, label in zip(summary["metric"], summary["label"])} if "label" in summary.columns else {}
    if protocol == "regression":
        significance = significance_of(scores, specs, run.get("higher_is_better", {}),
                                       run.get("score_higher_is_better"), fit, bootstrap, config["seed"],
                                       config.get("resample", "items"), config.get("correct", "none"))
        if config["fit"] == "all":
            table = with_labels(fit_protocol_table(scores, specs, bootstrap, config["seed"]), labels)
            protocols = RENDERERS["md"].fit_protocols(table, display_name(run["dataset"]), run["score"])
    images = None
    if with_thumbnails:
        from ..datasets import create_dataset

        dataset = create_dataset(config.get("dataset", run["dataset"]), root=_single_root(config),
                                 **dict(config.get("dataset_options") or {}))
        by_id = {it.item_id: it for it in dataset.items()}
        missing = [str(i) for i in scores["item"] if str(i) not in by_id]
        if missing:
            raise ValueError(f"--thumbnails: the dataset at the run's root has no item {missing[0]!r} (and "
                             f"{len(missing) - 1} more); is the root still the one the run scored?")
        images = thumbnails([by_id[str(i)] for i in scores["item"]])
    tables = [(anchor, title, (Path(run_dir) / f"{anchor}.md").read_text(encoding="utf-8", errors="replace"))
              for anchor, title in EXTRA_TABLES if (Path(run_dir) / f"{anchor}.md").is_file()]
    view = RunView(dataset=display_name(run["dataset"]), protocol=protocol, score_text=run["score"],
                   score_label=run.get("score_label", "score"), scores=scores, summary=summary, meta=run, fit=fit,
                   significance=significance, fit_protocols=protocols, failures=read_failures(run_dir),
                   thumbnails=images, versions=package_versions(), tables=tables, group_by=by or "group")
    return RENDERERS["html"].run_page(view)


def _single_root(config: dict):
    root = config.get("root")
    if isinstance(root, dict):
        name = str(config.get("dataset", ""))
        return root.get(name) or next(iter(root.values()), None)
    return root
