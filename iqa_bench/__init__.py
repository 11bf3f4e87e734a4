"""iqa-bench: full-reference IQA metrics and perceptual SR losses benchmarked against human judgement.

The public surface is small, as in ``lpips``::

    import iqa_bench
    metric = iqa_bench.create_metric("ssim")        # a torch.nn.Module: metric(ref, dist) -> (N,)
    tables = iqa_bench.evaluate("sample", ["psnr", "ssim"])
"""

__version__ = "0.1.0"

__all__ = ["create_metric", "list_metrics", "evaluate", "as_metric", "register_metric", "where_it_stands",
           "__version__"]

_LAZY = {"create_metric": "metrics", "list_metrics": "metrics", "evaluate": "api", "as_metric": "metrics",
         "register_metric": "metrics", "where_it_stands": "api"}


def __getattr__(name):
    """The public functions, imported on first use so that ``iqa-bench --help`` does not load torch."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
