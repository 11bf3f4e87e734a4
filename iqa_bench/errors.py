"""Exceptions that the command line turns into clear messages and exit codes."""


class UnknownNameError(ValueError):
    """A metric, dataset or option value that is not registered; carries the valid names."""

    def __init__(self, kind: str, name: str, valid):
        self.kind, self.name, self.valid = kind, name, sorted(valid)
        super().__init__(f"unknown {kind} {name!r}; valid {kind}s: {', '.join(self.valid)}")

