"""Published SROCC / KROCC of the peer libraries' own benchmarks, typed in with their source, and which
of our metric specs computes the same thing as each peer row.

Only rank correlations are carried: pyiqa's published PLCC is computed without a nonlinear mapping
(its maintainer says so) and piq publishes none, so neither is comparable with a fitted PLCC. Values are
kept as the strings printed upstream, so a table shows them at their published precision.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

#: pyiqa's ``tests/FR_benchmark_results.csv`` (chaofengc/IQA-PyTorch, commit 0d0007338caacc9bf208207d93dc09
#: ea59a32883): columns ``<dataset>(PLCC/SRCC/KRCC)``; the PLCC (first) field is dropped (unfitted).
PYIQA_SOURCE = ("pyiqa tests/FR_benchmark_results.csv, chaofengc/IQA-PyTorch commit 0d00073 "
                "(their PLCC is unfitted and not shown)")
PYIQA_CSV = """\
Metric name,csiq(PLCC/SRCC/KRCC),live(PLCC/SRCC/KRCC),tid2008(PLCC/SRCC/KRCC),tid2013(PLCC/SRCC/KRCC)
psnr,0.7857/0.8087/0.5989,0.7633/0.8013/0.5964,0.489/0.5245/0.3696,0.6601/0.6869/0.4958
ssim,0.765/0.8367/0.6323,0.7369/0.8509/0.6547,0.6003/0.6242/0.4521,0.6558/0.6269/0.455
ms_ssim,0.7717/0.9125/0.7372,0.679/0.9027/0.7227,0.7894/0.8531/0.6555,0.7814/0.7852/0.6033
cw_ssim,0.6078/0.7588/0.5562,0.5714/0.7681/0.5673,0.5965/0.6473/0.4625,0.5815/0.6533/0.4715
fsim,0.8207/0.9309/0.7683,0.7747/0.9204/0.7515,0.8341/0.884/0.6991,0.8322/0.8509/0.6665
vif,0.9219/0.9194/0.7532,0.9409/0.9526/0.8067,0.7769/0.7491/0.5861,0.7336/0.677/0.5148
lpips,0.9005/0.9233/0.7499,0.7672/0.869/0.6768,0.711/0.7151/0.5221,0.7529/0.7445/0.5477
dists,0.9324/0.9296/0.7644,0.8392/0.9051/0.7283,0.7032/0.6648/0.4861,0.7538/0.7077/0.5212
pieapp,0.838/0.8968/0.7109,0.8577/0.9182/0.7491,0.6443/0.7971/0.6089,0.7195/0.8438/0.6571
ahiq,0.8234/0.8273/0.6168,0.8039/0.8967/0.7066,0.6772/0.6807/0.4842,0.7379/0.7075/0.5127
topiq_fr,0.9589/0.9674/0.8379,0.9542/0.9759/0.8617,0.9044/0.9226/0.7554,0.9158/0.9165/0.7441
"""

#: piq's README.rst benchmark table (photosynthesis-team/piq, commit 040fe9e83b0e26bec5ce407cd0dc82f973bb3e11),
#: the columns "SRCC / KRCC (piq)" — piq's own measurement — for TID2013 and KADID10k ("-" where piq
#: gives none). The neighbouring columns quoting the original papers are not piq's values and are left out.
PIQ_SOURCE = "piq README.rst benchmark, photosynthesis-team/piq commit 040fe9e8, columns \"SRCC / KRCC (piq)\""
PIQ_ROWS = """\
PSNR      0.6869/0.4958 0.6757/0.4876
SSIM      0.5544/0.3883 0.6329/0.4571
MS-SSIM   0.7983/0.5965 0.8020/0.6088
VIFp      0.6102/0.4579 0.6500/0.4770
FSIM      0.8015/0.6289 0.8294/0.6390
FSIMc     0.8509/0.6665 0.8537/0.6650
GMSD      0.8038/0.6334 0.8474/0.6640
VSI       0.8949/0.7159 0.8780/0.6899
Content   0.7049/0.5173 0.7237/0.5326
Style     0.5384/0.3720 0.6470/0.4646
HaarPSI   0.8732/0.6923 0.8849/0.6995
MDSI      0.8899/0.7123 0.8853/0.7023
MS-GMSD   0.8121/0.6455 0.8523/0.6692
MS-GMSDc  0.8875/0.7105 0.8697/0.6831
LPIPS-VGG 0.6696/0.4970 0.7201/0.5313
PieAPP    0.8355/0.6495 0.8655/0.6758
DISTS     0.7077/0.5212 0.8137/0.6254
"""
PIQ_DATASETS = ("tid2013", "kadid10k")

#: Our spec -> (peer, the peer's row, what differs), only where both compute the same measure with the
#: same defaults as far as their sources say (a spec computing it another way is not mapped: our
#: ``ssim`` is ssim_index.m on rgb2gray, piq's SSIM downsamples, so only ``ssim:piq`` maps to piq's row).
#: pyiqa's defaults (pyiqa/default_model_configs.py): psnr on RGB, ssim / ms_ssim on the Y channel without
#: downsampling, fsim chromatic (= FSIMc), vif in the wavelet domain, lpips AlexNet v0.1.
MAPPING: Dict[str, List[Tuple[str, str, str]]] = {
    "psnr": [("pyiqa", "psnr", ""), ("piq", "PSNR", "")],
    "ssim": [("pyiqa", "ssim", "pyiqa on the Y of YCbCr, ours on MATLAB rgb2gray")],
    "ssim:piq": [("piq", "SSIM", "")],
    "ms_ssim": [("pyiqa", "ms_ssim", "pyiqa on the Y of YCbCr, ours on MATLAB rgb2gray")],
    "ms_ssim:piq": [("piq", "MS-SSIM", "")],
    "fsim": [("piq", "FSIM", "")],
    "fsimc": [("pyiqa", "fsim", "pyiqa's fsim is chromatic by default"), ("piq", "FSIMc", "")],
    "vif": [("pyiqa", "vif", "")],
    "vifp": [("piq", "VIFp", "")],
    "gmsd:piq": [("piq", "GMSD", "")],
    "vsi": [("piq", "VSI", "")],
    "haarpsi": [("piq", "HaarPSI", "")],
    "mdsi": [("piq", "MDSI", "")],
    "lpips": [("pyiqa", "lpips", "")],
    "lpips:alex": [("pyiqa", "lpips", "")],
    "lpips:vgg": [("piq", "LPIPS-VGG", "")],
    "ms_gmsd": [("piq", "MS-GMSD", "")],
    "ms_gmsdc": [("piq", "MS-GMSDc", "")],
    "dists": [("pyiqa", "dists", "pyiqa's DISTS port"), ("piq", "DISTS", "")],
    "pieapp": [("pyiqa", "pieapp", "pyiqa's PieAPP port"), ("piq", "PieAPP", "")],
    "content": [("piq", "Content", "")],
    "style": [("piq", "Style", "")],
}
PEERS = ("pyiqa", "piq")
SOURCES = {"pyiqa": PYIQA_SOURCE, "piq": PIQ_SOURCE}


@dataclass(frozen=True)
class PeerValue:
    """One published (SROCC, KROCC) pair as printed; ``note`` says what differs from our spec."""

    peer: str
    row: str
    srocc: str
    krocc: str
    note: str = ""


def _pyiqa_table() -> Dict[Tuple[str, str], Tuple[str, str]]:
    lines = PYIQA_CSV.strip().splitlines()
    datasets = [column.split("(")[0] for column in lines[0].split(",")[1:]]
    table = {}
    for line in lines[1:]:
        name, *cells = line.split(",")
        for dataset, cell in zip(datasets, cells):
            _plcc, srocc, krocc = cell.split("/")
            table[(name, dataset)] = (srocc, krocc)
    return table


def _piq_table() -> Dict[Tuple[str, str], Tuple[str, str]]:
    table = {}
    for line in PIQ_ROWS.strip().splitlines():
        name, *cells = line.split()
        for dataset, cell in zip(PIQ_DATASETS, cells):
            srocc, krocc = cell.split("/")
            table[(name, dataset)] = (srocc, krocc)
    return table


TABLES = {"pyiqa": _pyiqa_table(), "piq": _piq_table()}


def peer_values(spec: str, dataset: str) -> Dict[str, PeerValue]:
    """The peers' published values for ``spec`` on ``dataset`` (a dataset key: tid2013, live, csiq,
    kadid10k), by peer; a ``pyiqa:<name>`` spec (the pyiqa bridge) maps to pyiqa's row ``<name>``."""
    links = list(MAPPING.get(spec, ()))
    family, _, name = spec.partition(":")
    if family == "pyiqa" and name and ":" not in name:
        links.append(("pyiqa", name, ""))
    found: Dict[str, PeerValue] = {}
    for peer, row, note in links:
        value = TABLES[peer].get((row, dataset))
        if value is not None and peer not in found:
            found[peer] = PeerValue(peer, row, value[0], value[1], note)
    return found


def peer_rows(peer: str) -> Optional[List[str]]:
    """The row names of one peer's table (for listing and tests)."""
    if peer not in TABLES:
        return None
    return list(dict.fromkeys(row for row, _ in TABLES[peer]))
