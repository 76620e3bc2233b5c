"""A real PostgreSQL server for the tests, in a throwaway data folder on 127.0.0.1.

Not a test module.  Debian's ``postgresql`` package (``make system-packages``)
puts ``initdb`` and ``pg_ctl`` in ``/usr/lib/postgresql/<version>/bin``;
PostgreSQL refuses to run as root, so as root they run as the ``postgres``
user.  The server trusts local connections on 127.0.0.1 only and is stopped,
its folder removed, when the fixture ends.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
NOT_INSTALLED = ("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): "
                 "`make system-packages` installs Debian's postgresql")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(command):
    """``command`` run as the ``postgres`` user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def postgres_server(database="lossopt"):
    """Start a server; yield the SQLAlchemy URL of a fresh ``database`` on it."""
    if not PG_BIN:
        pytest.fail(NOT_INSTALLED, pytrace=False)
    bin_dir = PG_BIN[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="lossopt-pg-"))
    data = folder / "data"
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    try:
        done = _as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                          "--auth=trust", "--encoding=UTF8", "--no-sync"])
        assert done.returncode == 0, done.stderr
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
        done = _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                          "-l", str(folder / "server.log"), "-w", "start"])
        assert done.returncode == 0, done.stderr + done.stdout
        try:
            import psycopg

            with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres",
                                 autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"
        finally:
            _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url():
    """The URL of an empty database on a PostgreSQL server started for this module."""
    with postgres_server() as url:
        yield url
