"""The peers' typed values (reports/peer_values.py): complete tables whose specs exist, PSNR values equal to scipy
on the TID2013 distribution, values by dataset and bridge."""
import numpy as np
import pytest
from scipy import stats

from iqa_bench.metrics import canonical_spec
from iqa_bench.reports import peer_values

from conftest import SHARED_DATA


TID = SHARED_DATA / "iqa" / "tid2013" / "yy3948+IQA"


def test_peer_tables_are_complete_and_every_mapped_spec_exists():
    pyiqa, piq = peer_values.TABLES["pyiqa"], peer_values.TABLES["piq"]
    assert len(pyiqa) == 11 * 4 and len(piq) == 17 * 2  # every row of both published tables, every dataset
    assert {d for _, d in pyiqa} == {"csiq", "live", "tid2008", "tid2013"}
    for srocc, krocc in list(pyiqa.values()) + list(piq.values()):
        assert 0 < float(krocc) < float(srocc) < 1  # Kendall's tau is below Spearman's rho on these data
    for spec, links in peer_values.MAPPING.items():
        assert canonical_spec(spec) == spec  # a spec renamed in the registry must be renamed here
        for peer, row, _note in links:
            assert row in peer_values.peer_rows(peer)


@pytest.mark.skipif(not (TID / "metrics_values" / "PSNRc.txt").is_file(),
                    reason=f"TID2013 metrics_values not present ({TID}: ../shared/data is absent)")
def test_typed_psnr_values_equal_scipy_on_the_tid2013_distribution():
    """pyiqa's psnr and piq's PSNR (RGB PSNR) on TID2013 are the distribution's PSNRc: scipy's SROCC / KROCC
    of PSNRc.txt against the MOS, rounded to the printed 4 digits, must equal both typed values."""
    values = np.loadtxt(TID / "metrics_values" / "PSNRc.txt")
    mos = np.array([float(line.split()[0]) for line in (TID / "mos_with_names.txt").read_text().splitlines()
                    if line.strip()])
    srocc, krocc = stats.spearmanr(values, mos)[0], stats.kendalltau(values, mos)[0]
    for peer in ("pyiqa", "piq"):
        value = peer_values.peer_values("psnr", "tid2013")[peer]
        assert (float(value.srocc), float(value.krocc)) == (round(srocc, 4), round(krocc, 4))


def test_peer_values_by_dataset_and_bridge():
    live = peer_values.peer_values("fsimc", "live")
    assert set(live) == {"pyiqa"} and (live["pyiqa"].row, live["pyiqa"].srocc) == ("fsim", "0.9204")
    tid = peer_values.peer_values("fsimc", "tid2013")
    assert (tid["piq"].srocc, tid["piq"].krocc) == ("0.8509", "0.6665")
    assert peer_values.peer_values("ssim", "kadid10k") == {}  # piq's SSIM downsamples: only ssim:piq maps
    assert peer_values.peer_values("ssim:piq", "kadid10k")["piq"].srocc == "0.6329"
    assert peer_values.peer_values("pyiqa:dists", "csiq")["pyiqa"].krocc == "0.7644"
    assert peer_values.peer_values("psnr", "live_md") == {}
