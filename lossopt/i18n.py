"""The words the figures and tables of the course show, in the reader's language.

A chapter's code writes English and wraps what a reader sees in :func:`tr`::

    from lossopt.i18n import tr

    ax.set_xlabel(tr("step"))
    ax.set_title(tr("position, learning rate {lr:g}").format(lr=lr))

The language is the environment variable ``LOSSOPT_LANGUAGE`` (``en`` when unset); the
book's extension sets it for the kernels of each edition's build (``tools/book_extension.py``),
so the Korean edition's figures are drawn in Korean.  In English ``tr`` returns its text
unchanged; in another language it returns the entry of :data:`STRINGS`, and a text with no
entry is an error naming it (a figure of the Korean edition never shows English by accident).
The key of a formatted text is its template, before ``format``.

For a language written in another script, importing this module puts that script's font first
in matplotlib's (Hangul: Debian's ``fonts-noto-cjk``, whose faces also draw Latin letters and
digits), with matplotlib's own font after it for the characters it lacks.  First, not only a
fallback: the words outside ``$...$`` of a label with maths are drawn by mathtext in the first
font alone, and in DejaVu Sans they would be boxes.
"""

import os
from pathlib import Path

LANGUAGE_ENV = "LOSSOPT_LANGUAGE"
LANGUAGES = ("en", "ko")
#: Each language's own name for itself (the site's language switch shows it).
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}

#: A font for each language whose script matplotlib's DejaVu Sans lacks: its family name and
#: the files where Debian's package puts it (matplotlib's font cache may predate the package).
FONTS = {
    "ko": ("Noto Sans CJK KR", ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                                "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"]),
}
FONT_PACKAGE = "fonts-noto-cjk"

#: English text -> its translation, by language.  Keys are exactly what the code passes to
#: tr(): a template keeps its {fields}, and the translation keeps the same fields.
STRINGS = {
    "ko": {
        # lossopt.plotting, lossopt.race: axes and legends every chapter shares
        "step": "단계",
        "loss": "손실",
        "predicted value": "예측값",
        "{name} (diverged at step {step})": "{name} ({step}단계에서 발산)",
        "optimizer": "옵티마이저",
        "defaults": "기본값",
    },
}


def language():
    """The language of the figures: ``LOSSOPT_LANGUAGE``, ``en`` when it is unset or empty."""
    value = os.environ.get(LANGUAGE_ENV, "").strip() or "en"
    if value not in LANGUAGES:
        raise ValueError(f"{LANGUAGE_ENV}={value!r} is not a language of the course: "
                         f"use one of {', '.join(LANGUAGES)}")
    return value


def tr(text):
    """``text`` in the figures' language (:func:`language`); English is returned as it is."""
    lang = language()
    if lang == "en":
        return text
    try:
        return STRINGS[lang][text]
    except KeyError:
        raise KeyError(f"no {lang} translation of the figure text {text!r}: add it to "
                       f"lossopt/i18n.py STRINGS[{lang!r}]") from None


def use_language_font(lang=None):
    """Make ``lang``'s font matplotlib's first, its own font the fallback.

    Returns the family added, or None for a language that needs none.  A missing font is an
    error that names the package to install, never a figure of boxes.
    """
    import matplotlib
    from matplotlib import font_manager

    lang = lang or language()
    if lang not in FONTS:
        return None
    family, files = FONTS[lang]
    known = {font.name for font in font_manager.fontManager.ttflist}
    if family not in known:
        for path in files:
            if Path(path).is_file():
                font_manager.fontManager.addfont(path)
        known = {font.name for font in font_manager.fontManager.ttflist}
    if family not in known:
        raise RuntimeError(f"matplotlib has no font {family!r} for {lang} figures: install "
                           f"Debian's {FONT_PACKAGE} (apt-get install {FONT_PACKAGE})")
    families = [f for f in matplotlib.rcParams["font.family"] if f != family]
    if families == ["sans-serif"]:
        families = list(matplotlib.rcParams["font.sans-serif"][:1])
    matplotlib.rcParams["font.family"] = [family, *families]
    return family


if language() != "en":
    use_language_font()
