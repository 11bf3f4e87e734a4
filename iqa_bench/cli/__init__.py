"""``iqa-bench``: the command line. One module per command group (:mod:`.evaluate`, :mod:`.report`,
:mod:`.listing`, :mod:`.efficacy`, :mod:`.train`, :mod:`.recipes`, :mod:`.maintenance`), each parsing its
options and printing what the floors below return; :mod:`.common` holds the group and what they share."""
from __future__ import annotations

import sys

import click

from ..errors import Interrupted
from . import competition, efficacy, evaluate, listing, maintenance, recipes, report, standing, train  # noqa: F401,E501  (register the commands)
from .common import cli

__all__ = ["cli", "main"]


def _interrupt(signum, frame):
    raise Interrupted(signum)


def main():
    """The ``iqa-bench`` command. SIGINT and SIGTERM are handled alike in every phase: both are installed
    here, before anything else is imported (a SIGINT that the shell set to be ignored, as a
    non-interactive shell does for a background job, is handled too), and end the command with one line
    and exit code 130; what was stored is kept (scores are written as they are computed)."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        cli(prog_name="iqa-bench")
    except (Interrupted, KeyboardInterrupt) as err:
        name = err.args[0] if isinstance(err, Interrupted) else "SIGINT"
        click.echo(f"interrupted ({name}): what was stored so far is kept (a new run resumes from it)", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
