"""Autograde one problem set on every core, and only what is new or changed.

``python -m grading autograde ps4 --jobs N`` (see ``__main__``) comes here.

- **The config is checked first** (``grading.config_check``), before any
  student code runs, and again in each worker.
- **Workers.**  One Dask task per submission (``grading.cluster``): on a
  local cluster of N single-threaded worker processes, or with
  ``--scheduler ADDRESS`` on an existing cluster that shares the course
  folder and a PostgreSQL gradebook.  Each worker loads the config once and
  grades student after student through nbgrader's Python API, so
  nbgrader's start-up is paid once per worker, not per student; a slow
  submission holds up one worker only.  Worker k runs student code as
  sandbox uid ``LOSSOPT_SANDBOX_UID - k`` (65534, 65533, ... by default):
  the process limit counts per uid, so a fork bomb graded by one worker
  cannot starve the other's kernels.  Each worker writes the gradebook
  itself; a SQLite "database is locked" error is retried.  ``--jobs 1``
  grades in this process, with no cluster.
- **Only what changed.**  After a submission is graded, the hash of its
  folder is recorded in ``autograded/.graded-hashes.json`` (outside every
  student's folder, so no student code can write it), with the seconds each
  grading took.  A later run grades
  a submission only when its hash differs, when it failed last time, when
  the gradebook or ``autograded/`` lost it, or when the grader itself
  changed (the source notebook, ``grading/*.py`` or ``nbgrader_config.py``).
  ``--force`` grades everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from lossopt.cpus import usable_cpus

from . import interrupts, intake, sandbox
from .config_check import checked_api
from .run_log import RunLog

STATE_FILE = Path("autograded") / ".graded-hashes.json"
LOCKED = "database is locked"
LOCK_RETRIES = 5


# ---------------------------------------------------- what needs grading


def folder_hash(folder):
    """sha256 of a submission folder: the files intake keeps, and what it rejects.

    Nothing is followed or read beyond intake's bounds (see ``grading.intake``).
    """
    digest = hashlib.sha256()
    folder = Path(folder)
    why = intake.check_folder(folder)
    if why:
        return hashlib.sha256(why.encode()).hexdigest()
    report = intake.survey(folder)
    bound = max(intake.DEFAULT_LIMITS.file_bytes, intake.DEFAULT_LIMITS.notebook_bytes)
    for rel in report.files:
        if ".ipynb_checkpoints" in Path(rel).parts:
            continue
        digest.update(rel.encode() + b"\0")
        try:
            digest.update(hashlib.sha256(intake.read_file(folder / rel, bound)).digest())
        except OSError as error:
            digest.update(str(error).encode())
    for rel, reason in report.rejected:
        digest.update(f"{rel}\0{reason}\0".encode())
    return digest.hexdigest()


def grader_hash(root, ps):
    """sha256 of what decides a score besides the submission."""
    root = Path(root)
    files = sorted((root / "source" / ps).rglob("*.ipynb"))
    files += sorted((root / "grading").glob("*.py")) + [root / "nbgrader_config.py"]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_state(root):
    path = Path(root) / STATE_FILE
    try:
        state = json.loads(path.read_text())
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def write_state(root, state):
    path = Path(root) / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(tmp, path)


def in_gradebook(db_url, ps):
    """Students with a submission of ``ps`` in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            return {s.student.id for s in gb.assignment_submissions(ps)}
        except MissingEntry:
            return set()


def to_grade(root, ps, students, hashes, db_url, force=False):
    """The students among ``students`` whose submission must be graded now."""
    if force:
        return list(students)
    state = read_state(root).get(ps, {})
    if state.get("grader") != grader_hash(root, ps):
        return list(students)
    done = state.get("students", {})
    known = in_gradebook(db_url, ps)
    return [s for s in students
            if done.get(s) != hashes[s] or s not in known
            or not (Path(root) / "autograded" / s / ps).is_dir()]


# ---------------------------------------------------------- the grading


def unreadable_notebooks(folder):
    """Names of the .ipynb files in (a staged) ``folder`` that are not notebooks."""
    bad = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            nbformat.validate(nbformat.read(str(path), as_version=4))
        except Exception as error:
            bad.append(f"{path.name} ({type(error).__name__})")
    return bad


def _retry_locked(action):
    for attempt in range(LOCK_RETRIES):
        try:
            return action()
        except Exception as error:
            if LOCKED not in str(error) or attempt == LOCK_RETRIES - 1:
                raise
            print(f"gradebook locked, retrying ({error})", file=sys.stderr, flush=True)
            time.sleep(0.5 * (attempt + 1))


def notebook_names(root, ps):
    """The notebooks a submission of ``ps`` must hold (those of the source)."""
    return sorted(p.name for p in (Path(root) / "source" / ps).glob("*.ipynb"))


def cut_outputs(path):
    """How many cells of an autograded notebook had their outputs cut."""
    from .kernel import CUT_NOTE

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return 0
    return sum(CUT_NOTE in str(c.get("outputs", [])) for c in nb.cells if c.cell_type == "code")


def failure_reason(result):
    """The exception that made nbgrader's autograde fail, from its log.

    nbgrader's own error only says "Please see the above traceback": the
    cause is the last line of the last traceback in the captured log (the
    one least indented in its block, below the frames and their code).
    """
    lines = (result.get("log") or "").splitlines()
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line]
    if starts:
        block = []
        for line in lines[starts[-1] + 1:]:
            if line.startswith("["):       # the next log record
                break
            if line.strip():
                block.append(line)
        if block:
            indent = min(len(line) - len(line.lstrip()) for line in block)
            return [line for line in block if len(line) - len(line.lstrip()) == indent][-1].strip()
    last = (result.get("error") or "").strip().splitlines()[-1:]
    return last[0] if last else "unknown error"


def grade_one(api, root, ps, student):
    """Grade one submission; return ``(problem, notes)``.

    ``problem`` is None or why the submission was not graded (then every
    autograded score is set to 0: never a stale score); ``notes`` say what
    was left out of the submission or cut from its outputs.

    nbgrader never sees ``submitted/<student>/<ps>`` itself: it is staged
    by ``grading.intake`` into the API's private intake folder, which
    nbgrader reads instead (``CourseDirectory.submitted_directory``).
    """
    from .integrity import zero_unfinished

    db_url = api.coursedir.db_url
    root = Path(root)
    folder = root / "submitted" / student / ps
    staged = Path(api.coursedir.submitted_directory) / student / ps
    notes = []

    def zero(problem):
        _retry_locked(lambda: zero_unfinished(db_url, ps, student))   # no stale score
        return problem, notes

    why = intake.check_folder(root / "submitted" / student) or intake.check_folder(folder)
    if why:
        return zero(f"the submission folder is {why}: not graded")
    try:
        report = intake.stage(folder, staged)
        notes += report.problems() + report.notes
        missing = [name for name in notebook_names(root, ps)
                   if name not in report.files]
        if missing:
            return zero(f"no notebook {', '.join(missing)} to grade"
                        + (f" ({'; '.join(report.problems())})" if report.rejected else ""))
        bad = unreadable_notebooks(staged)
        if bad:
            return zero(f"{', '.join(bad)} is not a notebook")
        for attempt in range(LOCK_RETRIES):
            result = api.autograde(ps, student, force=True, create=True)
            print(f"---- {student}: nbgrader's log\n{result.get('log') or ''}", flush=True)
            if interrupts.requested():         # nbgrader swallowed the KeyboardInterrupt
                zero(None)                      # never an old score beside a half-done notebook
                interrupts.check()
            error = result.get("error") or ""
            if result["success"] or LOCKED not in error:
                break
            print(f"{student}: gradebook locked, grading again", file=sys.stderr, flush=True)
            time.sleep(0.5 * (attempt + 1))
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)
    if not result["success"]:
        return zero(failure_reason(result))
    for name in notebook_names(root, ps):
        cut = cut_outputs(root / "autograded" / student / ps / name)
        if cut:
            notes.append(f"{name}: outputs of {cut} cell(s) cut to the output limit")
    return None, notes


def graded(api, root, ps, student):
    """:func:`grade_one`, with an unexpected error as the problem."""
    try:
        return grade_one(api, root, ps, student)
    except Exception as error:
        return f"{type(error).__name__}: {error}", []


def autograde(root, ps, students=None, jobs=None, force=False, scheduler=None, db_url=None):
    """Grade the submissions of ``ps``; return the exit code (1 if one failed, 130 if interrupted).

    ``scheduler``: the address of a Dask cluster to grade on (see
    ``grading.cluster``); ``db_url``: the gradebook, instead of the config's.
    """
    root = Path(root).resolve()
    api = checked_api(root, db_url=db_url)      # refuses before any student code runs
    db_url = api.coursedir.db_url
    if scheduler:
        from .cluster import check_shareable
        check_shareable(db_url)
    print(sandbox.current_mode().describe())    # refuses before the gradebook is read
    submitted = root / "submitted"
    # a linked folder is found too (and refused by grade_one), never followed
    found = sorted(p.parent.name for p in submitted.glob(f"*/{ps}")
                   if p.is_dir() or p.is_symlink() or p.parent.is_symlink())
    unknown = sorted(set(students or ()) - set(found))
    if unknown:
        print(f"{ps}: no submission from {', '.join(unknown)}", file=sys.stderr)
    everyone = [s for s in found if not students or s in students]
    hashes = {s: folder_hash(submitted / s / ps) for s in everyone}
    todo = to_grade(root, ps, everyone, hashes, db_url, force=force)
    skipped = len(everyone) - len(todo)
    if not todo:
        print(f"{ps}: nothing to grade: all {len(everyone)} submissions are unchanged "
              "since their last grading (--force re-grades them)")
        return 1 if unknown else 0
    jobs = max(1, min(jobs or usable_cpus(), len(todo)))
    with RunLog(root, ps) as log, interrupts.run_scratch() as scratch, interrupts.handled():
        return grade_all(root, ps, todo, hashes, log, skipped, unknown, jobs=jobs,
                         scheduler=scheduler, db_url=db_url, scratch=scratch)


def clear_unfinished(root, ps, students, since, db_url):
    """Of ``students`` (not finished by this run), clear those it began: a worker stopped
    mid-grading leaves a sanitized, unexecuted notebook in ``autograded/`` beside the
    gradebook's old score.  Their folder goes and their autograded scores are 0 until the
    next run grades them; a student the run never reached keeps its last grading."""
    from .integrity import zero_unfinished

    cleared = []
    for student in students:
        folder = Path(root) / "autograded" / student / ps
        try:
            begun = any(p.lstat().st_mtime >= since for p in [folder, *folder.iterdir()])
        except OSError:
            continue
        if begun:
            shutil.rmtree(folder, ignore_errors=True)
            _retry_locked(lambda: zero_unfinished(db_url, ps, student))
            cleared.append(student)
    return cleared


def grade_all(root, ps, todo, hashes, log, skipped, unknown, jobs, scheduler, db_url, scratch):
    """Grade ``todo``; each is marked "grade again" first and done once its results are written."""
    from tqdm import tqdm

    from .cluster import grade_on_dask

    where = f"Dask cluster at {scheduler}" if scheduler else f"{jobs} worker{'s' * (jobs > 1)}"

    state = read_state(root)
    entry = state.setdefault(ps, {})
    grader = grader_hash(root, ps)
    if entry.get("grader") != grader:
        entry.clear()
        entry["grader"] = grader
    done = entry.setdefault("students", {})
    took = entry.setdefault("seconds", {})    # of the last grading: which ones were slow
    for student in todo:
        done.pop(student, None)
    write_state(root, state)
    problems, remarks, graded_now, finished = [], [], [], set()
    since = time.time()
    bar = tqdm(total=len(todo), desc=f"autograde {ps} ({where})", unit="student",
               file=log.bar_file)

    def on_result(student, problem, seconds, notes):
        took[student] = round(seconds, 3)
        finished.add(student)
        if problem is None:
            done[student] = hashes[student]
            graded_now.append(student)
        else:
            problems.append(f"{student}: not graded: {intake.printable(problem, 300)}")
        remarks.extend(f"{student}: {intake.printable(note, 200)}" for note in notes)
        write_state(root, state)
        bar.set_postfix(failed=len(problems), refresh=False)
        bar.update(1)

    try:
        if jobs == 1 and not scheduler:
            with tempfile.TemporaryDirectory(prefix="lossopt-intake-") as private:
                api = checked_api(root, intake=private, db_url=db_url)
                for student in todo:
                    interrupts.check()
                    start = time.monotonic()
                    problem, notes = graded(api, root, ps, student)
                    on_result(student, problem, time.monotonic() - start, notes)
        else:
            grade_on_dask(root, ps, todo, on_result, jobs=jobs, scheduler=scheduler,
                          db_url=db_url, scratch=scratch)
    except KeyboardInterrupt:
        bar.close()
        # (a second signal raises nothing: interrupts._on_signal raises on the first only)
        clear_unfinished(root, ps, [s for s in todo if s not in finished], since, db_url)
        log.say(f"{ps}: interrupted by {interrupts.requested() or 'SIGINT'}: graded "
                f"{len(graded_now)} of {len(todo)} submissions; the other "
                f"{len(todo) - len(graded_now)} are marked to grade again and the next run "
                f"grades them (log: {log.path})", error=True)
        return interrupts.EXIT_CODE
    bar.close()
    for line in sorted(remarks) + sorted(problems):
        log.say(line, error=True)
    line = f"{ps}: graded {len(todo) - len(problems)} of {len(todo)} submissions"
    if skipped:
        line += f"; {skipped} unchanged since their last grading, skipped (--force re-grades them)"
    log.say(line)
    log.say(f"{ps}: details in {log.path}")
    return 1 if problems or unknown else 0
