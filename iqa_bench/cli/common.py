"""What every command shares: the ``iqa-bench`` group, option parsing, the usage-error exit, the
guard that turns environment faults into one line, and the options declared once for several commands."""
from __future__ import annotations

import contextlib

import logging
import sys
from pathlib import Path

import click

from ..errors import Interrupted, OptionError
from ..reports.renderers import FORMATS
from ..run.config import default_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
#: The width `iqa-bench metrics` wraps its descriptions to.
LISTING_WIDTH = 100
MAX_LISTED = 50


def parse_options(pairs):
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: expected KEY=VALUE", param_hint="--option")
        options[key.strip()] = value.strip()
    return options


def flag_of(key: str) -> str:
    """The command line's flag of a setting: the YAML key with dashes (``batch_size`` -> ``--batch-size``;
    :mod:`iqa_bench.run.config` holds every evaluate flag to this rule)."""
    return "--" + key.replace("_", "-")


def fail_usage(err: Exception):
    """Bad names and option values exit with code 2 and the message (click's usage-error code); a
    setting the library names by its key (:class:`~iqa_bench.errors.OptionError`) is named by its flag."""
    raise click.UsageError(err.naming(flag_of(err.key)) if isinstance(err, OptionError) else str(err))


@click.group(context_settings=CONTEXT)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.version_option(package_name="iqa-bench")
def cli(verbose):
    """Benchmark full-reference IQA metrics and perceptual losses against human judgement."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


#: ``--format``: one of the renderers' formats (:data:`iqa_bench.reports.renderers.FORMATS`).
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
#: The settings commands other than ``evaluate`` show with their defaults: the configuration's, named once.
device_option = click.option("--device", default=default_of("device"), show_default=True)
batch_size_option = click.option("--batch-size", type=click.IntRange(min=1), default=default_of("batch_size"),
                                 show_default=True)
bootstrap_option = click.option("--bootstrap", type=click.IntRange(min=0), default=default_of("bootstrap"),
                                show_default=True)

#: ``--trust-specs``, the same for every command that reads metric specs from a file.
trust_specs_option = click.option(
    "--trust-specs", is_flag=True,
    help="Let metric specs read from the file (config, baseline, recipe) name files (mdf:<path>, "
         "afm:<checkpoint>) as typed ones may; without it such a spec is refused (a weight file can run code).")


def _stored_count(path: Path) -> str:
    """"N scores" kept in the store (read without writing: the disk may be full), or "scores" when they
    cannot be counted -- a message reads "the N scores" or "the scores", never "the the"."""
    import sqlite3

    from ..store import ScoreStore

    try:
        with ScoreStore(path, read_only=True) as store:
            return f"{store.count()} scores"
    except Exception:  # the count is information only: try the file as it is, read-only and immutable
        try:
            with contextlib.closing(sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro&immutable=1", uri=True)) as db:
                return f"{db.execute('SELECT COUNT(*) FROM scores').fetchone()[0]} scores"
        except Exception:
            return "scores"


def guarded(run, config):
    """Run an evaluation; environment faults end in one line naming the path and what to do
    (exit 1; 130 when interrupted), never a traceback. Scores stored before are always kept."""
    import sqlite3

    from ..run.runlock import ResultsNotWritableError, RunLockedError
    from ..store import StoreDamagedError

    store = config.store_path
    try:
        return run()
    except (Interrupted, KeyboardInterrupt):
        click.echo(f"interrupted: the {_stored_count(store)} kept in {store} (a new run resumes from them)",
                   err=True)
        sys.exit(130)
    except (StoreDamagedError, RunLockedError, ResultsNotWritableError) as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    except sqlite3.OperationalError as err:
        click.echo(f"error: writing the score store {store} failed ({err}); the {_stored_count(store)} "
                   "stored so far are kept: free space / fix permissions and run again (it resumes), or "
                   "pass --store", err=True)
        sys.exit(1)
    except FileNotFoundError as err:
        fail_usage(err)
    except OSError as err:  # full disk, permissions while writing tables/plots
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        click.echo(f"error: {err.strerror or err}{where}; the scores stored in {store} are kept: fix it and "
                   "run again (nothing stored is recomputed)", err=True)
        sys.exit(1)


def echo_columns(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) + "  " + str(row[-1]))
