"""Exceptions that the command line turns into clear messages and exit codes."""


class UnknownNameError(ValueError):
    """A metric, dataset or option value that is not registered; carries the valid names."""

    def __init__(self, kind: str, name: str, valid, plural: str = "", in_order: bool = False):
        """``plural`` names the valid set (default ``kind`` + "s"); ``in_order`` keeps the order of
        ``valid`` (e.g. a network's layers, input to output) instead of sorting it."""
        self.kind, self.name, self.valid = kind, name, list(valid) if in_order else sorted(valid)
        super().__init__(f"unknown {kind} {name!r}; valid {plural or kind + 's'}: {', '.join(self.valid)}")


class OptionError(ValueError):
    """A bad value of a named setting. ``key`` is the setting's name in Python and in a YAML config
    (``batch_size``, ``root``, ``live_dmos``); ``message`` says what is wrong, with ``{option}`` where the
    setting is named. ``str()`` names the key, as a library caller knows it; the command line names the
    flag instead (:func:`iqa_bench.cli.common.fail_usage`: ``--batch-size``)."""

    def __init__(self, key: str, message: str):
        self.key, self.message = key, message
        super().__init__(self.naming(key))

    def naming(self, name: str) -> str:
        """The message with the setting called ``name``."""
        return self.message.replace("{option}", name)


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached the command line (its handlers raise this in every phase: imports,
    scoring, fit, reports). A BaseException that is not a KeyboardInterrupt, so neither an ``except
    Exception`` in a library nor click's own Ctrl-C handling ("Aborted!", exit 1) swallows it: the command
    line ends with one line and exit code 130."""

    def __init__(self, signum: int):
        import signal

        self.signum = signum
        super().__init__(signal.Signals(signum).name)


class MetricContractError(RuntimeError):
    """A metric broke the contract every metric keeps (one finite value per pair, of shape (N,), the same
    alone as in a batch): the engine stops that metric for the run with this one line; the others run."""


class MetricUnavailableError(RuntimeError):
    """A metric cannot be built here (weights neither cached nor downloadable, an optional package not
    installed): that metric is reported unavailable in one line and the others still run."""
