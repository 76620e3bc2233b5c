"""Hostile submissions to problem set 2, built from its release notebook.

Each entry of ``HOSTILE`` turns the released notebook (every solution a
stub that raises NotImplementedError) into an attack, so the submission
deserves 0 points: any point it gets is undeserved.

An attack made by :func:`attack` runs at the top of the first solution
cell, so it acts before every later cell, in the nbgrader kernel and in the
isolated run that computes the verdicts.  Whatever it obtained for the
graded functions (the reference's own, or answers its trick should get
accepted) it puts in ``obtained``; the end of the last solution cell, after
every stub, makes those the graded functions.  So the day a wall comes
down (the reference readable, a comparison the grader believes replaced),
the attack scores and ``test_no_undeserved_point`` goes red: with the
sandbox off, ``h_import_reference`` scores full marks
(``test_hostile.py::test_the_reference_attack_scores_if_the_reference_is_reachable``).

``SLOW`` names the attacks that spend their time limits (loops, bombs);
the test grades them in a second grader process beside the quick ones.
"""

from __future__ import annotations

import copy
import textwrap

from grading import cases

from hostile.nbcourse import ROOT

MARKER = "lossopt-hostile-escaped"
# after every stub, what the attack obtained becomes the graded functions
TAKE_OBTAINED = "globals().update(obtained)"
# the answer a trick that fools the checks would get accepted: 0 everywhere
WRONG_ANSWERS = "obtained.update({name: (lambda *a, **k: 0.0) for name in GRADED})"


def _cell(nb, grade_id):
    (cell,) = [c for c in nb.cells if _meta(c).get("grade_id") == grade_id]
    return cell


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def is_solution(cell):
    return cell.cell_type == "code" and _meta(cell).get("solution")


def graded_functions(nb):
    """The functions the test cells of ``nb`` grade, by name."""
    return [name for c in nb.cells if is_test(c) and _meta(c)["grade_id"] in cases.TASKS
            for name in cases.TASKS[_meta(c)["grade_id"]].functions]


def attack(code):
    """``code`` runs before the first stub; what it puts in ``obtained`` is graded."""
    code = textwrap.dedent(code).strip("\n")

    def build(release, source):
        nb = copy.deepcopy(release)
        solutions = [c for c in nb.cells if is_solution(c)]
        first, last = solutions[0], solutions[-1]
        first.source = (f"GRADED = {graded_functions(nb)!r}\nobtained = {{}}\n"
                        + code + "\n\n" + first.source)
        last.source += "\n\n" + TAKE_OBTAINED
        return nb
    return build


def is_test(cell):
    return _meta(cell).get("grade") and not _meta(cell).get("solution")


def delete_tests(base):
    def build(release, source):
        nb = copy.deepcopy(release if base == "release" else source)
        nb.cells = [c for c in nb.cells if not is_test(c)]
        return nb
    return build


def edit_tests(release, source):
    """Test cells emptied, unlocked, worth 100 points and renamed in metadata."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if is_test(cell):
            cell.source = "pass"
            cell.metadata["nbgrader"]["points"] = 100
            cell.metadata["nbgrader"]["locked"] = False
            cell.metadata["editable"] = True
            cell.metadata["nbgrader"].pop("checksum", None)
    return nb


def strip_metadata(release, source):
    """Every nbgrader mark removed: nothing says which cells are tests."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    return nb


def not_a_notebook(release, source):
    return b"I am not a notebook {\x00\xff"


def leak(release, source):
    """Record every cell the kernel is sent; print them all at the end."""
    nb = attack("""
        _seen = []
        def _record(lines):
            _seen.append(''.join(lines))
            return lines
        get_ipython().input_transformers_cleanup.append(_record)
    """)(release, source)
    last = copy.deepcopy(nb.cells[-1])
    last.cell_type = "code"
    last.metadata = {}
    last.source = "print('LEAK' + '\\n'.join(_seen))"
    last.outputs = []
    last.execution_count = None
    nb.cells.append(last)
    return nb


HOSTILE = {
    "h_allclose": attack(f"""
        import numpy as np
        import numpy.testing
        np.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        numpy.testing.assert_allclose = lambda *a, **k: None
        {WRONG_ANSWERS}
    """),
    "h_sys_modules": attack(f"""
        import sys, types
        fake = types.ModuleType("numpy")
        fake.allclose = lambda *a, **k: True
        fake.asarray = lambda x, *a, **k: x
        sys.modules["numpy"] = fake
        ref = types.ModuleType("solutions")
        sys.modules["solutions"] = ref
        sys.modules["solutions.losses"] = ref
        {WRONG_ANSWERS}
    """),
    "h_transformer": attack(f"""
        ip = get_ipython()
        ip.input_transformers_cleanup.append(lambda lines: [])
        {WRONG_ANSWERS}
    """),
    "h_shadow_np": attack(f"""
        class _Yes:
            def __getattr__(self, name):
                return lambda *a, **k: True
        np = _Yes()
        {WRONG_ANSWERS}
    """),
    "h_import_reference": attack(f"""
        import importlib.util, os, sys
        here = os.path.abspath('.')
        # where the reference lives (this attacker knows it), then guesses
        guesses = [{str(ROOT)!r}, '/work/main', '/work', '/root', '/tmp', '/srv', '/home']
        d = here
        for _ in range(10):
            guesses.append(d)
            d = os.path.dirname(d)
        for d in guesses:
            for rel in ('solutions/losses.py', 'losses.py'):
                path = os.path.join(d, rel)
                if os.path.exists(path):
                    spec = importlib.util.spec_from_file_location('ref', path)
                    ref = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(ref)
                    obtained.update({{n: getattr(ref, n) for n in GRADED if hasattr(ref, n)}})
            sys.path.append(d)
        try:
            import solutions.losses
            obtained.update({{n: getattr(solutions.losses, n) for n in GRADED}})
        except ImportError:
            pass
    """),
    "h_gradebook": attack("""
        import os, sqlite3
        d = os.path.abspath('.')
        for _ in range(10):
            path = os.path.join(d, 'gradebook.db')
            if os.path.exists(path):
                con = sqlite3.connect(path)
                con.execute('update grade set auto_score = 100')
                con.execute('delete from source_cell')
                con.commit()
            d = os.path.dirname(d)
        try:
            open('../../../gradebook.db', 'w').write('gone')
        except OSError:
            pass
    """),
    "h_write_outside": attack(f"""
        import os
        targets = ['/tmp/{MARKER}', '../{MARKER}', '../../{MARKER}',
                   '../../../{MARKER}', '../../../source/ps2/ps2.ipynb',
                   '../../honest_full/ps2/ps2.ipynb',
                   '../../../submitted/honest_full/ps2/ps2.ipynb',
                   os.path.expanduser('~/{MARKER}'), '/root/{MARKER}']
        for target in targets:
            try:
                with open(target, 'w') as f:
                    f.write('pwned')
            except OSError:
                pass
    """),
    "h_output_flood": attack("""
        import sys
        for _ in range(300):
            sys.stdout.write('flood ' * 20_000)
    """),
    "h_memory_bomb": attack("""
        hog = []
        while True:
            hog.append(bytearray(64 * 2**20))
    """),
    "h_delete_tests": delete_tests("release"),
    "h_edit_tests": edit_tests,
    "h_strip_metadata": strip_metadata,
    "h_not_a_notebook": not_a_notebook,
    "h_leak_hidden": leak,
    # slow: they spend their time limits
    "h_infinite_loop": attack("""
        while True:
            pass
    """),
    "h_ignore_interrupt": attack("""
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            pass
    """),
    "h_fork_bomb": attack("""
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """),
}

SLOW = ("h_infinite_loop", "h_ignore_interrupt", "h_fork_bomb")


def honest_partial(release, source):
    """The reference everywhere except mae, left as the released stub."""
    nb = copy.deepcopy(source)
    _cell(nb, "mae_solution").source = _cell(release, "mae_solution").source
    return nb


def honest_full(release, source):
    return copy.deepcopy(source)


HONEST = {
    "honest_full": honest_full,
    "honest_partial": honest_partial,
    # deletes every test cell but solves everything: the restored tests pass
    "honest_no_tests": delete_tests("source"),
}
