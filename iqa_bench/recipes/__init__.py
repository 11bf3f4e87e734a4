"""Whole benchmarks from a file, each calling :mod:`iqa_bench.run` (never the reverse): a paper's table
beside its published values (:mod:`.paper`, recipes in :mod:`.published`), the regression check
(:mod:`.check`) and the regeneration of TID2013's official table (:mod:`.tid2013_official`)."""
