"""One registry class for every named thing a user picks: metric families, datasets, SR models,
backbones. One rule for all: a name (or alias) registered twice is refused, with the kind and the name;
an unknown name is an :class:`~iqa_bench.errors.UnknownNameError` listing the valid ones.

A registry reads as a mapping of names to entries (``name in registry``, ``registry[name]``,
iteration over the names in the order they were registered).
"""
from __future__ import annotations

from typing import Dict, Generic, Iterable, Iterator, List, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Names (and aliases) to entries of one ``kind`` ("metric family", "dataset", ...)."""

    def __init__(self, kind: str, plural: str = ""):
        self.kind, self.plural = kind, plural
        self.entries: Dict[str, T] = {}
        self.aliases: Dict[str, str] = {}

    def register(self, name: str, entry: T, aliases: Iterable[str] = ()) -> T:
        """Add ``entry`` under ``name`` and its ``aliases``; ValueError when any of them is taken."""
        for key in (name, *aliases):
            if key in self.entries or key in self.aliases:
                raise ValueError(f"{self.kind} {key!r} registered twice")
        self.entries[name] = entry
        for alias in aliases:
            self.aliases[alias] = name
        return entry

    def get(self, name: str) -> T:
        """The entry of ``name`` or of the alias ``name``; UnknownNameError listing the valid names."""
        key = self.aliases.get(name, name)
        if key not in self.entries:
            raise UnknownNameError(self.kind, name, list(self.entries) + list(self.aliases), plural=self.plural)
        return self.entries[key]

    def values(self) -> List[T]:
        """Every entry, in the order they were registered."""
        return list(self.entries.values())

    def items(self):
        return self.entries.items()

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.entries or name in self.aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)
