"""iqa-bench: full-reference IQA metrics and perceptual SR losses benchmarked against human judgement.

The public surface is small, as in ``lpips``::

    import iqa_bench
    metric = iqa_bench.create_metric("ssim")        # a torch.nn.Module: metric(ref, dist) -> (N,)
    tables = iqa_bench.evaluate("sample", ["psnr", "ssim"])
"""

__version__ = "0.1.0"

from .metrics import create_metric, list_metrics  # noqa: E402
from .api import evaluate  # noqa: E402

__all__ = ["create_metric", "list_metrics", "evaluate", "__version__"]
