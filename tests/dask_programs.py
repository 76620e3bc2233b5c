"""A Dask scheduler and its workers as separate programs on 127.0.0.1, as if on other machines.

Not a test module.  Each is its own ``python -m distributed.cli.dask_*``
process, in the Python and environment the grader uses (the course's
``autograder/`` and the repository root on ``PYTHONPATH``, as README's
instructor section says a worker machine needs), with no nanny: killing a
worker's process is losing that machine.
"""

import os
import signal
import subprocess
import sys
import time

from postgres import free_port

from grading.cluster import ALLOWED_FAILURES


def dask_env(root, extra=None):
    """The environment of the grader for the course at ``root``, for a Dask program."""
    paths = [str(root), str(root.parent), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p),
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(ALLOWED_FAILURES),
            # as README tells a worker machine: no statistical profiler (grading.cluster)
            "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
            **(extra or {})}


class DaskPrograms:
    """``dask scheduler`` and ``workers`` ``dask worker`` programs; stop() ends them all."""

    def __init__(self, root, scratch, workers=2, env=None):
        self.root, self.scratch, self.env = root, scratch, dask_env(root, env)
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.scheduler = self._start("scheduler", "dask_scheduler", "--host", "127.0.0.1",
                                     "--port", str(port), "--no-dashboard")
        self.workers = [self.start_worker(k) for k in range(workers)]
        self.wait_for_workers(workers)

    def _start(self, name, program, *args):
        log = open(self.scratch / f"{name}.log", "w")
        return subprocess.Popen([sys.executable, "-m", f"distributed.cli.{program}", *args],
                                cwd=self.root, env=self.env, stdout=log, stderr=log,
                                start_new_session=True)

    def start_worker(self, k):
        folder = self.scratch / f"worker-{k}"
        folder.mkdir(exist_ok=True)
        return self._start(f"worker-{k}", "dask_worker", self.address, "--name", str(k),
                           "--nthreads", "1", "--no-nanny", "--no-dashboard",
                           "--local-directory", str(folder))

    def wait_for_workers(self, n):
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(n, timeout=120)

    def log(self, name):
        return (self.scratch / f"{name}.log").read_text()

    def kill_worker(self, k):
        """SIGKILL worker ``k``'s program: no goodbye to the scheduler."""
        os.killpg(self.workers[k].pid, signal.SIGKILL)
        self.workers[k].wait()

    def stop(self):
        for proc in self.workers + [self.scheduler]:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 20
        for proc in self.workers + [self.scheduler]:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
