"""Metric specs (iqa_bench.spec_syntax, issue 14): a malformed spec is a usage error, never a traceback."""
from click.testing import CliRunner

from iqa_bench.cli import cli

from fault_helpers import make_set


def test_malformed_specs_are_usage_errors(tmp_path):
    root = make_set(tmp_path / "set", n=2)
    for spec in ("ssim:octave", "lp:vgg16", "huber:abc", "nosuch"):
        result = CliRunner().invoke(cli, ["evaluate", "-d", "custom", "--root", str(root), "-m", spec,
                                          "--results", str(tmp_path / "res"), "--no-plots"])
        assert result.exit_code == 2 and "Traceback" not in result.output, (spec, result.output)
