"""The 14 full-reference metrics of the TID2013 distribution (``metrics_values/*.txt``, computed by the
TID2013 authors) on all 3000 images, evaluated as a user with those files would: metadata only, no
images. Regenerates ``reports/tid2013-official-metrics/``::

    python -m iqa_bench.recipes.tid2013_official --data ../shared/data/iqa/tid2013/yy3948+IQA \
        --mos-std ../shared/data/iqa/tid2013/chaofengc+IQA-PyTorch/pyiqa/data/meta_info/meta_info_TID2013Dataset.csv

Writes the run's tables (overall and per distortion type, CIs), the significance matrices (Holm-corrected;
every correction's p-values in significance.csv), the fit-protocol table, the in-sample / held-out mapping
table, with each MOS's standard error (TID2013's mos_std, here as IQA-PyTorch's copy of it) the ITU-T
P.1401 figures (RMSE with N − d, rmse*, outlier ratio) and Krasula et al.'s AUCs and C0 with their
matrices (the pair tests by the paired jackknife over the 25 references), the distribution's placeholder
values (100000 for an infinite PSNR) recoded as ``evaluate`` does by default, and the overview figures, plus
``published.md``: our SROCC/KROCC beside the TID2013 readme's Tables III-IV for all 14 metrics. Per-item values (``scores.csv``) and ``run.json`` stay out of the folder: they are the dataset's
own data, which the project does not redistribute.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import pandas as pd

#: Published rank correlations of the 14 metrics on the whole of TID2013: Tables III (Spearman) and IV
#: (Kendall) of the TID2013 distribution's own ``readme`` (Ponomarenko et al.; read from yy3948/IQA
#: ``tid2013/readme`` at commit c38a3262b488138c6ad0f60d4d8b17b9f0f990ce, the repository the metric values
#: come from), typed in here to the three digits printed there; the readme's names PSNR-HA, PSNR-HMA,
#: PSNR-HVS, PSNR-HVS-M are the files PSNRHA, PSNRHMA, PSNRHVS, PSNRHVSM.
SOURCE = ("TID2013 readme, Tables III-IV (yy3948/IQA tid2013/readme @ c38a3262), the distribution's own "
          "ranking of the 14 metrics")
PUBLISHED = {  # metric: (SROCC, KROCC), as printed
    "FSIMc": ("0.851", "0.667"), "PSNRHA": ("0.819", "0.643"), "PSNRHMA": ("0.813", "0.632"),
    "FSIM": ("0.801", "0.630"), "MSSIM": ("0.787", "0.608"), "PSNRc": ("0.687", "0.496"),
    "VSNR": ("0.681", "0.508"), "PSNRHVS": ("0.654", "0.508"), "PSNR": ("0.640", "0.470"),
    "SSIM": ("0.637", "0.464"), "NQM": ("0.635", "0.466"), "PSNRHVSM": ("0.625", "0.482"),
    "VIFP": ("0.608", "0.457"), "WSNR": ("0.580", "0.446"),
}
KEPT = ("table.md", "table.tex", "summary.csv", "significance.md", "significance.tex", "significance.csv",
        "fit_protocols.md", "fit_protocols.tex", "fit_protocols.csv", "mapping.md", "mapping.tex", "mapping.csv")
#: Written where the MOS standard errors are given (--mos-std).
KEPT_WITH_SPREAD = ("p1401.md", "p1401.tex", "p1401.csv", "p1401_pairs.csv", "krasula.md", "krasula.tex",
                    "krasula.csv", "krasula_pairs.csv")
MOS_STD = Path("../shared/data/iqa/tid2013/chaofengc+IQA-PyTorch/pyiqa/data/meta_info/meta_info_TID2013Dataset.csv")
KEPT_PLOTS = ("overview_scatter.png", "overview_srocc.png", "significance_f.png")


def published_table(summary: pd.DataFrame) -> str:
    """Markdown: our overall |SROCC| / |KROCC| (with CIs) beside the published ones, to the published
    number of digits, and whether they agree at that precision."""
    overall = summary[summary["group"] == "all"].set_index("metric")
    lines = [f"Published: {SOURCE}. Ours: this run (all 3000 images, 95% bootstrap CIs).", "",
             "| metric | SROCC ours | SROCC published | KROCC ours | KROCC published | agree |",
             "|---|---:|---:|---:|---:|---|"]
    for metric, row in overall.iterrows():
        paper = dict(zip(("srocc", "krocc"), PUBLISHED.get(metric, ())))
        cells, agree = [], []
        for key in ("srocc", "krocc"):
            ours = abs(row[key])
            lo, hi = sorted((abs(row[f"{key}_lo"]), abs(row[f"{key}_hi"])))
            cells.append(f"{ours:.4f} [{lo:.3f}, {hi:.3f}]")
            if key in paper:
                text = paper[key]  # as printed, so "0.630" keeps its three digits
                cells.append(text)
                agree.append(round(ours, len(text.split(".")[1])) == float(text))
            else:
                cells.append("—")
        verdict = "—" if not agree else ("yes" if all(agree) else "NO")
        lines.append(f"| {metric} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines) + "\n"


def regenerate(data: Path, out: Path, bootstrap: int = 1000, mos_std: Optional[Path] = None) -> Path:
    """Run the evaluation in a scratch folder and copy the publishable outputs to ``out``."""
    from ..run.evaluate import evaluate

    options = {"mos_std": str(mos_std)} if mos_std else {}
    with tempfile.TemporaryDirectory() as scratch:
        result = evaluate("tid2013", root=str(data), scores_dir=str(data / "metrics_values"), fit="all",
                          bootstrap=bootstrap, results=scratch, run="tid2013-official-metrics", progress=False,
                          correct="holm", mapping="held-out", dataset_options=options)
        out.mkdir(parents=True, exist_ok=True)
        (out / "plots").mkdir(exist_ok=True)
        for name in KEPT + (KEPT_WITH_SPREAD if mos_std else ()):
            shutil.copyfile(result.run_dir / name, out / name)
        for name in KEPT_PLOTS:
            shutil.copyfile(result.run_dir / "plots" / name, out / "plots" / name)
        (out / "published.md").write_text(published_table(result.summary))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/iqa/tid2013/yy3948+IQA"),
                        help="folder holding mos_with_names.txt and metrics_values/")
    parser.add_argument("--out", type=Path, default=Path("reports/tid2013-official-metrics"))
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--mos-std", type=Path, default=MOS_STD if MOS_STD.is_file() else None,
                        help="each MOS's standard deviation (mos_std.txt, or a table with dist_name and std)")
    args = parser.parse_args(argv)
    if not (args.data / "mos_with_names.txt").is_file() or not (args.data / "metrics_values").is_dir():
        parser.error(f"--data {args.data}: expected mos_with_names.txt and metrics_values/ there")
    print(f"written: {regenerate(args.data, args.out, args.bootstrap, args.mos_std)}/")


if __name__ == "__main__":
    main()
