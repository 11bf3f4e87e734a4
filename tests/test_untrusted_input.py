"""Issue 25: code never runs from a file named by a spec, whatever route the spec takes (the command
line, a YAML config, a baseline); a malformed baseline is one line naming the key and the file; the
all-unavailable run through every writer; boolean dataset options; imported CSVs matched by base name."""
import contextlib
import json
import os
from pathlib import Path

import pandas as pd
import pytest
import torch
import torchvision
from click.testing import CliRunner

from iqa_bench.cli import cli
from iqa_bench.metrics import pyiqa_bridge

from fault_helpers import FAST, make_set

pyiqa = pytest.importorskip("pyiqa", reason="the pyiqa bridge is an optional extra (pip install 'iqa-bench[pyiqa]')")


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def payload(tmp_path, monkeypatch):
    """A .pth whose pickle runs ``touch MARKER``, and a torch hub cache holding the AlexNet file pyiqa's
    LPIPS builds first (random weights under the official name), so pyiqa reaches its own
    ``torch.load(pretrained_model_path, weights_only=False)`` offline."""
    marker = tmp_path / "MARKER"
    evil = tmp_path / "evil.pth"
    torch.save({"params": _Payload(marker)}, evil)
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(torchvision.models.alexnet().state_dict(), checkpoints / "alexnet-owt-7be5be79.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    return evil, marker


def _spec(evil: Path) -> str:
    return f"pyiqa:lpips:pretrained_model_path={evil}"


def _routes(tmp_path: Path, evil: Path, root: Path):
    """The same spec reaching the bridge through -m, a YAML config and a baseline file."""
    spec = _spec(evil)
    config = tmp_path / "config.yaml"
    config.write_text(f'dataset: custom\nroot: {root}\nmetrics: [psnr, "{spec}"]\nplots: false\nbootstrap: 0\n'
                      f'progress: false\nresults: {tmp_path / "res"}\n')
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"version": 1, "runs": [{"name": "x", "dataset": "custom", "root": str(root),
                                                              "metrics": ["psnr", spec], "bootstrap": 0}]}))
    return {"cli": ["evaluate", "-d", "custom", "--root", str(root), "-m", spec, *FAST[2:],
                    "--results", str(tmp_path / "res")],
            "yaml": ["evaluate", "--config", str(config)],
            "yaml-trusted": ["evaluate", "--config", str(config), "--trust-specs"],
            "baseline": ["check", "--baseline", str(baseline), "--results", str(tmp_path / "chk")],
            "baseline-trusted": ["check", "--baseline", str(baseline), "--results", str(tmp_path / "chk"),
                                 "--trust-specs"]}


@pytest.mark.parametrize("route", ["cli", "yaml", "yaml-trusted", "baseline", "baseline-trusted"])
def test_a_payload_named_by_a_bridged_option_never_runs(tmp_path, payload, route):
    evil, marker = payload
    root = make_set(tmp_path / "set", n=2)
    result = CliRunner().invoke(cli, _routes(tmp_path, evil, root)[route])
    assert not marker.exists()
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert str(evil) in result.output
    if route in ("yaml", "baseline"):  # refused as data before any metric is built
        assert "a spec read from a file may name built-in metrics only" in result.output
        assert ("config.yaml" if route == "yaml" else "baseline.json") in result.output
    else:
        assert "option pretrained_model_path=" in result.output and "unrestricted torch.load" in result.output


def test_the_payload_test_can_fail(tmp_path, payload, monkeypatch):
    """Without both safeguards the same command runs the payload: the test above would catch a regression."""
    evil, marker = payload
    root = make_set(tmp_path / "set", n=2)
    monkeypatch.setattr(pyiqa_bridge, "refuse_file_options", lambda spec, options: None)
    monkeypatch.setattr(pyiqa_bridge, "weights_only_loads", contextlib.nullcontext)
    CliRunner().invoke(cli, _routes(tmp_path, evil, root)["cli"])
    assert marker.exists()


def test_weights_only_loads_alone_stops_the_payload(tmp_path, payload, monkeypatch):
    """The second safeguard on its own: pyiqa's torch.load is restricted while it builds the metric, so the
    file fails to load (the metric is unavailable, one line) and nothing runs."""
    evil, marker = payload
    root = make_set(tmp_path / "set", n=2)
    monkeypatch.setattr(pyiqa_bridge, "refuse_file_options", lambda spec, options: None)
    result = CliRunner().invoke(cli, _routes(tmp_path, evil, root)["cli"])
    assert not marker.exists()
    assert result.exit_code == 1 and "pyiqa could not build lpips" in result.output and "Traceback" not in result.output


def test_file_options_are_recognised_by_key_and_by_value(tmp_path):
    existing = tmp_path / "w.bin"
    existing.write_bytes(b"x")
    options = {"pretrained_model_path": "a", "weight_path": "b", "ckpt": "c", "net": "alex", "x": str(existing),
               "y": "model.pth", "test_y_channel": False, "version": "0.1"}
    assert [k for k, _ in pyiqa_bridge.file_options(options)] == ["pretrained_model_path", "weight_path", "ckpt",
                                                                   "x", "y"]


def test_a_file_the_weights_manifest_knows_is_accepted(tmp_path, monkeypatch):
    from iqa_bench import weights
    from iqa_bench.metrics import weight_manifest

    known = tmp_path / "alex.pth"
    known.write_bytes(b"known bytes")
    monkeypatch.setattr(weight_manifest, "manifest", lambda: [weights.WeightFile(
        "k", "alex.pth", "", "", "", sha256=__import__("hashlib").sha256(b"known bytes").hexdigest())])
    pyiqa_bridge.refuse_file_options("pyiqa:lpips", {"pretrained_model_path": str(known)})  # no error
    known.write_bytes(b"other bytes")
    with pytest.raises(ValueError, match="names a file"):
        pyiqa_bridge.refuse_file_options("pyiqa:lpips", {"pretrained_model_path": str(known)})


def test_specs_from_files_may_not_name_files_of_other_families(tmp_path):
    root = make_set(tmp_path / "set", n=2)
    for spec in (f"mdf:{tmp_path / 'd.pth'}", f"afm:{tmp_path / 'c.pt'}"):
        config = tmp_path / "c.yaml"
        config.write_text(f'dataset: custom\nroot: {root}\nmetrics: ["{spec}"]\n')
        result = CliRunner().invoke(cli, ["evaluate", "--config", str(config)])
        assert result.exit_code == 2 and "may name built-in metrics only" in result.output, result.output
    train = tmp_path / "train.yaml"
    train.write_text(f'train_dir: {root}\nloss: "0.5*l1 + 0.5*mdf:{tmp_path / "d.pth"}"\n')
    result = CliRunner().invoke(cli, ["train", "--config", str(train)])
    assert result.exit_code == 2 and "train config" in result.output and "d.pth" in result.output


def test_shipped_recipes_and_baseline_pass_the_untrusted_check():
    from iqa_bench.metrics.registry import check_specs_from_file
    from iqa_bench.recipes.check import validate_baseline
    from iqa_bench.recipes.recipe import all_recipes

    for recipe in all_recipes():
        check_specs_from_file(recipe.metrics, f"recipe {recipe.name}")
    baseline = Path(__file__).resolve().parents[1] / "reports" / "baseline.json"
    assert len(validate_baseline(json.loads(baseline.read_text()), baseline)) == 3


# -- check: a malformed or hostile baseline is one line naming the key and the file ----------------
GOOD_RUN = {"name": "s", "dataset": "custom", "metrics": ["psnr"], "bootstrap": 0}
BASELINES = {
    "invalid JSON": "{runs: [",
    "a list": [GOOD_RUN],
    "no runs": {"version": 1},
    "no name": {"runs": [{"dataset": "custom", "metrics": ["psnr"]}]},
    "figure key": {"runs": [{**GOOD_RUN, "figures": {"psnr|all": {"value": 0.5}}}]},
    "bootstrap text": {"runs": [{**GOOD_RUN, "bootstrap": "abc"}]},
    "value text": {"runs": [{**GOOD_RUN, "figures": {"psnr|all|srocc": {"value": "high"}}}]},
    "value bare": {"runs": [{**GOOD_RUN, "figures": {"psnr|all|srocc": 0.5}}]},
    "metrics text": {"runs": [{**GOOD_RUN, "metrics": "p"}]},
    "unknown metric": {"runs": [{**GOOD_RUN, "metrics": ["p"]}]},
    "options.results": {"runs": [{**GOOD_RUN, "options": {"results": "/tmp/x"}}]},
    "option type": {"runs": [{**GOOD_RUN, "options": {"fit": 3}}]},
    "unknown key": {"runs": [{**GOOD_RUN, "colour": "red"}]},
    "duplicate name": {"runs": [GOOD_RUN, GOOD_RUN]},
}
EXPECTED = {"invalid JSON": "not a readable JSON file", "a list": "expected a JSON object", "no runs": "key 'runs'",
            "no name": "missing key 'name'", "figure key": "'metric|group|statistic'", "bootstrap text": "'bootstrap'",
            "value text": "numeric 'value'", "value bare": "numeric 'value'", "metrics text": "key 'metrics'",
            "unknown metric": "unknown metric 'p'", "options.results": "options results cannot be set",
            "option type": "key 'fit' must be", "unknown key": "unknown key 'colour'", "duplicate name": "appears twice"}


@pytest.mark.parametrize("case", list(BASELINES))
def test_a_malformed_baseline_is_one_line_exit_2(tmp_path, case):
    root = make_set(tmp_path / "set", n=3)
    data = BASELINES[case]
    if isinstance(data, dict):
        for run in data.get("runs", []):
            if isinstance(run, dict) and "dataset" in run:
                run["root"] = str(root)
    path = tmp_path / "baseline.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    result = CliRunner().invoke(cli, ["check", "--baseline", str(path), "--results", str(tmp_path / "r")])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert str(path) in result.output and EXPECTED[case] in result.output, result.output


def test_baseline_by_none_means_overall_only_for_a_custom_set(tmp_path):
    root = make_set(tmp_path / "set", n=8)
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"runs": [{**GOOD_RUN, "root": str(root), "by": "none"}]}))
    result = CliRunner().invoke(cli, ["check", "--baseline", str(path), "--results", str(tmp_path / "r"), "--update"])
    assert result.exit_code == 0, result.output
    figures = json.loads(path.read_text())["runs"][0]["figures"]
    assert set(figures) == {"psnr|all|plcc", "psnr|all|srocc", "psnr|all|krocc"}


# -- every requested metric unavailable, through every writer with figures on ---------------------
def test_all_unavailable_through_every_writer_with_figures(tmp_path, monkeypatch):
    import urllib.error

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    first, second = make_set(tmp_path / "a", n=4), make_set(tmp_path / "b", n=4)
    base = ["evaluate", "-m", "lp:vgg16/relu2_2,lp:vgg16/relu3_3", "--fit", "all", "--bootstrap", "20",
            "--no-progress", "--results", str(tmp_path / "res")]
    for extra in (["-d", "custom", "--root", str(first)],
                  ["-d", "custom,sample", "--root", f"custom={second}", "--run", "both"]):
        result = CliRunner().invoke(cli, base + extra)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output and "VGG16_Weights" in result.output
    run = tmp_path / "res" / "custom"
    assert "no metric was computed" in (run / "table.md").read_text()
    assert "no metric was computed" in (run / "table.tex").read_text()
    assert not (run / "significance.md").exists() and (run / "fit_protocols.csv").exists()
    assert not list((run / "plots").glob("*.png")) if (run / "plots").exists() else True
    assert (tmp_path / "res" / "both" / "across.md").exists()


# -- dataset options and imported files --------------------------------------------------------------
@pytest.mark.parametrize("text,higher", [("false", False), ("False", False), ("0", False), ("no", False),
                                         ("true", True), ("1", True), ("yes", True)])
def test_custom_higher_is_better_text_is_read_as_a_boolean(tmp_path, text, higher):
    from iqa_bench.datasets import create_dataset

    assert create_dataset("custom", root=tmp_path, higher_is_better=text).score.higher_is_better is higher


def test_custom_higher_is_better_false_reaches_the_tables(tmp_path):
    root = make_set(tmp_path / "set", n=8)
    result = CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "-o",
                                      "higher_is_better=false", "--results", str(tmp_path / "r"), *FAST])
    assert result.exit_code == 0, result.output
    assert "higher = worse" in result.output or "lower = better" in result.output, result.output
    bad = CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "-o", "higher_is_better=maybe",
                                   "--results", str(tmp_path / "r"), *FAST])
    assert bad.exit_code == 2 and "-o higher_is_better=maybe: expected true or false" in bad.output


def test_imported_csv_matched_by_base_name_for_ids_with_folders(tmp_path):
    root = make_set(tmp_path / "set", n=4)
    table = pd.read_csv(root / "manifest.csv")
    table["item"] = [f"dist/{Path(d).stem}_blur.png" for d in table["dist"]]
    table.to_csv(root / "manifest.csv", index=False)
    values = tmp_path / "v.csv"
    values.write_text("item,value\n" + "".join(f"{Path(d).stem}_blur,{k}\n" for k, d in enumerate(table["dist"])))
    result = CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "--scores", f"mine={values}",
                                      "--results", str(tmp_path / "r"), "--no-plots", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "r" / "custom" / "scores.csv").set_index("item")
    assert [scores.loc[f"dist/dist{k}_blur.png", "mine"] for k in range(4)] == [0, 1, 2, 3]
    # a name with a folder of its own is never matched to an item in another folder
    values.write_text("item,value\n" + "".join(f"other/{Path(d).stem}_blur.png,{k}\n"
                                               for k, d in enumerate(table["dist"])))
    refused = CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "--scores",
                                       f"mine={values}", "--results", str(tmp_path / "r"), "--no-plots"])
    assert refused.exit_code == 2 and "not in the dataset" in refused.output


# --- issue 43, item 1: one gate for every key of every file that can hold a spec ----------------------------

CODE = "os.path:os.system:touch MARKER"


def _leaves(value, path=()):
    """Every (key path, leaf) of a loaded YAML document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    else:
        yield path, value


def _with(document, path, leaf):
    import copy

    document = copy.deepcopy(document)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = leaf
    return document


def _study_example():
    """The study config documented in ``iqa_bench.training.study`` (its every key), as YAML."""
    import yaml
    from iqa_bench.training import study

    text = study.__doc__.split("Config (YAML)::", 1)[1].split("\n\n")[1]
    return yaml.safe_load(text)


@pytest.mark.parametrize("leaf", [CODE, f"1*l1 + 0.5*{CODE}"])
def test_no_key_of_a_study_config_runs_code_without_trust(tmp_path, monkeypatch, leaf):
    """Every key of the documented study config (and one it does not document) set to a spec naming code:
    refused before anything runs, naming the key; the same file with --trust-specs passes the gate."""
    import yaml
    from iqa_bench.training.study import run_study

    monkeypatch.chdir(tmp_path)
    document = dict(_study_example(), undocumented={"nested": ["x"]})
    paths = [path for path, _ in _leaves(document)]
    assert ("perception",) in paths and ("losses", 1, "predictor") in paths and len(paths) > 15
    for path in paths:
        config = tmp_path / "study.yaml"
        config.write_text(yaml.safe_dump(_with(document, path, leaf)))
        with pytest.raises(ValueError, match="--trust-specs") as caught:
            run_study(config)
        named = "".join(f"[{k}]" if isinstance(k, int) else (f".{k}" if i else str(k)) for i, k in enumerate(path))
        assert f"key {named!r}" in str(caught.value), (path, caught.value)
        assert not (tmp_path / "MARKER").exists()


def test_the_study_gate_test_can_fail(tmp_path, monkeypatch):
    """With the gate removed, the perception key's spec gets past the check (the audit's finding)."""
    import yaml
    from iqa_bench.metrics import registry
    from iqa_bench.training.study import run_study

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "check_file_values", lambda *args, **kwargs: None)
    config = tmp_path / "study.yaml"
    config.write_text(yaml.safe_dump(_with(_study_example(), ("perception",), CODE)))
    with pytest.raises(Exception) as caught:
        run_study(config)
    assert "--trust-specs" not in str(caught.value)  # it went on (and failed later, on the made-up folders)


def test_no_key_of_an_evaluate_or_train_config_runs_code_without_trust(tmp_path):
    import dataclasses
    import yaml
    from iqa_bench.run.config import EvaluateConfig, load_config
    from iqa_bench.training.trainer import TrainConfig, load_train_config

    config = tmp_path / "config.yaml"
    for field in dataclasses.fields(EvaluateConfig):
        config.write_text(yaml.safe_dump({field.name: CODE}))
        with pytest.raises(ValueError, match="--trust-specs"):
            load_config(config)
    for name in [f.name for f in dataclasses.fields(TrainConfig)] + ["loss"]:
        config.write_text(yaml.safe_dump({"train_dir": "hr", name: CODE}))
        with pytest.raises(ValueError, match="--trust-specs"):
            load_train_config(config)
