"""Atomic file writes: a temporary file in the target folder, then ``os.replace``."""
from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import tempfile
from pathlib import Path
from typing import Callable, List, Sequence

#: Seconds a weight download may stall before it is abandoned with a clear error.
DOWNLOAD_TIMEOUT = 30


@contextlib.contextmanager
def download_timeout(seconds: float = DOWNLOAD_TIMEOUT):
    """Sockets opened inside time out after ``seconds`` (a stalled download becomes an error), restored after."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def default_cache_dir() -> Path:
    """``$IQA_BENCH_CACHE``, else ``$XDG_CACHE_HOME/iqa_bench`` (``~/.cache/iqa_bench``)."""
    if os.environ.get("IQA_BENCH_CACHE"):
        return Path(os.environ["IQA_BENCH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iqa_bench"


def current_umask() -> int:
    """The process umask (read from /proc where available, so no other thread sees it change)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` and move the result onto ``path``; a crash leaves the old file. The file
    gets the mode a normally created file would (0666 less the umask), not the temporary file's 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def atomic_write_text(path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run_files(run_dir, *names: str) -> List[Path]:
    """Paths of a finished run's files, each checked: a missing one is a FileNotFoundError naming it."""
    paths = [Path(run_dir) / name for name in names]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: is {run_dir} a folder written by `iqa-bench evaluate`?")
    return paths


def read_yaml_mapping(path, what: str) -> dict:
    """A YAML file whose top level is a mapping (a config, a recipe): a missing, unreadable, non-YAML
    (an HTML page) or non-mapping file is a ValueError naming ``what`` and the file. An empty file is
    an empty mapping."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ValueError(f"{what} {path}: cannot read it ({err})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{what} {path}: expected a mapping of keys to values at the top level, got "
                         f"{type(data).__name__}")
    return data


def remove_stale(run_dir: Path, names: Sequence[str]) -> None:
    """Outputs an earlier run wrote that this run does not: removed, so no stale table is left."""
    for name in names:
        (run_dir / name).unlink(missing_ok=True)
