"""Speed and scale measurements: ``python -m benchmarks.<name>``; each prints ratios, which are what
compare across machines."""
