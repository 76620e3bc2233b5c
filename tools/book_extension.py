"""The course book's Sphinx extension (``_config.yml`` loads it from ``tools/``).

It lives outside ``lossopt``: the student wheel ships the toolkit, not the
book's build hooks.
"""

import os

from lossopt.interactive import STATIC_ENV


def setup(app):
    """Sphinx extension of the course book (``_config.yml`` lists it).

    Every book build renders static figures, even without ``make site``, so the
    execution cache never holds live-only widgets.  The book root goes on the
    kernels' ``PYTHONPATH`` (kernels inherit the build's environment), so a
    chapter in ``chapters/`` can import packages that sit in the root.  An
    inline script that an extension registered twice is written once.
    """
    os.environ[STATIC_ENV] = "1"
    # Late, so the scripts other extensions add to each page are there already.
    app.connect("html-page-context", _drop_repeated_inline_scripts, priority=900)
    root = os.fspath(app.srcdir)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _drop_repeated_inline_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of identical inline scripts on a page.

    Jupyter Book 1 sets sphinx-thebe up twice, so every page declared
    ``const THEBE_JS_URL`` twice: a SyntaxError in the console of every page.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        body = attributes.get("body")
        if not getattr(script, "filename", "") and body:
            if body in seen:
                continue
            seen.add(body)
        kept.append(script)
    scripts[:] = kept     # in place: later handlers append to this same list
