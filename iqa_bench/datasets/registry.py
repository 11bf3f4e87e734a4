"""Dataset registry: names to adapter classes."""
from __future__ import annotations

import inspect
from typing import Type

from ..errors import UnknownNameError
from ..registry import Registry
from .base import Dataset

DATASETS: Registry[Type[Dataset]] = Registry("dataset")


def register_dataset(cls: Type[Dataset]) -> Type[Dataset]:
    """Class decorator: the adapter under its ``name`` (a name registered twice is refused)."""
    return DATASETS.register(cls.name, cls)


def dataset_class(name: str) -> Type[Dataset]:
    key = name.strip().lower()
    if key not in DATASETS:
        raise UnknownNameError("dataset", name, DATASETS)
    return DATASETS[key]


def create_dataset(name: str, root=None, **options) -> Dataset:
    """An adapter instance: ``create_dataset("sample")`` or ``create_dataset("tid2013", root=...)``."""
    cls = dataset_class(name)
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "root"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ValueError(f"dataset {cls.name} has no option {', '.join(unknown)}; "
                         f"its options: {', '.join(sorted(accepted)) or 'none'}")
    return cls(root=root, **options)


def list_datasets():
    return [DATASETS[k] for k in sorted(DATASETS)]
