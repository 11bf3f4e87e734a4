"""The 14 full-reference metrics of the TID2013 distribution (``metrics_values/*.txt``, computed by the
TID2013 authors) on all 3000 images, evaluated as a user with those files would: metadata only, no
images. Regenerates ``reports/tid2013-official-metrics/``::

    python -m iqa_bench.recipes.tid2013_official --data ../shared/data/iqa/tid2013/yy3948+IQA

Writes the run's tables (overall and per distortion type, CIs), the significance matrices, the
fit-protocol table and the overview figures, plus ``published.md``: our SROCC/KROCC beside the TID2013
paper's. Per-item values (``scores.csv``) and ``run.json`` stay out of the folder: they are the dataset's
own data, which the project does not redistribute.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import pandas as pd

#: Published rank correlations of these metrics on the whole of TID2013 (Ponomarenko et al., "Image
#: database TID2013: peculiarities, results and perspectives", Signal Processing: Image Communication 30,
#: 2015, Tables 4-5), each with where it was read: the paper is not on this machine, so the values are
#: those quoted, to the digits given, by (a) the shared data's SOURCE.md, which checked the transcribed
#: metrics_values against them, and (b) piq's README benchmark table (commit 040fe9e8), whose column
#: "SRCC / KRCC" cites TID2013. piq's row "PSNR" (0.687 / 0.496) is the distribution's PSNRc (PSNR over
#: the colour channels; its PSNR.txt gives 0.640) and is listed under PSNRc. Metrics quoted by neither
#: are left out rather than typed from memory.
SOURCE_MD = "../shared/data/iqa/tid2013/yy3948+IQA/SOURCE.md quoting Ponomarenko et al. 2015"
PIQ_README = "piq README (040fe9e8) citing TID2013"
PUBLISHED = {
    "FSIM": {"srocc": ("0.8007", SOURCE_MD), "krocc": ("0.6300", SOURCE_MD)},
    "FSIMc": {"srocc": ("0.851", SOURCE_MD), "krocc": ("0.667", PIQ_README)},
    "PSNRHA": {"srocc": ("0.819", SOURCE_MD)},
    "PSNRHMA": {"srocc": ("0.813", SOURCE_MD)},
    "MSSIM": {"srocc": ("0.787", SOURCE_MD), "krocc": ("0.608", PIQ_README)},
    "SSIM": {"srocc": ("0.637", SOURCE_MD), "krocc": ("0.464", PIQ_README)},
    "PSNR": {"srocc": ("0.640", SOURCE_MD)},
    "PSNRc": {"srocc": ("0.687", PIQ_README), "krocc": ("0.496", PIQ_README)},
    "VIFP": {"srocc": ("0.608", SOURCE_MD), "krocc": ("0.457", PIQ_README)},
}
KEPT = ("table.md", "table.tex", "summary.csv", "significance.md", "significance.tex", "significance.csv",
        "fit_protocols.md", "fit_protocols.tex", "fit_protocols.csv")
KEPT_PLOTS = ("overview_scatter.png", "overview_srocc.png", "significance_f.png")


def published_table(summary: pd.DataFrame) -> str:
    """Markdown: our overall |SROCC| / |KROCC| (with CIs) beside the published ones, to the published
    number of digits, and whether they agree at that precision."""
    overall = summary[summary["group"] == "all"].set_index("metric")
    lines = ["Published: Ponomarenko et al. 2015 (TID2013), Tables 4-5, as quoted by [a] " + SOURCE_MD
             + ", [b] " + PIQ_README + ". Ours: this run (all 3000 images, 95% bootstrap CIs).", "",
             "| metric | SROCC ours | SROCC published | KROCC ours | KROCC published | agree |",
             "|---|---:|---:|---:|---:|---|"]
    for metric, row in overall.iterrows():
        paper = PUBLISHED.get(metric, {})
        cells, agree = [], []
        for key in ("srocc", "krocc"):
            ours = abs(row[key])
            lo, hi = sorted((abs(row[f"{key}_lo"]), abs(row[f"{key}_hi"])))
            cells.append(f"{ours:.4f} [{lo:.3f}, {hi:.3f}]")
            if key in paper:
                text, source = paper[key]  # as printed, so "0.6300" keeps its four digits
                digits = len(text.split(".")[1])
                cells.append(f"{text} [{'a' if source == SOURCE_MD else 'b'}]")
                agree.append(round(ours, digits) == float(text))
            else:
                cells.append("—")
        verdict = "—" if not agree else ("yes" if all(agree) else "NO")
        lines.append(f"| {metric} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines) + "\n"


def regenerate(data: Path, out: Path, bootstrap: int = 1000) -> Path:
    """Run the evaluation in a scratch folder and copy the publishable outputs to ``out``."""
    from ..run.evaluate import evaluate

    with tempfile.TemporaryDirectory() as scratch:
        result = evaluate("tid2013", root=str(data), scores_dir=str(data / "metrics_values"), fit="all",
                          bootstrap=bootstrap, results=scratch, run="tid2013-official-metrics", progress=False)
        out.mkdir(parents=True, exist_ok=True)
        (out / "plots").mkdir(exist_ok=True)
        for name in KEPT:
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
    args = parser.parse_args(argv)
    if not (args.data / "mos_with_names.txt").is_file() or not (args.data / "metrics_values").is_dir():
        parser.error(f"--data {args.data}: expected mos_with_names.txt and metrics_values/ there")
    print(f"written: {regenerate(args.data, args.out, args.bootstrap)}/")


if __name__ == "__main__":
    main()
