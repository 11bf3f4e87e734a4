"""What each learned metric was trained on, typed with the source that says so: a metric evaluated on its
own training data is flagged (§ after its name in every table, a footnote, ``trained_on`` in
summary.csv), since its figures there are not a test on unseen images.

Keys are metric families of this package and ``pyiqa:<name>`` bridges; values name our dataset adapters
(and, for BAPPS, the split the weights saw). Datasets no adapter reads (PieAPP's, PIPAL) are listed for
the record: they flag nothing here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple


@dataclass(frozen=True)
class TrainingData:
    dataset: str                      #: a dataset adapter's name (kadid10k, bapps) or another set's name
    splits: Tuple[str, ...] = ()      #: the splits trained on (empty: the whole dataset)
    source: str = ""

    def describe(self) -> str:
        where = f"{self.dataset} ({'/'.join(self.splits)} split)" if self.splits else self.dataset
        return f"trained on {where}: {self.source}"


_LPIPS = TrainingData("bapps", ("train",), "Zhang et al. 2018 (CVPR), LPIPS: the linear heads (v0.1, as the lpips "
                      "package ships them) are trained on the BAPPS 2AFC train split; val is held out")
_DISTS = TrainingData("kadid10k", (), "Ding et al. 2020 (IEEE TPAMI), DISTS: its weights are optimized on KADID-10k")
_PIEAPP = TrainingData("pieapp", (), "Prashnani et al. 2018 (CVPR): trained on the PieAPP dataset")

#: Family (or ``pyiqa:NAME``) → what its shipped weights were trained on.
TRAINED_ON: Dict[str, Tuple[TrainingData, ...]] = {
    "lpips": (_LPIPS,),
    "dists": (_DISTS,),
    "pieapp": (_PIEAPP,),
    "pyiqa:lpips": (_LPIPS,),
    "pyiqa:lpips-vgg": (_LPIPS,),
    "pyiqa:lpips+": (_LPIPS,),
    "pyiqa:lpips-vgg+": (_LPIPS,),
    "pyiqa:dists": (_DISTS,),
    "pyiqa:pieapp": (_PIEAPP,),
    "pyiqa:topiq_fr": (TrainingData("kadid10k", (), "pyiqa default_model_configs.py: topiq_fr loads "
                                    "'cfanet_fr_kadid_res50' (its KADID-10k weights)"),),
    "pyiqa:topiq_fr-pipal": (TrainingData("pipal", (), "pyiqa default_model_configs.py: 'cfanet_fr_pipal_res50'"),),
    "pyiqa:wadiqam_fr": (TrainingData("kadid10k", (), "pyiqa default_model_configs.py: wadiqam_fr loads "
                                      "'wadiqam_fr_kadid'"),),
    "pyiqa:ahiq": (TrainingData("pipal", (), "pyiqa archs/ahiq_arch.py: default weights 'pipal' "
                                "(AHIQ_vit_p8_epoch33)"),),
}

#: The mark after a flagged metric's name (its footnote: :func:`iqa_bench.reports.labels.trained_on_note`).
MARK = "§"


def family_key(spec: str) -> str:
    """``lpips:alex`` → ``lpips``; ``pyiqa:topiq_fr`` → ``pyiqa:topiq_fr`` (options after a further colon
    dropped)."""
    head, _, rest = spec.partition(":")
    if head == "pyiqa" and rest:
        return f"pyiqa:{rest.split(':')[0].split('?')[0]}"
    return head


def trained_on(spec: str, dataset: str, splits: Sequence[str] = ()) -> Optional[TrainingData]:
    """The training data of ``spec`` that ``dataset`` (an adapter's name; ``splits``: the splits evaluated,
    BAPPS' val and/or train) overlaps, or None."""
    for data in TRAINED_ON.get(family_key(spec), ()):
        if data.dataset == dataset and (not data.splits or set(splits) & set(data.splits)):
            return data
    return None
