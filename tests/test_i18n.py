"""lossopt.i18n: the figures' words in the reader's language, and a font that draws them."""

import ast
import re
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure

from lossopt import i18n

ROOT = Path(__file__).resolve().parents[1]


def test_english_is_the_text_itself(monkeypatch):
    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    assert i18n.language() == "en"
    assert i18n.tr("any text at all {x}") == "any text at all {x}"


def test_korean_comes_from_the_table_and_keeps_the_fields(monkeypatch):
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "ko")
    assert i18n.tr("step") == "스텝"
    for english, korean in i18n.STRINGS["ko"].items():
        fields = lambda text: sorted(p for p in text.split("{")[1:])  # noqa: E731
        assert [f.split("}")[0] for f in fields(english)] == \
            [f.split("}")[0] for f in fields(korean)], english


def test_a_text_with_no_korean_is_an_error_naming_it(monkeypatch):
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "ko")
    with pytest.raises(KeyError, match="no ko translation of the figure text 'nowhere'"):
        i18n.tr("nowhere")


def test_an_unknown_language_is_an_error(monkeypatch):
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "klingon")
    with pytest.raises(ValueError, match="'klingon' is not a language of the course"):
        i18n.language()


def test_korean_figures_draw_hangul_with_a_korean_font(monkeypatch, recwarn):
    """Every Hangul glyph found (no 'missing glyph' warning), in plain text and beside maths."""
    with matplotlib.rc_context():
        family = i18n.use_language_font("ko")
        assert matplotlib.rcParams["font.family"][0] == family == "Noto Sans CJK KR"
        fig = Figure(figsize=(3, 2))
        ax = fig.subplots()
        ax.set_title("학습률 0.1")
        ax.set_xlabel(r"학습률 $\eta$")
        fig.canvas.draw()
    missing = [str(w.message) for w in recwarn if "glyph" in str(w.message)]
    assert missing == []
    assert i18n.use_language_font("en") is None


def test_set_language_sets_the_language_and_the_first_korean_font_found(
        monkeypatch, figure_settings, recwarn):
    monkeypatch.setitem(i18n.STUDENT_FONTS, "ko", ("No Such Font KR", "Noto Sans CJK KR"))
    assert i18n.set_language("ko") == "Noto Sans CJK KR"
    assert i18n.language() == "ko" and i18n.tr("step") == "스텝"
    assert matplotlib.rcParams["font.family"][0] == "Noto Sans CJK KR"
    assert not [w for w in recwarn if "font" in str(w.message)]


def test_set_language_warns_and_draws_on_without_a_korean_font(monkeypatch, figure_settings):
    monkeypatch.setitem(i18n.STUDENT_FONTS, "ko", ("No Such Font KR", "Nor This One"))
    before = list(matplotlib.rcParams["font.family"])
    with pytest.warns(UserWarning, match="Hangul will show as boxes. Install a Korean font"):
        assert i18n.set_language("ko") is None
    assert i18n.language() == "ko"                        # the texts are Korean all the same
    assert matplotlib.rcParams["font.family"] == before


def test_the_site_build_still_needs_its_font(monkeypatch):
    monkeypatch.setitem(i18n.FONTS, "ko", ("No Such Font KR", []))
    with pytest.raises(RuntimeError, match="install Debian's fonts-noto-cjk"):
        i18n.use_language_font("ko")


def test_set_language_knows_only_the_course_languages(figure_settings):
    with pytest.raises(ValueError, match="'klingon' is not a language of the course"):
        i18n.set_language("klingon")


LITERAL_TR = re.compile(r'''\btr\(\s*(r?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))\s*\)''')


def literal_texts():
    """Every text the course's code passes to tr() as one literal: (file, text)."""
    files = [*ROOT.glob("chapters/*.md"), ROOT / "intro.md",
             *(p for p in ROOT.glob("lossopt/*.py") if p.name != "i18n.py")]  # not its example
    return [(path.relative_to(ROOT).as_posix(), ast.literal_eval(literal))
            for path in files for literal in LITERAL_TR.findall(path.read_text("utf-8"))]


def test_literal_texts_are_read_as_python_reads_them():
    source = 'ax.set_xlabel(tr(r"rate $\\rho$")); tr("a\\nb"); tr(f"x {y}")'
    assert [ast.literal_eval(t) for t in LITERAL_TR.findall(source)] == [r"rate $\rho$", "a\nb"]


def test_every_text_the_figures_say_has_its_korean():
    texts = literal_texts()
    missing = [f"{path}: {text!r}" for path, text in texts if text not in i18n.STRINGS["ko"]]
    assert texts and not missing, "no Korean in lossopt/i18n.py for\n" + "\n".join(missing)
