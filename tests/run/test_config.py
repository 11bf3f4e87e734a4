"""Each option declared once (issue 28): every `iqa-bench evaluate` flag that sets a configuration key
has that key's choices, range and default (the help's "(default X)"), read from the key's declaration
(:func:`iqa_bench.run.config.key`); the key's one validation refuses what the flag would."""
import dataclasses
import re

import click
import pytest
import torch

from iqa_bench.cli import cli
from iqa_bench.datasets import create_dataset
from iqa_bench.engine import resolve_device
from iqa_bench.run.config import EvaluateConfig, choices_of, load_config

from fault_helpers import evaluate, make_set, stored

FIELDS = {f.name: f for f in dataclasses.fields(EvaluateConfig)}
#: Flags whose parameter name is not the key's, and flags that set no key of their own.
RENAMED = {"compile_": "compile", "datasets": "dataset", "roots": "root", "options": "dataset_options",
           "config_path": None, "trust_specs": None}


def _options():
    command = cli.commands["evaluate"]
    for param in command.params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            name = RENAMED.get(param.name, param.name)
            if name is not None:
                yield param, name


def test_every_evaluate_flag_has_its_keys_choices_range_and_default():
    checked = 0
    for param, name in _options():
        assert name in FIELDS, f"--{param.name}: no configuration key {name!r}"
        field, metadata = FIELDS[name], FIELDS[name].metadata
        if isinstance(param.type, click.Choice):
            assert tuple(param.type.choices) == choices_of(name), param.opts
        if isinstance(param.type, click.IntRange):
            assert param.type.min == metadata.get("minimum"), param.opts
        default = re.search(r"\(default:? ([^;,)]+)", param.help or "")
        if name == "device":  # "auto (default: cuda if present), ...": the help says what the default does
            assert (param.help or "").startswith(field.default + " ")
            continue
        if default and field.default not in (dataclasses.MISSING, None):  # None: the adapter's default
            shown = default.group(1).strip()
            expected = {True: "on", False: "off"}.get(field.default, str(field.default)) \
                if isinstance(field.default, bool) else str(field.default)
            named_before = re.search(rf"\b{re.escape(expected)} \(default", param.help)  # "paper (default: ...)"
            assert shown.split()[0].removeprefix("./") == expected or named_before, (param.opts, shown, field.default)
            checked += 1
    assert checked >= 6  # batch size, workers, bootstrap, seed, by, plots, progress, ...


@pytest.mark.parametrize("key, value, message", [
    ("batch_size", 0, "key 'batch_size' must be an integer >= 1"),
    ("fit", "logistic3", "key 'fit' must be one of logistic5, logistic4, cubic, none, all"),
    ("fresh", "no", "key 'fresh' must be true or false"),
    ("amp", "fp8", "key 'amp' must be one of bf16, fp16"),
])
def test_the_one_validation_names_the_key(key, value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        load_config(**{key: value})


@pytest.mark.parametrize("yaml_text, key", [
    ('fresh: "no"', "fresh"), ("metrics: 5", "metrics"), ("batch_size: abc", "batch_size"),
    ("bootstrap: -5", "bootstrap"), ("by: nosuchgroup", "nosuchgroup"), ("fit: linear", "fit"),
    ("fresh: [unclosed", "run.yaml"),
])
def test_bad_config_values_are_refused_and_nothing_stored_is_lost(tmp_path, yaml_text, key):
    root = make_set(tmp_path / "set", n=3)
    results = tmp_path / "res"
    assert evaluate(root, results).exit_code == 0
    before = stored(results)
    config = tmp_path / "run.yaml"
    defaults = {"metrics": "metrics: [psnr, mse]", "bootstrap": "bootstrap: 0", "batch_size": "batch_size: 2"}
    config.write_text("\n".join([yaml_text] + [v for k, v in defaults.items() if k != key]) + "\n")
    result = evaluate(root, results, "--config", str(config), options=["--no-plots", "--no-progress"])
    assert result.exit_code == 2 and key in result.output
    assert stored(results) == before


def test_every_evaluate_flag_is_its_key_with_dashes():
    """The rule the command line uses to name a setting the library names by its key."""
    from iqa_bench.cli.common import flag_of

    for param, name in _options():
        if name == "labels":  # repeated --label SPEC=TEXT fills the mapping ``labels``
            assert param.opts == ["--label"] and param.multiple
        elif name != "dataset_options":  # -o/--option KEY=VALUE: the adapter's own options
            assert flag_of(name) in param.opts, (param.opts, name)


def _no_cuda_device():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    resolve_device("cuda:99")


@pytest.mark.parametrize("call, key, flag_text", [
    (lambda: create_dataset("tid2013"), "root", "dataset tid2013 needs --root: "),
    (_no_cuda_device, "device", "--device cuda:99: CUDA is not available"),
    (lambda: create_dataset("live_md", root=".", part="3"), "part", "--part '3': choose 1, 2 or both"),
    (lambda: load_config(dataset=["sample", "custom"], root="/data/x"), "root", "--root /data/x: several"),
])
def test_library_errors_name_the_key_and_the_command_line_the_flag(call, key, flag_text):
    from iqa_bench.errors import OptionError

    with pytest.raises(ValueError) as info:
        call()
    assert isinstance(info.value, OptionError) and info.value.key == key
    assert f"--{key.replace('_', '-')}" not in str(info.value)          # the library: the key
    assert flag_text.replace(f"--{key.replace('_', '-')}", key) in str(info.value)
    with pytest.raises(click.UsageError, match=re.escape(flag_text)):   # the command line: the flag
        from iqa_bench.cli.common import fail_usage
        fail_usage(info.value)
