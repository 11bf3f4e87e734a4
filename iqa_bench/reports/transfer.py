"""The mapping-transfer table (:mod:`..stats.transfer`) as a format-neutral document: per metric and ordered
(source, target) pair, PLCC and RMSE of the source's mapping applied to the target beside the target's own,
on the common 0-1 scale."""
from __future__ import annotations

import pandas as pd

from .table_model import Cell, Column, Document, Row, Table, number


def transfer_document(table: pd.DataFrame, names=None) -> Document:
    """One row per metric and (source → target); ``names``: spec → display name."""
    names = names or {}
    rows = [Row(names.get(r["metric"], r["metric"]),
                [Cell(number(abs(r["plcc"]))), Cell(number(abs(r["plcc_in"]))), Cell(number(r["rmse"])),
                 Cell(number(r["rmse_in"])), Cell(number(r["d_rmse"], signed=True))],
                spec=r["metric"], labels=[names.get(r["metric"], r["metric"]), f"{r['source']} → {r['target']}"])
            for _, r in table.iterrows()]
    columns = [Column("PLCC transferred", short="PLCC tr."), Column("PLCC in-dataset", short="PLCC in"),
               Column("RMSE transferred", short="RMSE tr."), Column("RMSE in-dataset", short="RMSE in"),
               Column("ΔRMSE")]
    fit = str(table["fit"].iloc[0]) if len(table) else "logistic5"
    caption = (f"Does the mapping transfer? Each metric's {fit} mapping fitted on the source dataset and applied "
               f"unchanged to the target, against the target's own fit; every dataset's subjective scores on a "
               f"common 0-1 scale (min-max over its items, 1 = its best-rated image); |PLCC|; "
               f"ΔRMSE = transferred − in-dataset")
    return Document([Table(columns, rows, label_headers=["Metric", "Source → target"], caption=caption,
                           short_caption="Mapping transferred between datasets (common 0-1 scale).")],
                    data=table)
