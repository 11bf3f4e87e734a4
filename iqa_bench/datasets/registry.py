"""Dataset registry: names to adapter classes."""
from __future__ import annotations

import inspect
from typing import Dict, Type

from ..errors import UnknownNameError
from .base import Dataset

_DATASETS: Dict[str, Type[Dataset]] = {}


def register_dataset(cls: Type[Dataset]) -> Type[Dataset]:
    _DATASETS[cls.name] = cls
    return cls


def dataset_class(name: str) -> Type[Dataset]:
    key = name.strip().lower()
    if key not in _DATASETS:
        raise UnknownNameError("dataset", name, _DATASETS)
    return _DATASETS[key]


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
    return [_DATASETS[k] for k in sorted(_DATASETS)]
