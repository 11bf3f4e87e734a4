"""Metric values computed elsewhere (MATLAB, another library, a colleague's method), imported as a metric.

``iqa-bench evaluate --scores NAME[:higher|:lower]=FILE`` (repeatable), ``--scores-dir DIR`` (every
``*.txt`` / ``*.csv`` of DIR, named by the file's stem), YAML ``scores: {NAME: FILE}``, Python
``evaluate(..., scores={"NAME": FILE})``. FILE is either

* a CSV (``.csv``) with columns ``item`` and ``value``: items are matched to the dataset's item ids
  exactly, else ignoring case, else ignoring case and the file extension — each looser key only where
  it is unique among the dataset's items (TID2013 names mix ``I01_11_1.BMP`` and ``i01_01_1.bmp``); or
* one value per line in the dataset's own item order (for TID2013 the order of ``mos_with_names.txt``),
  the form of the ``metrics_values/*.txt`` files shipped with TID2013.

Every item must have exactly one numeric value: a missing, duplicate or unknown item, a non-numeric value
or a line count that differs from the dataset's is a ValueError naming the file and the items or lines.
Values are stored under the digest ``imported-<SHA-256 of the file>`` so an edited file is never
confused with the old one. The direction is the declared one, else inferred from the sign of the rank
correlation with the subjective scores (and the run says so).
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from .errors import OptionError

DIRECTIONS = {"higher": True, "lower": False}
SUFFIXES = (".txt", ".csv")
MAX_NAMED = 8


@dataclass(frozen=True)
class ImportedScores:
    """One imported score file: the name it is reported under, the file, the declared direction."""

    name: str
    path: Path
    higher_is_better: Optional[bool] = None  # None: inferred from the data

    @property
    def digest(self) -> str:
        return "imported-" + hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]


def _named(values: Sequence[str]) -> str:
    shown = ", ".join(str(v) for v in values[:MAX_NAMED])
    return shown + (f" and {len(values) - MAX_NAMED} more" if len(values) > MAX_NAMED else "")


def parse_name(text: str, where: str) -> Tuple[str, Optional[bool]]:
    """``NAME`` or ``NAME:higher`` / ``NAME:lower`` -> (name, direction or None); ``where`` is the
    setting's key (``scores``)."""
    name, _, direction = str(text).strip().partition(":")
    name = name.strip()
    if not name or "," in name or "=" in name:
        raise OptionError(where, f"{{option}}: {text!r} is not a score name (NAME, NAME:higher or NAME:lower)")
    if direction and direction.strip().lower() not in DIRECTIONS:
        raise OptionError(where, f"{{option}}: {text!r}: the direction after ':' must be 'higher' or 'lower'")
    return name, DIRECTIONS[direction.strip().lower()] if direction else None


def parse_scores_option(text: str) -> Tuple[str, str]:
    """``NAME[:higher|:lower]=FILE`` (the --scores option) -> (name with direction, file)."""
    key, sep, path = str(text).partition("=")
    if not sep or not key.strip() or not path.strip():
        raise OptionError("scores", f"{{option}}: expected NAME=FILE (or NAME:higher=FILE / NAME:lower=FILE), got {text!r}")
    parse_name(key, "scores")
    return key.strip(), path.strip()


def collect(scores: Optional[Mapping[str, str]], scores_dir: Optional[str]) -> List[ImportedScores]:
    """The imported score files of a run: the ``scores`` mapping ({NAME[:direction]: FILE}) and every
    ``*.txt`` / ``*.csv`` of ``scores_dir``; a missing file or folder, or a name given twice, is an error."""
    found: List[ImportedScores] = []
    for key, path in (scores or {}).items():
        name, higher = parse_name(key, "scores")
        found.append(ImportedScores(name, Path(path), higher))
    if scores_dir:
        folder = Path(scores_dir)
        if not folder.is_dir():
            raise OptionError("scores_dir", f"{{option}}: {folder} is not a folder")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
        if not files:
            raise OptionError("scores_dir", f"{{option}}: {folder} holds no *.txt or *.csv file")
        found.extend(ImportedScores(p.stem, p) for p in files)
    names = [s.name for s in found]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"imported scores: the name(s) {', '.join(repeated)} are given more than once")
    for source in found:
        if not source.path.is_file():
            raise ValueError(f"imported scores {source.name}: file {source.path} not found")
    return found


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a number") from None
    return value


def _read_lines(path: Path, item_ids: Sequence[str], order: str) -> Dict[str, float]:
    lines = path.read_text(errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) != len(item_ids):
        raise ValueError(f"{path}: {len(lines)} values, but the dataset has {len(item_ids)} items (one value "
                         f"per line, in {order}; or give a CSV with item and value columns)")
    values = {}
    for number, (line, item) in enumerate(zip(lines, item_ids), start=1):
        fields = line.split()
        if len(fields) != 1:
            raise ValueError(f"{path}, line {number}: expected one number, got {line!r}")
        values[item] = _number(fields[0], f"{path}, line {number}")
    return values


def _basename(text: str) -> str:
    return text.replace("\\", "/").rsplit("/", 1)[-1]


#: How a CSV's item name may match an item id, tried in order: exactly, ignoring case, ignoring case and
#: extension, then -- for a name without folders -- by the id's base name (``dist/camera_blur1.png``
#: matched by ``camera_blur1.png`` or ``camera_blur1``); each looser key is used only where it names
#: one item, so an ambiguous name is refused rather than given to either item.
_TRANSFORMS = (lambda s: s, lambda s: s.casefold(), lambda s: s.rsplit(".", 1)[0].casefold(),
               lambda s: _basename(s).casefold(), lambda s: _basename(s).rsplit(".", 1)[0].casefold())


def _keys(item_ids: Sequence[str]) -> List[Dict[str, str]]:
    """One lookup per transform of :data:`_TRANSFORMS`, each holding only the keys that name one item."""
    lookups = []
    for transform in _TRANSFORMS:
        counts: Dict[str, int] = {}
        for item in item_ids:
            counts[transform(item)] = counts.get(transform(item), 0) + 1
        lookups.append({transform(item): item for item in item_ids if counts[transform(item)] == 1})
    return lookups


def _match(name: str, lookups: List[Dict[str, str]]) -> Optional[str]:
    """The item ``name`` names; a name with folders of its own is matched as a whole only (``a/x.png``
    never lands on ``b/x.png``)."""
    bare = _basename(name) == name
    for number, (transform, lookup) in enumerate(zip(_TRANSFORMS, lookups)):
        if number >= 3 and not bare:
            break
        if transform(name) in lookup:
            return lookup[transform(name)]
    return None


def _read_csv(path: Path, item_ids: Sequence[str]) -> Dict[str, float]:
    text = path.read_text(errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    if "item" not in columns or "value" not in columns:
        raise ValueError(f"{path}: a CSV of imported scores needs the columns 'item' and 'value'; "
                         f"it has {', '.join(reader.fieldnames or []) or 'none'}")
    item_column = reader.fieldnames[columns.index("item")]
    value_column = reader.fieldnames[columns.index("value")]
    lookup = _keys(item_ids)
    values: Dict[str, float] = {}
    unknown, duplicate = [], []
    for number, row in enumerate(reader, start=2):
        name = (row.get(item_column) or "").strip()
        item = _match(name, lookup)
        if item is None:
            unknown.append(name or f"(empty, line {number})")
            continue
        if item in values:
            duplicate.append(name)
            continue
        values[item] = _number((row.get(value_column) or "").strip(), f"{path}, line {number} (item {name})")
    problems = []
    if unknown:
        problems.append(f"{len(unknown)} item(s) not in the dataset: {_named(unknown)}")
    if duplicate:
        problems.append(f"{len(duplicate)} item(s) given more than once: {_named(duplicate)}")
    missing = [item for item in item_ids if item not in values]
    if missing:
        problems.append(f"{len(missing)} of the dataset's {len(item_ids)} item(s) missing: {_named(missing)}")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return values


def read_values(source: ImportedScores, item_ids: Sequence[str], order: str = "the dataset's item order"
                ) -> Dict[str, float]:
    """item id -> value for every item of the dataset (see the module docstring for the formats)."""
    try:
        if source.path.suffix.lower() == ".csv":
            return _read_csv(source.path, item_ids)
        return _read_lines(source.path, item_ids, order)
    except OSError as err:
        raise ValueError(f"imported scores {source.name}: cannot read {source.path} ({err.strerror or err})") \
            from None


#: A one-value-per-line file is matched by position only; values with no detectable rank relation to
#: the subjective scores (Spearman p ≥ this, on at least ORDER_CHECK_MIN_ITEMS items) are refused as
#: most likely in another item order. A CSV (matched by item name) is not subject to this check.
ORDER_CHECK_P = 0.01
ORDER_CHECK_MIN_ITEMS = 30


def check_order(source: ImportedScores, values: Dict[str, float], subjective: Dict[str, float], order: str,
                score_name: str) -> None:
    """Refuse a positional file whose values look shuffled relative to the dataset (see ORDER_CHECK_P)."""
    from scipy import stats

    if source.path.suffix.lower() == ".csv":
        return
    pairs = [(values[k], subjective[k]) for k in values
             if math.isfinite(values[k]) and math.isfinite(subjective.get(k, float("nan")))]
    if len(pairs) < ORDER_CHECK_MIN_ITEMS:
        return
    result = stats.spearmanr([p[0] for p in pairs], [p[1] for p in pairs])
    if not (result.pvalue < ORDER_CHECK_P):
        raise ValueError(
            f"{source.path}: its values, taken in {order}, are unrelated to {score_name} (SROCC "
            f"{result.statistic:+.3f}, p = {result.pvalue:.2g} over {len(pairs)} items): the file is most likely in "
            f"another item order (shuffled, or of another dataset). If the metric truly does not correlate, give "
            f"a CSV with item and value columns: it is matched by item name.")


def infer_direction(values: Dict[str, float], subjective: Dict[str, float], score_higher_is_better: bool
                    ) -> Tuple[Optional[bool], float]:
    """(higher is better?, SROCC with the subjective score) from the sign of the rank correlation;
    None when it is undefined (constant values)."""
    from scipy import stats

    pairs = [(values[k], subjective[k]) for k in values
             if k in subjective and math.isfinite(values[k]) and math.isfinite(subjective[k])]
    if len(pairs) < 3:
        return None, float("nan")
    srocc = float(stats.spearmanr([p[0] for p in pairs], [p[1] for p in pairs])[0])
    if not math.isfinite(srocc) or srocc == 0:
        return None, srocc
    return (srocc > 0) == score_higher_is_better, srocc


#: What is done with a placeholder value (``sentinels``): recode it to just above (below) the other values,
#: exclude its items from this metric, or keep it as a number.
SENTINEL_RULES = ("recode", "exclude", "keep")
#: A placeholder lies beyond the other values' quartiles by this many interquartile ranges.
SENTINEL_DISTANCE = 20.0
#: ``recode``: the step beyond the largest (smallest) other value, as a share of their range.
SENTINEL_STEP = 0.01


@dataclass(frozen=True)
class Sentinel:
    """A placeholder found among a file's values: the value, how many items carry it, and what they were
    given instead (NaN: excluded) under ``rule``."""

    file: str
    value: float
    count: int
    rule: str
    replacement: float

    def describe(self, with_file: bool = True) -> str:
        """One line: the file (``with_file``; a table's note leaves the machine's path out), the value, the
        count and the rule applied."""
        side = "largest other value +" if self.value > self.replacement else "smallest other value −"
        done = {"recode": f"recoded to {self.replacement:.6g} ({side} {SENTINEL_STEP:.0%} of the range)",
                "exclude": "excluded from this metric", "keep": "kept as numbers"}[self.rule]
        return (f"{self.file + ': ' if with_file else ''}{self.count} value(s) of {self.value:g} taken as a "
                f"placeholder (a power of ten far beyond the other values), {done}; --sentinels {self.rule}")


def find_sentinel(values: Dict[str, float]) -> Optional[Tuple[float, int]]:
    """(value, count) of a placeholder among ``values``: a power of ten of magnitude ≥ 1000 beyond the
    other finite values' quartiles by :data:`SENTINEL_DISTANCE` interquartile ranges (the farthest such
    value); None when there is none."""
    import numpy as np

    finite = np.array([v for v in values.values() if math.isfinite(v)], dtype=float)
    best = None
    for value in np.unique(finite):
        exponent = math.log10(abs(value)) if value else 0.0
        if abs(value) < 1000 or abs(exponent - round(exponent)) > 1e-12:
            continue
        rest = finite[finite != value]
        if rest.size < 3:
            continue
        q1, q3 = np.percentile(rest, [25, 75])
        spread = max(q3 - q1, 1e-12 * max(abs(q1), abs(q3), 1.0))
        far = value > q3 + SENTINEL_DISTANCE * spread or value < q1 - SENTINEL_DISTANCE * spread
        if far and (best is None or abs(value) > abs(best[0])):
            best = (float(value), int((finite == value).sum()))
    return best


def apply_sentinel_rule(source: ImportedScores, values: Dict[str, float], rule: str
                        ) -> Tuple[Dict[str, float], Optional[Sentinel]]:
    """``values`` with a placeholder (:func:`find_sentinel`) treated by ``rule`` (:data:`SENTINEL_RULES`),
    and what was found (None: nothing)."""
    if rule not in SENTINEL_RULES:
        raise OptionError("sentinels", f"{{option}}: {rule!r}; valid: {', '.join(SENTINEL_RULES)}")
    found = find_sentinel(values)
    if found is None:
        return values, None
    value, count = found
    rest = [v for v in values.values() if math.isfinite(v) and v != value]
    step = SENTINEL_STEP * (max(rest) - min(rest))
    replacement = {"recode": max(rest) + step if value > max(rest) else min(rest) - step,
                   "exclude": float("nan"), "keep": value}[rule]
    treated = {item: (replacement if v == value else v) for item, v in values.items()}
    return treated, Sentinel(str(source.path), value, count, rule, replacement)
