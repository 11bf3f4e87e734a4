"""The command line's common parts (cli/common.py): an unknown name exits 2 listing the valid ones; train --help
gives every default, an unknown layer lists the layers in network order."""
import pytest

from conftest import run_cli


def test_unknown_names_exit_2_with_valid_lists(tmp_path):
    bad_metric = run_cli("evaluate", "--results", tmp_path, "--metrics", "psnr,nosuch")
    assert bad_metric.returncode == 2
    assert "nosuch" in bad_metric.stderr and "ms_ssim" in bad_metric.stderr
    bad_dataset = run_cli("evaluate", "--results", tmp_path, "--dataset", "nosuch")
    assert bad_dataset.returncode == 2 and "sample" in bad_dataset.stderr
    config = tmp_path / "c.yaml"
    config.write_text("metrics: [psnr]\nbatchsize: 3\n")
    bad_key = run_cli("evaluate", "--config", config)
    assert bad_key.returncode == 2 and "batchsize" in bad_key.stderr and "batch_size" in bad_key.stderr


def test_small_things_of_the_command_line():
    """train --help gives every default (checked against TrainConfig), the csf-map help line is whole,
    an unknown layer lists the layers in network order with correct grammar."""
    from click.testing import CliRunner

    from iqa_bench.backbones import get_backbone
    from iqa_bench.cli import cli
    from iqa_bench.errors import UnknownNameError
    from iqa_bench.training.trainer import Stage, TrainConfig

    text = " ".join(CliRunner().invoke(cli, ["train", "--help"]).output.split())
    config, stage = TrainConfig(), Stage()
    for default in (f"default {stage.loss})", f"default {stage.iters})", f"default {stage.lr})",
                    f"default {stage.schedule})", f"(default {config.seed})", f"(default {config.checkpoint_every})",
                    f"(default {config.output})", f"(default {config.workers})", f"(default {config.model})",
                    f"(default {config.patch})", f"(default {config.batch_size})"):
        assert default in text, default
    top = CliRunner().invoke(cli, ["--help"]).output
    assert "csf-map         Write the CSF attention map of an image.\n" in top
    backbone = get_backbone("efficientnet_lite0", "random")
    with pytest.raises(UnknownNameError) as info:
        backbone.check_layers(["no_such_layer"])
    message = str(info.value)
    assert "valid layers of efficientnet_lite0 (input to output): stem_relu, block0_depthwise_relu, block0," in message
