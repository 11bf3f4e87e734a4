"""The Python API in one place: ``from iqa_bench.api import evaluate, load_run``.

A facade over the floors below it (it defines nothing): :func:`~iqa_bench.run.evaluate.evaluate` runs a
dataset (or several) through the engine, the statistics and the writers;
:class:`~iqa_bench.run.result.EvaluationResult` is what it returns (an
:class:`~iqa_bench.run.several.AcrossResult` for several datasets); :func:`~iqa_bench.run.result.load_run`
reads a finished run folder back; :func:`~iqa_bench.stats.summaries.build_summary` recomputes a run's
statistics from its scores; :func:`~iqa_bench.recipes.standing.where_it_stands` benchmarks a new metric
against a baseline set.
"""
from .run.evaluate import evaluate
from .run.result import EvaluationResult, load_run
from .run.several import AcrossResult
from .recipes.standing import where_it_stands
from .stats.summaries import build_summary

__all__ = ["AcrossResult", "EvaluationResult", "build_summary", "evaluate", "load_run", "where_it_stands"]
