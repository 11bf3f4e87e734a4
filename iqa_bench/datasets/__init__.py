"""Dataset adapters; importing a module registers its dataset name."""
from .base import Dataset, Item, ScoreInfo
from .registry import create_dataset, dataset_class, list_datasets, register_dataset
from . import manifest, sample  # noqa: F401,E402

__all__ = ["Dataset", "Item", "ScoreInfo", "create_dataset", "dataset_class", "list_datasets",
           "register_dataset"]
