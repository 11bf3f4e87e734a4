"""The dataset registry (datasets/registry.py): an unknown option named."""
import pytest

from iqa_bench.datasets import create_dataset

from dataset_trees import needs_shared


pytestmark = needs_shared


def test_unknown_dataset_option_is_named(tmp_path):
    with pytest.raises(ValueError, match="no option part"):
        create_dataset("tid2013", root=tmp_path, part="1")
