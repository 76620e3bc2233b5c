"""The instructor's commands, run from ``autograder/``::

    python -m grading release                 # source/psN -> release/psN, every problem set
    python -m grading autograde ps2           # every submitted/<student>/ps2, with a progress bar
    python -m grading feedback ps2            # feedback/<student>/ps2/ps2.html
    python -m grading export --to grades.csv  # one row per student and problem set
    python -m grading suspicion ps2           # reports/ps2-suspicion.md: code to read by hand

``--root DIR`` points at another course folder (default: the folder that
holds this package).  Each command loads that folder's
``nbgrader_config.py`` and drives nbgrader's own Python API in this one
process, so students are graded one after another without nbgrader's
start-up cost each time.  A submission that cannot be graded (a file that
is not a notebook, a crash) is reported by name and the others go on; the
exit code is then 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

DEFAULT_ROOT = Path(__file__).resolve().parent.parent


def _api(root):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir, config=config)


def problem_sets(root):
    return sorted(p.name for p in (Path(root) / "source").iterdir() if p.is_dir())


def release(root, names=None):
    api = _api(root)
    failed = []
    for ps in names or problem_sets(root):
        result = api.generate_assignment(ps, force=True, create=True)
        if not result["success"]:
            failed.append(ps)
            print(f"{ps}: release failed\n{result.get('error', '')}", file=sys.stderr)
        else:
            print(f"released {ps} -> {Path(root) / 'release' / ps}")
    return 1 if failed else 0


def unreadable_notebooks(folder):
    """Names of the .ipynb files in ``folder`` that are not notebooks."""
    bad = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            nbformat.validate(nbformat.read(str(path), as_version=4))
        except Exception as error:
            bad.append(f"{path.name} ({type(error).__name__})")
    return bad


def autograde(root, ps, students=None):
    from tqdm import tqdm

    from .integrity import zero_unfinished

    api = _api(root)
    submitted = Path(root) / "submitted"
    found = sorted(p.parent.name for p in submitted.glob(f"*/{ps}") if p.is_dir())
    students = [s for s in found if students is None or s in students]
    problems = []
    for student in tqdm(students, desc=f"autograde {ps}", unit="student"):
        bad = unreadable_notebooks(submitted / student / ps)
        if bad:
            problems.append(f"{student}: not graded: {', '.join(bad)} is not a notebook")
            zero_unfinished(api.coursedir.db_url, ps, student)   # no stale score
            continue
        result = api.autograde(ps, student, force=True, create=True)
        if not result["success"]:
            last = (result.get("error") or "").strip().splitlines()[-1:] or ["unknown error"]
            problems.append(f"{student}: not graded: {last[0]}")
            zero_unfinished(api.coursedir.db_url, ps, student)   # no stale score
    for line in problems:
        print(line, file=sys.stderr)
    print(f"{ps}: graded {len(students) - len(problems)} of {len(students)} submissions")
    return 1 if problems else 0


def feedback(root, ps):
    from tqdm import tqdm

    api = _api(root)
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
    from nbgrader.plugins import CsvExportPlugin

    api = _api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        CsvExportPlugin(to=str(to)).export(gb)
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
    p = sub.add_parser("feedback", help="write feedback HTML for one problem set")
    p.add_argument("ps")
    p = sub.add_parser("suspicion", help="list submissions whose code reaches for the grader")
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
    if args.command == "release":
        return release(root, args.ps)
    if args.command == "autograde":
        return autograde(root, args.ps, args.student)
    if args.command == "feedback":
        return feedback(root, args.ps)
    if args.command == "suspicion":
        from .suspicion import main as suspicion_main
        return suspicion_main([args.ps, "--root", str(root)])
    return export(root, args.to)


if __name__ == "__main__":
    raise SystemExit(main())
