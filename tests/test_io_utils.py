"""Atomic writes (iqa_bench.io_utils, issue 16.2): the mode the umask gives."""
import os


def test_written_files_get_the_mode_the_umask_gives(tmp_path):
    """Files written atomically are readable by colleagues as a normally created file is (issue 16.2)."""
    from iqa_bench.io_utils import atomic_write_text

    previous = os.umask(0o022)
    try:
        assert (atomic_write_text(tmp_path / "a.md", "x").stat().st_mode & 0o777) == 0o644
        os.umask(0o027)
        assert (atomic_write_text(tmp_path / "b.md", "x").stat().st_mode & 0o777) == 0o640
    finally:
        os.umask(previous)
