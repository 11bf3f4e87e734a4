"""Each option declared once (issue 28): every `iqa-bench evaluate` flag that sets a configuration key
has that key's choices, range and default (the help's "(default X)"), read from the key's declaration
(:func:`iqa_bench.run.config.key`); the key's one validation refuses what the flag would."""
import dataclasses
import re

import click
import pytest

from iqa_bench.cli import cli
from iqa_bench.run.config import EvaluateConfig, choices_of, load_config

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
