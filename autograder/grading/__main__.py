"""The instructor's commands, run from ``autograder/``::

    python -m grading release                 # source/psN -> release/psN, every problem set
                                              # (and source_ko/psN -> release_ko/psN)
    python -m grading autograde ps2           # new or changed submitted/<student>/ps2, on every core
    python -m grading autograde ps2 --jobs 1 --force   # all of them, one after another
    python -m grading feedback ps2            # feedback/<student>/ps2/ps2.html
    python -m grading export --to grades.csv  # one row per student and problem set
    python -m grading suspicion ps2           # reports/ps2-suspicion.md: code to read by hand
    python -m grading report ps2              # reports/ps2-confusions.md/.png: the class view

``--root DIR`` points at another course folder (default: the folder that
holds this package).  Every command first refuses, with exit code 2, a
config that would grade unsandboxed (``grading.config_check``).  Each
command loads that folder's
``nbgrader_config.py`` and drives nbgrader's own Python API in this one
process (``autograde``: in one process per core, see ``grading.parallel``),
so students are graded one after another without nbgrader's start-up cost
each time.  A submission that cannot be graded (a file that
is not a notebook, a crash) is reported by name and the others go on; the
exit code is then 1.

``release``, ``autograde``, ``feedback`` and ``export`` hold the course's
lock (``grading.course_lock``): a second one on the same course refuses at
once with exit code 3, naming the command that holds it.  An interrupted
autograde (Ctrl-C, SIGINT or SIGTERM) ends with exit code 130
(``grading.interrupts``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config_check import UnsafeConfig, checked_api, checked_config
from .course_lock import CourseLocked, course_lock
from .sandbox import SandboxUnavailable

DEFAULT_ROOT = Path(__file__).resolve().parent.parent


def problem_sets(root):
    return sorted(p.name for p in (Path(root) / "source").iterdir() if p.is_dir())


def release(root, names=None):
    api = checked_api(root)
    failed = []
    for ps in names or problem_sets(root):
        result = api.generate_assignment(ps, force=True, create=True)
        if not result["success"]:
            failed.append(ps)
            print(f"{ps}: release failed\n{result.get('error', '')}", file=sys.stderr)
        else:
            print(f"released {ps} -> {Path(root) / 'release' / ps}")
    from .language import release_copies   # release_ko/psN: the same sets in Korean
    failed += release_copies(root, names or problem_sets(root))
    return 1 if failed else 0


def autograde(root, ps, students=None, jobs=None, force=False):
    """Grade new and changed submissions on ``jobs`` cores (see ``grading.parallel``)."""
    from .parallel import autograde as run

    return run(root, ps, students, jobs=jobs, force=force)


def feedback(root, ps):
    from tqdm import tqdm

    from .feedback_page import MISSING, offline_ready

    api = checked_api(root)
    if not offline_ready():
        print(f"warning: {MISSING}", file=sys.stderr)
    students = sorted(p.parent.name for p in (Path(root) / "autograded").glob(f"*/{ps}"))
    failed = []
    for student in tqdm(students, desc=f"feedback {ps}", unit="student"):
        result = api.generate_feedback(ps, student, force=True)
        if not result["success"]:
            failed.append(student)
            print(f"{student}: no feedback\n{result.get('error', '')}", file=sys.stderr)
    return 1 if failed else 0


def export(root, to):
    from nbgrader.api import Gradebook

    from .export import CourseCsvExport

    api = checked_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        CourseCsvExport(to=str(to)).export(gb)
    print(f"wrote {to}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=str(DEFAULT_ROOT), help="course folder")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="generate the student version of problem sets")
    p.add_argument("ps", nargs="*")
    p = sub.add_parser("autograde", help="grade every submission of one problem set")
    p.add_argument("ps")
    p.add_argument("--student", action="append", help="only these students (repeatable)")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default: the number of usable CPUs)")
    p.add_argument("--force", action="store_true",
                   help="grade every submission, even those unchanged since their last grading")
    p = sub.add_parser("feedback", help="write feedback HTML for one problem set")
    p.add_argument("ps")
    p = sub.add_parser("suspicion", help="list submissions whose code reaches for the grader")
    p.add_argument("ps")
    p = sub.add_parser("report", help="count, per function, who passed and each confusion")
    p.add_argument("ps")
    p = sub.add_parser("export", help="export every grade to CSV")
    p.add_argument("--to", default="grades.csv")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        parser.error(f"{root} is not a course folder: it has no nbgrader_config.py")
    known = problem_sets(root)
    for ps in [args.ps] if isinstance(getattr(args, "ps", None), str) else getattr(args, "ps", []):
        if ps not in known:
            parser.error(f"unknown problem set {ps!r}; the course has {', '.join(known)}")
    if args.command == "autograde" and args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    try:
        return run_command(args, root, " ".join(sys.argv[1:] if argv is None else argv))
    except (UnsafeConfig, SandboxUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except CourseLocked as error:
        print(f"error: {error}", file=sys.stderr)
        return 3


LOCKED_COMMANDS = ("release", "autograde", "feedback", "export")


def run_command(args, root, command_line):
    """Run the parsed command on the course at ``root``, its config checked first."""
    checked_config(root)
    if args.command in LOCKED_COMMANDS:
        with course_lock(root, f"python -m grading {command_line}"):
            return unlocked_command(args, root)
    return unlocked_command(args, root)


def unlocked_command(args, root):
    if args.command == "release":
        return release(root, args.ps)
    if args.command == "autograde":
        return autograde(root, args.ps, args.student, jobs=args.jobs, force=args.force)
    if args.command == "feedback":
        return feedback(root, args.ps)
    if args.command == "suspicion":
        from .suspicion import main as suspicion_main
        return suspicion_main([args.ps, "--root", str(root)])
    if args.command == "report":
        from .report import main as report_main
        return report_main(root, args.ps)
    return export(root, args.to)


if __name__ == "__main__":
    raise SystemExit(main())
