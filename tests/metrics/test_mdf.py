"""MDF as a metric (metrics/mdf.py): zero on identical images and growing with noise, the authors' first steps
reproduced, the official files verified by digest, the weights folder of a run passed down."""
import numpy as np
import pytest
import torch
from PIL import Image

from iqa_bench import create_metric

from conftest import SHARED_DATA, photo, run_cli
from dataset_trees import MDF_DATA, needs_mdf


@needs_mdf
def test_mdf_is_zero_for_identical_images_and_grows_with_noise():
    metric = create_metric("mdf:" + str(MDF_DATA / "Ds_SISR.pth"))
    image = torch.from_numpy(np.asarray(Image.open(MDF_DATA / "example" / "i10.png").convert("RGB"),
                                        dtype=np.float32) / 255).permute(2, 0, 1)[None][..., :96, :128]
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(image.shape, generator=gen)
    values = [metric(image, (image + s * noise).clamp(0, 1)).item() for s in (0.0, 0.02, 0.05, 0.1)]
    assert values[0] == pytest.approx(0.0, abs=1e-8)
    assert values[1] < values[2] < values[3]


@needs_mdf
@pytest.mark.slow
def test_mdf_reproduces_the_authors_first_steps():
    """The first steps of the authors' optimisation curve within 0.05 dB (100 steps: the benchmark)."""
    from benchmarks.mdf_reference import reproduce

    ours, theirs = reproduce(MDF_DATA, steps=3, device=torch.device("cpu"), log=lambda *_: None)
    assert np.max(np.abs(ours - theirs)) < 0.05


@needs_mdf
def test_official_mdf_files_are_verified_by_digest_and_denoise_is_the_sisr_file(tmp_path, monkeypatch):
    import shutil

    from iqa_bench.metrics.mdf import OFFICIAL_SHA256, resolve_weights

    assert OFFICIAL_SHA256["Ds_SISR.pth"] == OFFICIAL_SHA256["Ds_Denoising.pth"]  # one blob upstream
    folder = tmp_path / "weights"
    folder.mkdir()
    shutil.copy(SHARED_DATA / "mdf" / "Ds_SISR.pth", folder / "Ds_SISR.pth")
    shutil.copy(SHARED_DATA / "mdf" / "Ds_SISR.pth", folder / "Ds_JPEG.pth")  # the wrong file, official name
    monkeypatch.setenv("IQA_BENCH_MDF_WEIGHTS", str(folder))
    assert resolve_weights("denoise") == folder / "Ds_SISR.pth"
    ref = photo("astronaut", 48)
    dist = (ref + 0.05 * torch.randn_like(ref)).clamp(0, 1)
    sisr, denoise = create_metric("mdf:sisr"), create_metric("mdf:denoise")
    assert sisr.digest() == denoise.digest()
    torch.testing.assert_close(sisr(ref, dist), denoise(ref, dist))
    with pytest.raises(ValueError, match="is not the authors' Ds_JPEG.pth: SHA-256 69ff954e399176a4"):
        resolve_weights("jpeg")
    assert "same weights upstream" in run_cli("metrics").stdout


@needs_mdf
def test_the_mdf_folder_of_a_run_is_passed_down_not_set_in_the_environment(tmp_path, monkeypatch):
    """``--mdf-weights`` reaches the metric as an argument: the run leaves ``os.environ`` as it found it,
    and the folder given wins over ``$IQA_BENCH_MDF_WEIGHTS``."""
    import os
    import shutil

    from iqa_bench.api import evaluate
    from iqa_bench.metrics.mdf import MDF_ENV, resolve_weights

    from fault_helpers import make_set

    folder = tmp_path / "weights"
    folder.mkdir()
    shutil.copy(SHARED_DATA / "mdf" / "Ds_SISR.pth", folder / "Ds_SISR.pth")
    monkeypatch.setenv(MDF_ENV, str(tmp_path / "elsewhere"))  # an empty folder the user once named
    assert resolve_weights("sisr", folder) == folder / "Ds_SISR.pth"
    assert create_metric("mdf:sisr", weights_folder=folder).digest() == create_metric(
        f"mdf:{folder / 'Ds_SISR.pth'}").digest()
    result = evaluate("custom", ["mdf:sisr"], root=str(make_set(tmp_path / "set", n=4, size=(32, 32))),
                      results=str(tmp_path / "res"), mdf_weights=str(folder), bootstrap=0, plots=False,
                      progress=False)
    assert not result.failures and result.scores["mdf:sisr"].notna().all()
    assert os.environ[MDF_ENV] == str(tmp_path / "elsewhere")
