"""MAD competition (competition/mad.py), the paper's projected-gradient procedure: on a photograph from
additive noise, MSE against SSIM as in the paper's Figure 8 -- the held metric stays within its tolerance
while the moved one goes where it was sent, best above worst; a metric without a gradient is one clear line;
what ``iqa-bench mad`` writes."""
import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from iqa_bench import create_metric
from iqa_bench.cli import cli
from iqa_bench.competition import mad as mad_module
from iqa_bench.competition.mad import MadSettings, NotDifferentiableError, initial_image, mad_competition
from iqa_bench.metrics import as_metric

from conftest import photo

SMALL = MadSettings(iterations=40, step=3.0 / 255)


@pytest.fixture(scope="module")
def competition():
    ref = photo("astronaut", 48)
    return mad_competition(ref, initial_image(ref, "noise:0.125"), create_metric("mse"), create_metric("ssim"), SMALL)


def _values(result):
    return {image.name: image.values for image in result.images}


def test_the_held_metric_stays_and_the_moved_one_goes_where_it_was_sent(competition):
    values, start = _values(competition), competition.initial_values
    for name in ("best B, A fixed", "worst B, A fixed"):  # MSE held
        assert values[name]["a"] == pytest.approx(start["a"], rel=SMALL.tolerance)
    for name in ("best A, B fixed", "worst A, B fixed"):  # SSIM held
        assert values[name]["b"] == pytest.approx(start["b"], rel=SMALL.tolerance)
    # SSIM: higher is better; MSE: lower is better. Each extreme beyond the initial image, the right way.
    assert values["best B, A fixed"]["b"] > start["b"] + 0.1 > start["b"] - 0.1 > values["worst B, A fixed"]["b"]
    assert values["best A, B fixed"]["a"] < start["a"] / 2 and values["worst A, B fixed"]["a"] > 2 * start["a"]
    assert not any(image.drifted for image in competition.images) and competition.warnings() == [
        w for w in competition.warnings() if "stopped" in w]


def test_the_check_fails_when_the_moved_metric_is_sent_the_wrong_way(monkeypatch):
    """The test above can fail: the extremes swapped (a sign error) turn "best" into the worse image."""
    monkeypatch.setattr(mad_module, "EXTREMES", tuple((n, m, h, -d) for n, m, h, d in mad_module.EXTREMES))
    ref = photo("astronaut", 32)
    result = mad_competition(ref, initial_image(ref, "noise:0.125"), create_metric("mse"), create_metric("ssim"),
                             MadSettings(iterations=10, step=3.0 / 255))
    values = _values(result)
    assert not values["best B, A fixed"]["b"] > result.initial_values["b"] > values["worst B, A fixed"]["b"]


def test_each_image_keeps_its_trace_and_the_images_stay_in_range(competition):
    for image in competition.images:
        iterations = [row["iteration"] for row in image.trace]
        assert iterations == sorted(iterations) and iterations[0] == 0
        assert image.image.min() >= 0 and image.image.max() <= 1 and image.image.shape == competition.reference.shape
    best = next(i for i in competition.images if i.name == "best B, A fixed")
    ssim = [row["b"] for row in best.trace]
    assert ssim[-1] > ssim[0] and np.all(np.diff(ssim) >= -1e-6)  # never a step back


def test_a_metric_without_a_gradient_is_one_clear_line(tmp_path, monkeypatch):
    flat = as_metric(lambda ref, dist: torch.from_numpy((ref - dist).abs().detach().numpy().mean((1, 2, 3))),
                     name="flat", higher_is_better=False)
    ref = photo("astronaut", 32)
    with pytest.raises(NotDifferentiableError, match="flat: no gradient with respect to the distorted image"):
        mad_competition(ref, initial_image(ref, "noise:0.1"), flat, create_metric("ssim"), SMALL)
    module = tmp_path / "pkgs" / "flatpkg" / "measures.py"
    module.parent.mkdir(parents=True)
    (module.parent / "__init__.py").write_text("")
    module.write_text("import torch\n\ndef flat(ref, dist):\n    return (ref - dist).abs().mean((1, 2, 3)).detach()\n\n"
                      "flat.higher_is_better = False\n")
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    Image.fromarray((photo("astronaut", 32)[0].permute(1, 2, 0).numpy() * 255).astype(np.uint8)).save(tmp_path / "r.png")
    out = CliRunner().invoke(cli, ["mad", "flatpkg.measures:flat", "ssim", "--image", str(tmp_path / "r.png"),
                                   "--out", str(tmp_path / "mad")])
    assert out.exit_code == 2 and "no gradient with respect to the distorted image" in out.output
    assert "Traceback" not in out.output and not (tmp_path / "mad").exists()


def test_bad_initial_images_are_named(tmp_path):
    ref = photo("astronaut", 32)
    for text, message in (("noise:x", "needs a number"), ("noise:-1", "must be positive")):
        with pytest.raises(ValueError, match=message):
            initial_image(ref, text)
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(tmp_path / "small.png")
    with pytest.raises(ValueError, match=r"\(30, 20\) pixels, the reference has \(32, 32\)"):
        initial_image(ref, str(tmp_path / "small.png"))


@pytest.mark.slow
def test_the_command_writes_the_images_the_trace_and_the_figure(tmp_path):
    Image.fromarray((photo("astronaut", 64)[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)).save(
        tmp_path / "r.png")
    out = CliRunner().invoke(cli, ["mad", "mse", "ssim", "--image", str(tmp_path / "r.png"), "--size", "48",
                                   "--iterations", "15", "--out", str(tmp_path / "mad")])
    assert out.exit_code == 0, out.output
    folder = tmp_path / "mad"
    names = {"reference.png", "initial.png", "best_B_A_fixed.png", "worst_B_A_fixed.png", "best_A_B_fixed.png",
             "worst_A_B_fixed.png", "trace.csv", "mad.png", "mad.pdf"}
    assert names <= {p.name for p in folder.iterdir()}
    assert Image.open(folder / "best_B_A_fixed.png").size == (48, 48)
    trace = pd.read_csv(folder / "trace.csv")
    assert list(trace.columns[:3]) == ["image", "iteration", "mse"] and "ssim" in trace.columns
    assert set(trace["image"]) == {"best B, A fixed", "worst B, A fixed", "best A, B fixed", "worst A, B fixed"}
    assert "best B, A fixed" in out.output and "written:" in out.output
