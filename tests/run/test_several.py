"""Several datasets in one run (run/several.py): from YAML and flags, a bad configuration naming the problem, a
dataset without its root stopping the run before any work."""
import pytest

from iqa_bench.run.config import load_config
from iqa_bench.run.several import dataset_configs


def test_several_datasets_from_yaml_and_flags(tmp_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("dataset: [sample, live]\nroot: {LIVE: /data/live}\nlive_dmos: original\n")
    config = load_config(config_file)
    assert config.datasets == ["sample", "live"] and config.run_name == "sample+live"
    per = dataset_configs(config)
    assert per["live"].root == "/data/live" and per["live"].live_dmos == "original"
    assert per["sample"].root is None and per["sample"].live_dmos is None
    assert per["live"].run == "sample+live/live" and per["sample"].store == per["live"].store
    assert load_config(dataset=["sample,live"]).datasets == ["sample", "live"]
    assert load_config(dataset=["live"], root=["live=/d"]).root_for("live") == "/d"  # one dataset, named root


@pytest.mark.parametrize("options, message", [
    ({"dataset": ["sample", "live"], "root": ["/data/live"]}, "take their roots as NAME=PATH"),
    ({"dataset": ["sample", "live"], "root": ["tid2013=/d"]}, "root given for tid2013"),
    ({"dataset": ["sample", "live"], "root": ["live=/d", "/e"]}, "give every root as NAME=PATH"),
    ({"dataset": ["sample", "live"], "scores": {"x": "f.txt"}}, "imported scores belong to one dataset"),
    ({"dataset": ["sample", "live"], "split": "train"}, "--split is an option of dataset bapps"),
    ({"dataset": ["sample", "live"], "dataset_options": {"nope": "1"}}, "--option nope: no dataset"),
    ({"dataset": [3, "live"]}, "key 'dataset' must be a dataset name"),
])
def test_several_datasets_bad_configuration_names_the_problem(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        dataset_configs(load_config(**options))


def test_a_dataset_without_its_root_stops_the_run_before_any_work(tmp_path):
    from conftest import run_cli

    result = run_cli("evaluate", "-d", "sample", "-d", "live", "-m", "psnr", "--results", tmp_path, "--no-progress")
    assert result.returncode == 2 and "--root live=DIR" in result.stderr
    assert not (tmp_path / "sample+live").exists()  # the sample was not evaluated first
