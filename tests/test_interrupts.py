"""An autograde run's one scratch folder (``grading.interrupts.run_scratch``)."""

import os
import tempfile
from pathlib import Path

import pytest

from grading import interrupts


@pytest.fixture
def short_tmp():
    """A TMPDIR short enough for the kernels' sockets (pytest's own tmp_path is not)."""
    folder = Path(tempfile.mkdtemp(prefix="lo-", dir="/tmp"))
    yield folder
    folder.rmdir()


def test_the_scratch_folder_holds_the_runs_temporary_folders_and_goes(short_tmp, monkeypatch):
    tmp_path = short_tmp
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(KeyboardInterrupt):
        with interrupts.run_scratch() as folder:
            assert Path(folder).parent == tmp_path
            assert os.environ["TMPDIR"] == folder
            assert Path(tempfile.mkdtemp()).parent == Path(folder)
            raise KeyboardInterrupt                  # however the run ends
    assert list(tmp_path.iterdir()) == []
    assert os.environ["TMPDIR"] == str(tmp_path)


def test_a_tmpdir_too_long_for_unix_sockets_gives_way_to_tmp(tmp_path, monkeypatch):
    long = tmp_path / ("a-long-temporary-folder-" * 3)
    long.mkdir()
    monkeypatch.setenv("TMPDIR", str(long))
    monkeypatch.setattr(tempfile, "tempdir", None)
    with interrupts.run_scratch() as folder:
        assert Path(folder).parent == Path("/tmp")
        socket = Path(folder, "lossopt-kernel-XXXXXXXX", "ipc", "kernel-65535")
        assert len(os.fsencode(str(socket))) <= interrupts.SOCKET_PATH_MAX
    assert not Path(folder).exists()
