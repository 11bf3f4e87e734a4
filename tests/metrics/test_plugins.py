"""A researcher's own metric (issue 29): the example plugin (examples/gradsim, GMSM of Xue et al. 2014)
through the three ways in -- a spec naming code, an installed entry point, the Python API -- gives the
values of calling it directly, on the sample and on the six real TID2013 pairs; its GMS map is held to
piq's GMSD (an outside reference); an edit of a plugin's code recomputes; every bad plugin is one line and
the other metrics run; the plugin trains as a loss term."""
import importlib
import textwrap
import uuid
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from iqa_bench.images import load_rgb

from conftest import SHARED_DATA, run_cli
from fault_helpers import make_set

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gradsim"
TID = SHARED_DATA / "iqa" / "tid2013"
needs_pairs = pytest.mark.skipif(not (TID / "subset_pairs.csv").is_file(),
                                 reason=f"the real TID2013 pairs are not available: {TID} is absent")
FAST = ["--no-plots", "--bootstrap", "0", "--no-progress"]
CLASS_SPEC = "gradsim.measures:GradientSimilarity"


@pytest.fixture
def gradsim(tmp_path, monkeypatch):
    """The example plugin as `pip install -e examples/gradsim` leaves it: importable, and its entry point
    in the installed metadata. Where it is not installed, the same is made here: its folder on the path
    and a dist-info folder (METADATA, entry_points.txt, top_level.txt) beside it."""
    try:
        metadata.distribution("iqa-bench-gradsim")
    except metadata.PackageNotFoundError:
        site = tmp_path / "site"
        info = site / "iqa_bench_gradsim-0.1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: iqa-bench-gradsim\nVersion: 0.1.0\n")
        (info / "entry_points.txt").write_text("[iqa_bench.metrics]\ngradsim = gradsim.measures:GradientSimilarity\n")
        (info / "top_level.txt").write_text("gradsim\n")
        monkeypatch.syspath_prepend(str(site))
        monkeypatch.syspath_prepend(str(EXAMPLE))
        importlib.invalidate_caches()
    return importlib.import_module("gradsim")


def _package(tmp_path, monkeypatch, source: str) -> str:
    """A package on the path, under a fresh name, whose module ``metric`` is ``source``; returns the
    module's dotted name (``plug_1234abcd.metric``)."""
    name = f"plug_{uuid.uuid4().hex[:8]}"
    (tmp_path / "pkgs" / name).mkdir(parents=True)
    (tmp_path / "pkgs" / name / "__init__.py").write_text("")
    (tmp_path / "pkgs" / name / "metric.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    importlib.invalidate_caches()
    return f"{name}.metric"


def _direct(items, fn):
    return {it.item_id: float(fn(load_rgb(it.ref_path)[None], load_rgb(it.dist_path)[None])[0]) for it in items}


def _scores(results, run):
    return pd.read_csv(results / run / "scores.csv").set_index("item")


def test_the_example_gms_map_is_piqs_gmsd_on_real_pairs(gradsim):
    """GMSD (Eq. 6) is the standard deviation of the GMS map: piq.gmsd holds the example's map."""
    import piq

    from iqa_bench.datasets import create_dataset

    if (TID / "subset_pairs.csv").is_file():
        ds = create_dataset("custom", root=TID, manifest="subset_pairs.csv",
                            columns="ref=ref_path,dist=dist_path,score=mos,item=tid2013_name")
        ref = torch.stack([load_rgb(it.ref_path) for it in ds.items()])
        dist = torch.stack([load_rgb(it.dist_path) for it in ds.items()])
    else:  # the photographs skimage ships (no ../shared): two of them, with seeded noise
        from conftest import photo
        ref = torch.cat([photo("astronaut"), photo("coffee")])
        noise = torch.randn(ref.shape, generator=torch.Generator().manual_seed(0))
        dist = (ref + 0.05 * noise).clamp(0, 1)
    gms = gradsim.gms_map(ref, dist)
    torch.testing.assert_close(gms.std(dim=(1, 2, 3), unbiased=False), piq.gmsd(ref, dist, reduction="none"),
                               atol=1e-6, rtol=0)
    torch.testing.assert_close(gradsim.GradientSimilarity()(ref, dist), gms.mean(dim=(1, 2, 3)))
    assert float(gradsim.gradient_similarity(ref, ref).min()) == pytest.approx(1.0)


def _three_ways(gradsim, tmp_path, dataset_args, items):
    """The class spec, the entry point, the API (object, function, register_metric): every column equals
    calling the plugin directly on each pair."""
    from iqa_bench import evaluate
    from iqa_bench.metrics import register_metric

    direct = _direct(items, gradsim.GradientSimilarity())
    spec_run = run_cli("evaluate", *dataset_args, "-m", f"psnr,{CLASS_SPEC},gradsim.measures:gradient_similarity",
                       "--results", tmp_path / "spec", "--run", "r", *FAST)
    assert spec_run.returncode == 0, spec_run.stderr[-3000:]
    entry_run = run_cli("evaluate", *dataset_args, "-m", "psnr,gradsim", "--results", tmp_path / "entry", "--run", "r",
                        *FAST)
    assert entry_run.returncode == 0, entry_run.stderr[-3000:]
    name = f"gmsm_{uuid.uuid4().hex[:6]}"
    register_metric(name)(gradsim.GradientSimilarity)
    options = dict(results=str(tmp_path / "api"), run="r", plots=False, bootstrap=0, progress=False)
    if dataset_args[1] == "custom":
        options.update(root=dataset_args[3], dataset_options=dict(o.split("=", 1) for o in dataset_args[5::2]))
    evaluate(dataset_args[1], metrics=["psnr", gradsim.GradientSimilarity(), gradsim.gradient_similarity, name],
             **options)
    columns = {"spec": _scores(tmp_path / "spec", "r")[CLASS_SPEC],
               "spec function": _scores(tmp_path / "spec", "r")["gradsim.measures:gradient_similarity"],
               "entry point": _scores(tmp_path / "entry", "r")["gradsim"],
               "api object": _scores(tmp_path / "api", "r")[CLASS_SPEC],
               "api function": _scores(tmp_path / "api", "r")["gradsim.measures:gradient_similarity"],
               "register_metric": _scores(tmp_path / "api", "r")[name]}
    expected = pd.Series(direct)
    for way, column in columns.items():
        np.testing.assert_allclose(column.loc[expected.index].to_numpy(), expected.to_numpy(), rtol=1e-6, atol=1e-7,
                                   err_msg=way)
    summary = pd.read_csv(tmp_path / "api" / "r" / "summary.csv")
    assert summary.loc[summary["metric"] == CLASS_SPEC, "srocc"].notna().all()
    return columns


def test_three_ways_in_give_the_direct_values_on_the_sample(gradsim, tmp_path, sample_items):
    _three_ways(gradsim, tmp_path, ["-d", "sample"], sample_items)


@needs_pairs
def test_three_ways_in_give_the_direct_values_on_the_real_tid2013_pairs(gradsim, tmp_path):
    from iqa_bench.datasets import create_dataset

    columns = "ref=ref_path,dist=dist_path,score=mos,item=tid2013_name"
    items = create_dataset("custom", root=TID, manifest="subset_pairs.csv", columns=columns).items()
    values = _three_ways(gradsim, tmp_path, ["-d", "custom", "--root", str(TID), "-o", "manifest=subset_pairs.csv",
                                             "-o", f"columns={columns}"], items)
    assert len(values["spec"]) == 6 and values["spec"].between(0.5, 1.0).all()


def test_the_listing_shows_the_installed_plugin(gradsim):
    listing = run_cli("metrics")
    assert listing.returncode == 0
    text = listing.stdout.split("plugins (installed):")[1]
    assert "gradsim" in text and "higher" in text and "iqa-bench-gradsim 0.1.0" in text


EDITABLE = '''
import torch

class Sharp(torch.nn.Module):
    """Mean absolute difference of horizontal gradients."""
    higher_is_better = False

    def __init__(self, scale=1.0):
        super().__init__()
        self.scale = float(scale)

    def forward(self, ref, dist):
        grad = lambda t: t[..., 1:] - t[..., :-1]
        return self.scale * (grad(ref) - grad(dist)).abs().mean(dim=(1, 2, 3))
'''


def test_an_edit_of_the_plugin_code_recomputes_and_other_objects_never_share_rows(tmp_path, monkeypatch):
    from iqa_bench import evaluate

    name = _package(tmp_path, monkeypatch, EDITABLE)
    root = make_set(tmp_path / "set", n=4)
    args = ["evaluate", "-d", "custom", "--root", root, "-m", f"{name}:Sharp", "--results", tmp_path / "res", *FAST]
    first = run_cli(*args)
    assert first.returncode == 0 and "4 computed, 0 reused" in first.stdout, first.stderr[-2000:]
    assert "0 computed, 4 reused" in run_cli(*args).stdout
    source = tmp_path / "pkgs" / name.split(".")[0] / "metric.py"
    source.write_text(source.read_text() + "\n# an edit, the version unchanged\n")
    assert "4 computed, 0 reused" in run_cli(*args).stdout
    plain = _scores(tmp_path / "res", "custom")[f"{name}:Sharp"].to_numpy()
    module = importlib.import_module(name)
    options = dict(root=str(root), results=str(tmp_path / "res"), plots=False, bootstrap=0, progress=False)
    other = evaluate("custom", metrics=[module.Sharp(scale=2.0)], **options)   # same name, other parameters
    assert other.computed == 4 and other.reused == 0
    np.testing.assert_allclose(other.scores[f"{name}:Sharp"].to_numpy(), 2 * plain, rtol=1e-6)
    again = run_cli(*args)                        # the scale-1 spec still finds its own rows, not the others'
    assert "0 computed, 4 reused" in again.stdout
    np.testing.assert_allclose(_scores(tmp_path / "res", "custom")[f"{name}:Sharp"].to_numpy(), plain)
    with pytest.raises(ValueError, match="two different objects are named"):
        evaluate("custom", metrics=[module.Sharp(), module.Sharp(scale=3.0)], **options)


BAD = '''
import torch

def wrong_shape(ref, dist):
    return torch.zeros(ref.shape[0], 2)
wrong_shape.higher_is_better = True

def not_a_tensor(ref, dist):
    return [0.5] * ref.shape[0]
not_a_tensor.higher_is_better = True

def not_finite(ref, dist):
    out = (ref - dist).abs().mean(dim=(1, 2, 3))
    out[-1] = float("nan")
    return out
not_finite.higher_is_better = False

def batch_dependent(ref, dist):
    d = (ref - dist).abs().mean(dim=(1, 2, 3))
    return d / d.mean()
batch_dependent.higher_is_better = False

def shifted_by_the_first(ref, dist):  # pair 0 right, the others moved by pair 0's value (the audit's case)
    v = (ref - dist).abs().mean(dim=(1, 2, 3))
    out = v.clone()
    out[1:] = v[1:] + v[0]
    return out
shifted_by_the_first.higher_is_better = False

def no_direction(ref, dist):
    return (ref - dist).abs().mean(dim=(1, 2, 3))

def raises_in_forward(ref, dist):
    raise ZeroDivisionError("no pairs today")
raises_in_forward.higher_is_better = True

def exits(ref, dist):
    import sys
    sys.exit(3)
exits.higher_is_better = True

class MinSideText(torch.nn.Module):
    higher_is_better = True
    min_side = "abc"
    def forward(self, ref, dist):
        return (ref - dist).abs().mean(dim=(1, 2, 3))

def min_side_text():
    return MinSideText()

class Broken(torch.nn.Module):
    higher_is_better = True
    def __init__(self):
        super().__init__()
        raise RuntimeError("needs a GPU cluster")
'''


@pytest.mark.parametrize("attr, message", [
    ("wrong_shape", "returned shape (4, 2) for a batch of 4 pairs; expected (4,): one value per pair"),
    ("not_a_tensor", "returned list, not a torch.Tensor of shape (N,)"),
    ("not_finite", "returned nan for pair 4 of a batch of 4; a metric returns a finite value for every pair"),
    ("batch_dependent", "values depend on the batch (pair 1 alone gives 1, in a batch of 4"),
    ("shifted_by_the_first", "values depend on the batch (pair 2 alone gives"),
    ("no_direction", "the direction is unknown: give"),
    ("Broken", "Broken() raised RuntimeError: needs a GPU cluster"),
    ("raises_in_forward", "raises_in_forward raised ZeroDivisionError: no pairs today (stopped after its first"),
    ("exits", "exits called sys.exit(3) while scoring; a metric returns values"),
    ("min_side_text", "its min_side is 'abc'; a metric's min_side is a positive number"),
])
def test_a_bad_plugin_is_one_line_and_the_others_run(tmp_path, monkeypatch, attr, message):
    name = _package(tmp_path, monkeypatch, BAD)
    root = make_set(tmp_path / "set", n=4)
    result = run_cli("evaluate", "-d", "custom", "--root", root, "-m", f"psnr,{name}:{attr}", "--batch-size", "4",
                     "--results", tmp_path / "res", *FAST)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = [line for line in (result.stdout + result.stderr).splitlines() if message in line]
    assert lines and f"{name}:{attr}" in lines[0], result.stderr[-3000:]
    assert sum(message in line for line in result.stderr.splitlines()) == 1, result.stderr[-3000:]  # one line
    assert _scores(tmp_path / "res", "custom")["psnr"].notna().all()


@pytest.mark.parametrize("spec, message", [
    ("{name}:X", "{name}:X: importing {name} failed (ImportError: needs libfoo)"),
    ("nopkg_zz.mod:Y", "nopkg_zz.mod:Y: no module nopkg_zz can be imported; install the package (pip install -e DIR) "
                       "or put its folder on the path (PYTHONPATH=.)"),
    ("{good}:MAEE", "{good}:MAEE: {good} has no attribute 'MAEE' (it has: MAE"),
])
def test_code_that_cannot_be_found_is_refused_before_any_scoring(tmp_path, monkeypatch, spec, message):
    """Issue 43, item 13: a typo in a code spec, a missing package or a module failing to import is one line,
    exit 2, before anything is scored (and the previous run's folder is not touched)."""
    name = _package(tmp_path, monkeypatch, "raise ImportError('needs libfoo')\n")
    good = _package(tmp_path, monkeypatch, "def MAE(ref, dist):\n    return (ref - dist).abs().mean((1, 2, 3))\n")
    root = make_set(tmp_path / "set", n=3)
    result = run_cli("evaluate", "-d", "custom", "--root", root, "-m", "psnr," + spec.format(name=name, good=good),
                     "--results", tmp_path / "res", *FAST)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert message.format(name=name, good=good) in result.stderr
    assert not (tmp_path / "res" / "custom").exists() and not (tmp_path / "res" / "scores.sqlite").exists()


def test_a_config_file_may_name_code_only_when_trusted(tmp_path, monkeypatch, gradsim):
    root = make_set(tmp_path / "set", n=3)
    config = tmp_path / "run.yaml"
    config.write_text(f"metrics: [psnr, {CLASS_SPEC}]\n")
    args = ["evaluate", "-d", "custom", "--root", root, "--config", config, "--results", tmp_path / "res", *FAST]
    refused = run_cli(*args)
    assert refused.returncode == 2 and "names Python code to import (gradsim.measures:GradientSimilarity)" \
        in refused.stderr and "--trust-specs" in refused.stderr
    assert not (tmp_path / "res" / "custom" / "scores.csv").exists()
    config.write_text("metrics: [psnr, gradsim]\n")  # an installed entry point is allowed
    assert run_cli(*args).returncode == 0
    config.write_text(f"metrics: [psnr, {CLASS_SPEC}]\n")
    assert run_cli(*args, "--trust-specs").returncode == 0


def test_the_plugin_trains_as_a_loss_term(gradsim, tmp_path, sample_items):
    from PIL import Image

    hr = tmp_path / "hr"
    hr.mkdir()
    for path in sorted({it.ref_path for it in sample_items})[:3]:
        Image.open(path).resize((64, 48)).save(hr / path.name)
    result = run_cli("train", "--train-dir", hr, "--loss", f"1*l1 + 0.5*{CLASS_SPEC}", "--model", "edsr_baseline",
                     "--patch", "16", "--batch-size", "2", "--iters", "30", "--lr", "1e-3", "--device", "cpu",
                     "--no-progress", "-o", tmp_path / "run")
    assert result.returncode == 0, result.stderr[-3000:]
    log = pd.read_csv(tmp_path / "run" / "log.csv")
    assert CLASS_SPEC in " ".join(log.columns)
    losses = log["loss"].to_numpy()
    assert len(losses) == 3 and losses[-1] < 0.8 * losses[0]   # logged every 10 iterations
    parts = [c for c in log.columns if CLASS_SPEC in c]
    assert parts and log[parts[0]].notna().all()


def test_where_my_metric_stands_in_one_command(gradsim, tmp_path):
    from latex_helpers import compile_if_available

    result = run_cli("stand", CLASS_SPEC, "--against", "psnr,ssim,gmsd", "--bootstrap", "0", "--no-plots",
                     "--no-progress", "--results", tmp_path / "res")
    assert result.returncode == 0, result.stderr[-3000:]
    folder = tmp_path / "res" / "stand"
    across = (folder / "across.md").read_text()
    rows = [line.split("|")[1].strip() for line in across.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1:] == [CLASS_SPEC, "PSNR", "SSIM", "GMSD"]          # the new metric first, then the baseline
    significance = (folder / "significance.md").read_text()
    assert f"in bold: {CLASS_SPEC}" in significance and f"| **{CLASS_SPEC}** |  | **" in significance
    assert "| PSNR | " in significance and "| **PSNR**" not in significance
    tex = (folder / "significance.tex").read_text()
    assert "\\textbf{1 gradsim.measures:GradientSimilarity}" in tex and "In bold: " in tex
    compile_if_available(tmp_path, [tex, (folder / "table.tex").read_text(), (folder / "across.tex").read_text()])
    assert pd.read_csv(folder / "summary.csv")["metric"].tolist()[0] == CLASS_SPEC
    typo = run_cli("stand", CLASS_SPEC, "--against", "classicl", "--results", tmp_path / "res")
    assert typo.returncode == 2 and "a baseline set (classical, learned, peers, default)" in typo.stderr


IN_PLACE = '''
import torch

def to_luma(ref, dist):  # writes a luma image into both inputs, then scores it
    for t in (ref, dist):
        y = 0.299 * t[:, 0:1] + 0.587 * t[:, 1:2] + 0.114 * t[:, 2:3]
        t.copy_(y.expand_as(t))
    return (ref - dist).abs().mean(dim=(1, 2, 3))
to_luma.higher_is_better = False

def zero_ref(ref, dist):
    ref.mul_(0)
    return dist.mean(dim=(1, 2, 3))
zero_ref.higher_is_better = True
'''


def _check_in_place(tmp_path, monkeypatch, attr):
    name = _package(tmp_path, monkeypatch, IN_PLACE)
    root = make_set(tmp_path / "set", n=6)
    alone = run_cli("evaluate", "-d", "custom", "--root", root, "-m", "psnr,ssim", "--batch-size", "3",
                    "--results", tmp_path / "plain", *FAST)
    assert alone.returncode == 0, alone.stderr[-2000:]
    mixed = run_cli("evaluate", "-d", "custom", "--root", root, "-m", f"{name}:{attr},psnr,ssim", "--batch-size",
                    "3", "--results", tmp_path / "mixed", *FAST)
    assert mixed.returncode == 0, mixed.stderr[-2000:]
    plain, other = _scores(tmp_path / "plain", "custom"), _scores(tmp_path / "mixed", "custom")
    for metric in ("psnr", "ssim"):
        assert other[metric].tolist() == plain[metric].tolist(), metric


@pytest.mark.parametrize("attr", ["to_luma", "zero_ref"])
def test_a_plugin_writing_into_its_inputs_changes_no_other_metric(tmp_path, monkeypatch, attr):
    """Issue 43, item 4: the plugin runs before PSNR and SSIM in every batch and writes into ref/dist; their
    stored values equal a run without it, to the last bit."""
    _check_in_place(tmp_path, monkeypatch, attr)


def test_the_in_place_check_fails_without_the_copies(tmp_path, monkeypatch):
    """The plugin handed the engine's own tensors (as before): PSNR and SSIM are corrupted and the check fails."""
    from iqa_bench.metrics.plugins import PluginMetric

    monkeypatch.setattr(PluginMetric, "_call", lambda self, ref, dist: self._function(ref, dist))
    with pytest.raises(AssertionError):
        _check_in_place(tmp_path, monkeypatch, "to_luma")


def test_entry_points_are_matched_ignoring_case_and_a_malformed_one_is_one_line(tmp_path, monkeypatch):
    """Issue 43, item 10: an entry point named ``UpperCase`` is usable (as ``uppercase`` or ``UpperCase``); one
    whose value is not module:Name says so in the listing and when used, never an AttributeError; a docstring's
    terminal escape sequences are not printed."""
    name = _package(tmp_path, monkeypatch, 'def mae(ref, dist):\n    """Mean \x1b[31mabsolute\x1b[0m error."""\n'
                                           '    return (ref - dist).abs().mean((1, 2, 3))\nmae.higher_is_better = False\n')
    site = tmp_path / "site"
    info = site / "upper_demo-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: upper-demo\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[iqa_bench.metrics]\nUpperCase = {name}:mae\nbroken = not a value\n"
                                           f"ssim = {name}:mae\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    root = make_set(tmp_path / "set", n=3)
    for spelling in ("UpperCase", "uppercase"):
        result = run_cli("evaluate", "-d", "custom", "--root", root, "-m", f"psnr,{spelling}", "--results",
                         tmp_path / spelling, *FAST)
        assert result.returncode == 0, result.stderr[-2000:]
        assert _scores(tmp_path / spelling, "custom")["uppercase"].notna().all()
    bad = run_cli("evaluate", "-d", "custom", "--root", root, "-m", "psnr,broken", "--results", tmp_path / "b", *FAST)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "NoneType" not in bad.stderr
    assert "broken: the entry point's value 'not a value' (package upper-demo) is not module:Name" in bad.stderr
    listing = run_cli("metrics")
    assert "\x1b" not in listing.stdout and "Mean absolute error." in listing.stdout
    assert "unusable: its value 'not a value' is not module:Name" in listing.stdout
    assert "shadowed by the built-in metric 'ssim': this plugin cannot be used under that name" in listing.stdout


@pytest.mark.parametrize("name", ["a:b", "a,b", "", "two words"])
def test_register_metric_refuses_names_that_cannot_be_specs(name):
    from iqa_bench.metrics import register_metric

    with pytest.raises(ValueError, match="a metric name is a word"):
        register_metric(name)
    with pytest.raises(TypeError, match="it decorates a torch.nn.Module class"):
        register_metric("fine_name")(42)


def test_stand_takes_display_names(tmp_path):
    """Issue 43, item 16: ``stand --label`` names a spec in its tables (rows no longer read pkg.module:Name)."""
    result = run_cli("stand", "ssim", "--against", "psnr", "--label", "ssim=My SSIM", "--bootstrap", "0", "--no-plots",
                     "--no-progress", "--results", tmp_path / "res")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| My SSIM |" in result.stdout
