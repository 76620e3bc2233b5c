"""Every command refuses a config that would grade student code unsandboxed.

nbgrader skips a config file that raises and grades with its own
``Execute``; ``grading.config_check`` loads the config as nbgrader does and
refuses it, before any student code runs, for every ``python -m grading``
command.
"""

import os
import shutil
import subprocess
import sys

import pytest
from grading_kit import COURSE, course_ignore, source_nb, submit

from grading import config_check

PS = "ps4"
COMMANDS = [("autograde", PS), ("release",), ("feedback", PS), ("export",),
            ("suspicion", PS), ("report", PS)]


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "grading", "--root", str(root), *args],
                          cwd=root, env=dict(os.environ), capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def bare_course(tmp_path):
    """An unreleased copy of the course with one submission: enough to be refused."""
    root = tmp_path / "autograder"
    shutil.copytree(COURSE, root, ignore=course_ignore())
    (tmp_path / "solutions").symlink_to(COURSE.parent / "solutions")
    submit(root, PS, "alice", source_nb(root, PS))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_a_config_that_raises_is_refused_by_every_command(bare_course, command):
    config = bare_course / "nbgrader_config.py"
    config.write_text("import a_module_with_a_typo\n" + config.read_text())
    run = cli(bare_course, *command)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "refusing to grade" in run.stderr
    assert "ModuleNotFoundError" in run.stderr and "a_module_with_a_typo" in run.stderr
    assert not (bare_course / "autograded").exists()
    assert not (bare_course / "release").exists()
    assert not (bare_course / "gradebook.db").exists()


@pytest.mark.slow
def test_a_config_without_the_sandbox_is_refused(bare_course):
    config = bare_course / "nbgrader_config.py"
    text = config.read_text()
    assert "    SandboxedExecute," in text
    config.write_text(text.replace("    SandboxedExecute,", "    Execute,").replace(
        "from nbgrader.preprocessors import (", "from nbgrader.preprocessors import (Execute, "))
    run = cli(bare_course, "autograde", PS)
    assert run.returncode == 2
    assert "lacks grading.kernel.SandboxedExecute" in run.stderr
    assert not (bare_course / "autograded").exists()


def test_check_config_names_what_is_wrong():
    from nbgrader.preprocessors import Execute, SaveAutoGrades
    from traitlets.config import Config

    from grading.kernel import SandboxedExecute
    from grading.verdict import OutOfKernelVerdict

    def config(items):
        c = Config()
        c.Autograde.autograde_preprocessors = items
        return c

    check = config_check.check_config
    check(config([SandboxedExecute, OutOfKernelVerdict, SaveAutoGrades]))
    check(config(["grading.kernel.SandboxedExecute", "grading.verdict.OutOfKernelVerdict"]))
    with pytest.raises(config_check.UnsafeConfig, match="sets no c.Autograde"):
        check(Config(), ["nbgrader_config.py: NameError: x"])
    with pytest.raises(config_check.UnsafeConfig, match="lacks grading.verdict.OutOfKernelVerdict"):
        check(config([SandboxedExecute, SaveAutoGrades]))
    with pytest.raises(config_check.UnsafeConfig, match="also runs nbgrader.+Execute"):
        check(config([Execute, SandboxedExecute, OutOfKernelVerdict]))
    with pytest.raises(config_check.UnsafeConfig, match="must come after SandboxedExecute"):
        check(config([OutOfKernelVerdict, SandboxedExecute]))
