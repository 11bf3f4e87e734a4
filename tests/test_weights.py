"""Weight files (weights.py): the weights command lists and verifies them, prefetching offline is one clear line per
file."""


from iqa_bench.metrics.mdf import MDF_ENV

from conftest import run_cli


def test_weights_command_lists_and_verifies(monkeypatch, tmp_path):
    listing = run_cli("weights")
    assert listing.returncode == 0
    for name in ("vgg16-397923af.pth", "efficientnet-lite0-57934424.pth", "alex.pth", "dists_weights.pt",
                 "PieAPPv0.1.pth", "Ds_JPEG.pth"):
        assert name in listing.stdout
    assert "licence:" in listing.stdout and "pyiqa:<name>" in listing.stdout
    verified = run_cli("weights", "--verify", "lpips", "lpips:vgg", "lpips:squeeze", "lp:efficientnet_lite0/block4")
    assert verified.returncode == 0
    for name in ("efficientnet-lite0-57934424.pth", "alex.pth", "vgg.pth", "squeeze.pth"):
        assert f"{name}: ok" in verified.stdout
    monkeypatch.setenv(MDF_ENV, str(tmp_path))
    (tmp_path / "Ds_JPEG.pth").write_bytes(b"not the authors' file")
    corrupt = run_cli("weights", "--verify", "mdf:jpeg")
    assert corrupt.returncode == 1 and "Ds_JPEG.pth: MISMATCH" in corrupt.stdout


def test_prefetch_offline_is_one_clear_line_per_file(empty_cache):
    result = run_cli("weights", "--prefetch", "dists", "psnr")
    assert result.returncode == 1 and "psnr: needs no weight file" in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("dists: ") and "could not be downloaded" in line
                                   for line in lines)
