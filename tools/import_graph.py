"""The house's picture: which module of a package imports which, the import circles, and the imports
that run up a floor.

    python tools/import_graph.py [PACKAGE_DIR] [--floors FILE] [--edges]

Every ``import`` and ``from … import`` of every module is read with :mod:`ast` -- those inside function
bodies too, which hide a circle from the interpreter but not from a reader -- and resolved to the
package's own modules (a package's ``__init__`` counts as the package). Printed:

* the **circles**: the strongly connected sets of modules (Tarjan), each with one cycle through it;
* with ``--floors``: the **imports up a floor**. The file lists one floor per line, lowest first, each a
  space-separated list of module prefixes (``iqa_bench.store iqa_bench.metrics``); a module is on the
  floor of its longest matching prefix, and an import from a lower floor to a higher one is listed;
* with ``--edges``: every edge, for a diagram.

Exit status 1 when there is a circle or an upward import, so a test or CI can hold the layering once it
is reached.
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple


def modules_of(package_dir: Path) -> Dict[str, Path]:
    """Dotted module name -> file of every module of the package folder (``pkg/__init__.py`` -> ``pkg``)."""
    package_dir = Path(package_dir).resolve()
    root = package_dir.parent
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(name: str, known: Set[str]) -> Optional[str]:
    """The longest known module that ``name`` is or lies inside (``a.b.func`` -> ``a.b``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def base_packages(module: str) -> Set[str]:
    """The packages that contain ``module`` (``a.b.c`` -> {``a``, ``a.b``})."""
    parts = module.split(".")
    return {".".join(parts[:k]) for k in range(1, len(parts))}


def imports_of(module: str, path: Path, known: Set[str]) -> Set[str]:
    """The package's modules that ``module`` imports (anywhere in its file): each named module and the
    packages around it that do not contain ``module`` (importing ``a.b.c`` runs ``a/b/__init__`` first,
    which is how a package's ``__init__`` closes a circle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            anchor = base[:len(base) - node.level + 1] if node.level else []
            prefix = ".".join(anchor + ([node.module] if node.module else []))
            names = [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name, known)
            if not target or target == module:
                continue
            found.add(target)
            found.update(p for p in base_packages(target) if p in known and p not in base_packages(module))
    found.discard(module)
    return found


def graph(package_dir: Path) -> Dict[str, Set[str]]:
    known = modules_of(package_dir)
    names = set(known)
    return {module: imports_of(module, path, names) for module, path in known.items()}


def circles(edges: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    out: List[List[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(out)


def one_cycle(component: Sequence[str], edges: Dict[str, Set[str]]) -> List[str]:
    """A cycle through the component's first module, by breadth-first search inside the component."""
    inside = set(component)
    start = component[0]
    previous: Dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(edges[node] & inside):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start] + path[::-1][1:] + [start] if len(path) > 1 else [start, start]
                if target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    return list(component)


def floor_of(module: str, floors: Sequence[Sequence[str]]) -> Optional[int]:
    best, best_length = None, -1
    for level, prefixes in enumerate(floors):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = level, len(prefix)
    return best


def upward(edges: Dict[str, Set[str]], floors: Sequence[Sequence[str]]) -> List[Tuple[str, str]]:
    """(importer, imported) where the imported module sits on a higher floor than the importer."""
    out = []
    for module, targets in sorted(edges.items()):
        here = floor_of(module, floors)
        for target in sorted(targets):
            there = floor_of(target, floors)
            if here is not None and there is not None and there > here:
                out.append((module, target))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", type=Path,
                        default=Path(__file__).resolve().parents[1] / "iqa_bench")
    parser.add_argument("--floors", type=Path, help="one floor per line, lowest first: module prefixes")
    parser.add_argument("--edges", action="store_true", help="print every import edge too")
    args = parser.parse_args(argv)
    edges = graph(args.package)
    found = circles(edges)
    print(f"{len(edges)} modules, {sum(len(t) for t in edges.values())} imports, {len(found)} circle(s)")
    for component in found:
        print(f"circle of {len(component)} modules: {', '.join(component)}")
        print(f"  e.g. {' -> '.join(one_cycle(component, edges))}")
    up: List[Tuple[str, str]] = []
    if args.floors:
        floors = [line.split() for line in args.floors.read_text().splitlines()
                  if line.strip() and not line.lstrip().startswith("#")]
        up = upward(edges, floors)
        print(f"{len(up)} import(s) up a floor")
        for module, target in up:
            print(f"  {module} -> {target}")
    if args.edges:
        for module, targets in sorted(edges.items()):
            for target in sorted(targets):
                print(f"{module} -> {target}")
    return 1 if found or up else 0


if __name__ == "__main__":
    sys.exit(main())
