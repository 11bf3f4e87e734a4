"""The judging page: one self-contained HTML file in which a person judges pairs of images -- gMAD's pairs
(``pairs.csv`` of ``iqa-bench gmad``) or MAD's (a ``iqa-bench mad`` folder) -- side by side under their
reference where they share one. It works offline (the images are inside, as data URIs; no host is contacted,
like ``report.html``); the order is shuffled and each pair's sides drawn at random per session; answers by
mouse or keys (left, right, no difference), with progress, undo and the observer's id; the session is kept in
the browser's storage across a reload and saved as CSV or JSON (``reports/assets/judging.js``).

Each trial's two images are ``a`` and ``b``: gMAD's attacker's better and worse image, MAD's best and worst
image by the moved metric. A judgement records which the observer preferred (``a``, ``b`` or ``same``) and on
which side ``a`` was shown. The set's id is a digest of its trials and images: a judgement file from another
pair set is recognised as such.
"""
from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pandas as pd
from PIL import Image

from .html_page import asset, escape, json_block, page

#: The page's code.
SCRIPT = asset("judging.js")


@dataclass(frozen=True)
class Trial:
    """One pair to judge: its id, the images ``a`` and ``b``, the reference both share (None where they do
    not), and what it tests (never shown to the observer)."""

    trial: str
    a: Path
    b: Path
    reference: Optional[Path] = None
    info: Dict[str, str] = field(default_factory=dict)


def gmad_trials(pairs: pd.DataFrame) -> List[Trial]:
    """The chosen pairs of a gMAD ``pairs.csv``: ``a`` the attacker's better image, ``b`` its worse one."""
    trials = []
    for _, row in pairs[pairs["better"].astype(str) != ""].iterrows():
        shared = row["better_reference"] if row["better_reference"] == row["worse_reference"] else None
        trials.append(Trial(f"{row['defender']}|{row['attacker']}|{int(row['level'])}", Path(row["better_image"]),
                            Path(row["worse_image"]), Path(shared) if shared else None,
                            {"defender": row["defender"], "attacker": row["attacker"], "level": str(int(row["level"]))}))
    return trials


def mad_trials(folder: Path) -> List[Trial]:
    """The two pairs of a MAD folder: best against worst quality by B with A held, and by A with B held."""
    folder = Path(folder)
    return [Trial(f"{moved} moved, {held} fixed", folder / f"best_{moved}_{held}_fixed.png",
                  folder / f"worst_{moved}_{held}_fixed.png", folder / "reference.png",
                  {"moved": moved, "held": held}) for moved, held in (("B", "A"), ("A", "B"))]


def _data_uri(path: Path, max_side: int) -> str:
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
            if max(image.size) > max_side:
                image.thumbnail((max_side, max_side), Image.LANCZOS)
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
    except OSError as err:
        raise ValueError(f"judging page: {path} is not a readable image ({err})") from None
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def judging_data(trials: List[Trial], title: str, max_side: int = 512) -> dict:
    """What the page holds: the set's id, the title, the trials (their images by key) and the images (data
    URIs, each at most ``max_side`` pixels on a side)."""
    if not trials:
        raise ValueError("judging page: no pair to judge")
    keys: Dict[str, str] = {}
    images: Dict[str, str] = {}
    digest = hashlib.sha256()

    def key_of(path: Path) -> str:
        path = Path(path)
        if str(path) not in keys:
            keys[str(path)] = f"i{len(keys)}"
            images[keys[str(path)]] = _data_uri(path, max_side)
            digest.update(images[keys[str(path)]].encode())
        return keys[str(path)]

    shown = []
    for trial in trials:
        digest.update(trial.trial.encode())
        shown.append({"id": trial.trial, "a": key_of(trial.a), "b": key_of(trial.b),
                      "ref": key_of(trial.reference) if trial.reference else None})
    return {"set": digest.hexdigest()[:16], "title": title, "trials": shown, "images": images}


def judging_set(trials: List[Trial], data: dict):
    """The set's description (:class:`~iqa_bench.competition.judgements.JudgingSet`) of the page ``data`` of
    ``trials``: what ``iqa-bench gmad analyse`` reads to know which pair a judgement is of."""
    from ..competition.judgements import JudgingSet

    gmad = all({"defender", "attacker", "level"} <= set(t.info) for t in trials)
    return JudgingSet(data["set"], data["title"], "gmad" if gmad else "mad",
                      {t.trial: {k: str(v) for k, v in t.info.items()} for t in trials})


def judging_page(trials: List[Trial], title: str, max_side: int = 512) -> str:
    """The page (see the module) of ``trials``; each image at most ``max_side`` pixels on a side."""
    return _page(judging_data(trials, title, max_side))


def _page(data: dict) -> str:
    title = data["title"]
    body = [f"<h1>{escape(title)}</h1>",
            '<div id="start"><p>Which image of each pair looks better? Compare them with the reference where one '
            'is shown. Keys: <b>←</b> or <b>1</b> the left one, <b>→</b> or <b>2</b> the right one, <b>↓</b>, '
            '<b>0</b> or space: no difference; <b>Backspace</b> or <b>u</b> undoes the last answer. Your answers are '
            'kept in this browser if the page is reloaded; save them as a file at the end.</p>'
            '<label>Observer id <input id="observer" autocomplete="off"></label> <button id="begin">Start</button> '
            '<span id="observer-note" class="note"></span></div>',
            '<div id="session" hidden><p><span id="who"></span> · <span id="progress"></span> · '
            '<button id="undo">Undo</button> <button id="save-csv">Save CSV</button> '
            '<button id="save-json">Save JSON</button></p>'
            '<div id="trial"><div id="reference-box"><p class="note">Reference</p><img id="reference" alt="reference"></div>'
            '<div class="pair"><figure><img id="left" alt="left image"><figcaption><button id="pick-left">Left is '
            'better (←)</button></figcaption></figure><figure><img id="right" alt="right image"><figcaption>'
            '<button id="pick-right">Right is better (→)</button></figcaption></figure></div>'
            '<p><button id="pick-same">No difference (↓)</button></p></div>'
            '<div id="finished" hidden><p>All pairs judged, thank you. Save your answers and send the file:</p>'
            '<button id="save-csv-end">Save CSV</button> <button id="save-json-end">Save JSON</button></div></div>',
            "<style>.pair{display:flex;gap:16px}.pair img,#reference{max-width:48vw;image-rendering:auto}"
            "figure{margin:0}</style>",
            json_block("judging-data", data)]
    return page(title, body, [SCRIPT])


def write_judging_page(trials: List[Trial], title: str, path: Path, set_folder: Optional[Path] = None) -> Path:
    """The page written atomically to ``path``, and the set's description
    (:data:`~iqa_bench.competition.judgements.SET_FILE`) into ``set_folder`` (default: the page's folder)."""
    import json

    from ..competition.judgements import SET_FILE
    from ..io_utils import atomic_write_text

    data = judging_data(trials, title)
    folder = Path(set_folder) if set_folder is not None else Path(path).parent
    atomic_write_text(folder / SET_FILE, json.dumps(judging_set(trials, data).record(), indent=1) + "\n")
    return atomic_write_text(Path(path), _page(data))
