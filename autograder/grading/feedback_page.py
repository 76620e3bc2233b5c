"""Feedback pages a student can read anywhere, offline included.

nbconvert's page loads MathJax 2 from a CDN: offline, or where the CDN is
blocked, a student sees raw TeX.  The course instead puts MathJax 3 inside
every feedback page that has maths (a page without any gets no 2.2 MB
script): its TeX-to-SVG component with every extension built in
(``tex-svg-full.js``; it loads no other file, SVG output needs no font),
as a ``data:`` URL, after the configuration MathJax 3 reads from
``window.MathJax`` ($...$ and \\(...\\) inline, $$...$$ and \\[...\\]
displayed, as in Jupyter).
nbconvert's MathJax 2 configuration block beside it is of a type browsers
do not run.

nbgrader's feedback template calls nbconvert's ``mathjax()`` macro with
its default (CDN) address, and nbgrader's API insists on its template
``feedback``; so ``templates/feedback/`` adds to that template one file,
``mathjax.html.j2``, found before nbconvert's own, whose macro writes
the ``data:`` URL (through a Jinja filter: an imported macro does not see
the page's resources).

The file is copied next to this module by ``npm ci``
(``tools/copy_site_assets.js``, MathJax pinned in ``package-lock.json``);
without it the page falls back to the CDN and ``feedback`` says so.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

MATHJAX = Path(__file__).resolve().parent / "assets" / "mathjax" / "tex-svg-full.js"
CONFIG = r"""window.MathJax = {
  tex: {inlineMath: [["$", "$"], ["\\(", "\\)"]],
        displayMath: [["$$", "$$"], ["\\[", "\\]"]], processEscapes: true},
  svg: {fontCache: "global"}
};
"""
TEMPLATES = Path(__file__).resolve().parent / "templates"
MACRO = TEMPLATES / "feedback" / "mathjax.html.j2"
MISSING = (f"feedback pages will load MathJax from a CDN (offline they show raw TeX): {MATHJAX} "
           f"(`npm ci` in the repository puts it there) or {MACRO} is missing")


def offline_ready() -> bool:
    """Whether feedback pages can carry their own MathJax."""
    return MATHJAX.is_file() and MACRO.is_file()


def configure(c) -> None:
    """Feedback pages (nbconvert's HTMLExporter, nbgrader's template) with MathJax inside."""
    import os

    import nbgrader

    if not offline_ready():
        return
    nbgrader_templates = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions",
                                      "formgrader", "templates")
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), nbgrader_templates]
    c.HTMLExporter.filters = {"lossopt_offline_mathjax": "grading.feedback_page.offline_mathjax"}


MATHS = re.compile(r"\$|\\\(|\\\[|\\begin\{")
_page = {"maths": False}     # of the notebook being exported: set by PageMaths, read by the filter


class PageMaths(Preprocessor):
    """Note whether the page has maths (a student's own answers may): MathJax only then."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
        texts += [o.get("data", {}).get(kind, "") for c in nb.cells for o in c.get("outputs", [])
                  for kind in ("text/latex", "text/markdown")]
        _page["maths"] = any(isinstance(t, str) and MATHS.search(t) for t in texts)
        return nb, resources


def offline_mathjax(_url=None) -> str:
    """The Jinja filter of ``templates/feedback/mathjax.html.j2``: the page's MathJax, if any."""
    return (mathjax_url() or "") if _page["maths"] else ""


@functools.cache
def mathjax_url() -> str | None:
    """MathJax 3 and its configuration as one ``data:`` URL, or None without the file."""
    try:
        script = CONFIG.encode() + MATHJAX.read_bytes()
    except OSError:
        return None
    return "data:text/javascript;base64," + base64.b64encode(script).decode("ascii")
