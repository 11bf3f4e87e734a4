"""Where does my metric stand (issue 29): a new metric -- a spec, an installed plugin, or an object from
Python -- benchmarked against a named baseline set on one or several datasets in one call. It writes each
dataset's paper table (``table.md/.tex``), the significance matrices with the new metric's row in bold
(``significance.md/.tex``) and the table across datasets with the peers' published values beside
(``across.md/.tex/.csv``; for one dataset too).

The new metric comes first in every table, so it is row 1 of the LaTeX matrices (their upper triangle).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence, Tuple, Union

from ..run.config import DEFAULT_METRICS

#: The named baseline sets (``--against``); a comma-separated list of specs is a set too.
BASELINES: Dict[str, Tuple[str, ...]] = {
    # every classical measure the peers publish values for (no weights needed)
    "classical": ("psnr", "ssim", "ms_ssim", "vif", "vifp", "fsim", "fsimc", "gmsd", "vsi", "haarpsi", "mdsi"),
    # the learned metrics the peers publish (their weights: `iqa-bench weights --prefetch lpips dists pieapp`)
    "learned": ("lpips", "dists", "pieapp"),
    "peers": ("psnr", "ssim", "ms_ssim", "vif", "vifp", "fsim", "fsimc", "gmsd", "vsi", "haarpsi", "mdsi",
              "lpips", "dists", "pieapp"),
    # evaluate's default benchmark (the embedded backbone's deep metrics included)
    "default": tuple(DEFAULT_METRICS),
}


def baseline(against: str) -> List[str]:
    """The specs of a named set, or of a comma-separated list of specs (checked against the metric listing:
    a word that is neither a set nor a metric is refused naming both)."""
    from ..catalog import check_specs
    from ..errors import OptionError, UnknownNameError

    if against in BASELINES:
        return list(BASELINES[against])
    specs = [s.strip() for s in str(against).split(",") if s.strip()]
    reason = "no spec given"
    if specs:
        try:
            check_specs(specs)
            return specs
        except UnknownNameError as err:
            reason = str(err)
    raise OptionError("against", f"{{option}} {against!r}: expected a baseline set ({', '.join(BASELINES)}) or a "
                                 f"comma-separated list of metric specs; {reason}")


def where_it_stands(new: Sequence, datasets: Union[str, Sequence[str]] = "sample", against: str = "classical",
                    *, config=None, **options):
    """Evaluate ``new`` (specs or metric objects) and the ``against`` set on ``datasets``; ``options`` are
    :func:`iqa_bench.evaluate`'s (``root``, ``results``, ``run``, ``bootstrap``, ...), or ``config`` a
    whole :class:`~iqa_bench.run.config.EvaluateConfig` already holding the metrics (new and baseline),
    the datasets and ``highlight`` (the command line's). Returns the evaluation's result (an
    :class:`~iqa_bench.run.several.AcrossResult` for several datasets)."""
    from ..metrics import as_metric
    from ..reports.across import load_dataset_run
    from ..run.evaluate import evaluate
    from ..run.several import write_across

    if config is not None:
        names_of_datasets = list(config.datasets)
        result = evaluate(config.dataset, config=config)
    else:
        newcomers = [m if isinstance(m, str) else as_metric(m) for m in ([new] if isinstance(new, str) else new)]
        names = [m if isinstance(m, str) else m.spec for m in newcomers]
        others = [s for s in baseline(against) if s not in names]
        names_of_datasets = [datasets] if isinstance(datasets, str) else list(datasets)
        options.setdefault("run", "stand")
        result = evaluate(names_of_datasets[0] if len(names_of_datasets) == 1 else names_of_datasets,
                          metrics=newcomers + others, highlight=names, **options)
    if len(names_of_datasets) == 1 and result is not None:
        write_across([load_dataset_run(result.run_dir)], Path(result.run_dir))
    return result
