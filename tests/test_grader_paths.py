"""Feedback names no folder of the grader's machine (``grading.grader_paths``)."""

import sys
import sysconfig
from pathlib import Path

import nbformat

from grading.grader_paths import HideGraderPaths, hide_paths, replacements

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def test_library_folders_become_short_names():
    pairs = replacements("/srv/course/autograder")
    numpy = f"{sys.prefix}/lib/python3.11/site-packages/numpy/_core/_methods.py"
    assert hide_paths(f"File {numpy}:127, in _mean", pairs) == (
        "File site-packages/numpy/_core/_methods.py:127, in _mean")
    assert hide_paths(str(STDLIB / "json" / "decoder.py"), pairs) == f"{STDLIB.name}/json/decoder.py"
    assert hide_paths("/srv/course/lossopt/plotting.py", pairs) == "lossopt/plotting.py"
    assert hide_paths("/tmp/lossopt-run-x/a.py", pairs) == "<tmp>/lossopt-run-x/a.py"
    assert hide_paths("/usr/lib/python3/dist-packages/a/b.py", pairs) == "dist-packages/a/b.py"
    assert hide_paths("ratio 3/4 of y/n", pairs) == "ratio 3/4 of y/n"


def test_every_text_of_an_output_is_rewritten():
    numpy = f"{sys.prefix}/lib/python3.11/site-packages/numpy/_core/_methods.py"
    cell = nbformat.v4.new_code_cell("np.mean(x, axis=3)")
    cell.outputs = [
        nbformat.v4.new_output("error", ename="AxisError", evalue=f"in {numpy}",
                               traceback=[f"File {numpy}:127"]),
        nbformat.v4.new_output("stream", name="stderr", text=f"warning from {numpy}"),
        nbformat.v4.new_output("execute_result", data={"text/plain": numpy}),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    HideGraderPaths().preprocess(nb, {})
    assert sys.prefix not in nbformat.writes(nb)
    assert "site-packages/numpy/_core/_methods.py" in nb.cells[0].outputs[0].traceback[0]
