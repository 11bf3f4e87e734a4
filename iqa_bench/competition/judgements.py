"""People's judgements of a pair set, read back: the set's description the judging page leaves beside its
source (:data:`SET_FILE`: the set's id and each trial's defender, attacker and level) and the files observers
saved from the page (CSV or JSON, :mod:`iqa_bench.reports.judging`).

Judgement files come from elsewhere (mailed by colleagues, edited, concatenated), so each is checked: a file
that cannot be read, is not a judgement file, or belongs to another pair set (its set id differs) is refused
with the reason; within a file, a row naming no trial of the set or no valid answer is dropped, and a trial an
observer judged twice (two files of one session, a concatenation) counts once -- the first -- each with its
count said. A partial session is used, its count said. Nothing here raises on a file's content.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import pandas as pd

#: The pair set's description, written beside the page's source (a gMAD run folder, a MAD folder).
SET_FILE = "judging-set.json"
#: What an observer may answer: the image ``a``, the image ``b``, or no difference.
ANSWERS = ("a", "same", "b")
#: The columns a CSV judgement file must have (the page writes these and more).
REQUIRED_COLUMNS = ("set", "observer", "trial", "preferred")
#: At most this many bytes are read of one judgement file (a session of thousands of pairs is far smaller).
MAX_FILE_BYTES = 50_000_000


@dataclass(frozen=True)
class JudgingSet:
    """A pair set: its id (a digest of its trials and images), title, kind (``gmad`` or ``mad``) and each
    trial's description (trial id -> {"defender", "attacker", "level"} for gMAD)."""

    set_id: str
    title: str
    kind: str
    trials: Dict[str, Dict[str, str]]

    def record(self) -> dict:
        return {"set": self.set_id, "title": self.title, "kind": self.kind,
                "trials": [{"id": trial, **info} for trial, info in self.trials.items()]}


def read_set(path: Path) -> JudgingSet:
    """The pair set described by ``path`` (:data:`SET_FILE`, or the folder holding it); ValueError naming the
    file where it is absent or not what the judging page wrote."""
    path = Path(path)
    if path.is_dir():
        path = path / SET_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        trials = {}
        for trial in record["trials"]:
            info = {k: v for k, v in trial.items() if k != "id"}
            if not isinstance(trial["id"], str) or not all(isinstance(v, str) for v in info.values()):
                raise TypeError("a trial's fields are not texts")
            trials[trial["id"]] = info
        judging_set = JudgingSet(record["set"], record["title"], record["kind"], trials)
        if not all(isinstance(v, str) for v in (judging_set.set_id, judging_set.title, judging_set.kind)):
            raise TypeError("set, title or kind is not a text")
    except FileNotFoundError:
        raise ValueError(f"{path}: no pair set here (iqa-bench judging-page writes {SET_FILE} beside the pairs "
                         f"it shows)") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{path}: not a pair set's description ({err})") from None
    if judging_set.kind == "gmad" and not all({"defender", "attacker", "level"} <= set(info)
                                              for info in trials.values()):
        raise ValueError(f"{path}: a gMAD trial without its defender, attacker or level")
    return judging_set


@dataclass
class Judgements:
    """The judgements usable for a set: one row per (observer, trial) -- ``observer``, ``trial``,
    ``preferred`` (:data:`ANSWERS`), ``file`` -- with the files refused (file, reason) and what was said."""

    table: pd.DataFrame
    refused: List[Tuple[str, str]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    @property
    def observers(self) -> List[str]:
        return list(dict.fromkeys(self.table["observer"]))


class _NotJudgements(ValueError):
    """A file that is not a judgement file (the reason)."""


def _rows_of(path: Path) -> Tuple[List[dict], str]:
    """The rows of a CSV or JSON judgement file (dicts with at least :data:`REQUIRED_COLUMNS`) and its
    format; :class:`_NotJudgements` with the reason otherwise."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise _NotJudgements(f"cannot be read ({err.strerror or err})") from None
    if len(data) > MAX_FILE_BYTES:
        raise _NotJudgements(f"larger than {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _NotJudgements("not text (UTF-8)") from None
    if text.lstrip()[:1] in ("{", "["):
        return _json_rows(text), "JSON"
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as err:
        raise _NotJudgements(f"not a CSV file ({err})") from None
    header = rows[0].keys() if rows else next(csv.reader(io.StringIO(text)), [])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise _NotJudgements(f"not a judgement file: no column {', '.join(missing)} (the page saves "
                             f"{', '.join(REQUIRED_COLUMNS)}, ...)")
    return rows, "CSV"


def _json_rows(text: str) -> List[dict]:
    try:
        record = json.loads(text)
    except ValueError as err:
        raise _NotJudgements(f"damaged JSON ({err})") from None
    if not isinstance(record, dict) or not isinstance(record.get("judgements"), list):
        raise _NotJudgements("not a judgement file: no list of judgements")
    rows = []
    for judgement in record["judgements"]:
        if isinstance(judgement, dict):
            rows.append({"set": record.get("set"), "observer": record.get("observer"), **judgement})
        else:
            rows.append({})
    return rows


def _usable(rows: Iterable[dict], judging_set: JudgingSet, file: str, said: List[str]) -> List[dict]:
    """The rows naming a trial of the set and a valid answer (the others counted in ``said``)."""
    kept, unknown, invalid = [], 0, 0
    for row in rows:
        trial, preferred, observer = row.get("trial"), row.get("preferred"), row.get("observer")
        if not isinstance(trial, str) or trial not in judging_set.trials:
            unknown += 1
        elif preferred not in ANSWERS or not isinstance(observer, str) or not observer.strip():
            invalid += 1
        else:
            kept.append({"observer": observer.strip(), "trial": trial, "preferred": preferred, "file": file})
    if unknown:
        said.append(f"{file}: {unknown} row(s) naming no pair of this set, left out")
    if invalid:
        said.append(f"{file}: {invalid} row(s) without an observer or a valid answer (a, same, b), left out")
    return kept


def read_judgements(paths: Iterable[Path], judging_set: JudgingSet) -> Judgements:
    """The judgements of ``paths`` for ``judging_set`` (see the module): the usable ones, the files refused
    and what was said (counts of rows left out, duplicates, partial sessions)."""
    rows: List[dict] = []
    refused: List[Tuple[str, str]] = []
    notes: List[str] = []
    for path in paths:
        file = str(path)
        try:
            found, fmt = _rows_of(Path(path))
        except _NotJudgements as err:
            refused.append((file, str(err)))
            continue
        sets = {row.get("set") for row in found}
        if sets and sets != {judging_set.set_id}:
            other = ", ".join(sorted(str(s) for s in sets if s != judging_set.set_id)[:3])
            refused.append((file, f"from another pair set (set {other}; this set is {judging_set.set_id})"))
            continue
        if not found:
            refused.append((file, f"a {fmt} judgement file without a judgement"))
            continue
        rows += _usable(found, judging_set, file, notes)
    table = pd.DataFrame(rows, columns=["observer", "trial", "preferred", "file"])
    twice = table.duplicated(["observer", "trial"], keep="first")
    if twice.any():
        notes.append(f"{int(twice.sum())} judgement(s) of a pair the same observer had already judged (a file "
                     f"given twice, or two files of one session): the first kept")
        table = table[~twice].reset_index(drop=True)
    total = len(judging_set.trials)
    for observer, count in table.groupby("observer", sort=False).size().items():
        if count < total:
            notes.append(f"observer {observer}: {count} of {total} pairs judged (a partial session, used)")
    return Judgements(table, refused, notes)
