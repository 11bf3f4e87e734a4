"""Several datasets in one run (``-d tid2013 -d live``, or a YAML list): each dataset evaluated into
its own run folder under ``RESULTS/<run>/`` with one shared score store, then one table metric ×
dataset (:mod:`.reports.across`) written beside them as ``across.md/.tex/.csv``."""
from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence

from .config import EvaluateConfig
from ..datasets import create_dataset
from ..errors import OptionError
from ..io_utils import atomic_write_text
from ..datasets.registry import dataset_class
from ..reports.across import DatasetRun, dataset_label, distinct_names
from ..reports.renderers import RENDERERS, TABLE_RENDERERS, renderer

#: Dataset flags that belong to one adapter: applied to that dataset only.
_FLAGS_OF = {"live_dmos": "live", "part": "live_md", "split": "bapps", "subsets": "bapps"}


@dataclass
class AcrossResult:
    """Every dataset's :class:`~iqa_bench.api.EvaluationResult` and the table across them."""

    results: Dict[str, object]
    runs: List[DatasetRun]
    run_dir: Path
    notes: List[str] = dataclasses.field(default_factory=list)  # e.g. why the run folder is not the default

    def table(self, fmt: str = "md") -> str:
        return renderer(fmt).across(self.runs)

    @property
    def failures(self):
        return [f for r in self.results.values() for f in r.failures]


def dataset_configs(config: EvaluateConfig) -> Dict[str, EvaluateConfig]:
    """One configuration per dataset: its own root (``root`` is {NAME: DIR}), its own flags, the dataset
    options (``-o``) its adapter accepts, and the run folder ``<run>/<name>``; the store is shared."""
    names = config.datasets
    if config.scores or config.scores_dir:
        raise ValueError("imported scores belong to one dataset: evaluate each dataset with its own --scores "
                         "(and --run), then `iqa-bench across RUN_DIR RUN_DIR ...` puts the runs in one table")
    for flag, owner in _FLAGS_OF.items():
        if getattr(config, flag) is not None and owner not in [n.lower() for n in names]:
            raise ValueError(f"--{flag.replace('_', '-')} is an option of dataset {owner}, which is not in this "
                             f"run ({', '.join(names)})")
    accepted = {name: set(inspect.signature(dataset_class(name).__init__).parameters) - {"self", "root"}
                for name in names}
    orphans = sorted(o for o in config.dataset_options if not any(o in a for a in accepted.values()))
    if orphans:
        raise ValueError(f"--option {', '.join(orphans)}: no dataset of this run ({', '.join(names)}) has it")
    store = str(config.store_path)
    configs = {}
    for name in names:
        changes = {flag: None for flag, owner in _FLAGS_OF.items() if owner != name.lower()}
        configs[name] = dataclasses.replace(
            config, dataset=name, root=config.root_for(name), run=f"{config.run_name}/{name}", store=store,
            dataset_options={k: v for k, v in config.dataset_options.items() if k in accepted[name]}, **changes)
    return configs


def evaluate_datasets(config: EvaluateConfig, evaluate: Callable) -> AcrossResult:
    """Check that every dataset can be read (before any work), evaluate each in turn with ``evaluate``
    (:func:`iqa_bench.run.evaluate.evaluate`, which calls this for several datasets: passed down, not imported
    back), and write the table across them; scores of a dataset already evaluated stay in the store if a
    later one fails."""
    configs = dataset_configs(config)
    datasets = {}
    for name, sub in configs.items():
        try:
            dataset = create_dataset(name, root=sub.root, **sub.all_dataset_options())
            dataset.items()  # a missing root or score file is reported now, not after the first dataset's work
        except OptionError as err:
            if err.key == "root":  # the adapter says it needs a root; with several datasets it is NAME=DIR
                raise OptionError("root", f"{err.message} (several datasets: {{option}} {name}=DIR, or root: "
                                          f"{{{name}: DIR}} in YAML)") from None
            raise
        datasets[name] = dataset
    results = {name: evaluate(datasets[name], config=sub) for name, sub in configs.items()}
    if any(r is None for r in results.values()):  # a non-zero rank of a torchrun evaluation: rank 0 reports
        return None
    runs = distinct_names([DatasetRun(name=dataset_label(r.dataset), key=r.dataset, protocol=r.protocol,
                                      summary=r.summary, folder=name) for name, r in results.items()])
    run_dir = Path(config.results) / config.run_name
    write_across(runs, run_dir, transfer_of([r.run_dir for r in results.values()], runs)[0])
    return AcrossResult(results, runs, run_dir)


ACROSS_FILES = tuple(f"across{r.suffix}" for r in RENDERERS.values())


def write_across(runs: Sequence[DatasetRun], out: Path, transfer=None) -> List[Path]:
    """across.md / .tex / .csv in ``out``; with ``transfer`` (:func:`transfer_of`'s document) also
    transfer.md / .tex / .csv."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, format_ in zip(ACROSS_FILES, RENDERERS.values()):
        atomic_write_text(out / name, format_.across(runs))
        written.append(out / name)
    if transfer is not None:
        for format_ in TABLE_RENDERERS.values():
            written.append(atomic_write_text(out / f"transfer{format_.suffix}", format_.draw(transfer)))
    return written


def transfer_of(run_dirs: Sequence[Path], runs: Sequence[DatasetRun]):
    """The mapping-transfer document (:mod:`..stats.transfer`) of the regression runs among ``run_dirs``
    (``runs``: the same folders as :func:`~..reports.across.load_dataset_runs` read them, for their names)
    over the metrics at least two of them share -- None where fewer than two regression runs share one --
    and the lines saying which folders it could not use (a run folder without readable scores)."""
    from ..reports.transfer import transfer_document
    from ..stats.transfer import TransferData, transfer_table
    from .result import evaluated_run, load_run

    data, names, said = [], {}, []
    for run_dir, run in zip(run_dirs, runs):
        if run.protocol != "regression":
            continue
        try:
            evaluated = evaluated_run(run_dir, load_run(run_dir))
        except (OSError, ValueError, KeyError, TypeError) as err:
            said.append(f"{run_dir}: not in the transfer table ({err})")
            continue
        data.append(TransferData(run.name, evaluated.scores, evaluated.score_higher_is_better,
                                 evaluated.settings.fit if evaluated.settings.fit != "none" else "logistic5"))
        labels = run.summary["label"] if "label" in run.summary.columns else run.summary["metric"]
        names.update({m: str(label) for m, label in zip(run.summary["metric"], labels)})
    metrics = [m for m in dict.fromkeys(m for d in data for m in d.scores.columns if m in names)
               if sum(m in d.scores.columns for d in data) >= 2]
    if len(data) < 2 or not metrics:
        return None, said
    return transfer_document(transfer_table(data, metrics), names), said
