"""``iqa-bench gmad``: gMAD pairs of a dataset's distorted images (:mod:`iqa_bench.competition.gmad`) from the
metrics' scores in the results folder's store -- a metric already scored on the pool is not computed again --
written as ``pairs.csv`` (with each chosen image's file) and ``pairs.md`` in the run's folder."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from ..competition.gmad import GmadSettings, on_common_scale, select_pairs
from ..datasets import create_dataset
from ..io_utils import atomic_write, atomic_write_text
from ..metrics import canonical_spec
from ..reports.renderers import RENDERERS
from ..reports.table_model import Cell, Column, Document, Row, Table, number
from ..run.evaluate import evaluate
from ..stats.evaluated_run import EvaluatedRun

PAIRS_FILES = ("pairs.csv", "pairs.md")


@dataclass
class GmadResult:
    """The pairs (:func:`~iqa_bench.competition.gmad.select_pairs`, with each chosen image's files), where
    they were written, how many scores were reused and computed, and what was said."""

    pairs: pd.DataFrame
    run_dir: Path
    reused: int = 0
    computed: int = 0
    notes: List[str] = field(default_factory=list)


def _mapped(scores: pd.DataFrame, specs: Sequence[str], directions: Dict[str, bool],
            score_higher_is_better: Optional[bool]) -> Dict[str, np.ndarray]:
    """Each metric's prediction of the subjective score by the run's logistic mapping, higher = better."""
    run = EvaluatedRun.of(scores, list(specs), directions, score_higher_is_better)
    sign = 1.0 if score_higher_is_better is not False else -1.0
    return {spec: sign * run.mapped(spec).prediction for spec in specs}


def pairs_document(pairs: pd.DataFrame, dataset: str, settings: GmadSettings) -> Document:
    """The pairs as a table: per defender, attacker and level, the two images and both metrics' values."""
    rows = []
    for _, r in pairs.iterrows():
        chosen = bool(r["better"])
        cells = [Cell(str(int(r["candidates"]))), Cell(str(r["better"])), Cell(str(r["worse"])),
                 Cell(f"{number(r['defender_better'])} / {number(r['defender_worse'])}" if chosen else "—"),
                 Cell(f"{number(r['attacker_better'])} / {number(r['attacker_worse'])}" if chosen else "—")]
        rows.append(Row(r["defender"], cells, labels=[r["defender"], r["attacker"], str(int(r["level"]))]))
    columns = [Column("Candidates"), Column("Better (attacker)", align="l"), Column("Worse (attacker)", align="l"),
               Column("Defender"), Column("Attacker")]
    caption = (f"{dataset}: gMAD pairs on the {settings.scale} scale (higher = better; {settings.levels} levels of "
               f"each defender, candidates within {settings.tolerance:g} of its range): the defender scores each "
               f"pair as equal, the attacker as most different")
    return Document([Table(columns, rows, label_headers=["Defender", "Attacker", "Level"])], caption=caption,
                    data=pairs)


def run_gmad(dataset: str, metrics: Sequence[str], settings: GmadSettings = GmadSettings(), root=None,
             dataset_options: Optional[dict] = None, **options) -> GmadResult:
    """The gMAD pairs of ``dataset``'s images under ``metrics``; ``options`` go to
    :func:`~iqa_bench.run.evaluate.evaluate` (results, run -- default ``gmad`` --, device, batch_size, progress,
    ``scores``: metrics computed elsewhere, imported by name, ...). A rerun that selects the same pairs keeps
    the judging page, set description and analysis the folder held; one that selects others says they are
    gone."""
    imported = list(options.get("scores") or {})
    if len(metrics) + len(imported) < 2:
        raise ValueError(f"gmad needs at least two metrics (imported scores included), got "
                         f"{len(metrics) + len(imported)}")
    ds = create_dataset(dataset, root=root, **(dataset_options or {}))
    options.setdefault("run", "gmad")
    kept = _judging_kept(Path(options.get("results") or "results") / options["run"])
    result = evaluate(ds, list(metrics), bootstrap=0, plots=False,
                      fit="logistic5" if settings.scale == "mos" else "none", **options)
    scores = result.scores
    meta = json.loads((result.run_dir / "run.json").read_text())
    directions = {k: bool(v) for k, v in meta.get("higher_is_better", {}).items()}
    specs = [s for s in meta.get("metrics", []) if s in scores.columns and scores[s].notna().sum() >= 2]
    notes = [f"{s}: no values on this pool (see {result.run_dir / 'failures.txt'}), left out"
             for s in dict.fromkeys(canonical_spec(m) for m in metrics) if s not in specs]
    if len(specs) < 2:
        raise ValueError(f"gmad: fewer than two metrics have values on {ds.key} ({', '.join(specs) or 'none'})")
    mapped = _mapped(scores, specs, directions, result.score_higher_is_better) if settings.scale == "mos" else None
    pairs = select_pairs(on_common_scale(scores, specs, directions, mapped), scores["item"], settings)
    files = {it.item_id: (str(it.dist_path), str(it.ref_path)) for it in ds.items()}
    for side in ("better", "worse"):
        pairs[f"{side}_image"] = [files.get(i, ("", ""))[0] for i in pairs[side]]
        pairs[f"{side}_reference"] = [files.get(i, ("", ""))[1] for i in pairs[side]]
    empty = pairs[pairs["better"] == ""]
    if len(empty):
        notes.append(f"{len(empty)} of {len(pairs)} (defender, attacker, level) have fewer than two candidates: no "
                     f"pair (widen --tolerance or use fewer --levels)")
    notes += _judging_restored(result.run_dir, kept, pairs.to_csv(index=False))
    atomic_write_text(result.run_dir / "pairs.csv", pairs.to_csv(index=False))
    atomic_write_text(result.run_dir / "pairs.md", RENDERERS["md"].draw(pairs_document(pairs, ds.key, settings)))
    return GmadResult(pairs, result.run_dir, result.reused, result.computed, notes)


#: What belongs to one pair set: its page, its description, the analysis of its judgements.
JUDGING_FILES = ("judging.html", "judging-set.json", "gmad_contests.csv",
                 *(f"gmad_analysis{suffix}" for suffix in (".md", ".tex", ".csv", ".html", ".json")))


def _judging_kept(run_dir: Path) -> Dict[str, bytes]:
    """The run folder's pairs.csv and the page, set description and analysis of those pairs, read before the
    run replaces its folder ({} where there are none)."""
    kept = {}
    for name in ("pairs.csv", *JUDGING_FILES):
        try:
            kept[name] = (run_dir / name).read_bytes()
        except OSError:
            continue
    return kept if len(kept) > 1 and "pairs.csv" in kept else {}


def _judging_restored(run_dir: Path, kept: Dict[str, bytes], new_pairs: str) -> List[str]:
    """The kept page, set and analysis put back where the pairs are unchanged (a rerun of the same gMAD);
    where they changed, they describe pairs the run no longer has: left out, said in one line."""
    if not kept:
        return []
    judging = [name for name in kept if name != "pairs.csv"]
    if kept["pairs.csv"] == new_pairs.encode("utf-8"):
        for name in judging:
            atomic_write(run_dir / name, lambda tmp, data=kept[name]: tmp.write_bytes(data))
        return []
    return [f"the pairs changed: the judging page and analysis of the earlier pairs are not kept ({', '.join(judging)})"]


@dataclass
class GmadJudged:
    """A judged gMAD run: the analysis, the judgements it used (with the files refused), the files written."""

    analysis: object   #: competition.analysis.GmadAnalysis
    judgements: object  #: competition.judgements.Judgements
    written: List[Path]


def analyse_gmad(run_dir: Path, files: Sequence[Path]) -> GmadJudged:
    """The judgements ``files`` of the pair set of ``run_dir`` (its :data:`~iqa_bench.competition.judgements.
    SET_FILE`, written by ``iqa-bench judging-page``) analysed (:func:`~iqa_bench.competition.analysis.analyse`)
    and written into ``run_dir``: ``gmad_analysis.md/.tex/.csv/.html``, the contests' counts
    (``gmad_contests.csv``) and the document its report page draws (``gmad_analysis.json``). ValueError where
    the set is absent or no judgement is usable (nothing written then)."""
    from ..competition.analysis import analyse
    from ..competition.judgements import read_judgements, read_set
    from ..reports.gmad_analysis import ANALYSIS_RECORD, ANALYSIS_STEM, analysis_document
    from ..reports.table_model import document_record

    run_dir = Path(run_dir)
    judging_set = read_set(run_dir)
    judgements = read_judgements(files, judging_set)
    analysis = analyse(judgements, judging_set)
    document = analysis_document(analysis, judgements.refused)
    written = []
    for drawing in RENDERERS.values():
        written.append(atomic_write_text(run_dir / f"{ANALYSIS_STEM}{drawing.suffix}", drawing.draw(document)))
    written.append(atomic_write_text(run_dir / "gmad_contests.csv", analysis.counts.to_csv(index=False)))
    written.append(atomic_write_text(run_dir / ANALYSIS_RECORD,
                                     json.dumps({"document": document_record(document)}, indent=1) + "\n"))
    return GmadJudged(analysis, judgements, written)

