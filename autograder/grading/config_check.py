"""Refuse a course config that would grade student code unsandboxed.

nbgrader loads ``nbgrader_config.py`` and, when the file raises, only logs
the error and goes on with its defaults: nbgrader's own ``Execute``, the
student's code unconfined, the hidden tests judged in the student's kernel.
:func:`load_config` loads the config the way nbgrader does (every Jupyter
config folder, then the course folder) and :func:`check_config` refuses it
unless its ``Autograde.autograde_preprocessors`` hold ``SandboxedExecute``
and then ``OutOfKernelVerdict``, and no other ``Execute``.

Every ``python -m grading`` command goes through :func:`checked_config` or
:func:`checked_api` first (see ``__main__``), so none of them runs on a
config that would leave the sandbox out.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

REQUIRED = ("grading.kernel.SandboxedExecute", "grading.verdict.OutOfKernelVerdict")


class UnsafeConfig(ValueError):
    """The loaded nbgrader config would grade without the sandbox or the verdict."""


@contextlib.contextmanager
def _cwd(folder):
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def load_config(root):
    """The config nbgrader itself would use when run from ``root``.

    Like ``nbgrader autograde``: every Jupyter config folder, then
    ``root/nbgrader_config.py``; a file that raises is logged and skipped.
    Returns ``(config, errors)``, ``errors`` the text of those logged errors.
    """
    from nbgrader.apps.baseapp import NbGrader

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING and record.exc_info:
                error = record.exc_info[1]
                records.append(f"{record.getMessage()}: {type(error).__name__}: {error}")

    root = Path(root).resolve()
    app = NbGrader()
    handler = Keep()
    app.log.addHandler(handler)
    try:
        with _cwd(root):
            app.load_config_file()
    finally:
        app.log.removeHandler(handler)
    config = app.config
    config.CourseDirectory.root = str(root)
    return config, records


def _name(item):
    if isinstance(item, str):
        return item
    return f"{item.__module__}.{item.__qualname__}"


def check_config(config, errors=(), where="nbgrader_config.py"):
    """Raise :class:`UnsafeConfig` unless autograding is sandboxed and out-of-kernel."""
    from nbgrader.preprocessors import Execute
    from traitlets.utils.importstring import import_item

    if "autograde_preprocessors" in config.Autograde:
        items = list(config.Autograde.autograde_preprocessors)
    else:
        items = []
    names = [_name(item) for item in items]
    why = ""
    if errors:
        why = " Loading the config failed: " + "; ".join(errors)
    missing = [name for name in REQUIRED if name not in names]
    if not items:
        raise UnsafeConfig(
            f"refusing to grade: {where} sets no c.Autograde.autograde_preprocessors, so "
            "nbgrader would run student code unsandboxed with its default Execute and "
            f"no out-of-kernel verdict.{why}")
    if missing:
        raise UnsafeConfig(
            f"refusing to grade: c.Autograde.autograde_preprocessors in {where} lacks "
            f"{' and '.join(missing)}, so student code would run unsandboxed or be "
            f"judged inside its own kernel.{why}")
    for item, name in zip(items, names):
        try:
            cls = import_item(item) if isinstance(item, str) else item
        except Exception as error:
            raise UnsafeConfig(f"refusing to grade: preprocessor {name} in {where} "
                               f"cannot be imported ({error})") from None
        if isinstance(cls, type) and issubclass(cls, Execute) and name != REQUIRED[0]:
            raise UnsafeConfig(
                f"refusing to grade: c.Autograde.autograde_preprocessors in {where} "
                f"also runs {name}, which executes student code outside the sandbox")
    if names.index(REQUIRED[0]) > names.index(REQUIRED[1]):
        raise UnsafeConfig(f"refusing to grade: in {where}, OutOfKernelVerdict must come "
                           "after SandboxedExecute (it replaces the kernel's test outputs)")


def checked_config(root, db_url=None):
    """The config nbgrader would load from ``root``; :class:`UnsafeConfig` if unsafe.

    ``db_url`` (``--db``): the gradebook, instead of the config's
    ``CourseDirectory.db_url`` (by default ``sqlite:///<root>/gradebook.db``).
    """
    config, errors = load_config(root)
    check_config(config, errors, where=str(Path(root).resolve() / "nbgrader_config.py"))
    if db_url:
        config.CourseDirectory.db_url = db_url
    return config


def checked_api(root, intake=None, db_url=None):
    """nbgrader's API on the checked config of the course at ``root``.

    ``intake``: a private folder that nbgrader reads submissions from
    instead of ``submitted/`` (see ``parallel.grade_one``); ``db_url``: the
    gradebook, as in :func:`checked_config`.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = checked_config(root, db_url)
    if intake is not None:
        config.CourseDirectory.submitted_directory = str(Path(intake).resolve())
    return NbGraderAPI(CourseDirectory(config=config), config=config)
