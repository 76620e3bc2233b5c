"""Grading on Dask against the old process pool; write benchmarks/cluster.md.

    python tools/cluster_benchmark.py                        # 100 submissions, about 10 minutes
    python tools/cluster_benchmark.py --submissions 20 --out /tmp/cluster.md

One released copy of the course gets ``--submissions`` synthetic ps4
submissions, the mix of ``tools/benchmark.py`` (``submission_mix``, with its
short time limits), and is graded three times with ``--force``:

1. **old pool**: ``--jobs 2`` with ``grading/parallel.py`` and
   ``grading/__main__.py`` as they were at commit 1bff012 (a
   ``multiprocessing`` pool of 2 spawned workers and one queue), into SQLite;
2. **local Dask**: ``--jobs 2``, today's code: a ``LocalCluster`` of 2
   single-threaded worker processes, one task per submission, into SQLite;
3. **scheduler**: ``dask scheduler`` and two ``dask worker`` programs on
   127.0.0.1 (as ``tests/dask_programs.py`` starts them) and a throwaway
   PostgreSQL server (``tests/postgres.py``): ``--scheduler ADDRESS --db URL``.

Per-task overhead is ``(wall time x workers - sum of the seconds each
grading took) / submissions``: what a submission costs beyond its own
grading (start-up of the workers, the trip of the task, the coordinator's
bookkeeping, idle workers at the end).  Each run's scores are compared with
the first's.  A benchmark, not a test: nothing fails on a slow figure.
Run it as root from the repository root, on a quiet machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests"), str(ROOT / "autograder")]

import benchmark  # noqa: E402  (tools/benchmark.py: the course, the mix, the tables)

OLD_POOL = "1bff012"
OLD_FILES = ("autograder/grading/parallel.py", "autograder/grading/__main__.py")
RESULTS = ROOT / "benchmarks" / "cluster.md"
WORKERS = 2
PS = benchmark.PS


def scores(root, db_url):
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return {sub.student.id: {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}
                for sub in gb.assignment_submissions(PS)}


def autograde(root, *args):
    """One timed ``autograde --force`` run: (wall seconds, summary, {student: seconds})."""
    command = [sys.executable, "-m", "grading", "--root", str(root), "autograde", PS,
               "--force", *args]
    seconds, done = benchmark.timed(subprocess.run, command, cwd=root, capture_output=True,
                                    text=True)
    state = json.loads((root / "autograded" / ".graded-hashes.json").read_text())
    summary = [line for line in done.stdout.splitlines() if "graded" in line and "of" in line]
    return seconds, summary[-1] if summary else done.stderr[-500:], state[PS]["seconds"]


def old_pool_files(root):
    """Put 1bff012's parallel.py and __main__.py into the copy; return a function that undoes it."""
    saved = {}
    for name in OLD_FILES:
        target = root.parent / name
        saved[target] = target.read_bytes()
        old = subprocess.run(["git", "show", f"{OLD_POOL}:{name}"], cwd=ROOT,
                             capture_output=True, check=True).stdout
        target.write_bytes(old)

    def restore():
        for target, data in saved.items():
            target.write_bytes(data)
    return restore


def row(name, n, seconds, summary, took, workers=WORKERS):
    graded = sum(took.values())
    overhead = (seconds * workers - graded) / n
    return [name, f"{seconds:.1f} s", f"{seconds / n:.2f} s", f"{graded / n:.2f} s",
            f"{overhead:.2f} s", summary]


def dask_round_trip(tasks=200):
    """Seconds to start a local cluster of 2 workers, per no-op task, and to close it."""
    import logging

    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as local, \
            Client(local) as client:
        client.wait_for_workers(WORKERS)
        up = time.perf_counter()
        client.gather([client.submit(time.sleep, 0, pure=False) for _ in range(tasks)])
        ran = time.perf_counter()
    return up - start, (ran - up) / tasks, time.perf_counter() - ran


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from dask_programs import DaskPrograms
    from postgres import postgres_server

    n = args.submissions
    rows, same = [], []
    before = benchmark.load_average()
    with tempfile.TemporaryDirectory(prefix="lossopt-cluster-bench-") as folder:
        root, mix = benchmark.build_course(folder, n)
        sqlite = f"sqlite:///{root / 'gradebook.db'}"

        restore = old_pool_files(root)
        try:
            result = autograde(root, "--jobs", str(WORKERS))
        finally:
            restore()
        rows.append(row(f"old pool ({OLD_POOL}), --jobs {WORKERS}, SQLite", n, *result))
        print(rows[-1], flush=True)
        reference = scores(root, sqlite)

        result = autograde(root, "--jobs", str(WORKERS))
        rows.append(row(f"local Dask, --jobs {WORKERS}, SQLite", n, *result))
        print(rows[-1], flush=True)
        same.append(("local Dask", scores(root, sqlite) == reference))

        with postgres_server() as url:
            done = subprocess.run([sys.executable, "-m", "grading", "--root", str(root),
                                   "release", PS, "--db", url], cwd=root, capture_output=True,
                                  text=True)
            if done.returncode:
                raise RuntimeError(f"release into PostgreSQL failed:\n{done.stderr}")
            scratch = Path(folder) / "dask"
            scratch.mkdir()
            start = time.perf_counter()
            programs = DaskPrograms(root, scratch, workers=WORKERS)
            started = time.perf_counter() - start
            try:
                result = autograde(root, "--scheduler", programs.address, "--db", url)
            finally:
                programs.stop()
            rows.append(row(f"scheduler + {WORKERS} worker programs, PostgreSQL", n, *result))
            print(rows[-1], flush=True)
            same.append(("scheduler", scores(root, url) == reference))
    up, per_task, down = dask_round_trip()
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    kinds = {}
    for _, kind in mix:
        kinds[kind] = kinds.get(kind, 0) + 1
    text = "\n".join([
        "# Grading on Dask against the old process pool",
        "",
        f"Written by `python tools/cluster_benchmark.py --submissions {n}` on {stamp}, commit "
        f"{benchmark.commit()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.",
        f"Load average (1/5/15 min) before: {before}; after: {benchmark.load_average()}.",
        "",
        f"{n} synthetic ps4 submissions, the mix of `tools/benchmark.py` with its short time "
        "limits: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) + ".",
        "Each run grades all of them with `--force`; \"graded\" is the mean of the seconds each "
        "grading took (the state file's), \"overhead\" is (wall time x 2 workers - their sum) / "
        f"{n}. The two worker programs of the scheduler run took {started:.1f} s to start "
        "(not in the wall time).",
        "",
        benchmark.table(["run", "wall time", "per submission", "graded", "overhead", "summary"],
                        rows),
        "",
        f"Dask alone (a local cluster of {WORKERS}, 200 no-op tasks): start {up:.2f} s, "
        f"{per_task * 1000:.1f} ms a task, close {down:.2f} s.",
        "",
        "Scores identical to the old pool's: "
        + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in same) + ".",
        "",
    ])
    args.out.write_text(text)
    print(text)
    return 0 if all(ok for _, ok in same) else 1


if __name__ == "__main__":
    sys.exit(main())
