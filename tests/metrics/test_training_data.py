"""Learned metrics evaluated on their own training data (metrics/training_data.py): flagged there only."""


def test_learned_metrics_are_flagged_on_their_training_data_only():
    from iqa_bench.metrics.training_data import trained_on

    assert trained_on("dists", "kadid10k").dataset == "kadid10k"
    assert trained_on("dists", "tid2013") is None
    assert trained_on("lpips:alex", "bapps", ["val"]) is None  # BAPPS val is the held-out split
    assert "Zhang et al. 2018" in trained_on("lpips:vgg", "bapps", ["train", "val"]).source
    assert trained_on("pyiqa:topiq_fr", "kadid10k").dataset == "kadid10k"
    assert trained_on("pyiqa:topiq_fr-pipal", "kadid10k") is None
    assert trained_on("psnr", "kadid10k") is None
