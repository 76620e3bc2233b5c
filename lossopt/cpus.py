"""How many CPUs this process may use: the static frames' workers and the grader's both ask."""

import os


def usable_cpus():
    """The CPUs this process may run on (fewer than the machine's in a limited container)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1
