"""The book's Sphinx extension (tools/book_extension.py): static figures, the root on the
kernels' PYTHONPATH, and an inline script registered twice written once."""

import os
import types

from lossopt import interactive
from tools import book_extension


def test_sphinx_setup_turns_on_static_figures_and_puts_the_root_on_pythonpath(
        monkeypatch, tmp_path):
    monkeypatch.delenv(interactive.STATIC_ENV, raising=False)
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    handlers = []
    app = types.SimpleNamespace(srcdir=tmp_path,
                                connect=lambda *args, **kwargs: handlers.append(args))
    metadata = book_extension.setup(app)
    assert handlers == [("html-page-context", book_extension._drop_repeated_inline_scripts)]
    assert os.environ[interactive.STATIC_ENV] == "1"
    assert interactive.static_mode()
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(tmp_path), "/elsewhere"]
    assert metadata["parallel_read_safe"]


def test_an_inline_script_registered_twice_is_written_once():
    def script(filename, body=None):
        attributes = {"body": body} if body else {}
        return types.SimpleNamespace(filename=filename, attributes=attributes)

    thebe = 'const THEBE_JS_URL = "x"'
    scripts = [script("a.js"), script("", thebe), script("a.js"), script("", thebe),
               script("", "var other = 1")]
    context = {"script_files": scripts}
    book_extension._drop_repeated_inline_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] is scripts      # later handlers append to this list
    assert [(s.filename, s.attributes.get("body")) for s in scripts] == [
        ("a.js", None), ("", thebe), ("a.js", None), ("", "var other = 1")]
