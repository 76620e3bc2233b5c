"""A Dask worker preload: the grading of the student named ``poison`` kills its worker.

Not a test module.  ``tests/test_cluster_grading.py`` loads it into every
worker of the local cluster (``DASK_DISTRIBUTED__WORKER__PRELOAD``, Dask's
own hook) to stand in for a submission whose grading takes the worker down
with it, as the kernel's out-of-memory killer would: SIGKILL, no goodbye.
Each death is one line in the file named by ``LOSSOPT_POISON_LOG``, so the
test can count the tries.
"""

import functools
import os
import signal

from grading import parallel

POISON = "poison"
# Dask may load a preload more than once in a worker: wrap the real one, never the wrapper
real_grade_one = getattr(parallel.grade_one, "__wrapped__", parallel.grade_one)


@functools.wraps(real_grade_one)
def grade_one(api, root, ps, student):
    if student == POISON:
        with open(os.environ["LOSSOPT_POISON_LOG"], "a") as log:
            log.write(f"killed worker process {os.getpid()}\n")
        os.kill(os.getpid(), signal.SIGKILL)
    return real_grade_one(api, root, ps, student)


parallel.grade_one = grade_one
