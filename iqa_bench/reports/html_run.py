"""``report.html``: one self-contained page per run, the way a researcher explores results.

Sections: the run's provenance (dataset, the root's folder name -- never an absolute path --, versions,
weights digests, fit, resampling, seed); the summary table, sortable by any column, with the bootstrap
intervals, the leave-one-reference-out SROCC range and why a metric was not computed; per metric the
scatter of its values against the subjective score with the fitted curve (hover: the item, its groups --
distortion type, level, reference --, the subjective score and the metric's value; with thumbnails, the
reference and distorted images beside the plots), one filter of distortion types that every scatter obeys;
the leave-one-reference-out ranges; the significance matrices as one heat map (p-values on hover, one
button per test); the fit-protocol table (``fit: all``); the failures.

The data sit once in the page (item names and groups as codes, one value list per metric); the page's
code builds Plotly's traces from them, so 3000 items x 14 metrics stay near 1 MB of data beside the
4.8 MB plotly.js bundle, far under :data:`MAX_POINTS`. Above it (KADID-10k with many metrics, say), each
scatter shows every k-th item, said on the page; the table and the statistics always use every item.
"""
from __future__ import annotations

import functools
import math
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from ..stats.evaluated_run import EvaluatedRun
from ..stats.regression import MetricRegression
from .html_page import asset, escape, json_block, page
from .html_tables import document_html
from .html_summary import overall_rows, summary_section
from .tables import LABELS, STATS, display_name, resampling, shown_value, stat_parts

#: Scatter points drawn over all metrics before the scatters are thinned (every k-th item, said).
MAX_POINTS = 400_000
#: Points of each fitted curve.
CURVE_POINTS = 120
#: Failures listed on the page (all of them are in failures.txt).
MAX_FAILURES = 500
#: Colours of the distortion types (Plotly's Dark24, then Light24: 48 distinct).
PALETTE_NAMES = ("Dark24", "Light24")


@dataclass
class RunView:
    """Everything the page shows, gathered by the run writer (:func:`iqa_bench.run.outputs.write_run`)
    or by ``iqa-bench report RUN --format html`` from a finished run folder."""

    run: EvaluatedRun                #: the scores, settings and fits of the run
    summary: pd.DataFrame            #: summary.csv (labels applied)
    meta: dict                       #: run.json (config, digests, imported, ...)
    significance: object = None      #: SignificanceResult or None
    fit_protocols: object = None     #: the fit-protocol table's Document (``fit: all``), else None
    failures: Sequence = ()          #: (item, metric, message)
    thumbnails: Optional[dict] = None  #: {"ref": {key: data URI}, "ref_of": [key], "dist": [data URI]}
    versions: Dict[str, str] = field(default_factory=dict)
    tables: Sequence = ()            #: further sections: (anchor, title, Document)
    group_by: str = "group"          #: what the summary's groups are (distortion, reference, ...)

    @property
    def dataset(self) -> str:
        """The dataset's display name."""
        return display_name(self.run.dataset)

    @property
    def protocol(self) -> str:
        return self.run.protocol

    @property
    def score_text(self) -> str:
        return self.run.score_text

    @property
    def score_label(self) -> str:
        return self.run.score_label

    @property
    def scores(self) -> pd.DataFrame:
        """scores.csv"""
        return self.run.scores

    @property
    def fit(self) -> str:
        return self.run.settings.fit

    @functools.cached_property
    def names(self) -> Dict[str, str]:
        """spec → display name, as summary.csv's ``label`` column holds it."""
        if "label" not in self.summary.columns or "metric" not in self.summary.columns:
            return {}
        return {m: text for m, text in zip(self.summary["metric"], self.summary["label"])
                if isinstance(text, str) and text}

    def name(self, spec: str) -> str:
        return self.names.get(spec, spec)


def package_versions() -> Dict[str, str]:
    """Versions of what computed and wrote the run (the page says "written with")."""
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in ("iqa-bench", "torch", "torchvision", "piq", "lpips", "pyiqa", "scipy", "plotly"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _finite_or_none(values) -> list:
    return [float(v) if v is not None and math.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _palette() -> List[str]:
    from plotly import colors

    return [c for name in PALETTE_NAMES for c in getattr(colors.qualitative, name)]


def _groups(scores: pd.DataFrame) -> Dict[str, dict]:
    """group name → {"names": categories, "codes": one index per item} (compact: a name is stored once)."""
    out = {}
    for column in [c for c in scores.columns if c.startswith("group:")]:
        values = scores[column].fillna("").astype(str)
        names = sorted(values.unique(), key=_natural)
        index = {n: i for i, n in enumerate(names)}
        out[column[6:]] = {"names": names, "codes": [index[v] for v in values]}
    return out


def _natural(text: str):
    """'10' after '9': numbers compared as numbers."""
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _curve(model: MetricRegression, log: bool) -> Optional[dict]:
    """The run's mapping of a metric (:meth:`~iqa_bench.stats.evaluated_run.EvaluatedRun.mapped`) over the
    metric's range."""
    if model.fit_kind == "none" or not model.ok:
        return None
    low, high = float(np.nanmin(model.x_)), float(np.nanmax(model.x_))
    grid = np.geomspace(low, high, CURVE_POINTS) if log and low > 0 else np.linspace(low, high, CURVE_POINTS)
    return {"x": _finite_or_none(grid), "y": _finite_or_none(model.predict(grid))}


def _metric_payload(view: RunView, metrics: Sequence[str]) -> List[dict]:
    from .plots import log_axis

    y = view.scores["score"].to_numpy(float)
    overall = overall_rows(view.summary).set_index("metric") if "metric" in view.summary.columns else pd.DataFrame()
    out = []
    for spec in metrics:
        x = view.scores[spec].to_numpy(float)
        finite = np.isfinite(x) & np.isfinite(y)
        if finite.sum() < 2:
            continue
        log = log_axis(x[finite])
        row = overall.loc[spec] if spec in overall.index else None
        stats = " · ".join(f"{LABELS[k]} {stat_parts(row, k)[0]}" for k in ("plcc", "srocc")) if row is not None else ""
        out.append({"spec": spec, "label": view.name(spec), "values": _finite_or_none(x), "log": log,
                    "stats": stats, "curve": _curve(view.run.mapped(spec).model, log)})
    return out


def _shown_every(n_items: int, n_metrics: int) -> int:
    """Every k-th item is drawn when items × metrics exceeds :data:`MAX_POINTS` (1: all)."""
    return max(1, math.ceil(n_items * n_metrics / MAX_POINTS))


def _significance_payload(view: RunView) -> Optional[dict]:
    """Per test: the 1/0/−1 matrix (None on the diagonal and for pairs without a result) and the hover
    text of each cell (the statistic and its p-value)."""
    from ..stats.multiple_comparisons import TITLES
    from ..stats.significance import TEST_TITLES, TESTS

    result = view.significance
    if result is None or len(result.metrics) < 2:
        return None
    names = {m: view.name(m) for m in result.metrics}
    pairs = result.pairs.set_index(["row", "col"])
    tests = {}
    for test in TESTS:
        if test in ("srocc", "plcc") and result.n_boot <= 0:
            continue
        z, text = [], []
        for row in result.metrics:
            z_row, t_row = [], []
            for col in result.metrics:
                if (row, col) not in pairs.index:
                    z_row.append(None)
                    t_row.append("")
                    continue
                pair = pairs.loc[(row, col)]
                symbol = pair[result.symbol_column(test)]
                z_row.append(float(symbol) if np.isfinite(symbol) else None)
                adjusted = f"<br>{result.correction}-adjusted p = {pair[f'{test}_p_{result.correction}']:.4g}" \
                    if result.correction != "none" else ""
                t_row.append(f"{names[row]} vs {names[col]}<br>{_statistic(pair, test)}{adjusted}<br>n = {int(pair['n'])}")
            z.append(z_row)
            text.append(t_row)
        tests[test] = {"title": TEST_TITLES[test], "z": z, "text": text}

    return {"names": [names[m] for m in result.metrics], "tests": tests, "alpha": result.alpha,
            "unit": "whole reference images" if result.resample == "references" else "items",
            "correction": TITLES[result.correction]}


def _statistic(pair, test: str) -> str:
    def number(v, digits=4):
        return f"{v:.{digits}g}" if np.isfinite(v) else "n/a"
    if test == "f":
        return f"F = {number(pair['f'])}, p = {number(pair['f_p'])}" + \
            ("" if pair.get("f_assumption", "ok") == "ok" else " (residual kurtosis outside [2, 4])")
    if test == "williams":
        return f"t = {number(pair['williams_t'])}, p = {number(pair['williams_p'])}"
    key = f"d_{test}"
    return (f"Δ{test.upper()} = {number(pair[key], 3)} [{number(pair[key + '_lo'], 3)}, "
            f"{number(pair[key + '_hi'], 3)}], p = {number(pair[test + '_p'])}")


def _loro_payload(view: RunView) -> Optional[list]:
    overall = overall_rows(view.summary)
    if "srocc_loro_min" not in overall.columns:
        return None
    rows = []
    for _, r in overall.iterrows():
        value, lo, hi = shown_value("srocc", r["srocc"], r["srocc_loro_min"], r["srocc_loro_max"])
        if np.isfinite(value) and np.isfinite(lo) and np.isfinite(hi):
            rows.append({"label": view.name(r["metric"]), "srocc": value, "min": lo, "max": hi})
    return rows or None


# ------------------------------------------------------------------------------------------------ sections

def _provenance(view: RunView) -> str:
    config = view.meta.get("config", {}) if isinstance(view.meta.get("config"), dict) else {}
    root = config.get("root")
    if isinstance(root, dict):
        root_text = ", ".join(f"{k}: {Path(str(v)).name}" for k, v in root.items())
    else:
        root_text = Path(str(root)).name if root else "(built in)"
    rows = [("dataset", view.dataset), ("root folder", root_text), ("items", len(view.scores)),
            ("protocol", view.protocol), ("subjective score", view.score_text), ("fit", view.fit),
            ("bootstrap", f"{config.get('bootstrap', '')} resamples, {resampling(view.summary)}"),
            ("seed", config.get("seed", "")),
            ("written with", ", ".join(f"{k} {v}" for k, v in view.versions.items()))]
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    digests = view.meta.get("digests") or {}
    digest_rows = "".join(f"<tr><td>{escape(view.name(spec))}</td><td><code>{escape(spec)}</code></td>"
                          f"<td><code>{escape(str(d)[:16])}</code></td></tr>" for spec, d in digests.items())
    table = ("<details><summary>Metric specs and digests of their code and weights</summary>"
             '<table class="sortable"><thead><tr><th>metric</th><th>spec</th><th>digest</th></tr></thead>'
             f"<tbody>{digest_rows}</tbody></table></details>") if digest_rows else ""
    return f'<h2 id="provenance">Provenance</h2><dl class="provenance">{body}</dl>{table}'


def _failures(view: RunView) -> str:
    if not view.failures:
        return '<h2 id="failures">Failures</h2><p class="note">None.</p>'
    rows = "".join(f"<tr><td>{escape(i)}</td><td>{escape(m or '-')}</td><td class=\"why\">{escape(msg)}</td></tr>"
                   for i, m, msg in list(view.failures)[:MAX_FAILURES])
    more = len(view.failures) - MAX_FAILURES
    note = f'<p class="note">{more} more in failures.txt.</p>' if more > 0 else ""
    return (f'<h2 id="failures">Failures ({len(view.failures)})</h2><table id="failures-table" class="sortable">'
            f"<thead><tr><th>item</th><th>metric</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>{note}")


#: The run page's code: the scatters, the heat map, the hover panel (``reports/assets/run_page.js``).
SCRIPT = asset("run_page.js")


def _thumbnail_note(view: RunView) -> str:
    """The line above the scatters, and the floating panel that shows the hovered item (fixed in the
    corner, so showing it never moves the plots)."""
    panel = '<div id="item-panel" hidden></div>'
    if view.thumbnails:
        return f'<p class="note">Hover a point: the item and its images (lower right).</p>{panel}'
    return (f'<p class="note">Hover a point: the item (its images: evaluate --thumbnails, or report RUN --format html '
            f'--thumbnails where the dataset\'s images are at hand).</p>{panel}')


def _complete(summary: pd.DataFrame, protocol: str) -> pd.DataFrame:
    """The summary with every column the page reads (NaN where the run has none: no metric computed)."""
    if protocol != "regression" or summary.empty:
        return summary
    needed = ["n", *STATS, *(f"{k}_{end}" for k in STATS for end in ("lo", "hi"))]
    return summary.assign(**{c: np.nan for c in needed if c not in summary.columns})


def render_run_page(view: RunView) -> str:
    """The whole page of a run (see the module docstring)."""
    from dataclasses import replace

    view = replace(view, summary=_complete(view.summary, view.protocol))
    metrics = [m for m in (view.meta.get("metrics") or []) if m in view.scores.columns]
    payload_metrics = _metric_payload(view, metrics) if view.protocol == "regression" else []
    groups = _groups(view.scores)
    every = _shown_every(len(view.scores), len(payload_metrics))
    significance = _significance_payload(view)
    loro = _loro_payload(view) if view.protocol == "regression" else None
    data = {"items": [str(i) for i in view.scores["item"]], "score": _finite_or_none(view.scores["score"]),
            "score_label": view.score_label, "groups": groups,
            "filter": "distortion" if "distortion" in groups else (next(iter(groups), None)),
            "metrics": payload_metrics, "fit": view.fit, "every": every, "palette": _palette(),
            "significance": significance, "loro": loro, "thumbs": view.thumbnails}
    title = f"{view.dataset}: iqa-bench report"
    sections = [("provenance", "provenance"), ("table", "summary")] + \
        ([("scatter", "scatters")] if payload_metrics else []) + ([("loro", "leave one reference out")] if loro else []) \
        + ([("significance", "significance")] if significance else []) \
        + ([("fit-protocols", "fit protocols")] if view.fit_protocols else []) \
        + [(anchor, section) for anchor, section, _ in view.tables] + [("failures", "failures")]
    body = [f"<h1>{escape(title)}</h1>",
            '<p class="note">One self-contained file: it works offline and can be mailed. Sections: '
            + " · ".join(f'<a href="#{escape(anchor)}">{escape(name)}</a>' for anchor, name in sections) + '</p>',
            _provenance(view), summary_section(view)]
    if payload_metrics:
        thinned = (f'<p class="note">{len(view.scores)} items × {len(payload_metrics)} metrics: each scatter shows '
                   f'every {every}th item; the statistics use all of them.</p>') if every > 1 else ""
        filters = ('<div class="filters" id="filters"><b>Distortion types</b> (every scatter; a click toggles one) '
                   '<button id="filter-all">all</button> <button id="filter-none">none</button><br></div>'
                   if data["filter"] else '<div id="filters"></div>')
        body += ['<h2 id="scatter">Metric against subjective score</h2>', thinned, filters, _thumbnail_note(view),
                 '<div class="scatters" id="scatters"></div>']
    if loro:
        body += ['<h2 id="loro">Leave one reference out</h2><p class="note">|SROCC| over all items and its range '
                 'when each reference image (with its distorted versions) is left out in turn.</p><div id="loro"></div>']
    if significance:
        body += [f'<h2 id="significance">Significance between metrics</h2><p class="note">Row metric against '
                 f'column metric, two-sided, α = {significance["alpha"]:g}; green: row significantly better, red: '
                 f'worse, grey: not distinguishable; the statistic and its p-value on hover. Paired bootstrap '
                 f'unit: {escape(significance["unit"])}; {escape(significance["correction"])}.</p>'
                 f'<div id="heatmap"></div>']
    if view.fit_protocols:
        body += ['<h2 id="fit-protocols">Fit protocols</h2>', *document_html(view.fit_protocols, level=3)]
    for anchor, section, document in view.tables:
        body += [f'<h2 id="{escape(anchor)}">{escape(section)}</h2>', *document_html(document, level=3)]
    body += [_failures(view), json_block("run-data", data)]
    figures = bool(payload_metrics or significance or loro)
    return page(title, body, [SCRIPT] if figures else [], figures=figures)
