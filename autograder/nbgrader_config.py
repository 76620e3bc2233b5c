"""nbgrader configuration of the course: run every nbgrader command from this folder.

It puts the repository root (for the reference package ``solutions``) and
this folder (for the trusted ``grading`` package) on ``sys.path``, decides
every autograded test cell outside the student's kernel
(``grading.verdict.OutOfKernelVerdict``, after Execute and before
SaveAutoGrades), and strips hidden-test text from feedback.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
for path in (HERE, os.path.dirname(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, GetGrades,
    IgnorePattern, LimitOutput, SaveAutoGrades)

from grading.inert import InertOutputs  # noqa: E402
from grading.kernel import SandboxedExecute  # noqa: E402
from grading.language import LocalizedCells  # noqa: E402
from grading.verdict import OutOfKernelVerdict  # noqa: E402

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.root = HERE
c.CourseDirectory.assignment_id = ""
# A named course: with the default "" nbgrader's Gradebook adds no course row, and PostgreSQL
# (which, unlike SQLite, enforces foreign keys) then refuses every assignment of the release.
c.CourseDirectory.course_id = "lossopt"
# Only the notebook goes into a release; nothing else of source/<ps>/ is copied.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]

c.Autograde.autograde_preprocessors = [
    LocalizedCells,          # a Korean submission's read-only cells back in Korean
    SandboxedExecute,        # nbgrader's Execute, with the kernel in the sandbox
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    InertOutputs,            # no script of the student's runs where a page shows it
    OutOfKernelVerdict,      # the verdict: decided outside the kernel
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# Read-only cells are put back from the source as nbgrader does, with a warning only for a
# cell the student changed (not for every test cell whose hidden tests the release left out).
from nbgrader.converters import Autograde  # noqa: E402
from nbgrader.preprocessors import OverwriteCells  # noqa: E402

from grading.overwrite import ReleasedCellsOverwrite  # noqa: E402

c.Autograde.sanitize_preprocessors = [
    ReleasedCellsOverwrite if step is OverwriteCells else step
    for step in Autograde.sanitize_preprocessors.default()]
# A deleted test cell comes back (and is then graded like any other).
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = 60
# Wall clock for all cells of one notebook in the kernel; a kernel that is
# killed (limit, timeout, ignored interrupt) scores 0 on what did not finish.
c.SandboxedExecute.notebook_timeout = 300

# Feedback shows visible checks and verdicts, never hidden-test text.
# The first cell of feedback is a summary: one row per graded function (it is
# the grader's own text, added after the student's HTML was made inert).
from grading.feedback_summary import FeedbackSummary  # noqa: E402

# No folder of the grader's machine in a traceback, and MathJax inside the page (offline).
from grading.feedback_page import PageMaths  # noqa: E402
from grading.feedback_page import configure as offline_feedback_pages  # noqa: E402
from grading.grader_paths import HideGraderPaths  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, InertOutputs, HideGraderPaths,
                                    FeedbackSummary, PageMaths, CSSHTMLHeaderPreprocessor]
offline_feedback_pages(c)

# Collecting from the exchange copies only regular files and folders (no links).
c.ExchangeFactory.collect = "grading.exchange.CheckedCollect"

# `nbgrader export` too: a set never handed in is "missing", not 0.0 (grading/export.py).
c.ExportApp.plugin_class = "grading.export.CourseCsvExport"
