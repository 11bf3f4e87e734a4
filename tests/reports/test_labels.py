"""Display names (issue 27): the names the issue asks for, the user's overrides, names kept apart."""
import pandas as pd
import pytest

from iqa_bench.reports.labels import metric_label, parse_label_option, resolve_labels, with_labels


@pytest.mark.parametrize("spec, label", [
    ("ms_ssim", "MS-SSIM"), ("lpips", "LPIPS (AlexNet)"), ("lpips:vgg", "LPIPS (VGG-16)"),
    ("lp:efficientnet_lite0/block2_expand_relu", "LP (EfficientNet-Lite0, block2_expand_relu)"),
    ("mdf:sisr", "MDF (SISR)"), ("huber:0.01", "Huber (δ = 0.01)"), ("ssim:piq", "SSIM (piq)"),
    ("dec:16", "DEC (16×16 patches)"), ("pyiqa:lpips", "lpips (pyiqa)"), ("mdf:/w/Ds_JPEG.pth", "MDF (Ds_JPEG)"),
    ("MSSIM", "MSSIM"),            # an imported name that is no family: as imported
])
def test_metric_label(spec, label):
    assert metric_label(spec) == label


def test_overrides_win_and_alike_names_are_told_apart_by_their_specs():
    labels = resolve_labels(["psnr", "PSNR", "ssim", "ssim:piq", "lp:vgg16/relu2_2"],
                            {"lp:vgg16/relu2_2": "LP (ReLU2_2)"}, verbatim=["PSNR"])
    assert labels == {"psnr": "PSNR [psnr]", "PSNR": "PSNR", "ssim": "SSIM", "ssim:piq": "SSIM (piq)",
                      "lp:vgg16/relu2_2": "LP (ReLU2_2)"}
    frame = with_labels(pd.DataFrame({"metric": ["ssim"], "n": [3]}), labels)
    assert list(frame.columns) == ["metric", "label", "n"] and frame["label"].tolist() == ["SSIM"]


@pytest.mark.parametrize("text", ["psnr", "=PSNR", "psnr=", "psnr= "])
def test_a_label_option_without_spec_or_text_names_the_option(text):
    with pytest.raises(ValueError, match="--label .*expected SPEC=TEXT"):
        parse_label_option(text)


def test_a_label_may_hold_an_equals_sign():
    assert parse_label_option("lp:vgg16/relu2_2=LP (a=b)") == ("lp:vgg16/relu2_2", "LP (a=b)")
