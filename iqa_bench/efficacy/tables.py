"""The Perceptual-Efficacy paper's table layouts, filled from any dataset through the normal pipeline:
Tables 1 and 3 (rows F, H-x, L-x, L-(100−x) per network/layer; RMSE / LCC / SROCC) and Table 2
(2AFC per BAPPS subset, same rows)."""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np
import pandas as pd

from ..errors import OptionError


def parse_layer_request(text: str) -> Tuple[str, str, float]:
    """``vgg16/relu2_2:10`` -> ("vgg16", "relu2_2", 10.0); x defaults to 10."""
    head, sep, tail = text.rpartition(":")
    try:
        net_layer, x = (head, float(tail)) if sep else (text, 10.0)
    except ValueError:
        net_layer, x = text, 10.0  # the colon belonged to "<net>:<weights>"
    net, _, layer = net_layer.rpartition("/")
    if not net or not layer:
        raise OptionError("layer", f"{{option}} {text!r}: expected <net>/<layer>[:x], e.g. vgg16/relu2_2:10")
    return net, layer, x


def _pct(x: float) -> str:
    return f"{x:g}"


def subset_rows(net: str, layer: str, x: float) -> List[Tuple[str, str]]:
    """(row label, metric spec) for F, H-x, L-x and L-(100−x)."""
    base = f"lp:{net}/{layer}"
    return [("F", f"{base}@F"), (f"H-{_pct(x)}", f"{base}@H{_pct(x)}"), (f"L-{_pct(x)}", f"{base}@L{_pct(x)}"),
            (f"L-{_pct(100 - x)}", f"{base}@L{_pct(100 - x)}")]


def efficacy_table(summary: pd.DataFrame, protocol: str, requests: Sequence[Tuple[str, str, float]]) -> pd.DataFrame:
    """Rows per (network, layer, feature set); columns RMSE/LCC/SROCC (regression, all items) or
    one 2AFC column per subset plus "all"."""
    rows = []
    for net, layer, x in requests:
        for label, spec in subset_rows(net, layer, x):
            part = summary[summary["metric"] == spec]
            row = {"Network": net, "Layer": layer, "Feature set": label}
            if protocol == "2afc":
                row.update({g: 100 * v for g, v in zip(part["group"], part["twoafc"])})
            else:
                overall = part[part["group"] == "all"]
                values = overall.iloc[0] if len(overall) else pd.Series(dtype=float)
                row.update({"RMSE": values.get("rmse", np.nan), "LCC": abs(values.get("plcc", np.nan)),
                            "SROCC": abs(values.get("srocc", np.nan))})
            rows.append(row)
    return pd.DataFrame(rows)


def efficacy_document(table: pd.DataFrame, caption: str):
    """Tables 1-3 of the Perceptual-Efficacy paper as a format-neutral document (every format draws it):
    network, layer and feature set, then the statistics."""
    from ..reports.table_model import Cell, Column, Document, Row, Table

    value_columns = [c for c in table.columns if c not in ("Network", "Layer", "Feature set")]
    rows = [Row(str(r["Network"]), [Cell(str(r["Layer"])), Cell(str(r["Feature set"]))]
                + [Cell("n/a" if not np.isfinite(r[c]) else f"{r[c]:.4f}") for c in value_columns])
            for _, r in table.iterrows()]
    columns = [Column("Layer", align="l"), Column("Feature set", align="l")] + [Column(c) for c in value_columns]
    return Document([Table(columns, rows, name_header="Network", caption=caption, short_caption=caption)], data=table)
