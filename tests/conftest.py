"""Shared fixtures: the built website served on 127.0.0.1, and a headless Chromium.

Any test file can use ``site_url`` (the served ``_build/html``, ending in ``/``)
and ``browser`` (a Playwright browser context driving Debian's chromium), and
``figure_settings`` around code that calls ``lossopt.i18n.set_language``; the helpers
``search_index``, ``pages_of`` and ``article_text`` read an edition's built search index
and pages.
"""

import functools
import html
import json
import os
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The machine's fonts minus every one that covers Korean (fonts-noto-cjk may be installed
# for matplotlib): Hangul on a page is then drawn by the site's own web font or not at all,
# as on a reader's machine without a Korean font.
FONTS_WITHOUT_KOREAN = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>ko</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""
NOT_BUILT = "the website is not built (no _build/html/intro.html): run `make site` first " \
            "(`make test` builds it before running the tests)"


class QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site_dir():
    """The built website; fails with instructions when it has not been built."""
    if not (SITE / "intro.html").is_file():
        pytest.fail(NOT_BUILT, pytrace=False)
    return SITE


@pytest.fixture(scope="session")
def site_url(site_dir):
    """Serve the built site from a free port on 127.0.0.1 for the whole session."""
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """A headless Chromium context with a fresh profile (never `playwright install`)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-packages` "
                    "(apt-get install chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    fonts = profile.parent / "fonts-without-korean.conf"
    fonts.write_text(FONTS_WITHOUT_KOREAN)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
            env={**os.environ, "FONTCONFIG_FILE": str(fonts)})
        yield context
        context.close()


#: Words the Korean edition keeps in Latin letters: the optimizers' and losses' names, the
#: surfaces named after people, the code's names of hyperparameters, optimizers and
#: functions, and the classes' logits.
LATIN_NAMES = frozenset({
    "GD", "SGD", "NAG", "Adagrad", "RMSProp", "AdaDelta", "Adam", "Nadam", "Momentum",
    "MSE", "MAE", "L1", "L2", "Rosenbrock", "Beale",
    "lr", "gamma", "beta1", "beta2", "eps", "sigma", "delta", "tau",
    "gd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "nadam",
    "softmax", "log", "sign", "tanh", "cosh", "z0", "z1", "z2"})
# What is not words: maths, a template's {fields}, a number written 1e+05.
NOT_WORDS = re.compile(r"\$[^$]*\$|\{[^{}]*\}|\b\d+(?:\.\d+)?e[+-]?\d+\b")


def english_words(text, names=LATIN_NAMES):
    """The words of a Korean ``text`` that are English: runs of two or more Latin letters
    (with ``_`` and trailing digits) outside its maths, fields and numbers, not in ``names``."""
    return [word for word in re.findall(r"[A-Za-z][A-Za-z_]*\d*", NOT_WORDS.sub(" ", text))
            if len(word) > 1 and word not in names]


def run_recording_figures(sources, where, static=None):
    """Run the code ``sources`` in one namespace, ``interactive_figure`` replaced by a recorder.

    Returns [(draw, sliders)], one for each interactive figure the code makes, so a test can
    draw any frame itself; ``static``, a list, receives every other figure the code draws,
    before it is closed.  ``where`` names the code in tracebacks.
    """
    import lossopt.interactive
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    figures = []

    def record(draw, max_frames=60, **sliders):
        figures.append((draw, sliders))

    original = lossopt.interactive.interactive_figure
    lossopt.interactive.interactive_figure = record
    namespace = {"__name__": "__chapter__", "display": lambda *args, **kwargs: None}
    try:
        for source in sources:
            exec(compile(source, where, "exec"), namespace)
            if static is not None:
                static += [plt.figure(number) for number in plt.get_fignums()]
            plt.close("all")
    finally:
        lossopt.interactive.interactive_figure = original
    return figures


def figure_texts(fig):
    """Every text of ``fig`` (titles, labels, ticks, legends, notes), hidden ones too."""
    from matplotlib.text import Text

    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]


@pytest.fixture
def figure_settings(monkeypatch):
    """Undo what ``lossopt.i18n.set_language`` (a Korean figure cell) changes for the process:
    the figures' language variable and matplotlib's fonts."""
    import matplotlib

    monkeypatch.setenv("LOSSOPT_LANGUAGE", "en")
    with matplotlib.rc_context():
        yield


def search_index(edition_dir):
    """An edition's ``searchindex.js``, as the dict ``Search.setIndex`` receives."""
    text = (edition_dir / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def pages_of(index, term):
    """The pages a search for the index ``term`` finds (in the page body or a title)."""
    found = set()
    for kind in ("terms", "titleterms"):
        files = index[kind].get(term, [])
        found |= {files} if isinstance(files, int) else set(files)
    return {index["docnames"][k] for k in found}


def article_text(page):
    """The text of a built page's article (not the sidebar, which lists every chapter)."""
    text = page.read_text(encoding="utf-8")
    article = text[text.index('<article class="bd-article"'):text.index("</article>")]
    return html.unescape(re.sub(r"<[^>]+>", " ", article))
