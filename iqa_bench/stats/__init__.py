"""Compute only: the regression stage (fits, correlations, intervals), the significance tests, 2AFC,
the summaries a run's tables show and the fit-protocol table. Nothing here renders or writes a file;
:mod:`iqa_bench.reports` renders what these return, :mod:`iqa_bench.run` writes it."""
