"""Dataset adapters; importing a module registers its dataset name."""
from .base import Dataset, Item, ScoreInfo
from .registry import create_dataset, dataset_class, list_datasets, register_dataset
from . import bapps, csiq, kadid10k, live, live_md, manifest, pipal, sample, tid2013  # noqa: F401,E402

__all__ = ["Dataset", "Item", "ScoreInfo", "create_dataset", "dataset_class", "list_datasets",
           "register_dataset"]
