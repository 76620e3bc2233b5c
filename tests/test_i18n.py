"""lossopt.i18n: the figures' words in the reader's language, and a font that draws them."""

import matplotlib
import pytest
from matplotlib.figure import Figure

from lossopt import i18n


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
