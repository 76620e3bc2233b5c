"""Feedback shows no folder of the grader's machine.

A traceback in a student's output names the files it passed through:
``/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/numpy/...``, the
course's folder, a temporary folder of the run.  That tells a student
nothing useful and tells anyone who reads the page where and as whom the
grader runs.  :class:`HideGraderPaths` (a feedback preprocessor) rewrites
every such prefix in the text of outputs, longest first:

- a ``site-packages`` or ``dist-packages`` folder -> ``site-packages/``
  (``site-packages/numpy/_core/_methods.py``);
- the standard library's parent -> nothing (``python3.11/json/decoder.py``);
- the course's repository (the parent of the course folder) -> nothing
  (``lossopt/plotting.py``, ``autograder/...``);
- Python's prefixes -> ``<python>/``, the temporary folder -> ``<tmp>/``,
  the home folder -> ``~/``.
"""

from __future__ import annotations

import os
import re
import site
import sys
import sysconfig
import tempfile
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbgrader.coursedir import CourseDirectory
from traitlets import Bool

PACKAGE_FOLDERS = re.compile(r"(?:/[^\s/:'\"]+)+/(site-packages|dist-packages)/")


def replacements(course_root=None) -> list[tuple[str, str]]:
    """``(prefix, shown as)`` pairs, longest prefix first."""
    pairs = [(str(Path(sysconfig.get_paths()["stdlib"]).parent) + "/", "")]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        pairs.append((prefix.rstrip("/") + "/", "<python>/"))
    if course_root is not None:
        pairs.append((str(Path(course_root).resolve().parent) + "/", ""))
    pairs.append((tempfile.gettempdir().rstrip("/") + "/", "<tmp>/"))
    pairs.append(("/tmp/", "<tmp>/"))
    home = os.path.expanduser("~")
    if home not in ("", "/"):
        pairs.append((home.rstrip("/") + "/", "~/"))
    pairs = [(p, s) for p, s in pairs if len(p) > 1]
    return sorted(set(pairs), key=lambda pair: -len(pair[0]))


def hide_paths(text: str, pairs) -> str:
    """``text`` with every package folder and listed prefix rewritten."""
    text = PACKAGE_FOLDERS.sub(lambda m: f"{m[1]}/", text)
    for prefix, shown in pairs:
        text = text.replace(prefix, shown)
    return text


class HideGraderPaths(Preprocessor):
    """Rewrite the grader's folders in every output's text (see module doc)."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        try:
            root = CourseDirectory(parent=self).root
        except Exception:
            root = None
        self._pairs = replacements(root)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if "traceback" in output:
                output["traceback"] = [hide_paths(line, self._pairs)
                                       for line in output["traceback"]]
            if "evalue" in output:
                output["evalue"] = hide_paths(output["evalue"], self._pairs)
            if isinstance(output.get("text"), str):
                output["text"] = hide_paths(output["text"], self._pairs)
            data = output.get("data", {})
            for kind in ("text/plain", "text/html", "text/markdown"):
                if isinstance(data.get(kind), str):
                    data[kind] = hide_paths(data[kind], self._pairs)
        return cell, resources
