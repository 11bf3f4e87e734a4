"""What there is (cli/listing.py): the metrics listing groups every piq measure and the pyiqa family."""
from conftest import run_cli


def test_metrics_listing_groups_every_piq_measure_and_the_pyiqa_family():
    listing = run_cli("metrics").stdout
    headings = [line[:-1] for line in listing.splitlines() if line.endswith(":") and "(" not in line
                and not line.startswith(" ")]
    assert headings == ["pixel", "structural", "information-theoretic", "deep features", "learned", "bridged"]
    # piq's full-reference set (README "Full Reference"), each by our name
    for spec in ("psnr", "ssim[:matlab|piq]", "ms_ssim[:matlab|piq]", "iw_ssim", "vifp", "fsim", "fsimc", "srsim[:matlab|piq]",
                 "srsimc[:matlab|piq]", "gmsd[:matlab|piq]", "ms_gmsd", "ms_gmsdc", "vsi", "dss", "haarpsi", "mdsi",
                 "lpips[:alex", "dists", "pieapp", "content[:vgg16|vgg19", "style[:vgg16|vgg19",
                 "pyiqa[:<name>"):
        assert f"\n{spec}" in listing
    lines = listing.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("pyiqa["))
    block = [lines[start]] + [line for line in lines[start + 1:start + 6] if line.startswith("      ")]
    assert "pyiqa's" in block[0] and "ResultsCalibra" in " ".join(block)  # its lines wrapped below it
    assert max(len(line) for line in lines) <= 100


def test_help_datasets_and_metrics_do_not_import_torch(tmp_path):
    """Start-up: `iqa-bench --help`, `datasets` and `metrics` never load torch (≈6 s cold on 2 cores), even
    with an empty cache: `metrics` reads the listing shipped with the package, which must be the
    registry's and carry the digest of the current sources (else: `python -m iqa_bench.catalog`)."""
    import os
    import subprocess
    import sys

    from iqa_bench import catalog

    assert catalog.shipped() is not None, "metrics_catalog.json is stale: run `python -m iqa_bench.catalog`"
    assert catalog.shipped() == catalog.build(), "metrics_catalog.json is stale: run `python -m iqa_bench.catalog`"
    code = ("import sys\nfrom iqa_bench.cli import cli\n"
            "for args in (['--help'], ['datasets'], ['metrics']):\n"
            "    try:\n        cli.main(args, standalone_mode=False)\n    except SystemExit:\n        pass\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n")
    env = {**os.environ, "IQA_BENCH_CACHE": str(tmp_path)}
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root,
                          env=env)
    assert done.stdout.strip().splitlines()[-1] == "NO-TORCH", done.stdout[-2000:] + done.stderr[-2000:]
    assert all(f"\n{family['name']}" in done.stdout for family in catalog.build())
    assert not list(tmp_path.glob("metrics-catalog-*.json"))


def test_a_stale_shipped_listing_is_rebuilt_once_and_cached(tmp_path, monkeypatch):
    """An edited checkout (sources digest differs from the shipped one) lists the registry, not the
    stale file, and caches it so that the next call needs no registry."""
    import json

    from iqa_bench import catalog

    stale = tmp_path / "shipped.json"
    stale.write_text(json.dumps({"sources": "0" * 16, "families": [{"name": "stale"}]}))
    monkeypatch.setattr(catalog, "SHIPPED", stale)
    monkeypatch.setenv("IQA_BENCH_CACHE", str(tmp_path / "cache"))
    assert catalog.shipped() is None
    registry = catalog.build()
    assert catalog.families() == registry
    assert len(list((tmp_path / "cache").glob("metrics-catalog-*.json"))) == 1

    def no_registry():
        raise AssertionError("the cached listing was not used")
    monkeypatch.setattr(catalog, "build", no_registry)
    assert catalog.families() == registry
