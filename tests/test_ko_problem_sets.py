"""The Korean problem sets: one source of truth, the same grading, feedback in Korean.

``source_ko/psN/psN.ipynb`` is written by ``make_source.py`` from the English
tables and the catalog ``locales/ko/LC_MESSAGES/grading.po``; these tests hold
it to that: every message translated (none fuzzy), the translation keeping the
code, placeholders and glossary terms of its English message, the notebooks in
sync with the catalog, the same cells, grade ids, test code and hidden cases as
the English sets, and every catalogued mistake named in Korean, by the visible
checks and by the grader.  The last test grades Korean and English submissions
of one set through nbgrader (slow).
"""

import ast
import re
import string
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading import cases, confusions, language, verdict

import make_source
from conftest import LATIN_NAMES, english_words, figure_texts, run_recording_figures
from test_confusions import visible_check_error

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "autograder"
PROBLEM_SETS = ["ps1", "ps2", "ps3", "ps4"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: Words for the lecture's terms that the course does not use (see the glossary's
#: catalog): gradient is 기울기, learning rate 학습률, loss 손실.
NOT_OUR_TERMS = ("그래디언트", "그라디언트", "경사도", "러닝 레이트", "학습 속도", "로스 함수",
                 "손실함수", "학습율")


def ko(text):
    return language.tr("ko", text)


def notebook(lang, ps):
    return nbformat.read(str(language.source_path(lang, ps)), as_version=4)


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


# ------------------------------------------------------------- the catalog


def test_every_message_is_translated_and_none_is_fuzzy():
    catalog = language.read_catalog("ko")
    template = [m.id for m in language.template() if m.id]
    assert len(template) > 250
    assert language.missing("ko") == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    assert {m.id for m in catalog if m.id} == set(template), "catalog and template differ"


def _fields(text):
    return sorted((name or "") for _, name, _, _ in string.Formatter().parse(text)
                  if name is not None)


def _code_spans(text):
    return sorted(re.findall(r"`[^`]+`", text))


@pytest.mark.parametrize("message", [m for m in language.read_catalog("ko") if m.id],
                         ids=lambda m: m.id[:40])
def test_a_translation_keeps_placeholders_code_and_spacing(message):
    english, korean = message.id, message.string
    assert _fields(korean) == _fields(english), "placeholders differ"
    assert _code_spans(korean) == _code_spans(english), "code spans differ"
    if len(english.strip()) > 3:   # not a separator (" and " is ", " in Korean)
        lead = re.match(r"\s*", english).group()
        assert korean.startswith(lead) and korean[len(lead):len(lead) + 1] != " "
        assert english.endswith(" ") == korean.endswith(" ")
    if re.search(r"[a-z]{2,} [a-z]{2,} [a-z]{2,}", english):   # a sentence, not notation
        assert HANGUL.search(korean), "left in English"
    for word in NOT_OUR_TERMS:
        assert word not in korean, f"{word!r}: not the glossary's term"


def test_a_changed_english_message_shows_as_untranslated(monkeypatch):
    changed = make_source.DOCS["mse"] + " Return a float."
    monkeypatch.setitem(make_source.DOCS, "mse", changed)
    assert changed in language.missing("ko")
    assert ko(changed) == changed                 # the student reads the English meanwhile
    assert make_source.docstring("mse", "ko") == changed


# ------------------------------------------------- the notebooks themselves


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_korean_notebook_is_what_make_source_writes(ps):
    assert language.source_path("ko", ps).read_text() == make_source.build(ps, "ko"), (
        "out of date: run python autograder/make_source.py")
    nb = notebook("ko", ps)
    assert language.of(nb) == "ko" and language.of(notebook("en", ps)) == "en"
    assert HANGUL.search(nb.cells[0].source)


def _code_without_text(source):
    """The code of a cell without its words: docstrings, comments, and the sentence that
    ``check(got, expected, call, ...)`` prints as ``call`` (ast, not text)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check"
                and len(node.args) >= 3):
            node.args[2] = ast.Constant("")
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _is_set_language(statement):
    """Whether ``statement`` is one of the Korean figure cell's own lines: the import of
    ``set_language`` or its call."""
    if isinstance(statement, ast.ImportFrom):
        return [alias.name for alias in statement.names] == ["set_language"]
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
            and getattr(statement.value.func, "id", None) == "set_language")


def _figure_code(source):
    """A figure cell's code without its texts (every string blank) and without the
    ``set_language`` lines that only the Korean cell has (ast, not text)."""
    tree = ast.parse(source)
    tree.body = [statement for statement in tree.body if not _is_set_language(statement)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree)


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_korean_notebook_has_the_same_cells_and_test_code(ps):
    en, ko_nb = notebook("en", ps), notebook("ko", ps)
    assert [c.id for c in ko_nb.cells] == [c.id for c in en.cells]
    assert [c.cell_type for c in ko_nb.cells] == [c.cell_type for c in en.cells]
    for e, k in zip(en.cells, ko_nb.cells):
        assert nbgrader_meta(k) == nbgrader_meta(e), e.id
        assert k.metadata.get("tags") == e.metadata.get("tags"), e.id
        if e.cell_type != "code":
            continue
        grade_id = nbgrader_meta(e).get("grade_id")
        if grade_id == "helpers":   # the same check() and usable(); only their words differ
            assert e.source.split("def check")[1] == k.source.split("def check")[1]
        elif grade_id == "figure":  # the same code; its texts and the language differ
            assert _figure_code(k.source) == _figure_code(e.source)
        else:                       # setup, solutions, visible checks
            assert _code_without_text(k.source) == _code_without_text(e.source), grade_id
        if nbgrader_meta(e).get("grade"):
            hidden = k.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            assert [line for line in hidden.splitlines() if line.strip()
                    and not line.startswith("#")] == []
    assert cases.tasks_of(ko_nb) == cases.tasks_of(en)   # the same hidden cases


# ------------------------------------------------------------- the figures

#: Latin words a Korean figure may show: code a student writes or calls (the problem sets'
#: functions, the optimizers' names, the arguments lr and delta, the names in y_pred - y_true).
CODE_WORDS = ({f for task in cases.TASKS.values() for f in task.functions}
              | set(make_source._OPT_DOCS) | {"lr", "delta", "y_pred", "y_true"})


def _english_words(text):
    """The English words of ``text``, a problem set's code names (:data:`CODE_WORDS`) aside."""
    return english_words(text, LATIN_NAMES | CODE_WORDS)


def figure_cell(lang, ps):
    (cell,) = [c for c in notebook(lang, ps).cells if nbgrader_meta(c).get("grade_id") == "figure"]
    return cell


def test_english_words_are_found_outside_code_and_maths():
    assert _english_words("mean {error} of every line") == ["mean", "of", "every", "line"]
    assert _english_words(r"lr = 0.1, huber, $\theta_1$, {limit:g}, y_pred - y_true") == []
    assert _english_words("모든 직선의 평균 제곱 오차, grid_loss가 2 x 4") == []


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_only_the_korean_figure_sets_the_language(ps):
    def calls(lang):
        tree = ast.parse(figure_cell(lang, ps).source)
        return [ast.unparse(s) for s in tree.body if _is_set_language(s)]
    assert calls("ko") == ["from lossopt.i18n import set_language", "set_language('ko')"]
    assert calls("en") == []


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_korean_figure_cell_holds_no_english_text(ps):
    """A string of the cell is code when it is a name (a dict key, a surface, a colormap);
    every other string, the texts a student reads, has no English word."""
    texts = [node.value for node in ast.walk(ast.parse(figure_cell("ko", ps).source))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert texts
    english = {text: _english_words(text) for text in texts if not text.isidentifier()}
    assert {text: words for text, words in english.items() if words} == {}


def _drawn_texts(ps):
    """Run the Korean notebook ``ps`` with its reference solutions, in this process, and draw
    its figure for every slider value: (the texts of each frame, the texts its sliders show).

    No kernel: each code cell but the visible checks runs in one namespace, and
    ``interactive_figure`` hands back ``draw`` and the sliders instead of making widgets.
    The caller restores the figures' language and font (``figure_settings``).
    """
    import itertools

    import matplotlib.pyplot as plt

    def runs(cell):     # every code cell but the visible checks
        meta = nbgrader_meta(cell)
        return cell.cell_type == "code" and not (meta.get("grade") and not meta.get("solution"))

    sources = [cell.source for cell in notebook("ko", ps).cells if runs(cell)]
    ((draw, sliders),) = run_recording_figures(sources, f"{ps} (ko) cell")
    frames, slider_texts = [], []
    for name, slider in sliders.items():
        slider_texts += [slider.label or name, *slider.labels()]
    for values in itertools.product(*(slider.values for slider in sliders.values())):
        fig = draw(**dict(zip(sliders, values)))
        frames.append(figure_texts(fig))
        plt.close(fig)
    return frames, slider_texts


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_a_korean_figure_draws_korean(ps, figure_settings, recwarn):
    """Its titles, axes, legends and sliders, lossopt's own texts among them, in Korean, in a
    font that has every Hangul glyph."""
    frames, slider_texts = _drawn_texts(ps)
    for texts in frames:
        assert any(HANGUL.search(text) for text in texts), texts
        assert {text: _english_words(text) for text in texts if _english_words(text)} == {}
    assert [text for text in slider_texts if _english_words(text)] == []
    assert [str(w.message) for w in recwarn if "glyph" in str(w.message).lower()] == []


# ------------------------------------------------------------ the mistakes

ALL = list(confusions.CATALOGUE.values())
NOT_VISIBLE = {"sgd:reset_state"}   # as in test_confusions: no visible check can show it


def _results(task, confusion):
    results = {}
    for c, case in enumerate(task.cases()):
        for k, value in enumerate(confusions.outputs(task, confusion, case) or []):
            results[f"{task.grade_id}/{c}/{k}"] = np.asarray(value, dtype=float)
    return results


@pytest.mark.parametrize("conf", ALL, ids=lambda c: c.key)
def test_the_grader_names_each_mistake_in_korean(conf):
    task = cases.TASKS[conf.grade_id]
    judged = verdict.judge(task, _results(task, conf), language="ko")
    found = judged.diagnosis
    assert found.confusion == conf.key
    assert found.text == ko("Every failed case is what you get when: {sentence}").format(
        sentence=conf.sentence("ko"))
    assert conf.text_in("ko") in found.text and conf.text not in found.text
    assert conf.link_in("ko").startswith("../../ko/chapters/")
    line = verdict.message(task, judged, "ko")
    assert HANGUL.search(line) and "failed" not in line


def _korean_test_cell_error(conf):
    nb = notebook("ko", cases.TASKS[conf.grade_id].ps)
    (cell,) = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == conf.grade_id]
    return visible_check_error(nb, cell, conf.functions)


@pytest.mark.parametrize("conf", [c for c in ALL if c.key not in NOT_VISIBLE],
                         ids=lambda c: c.key)
def test_a_korean_visible_check_names_each_mistake_in_korean(conf):
    message = _korean_test_cell_error(conf)
    assert message is not None, "no visible check fails"
    assert "  돌려준 값 " in message and "  기대한 값 " in message
    assert f"{conf.text_in('ko')} 참고: {conf.link_in('ko')}" in message
    assert "returned" not in message and " See " not in message and " after " not in message


# --------------------------------------------------- nbgrader, both languages


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A copy of the course released once, in both languages (nbgrader: slow)."""
    import grading_kit as kit

    return kit.released_copy(tmp_path_factory.mktemp("released"))


def _holds(code, stub):
    """Whether ``code`` holds the lines of ``stub``, indented as a function body may be."""
    return stub in "\n".join(line.strip() for line in code.splitlines())


def _stubs(nb):
    """What nbgrader left in each solution cell of a released notebook: (code, markdown)."""
    cells = [c for c in nb.cells if nbgrader_meta(c).get("solution")]
    return ([c.source for c in cells if c.cell_type == "code"],
            [c.source for c in cells if c.cell_type == "markdown"])


@pytest.mark.slow
@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_korean_release_says_in_korean_where_to_write(released, ps):
    """nbgrader's stubs in the student's language, still raising NotImplementedError (what
    the figure's usable() reads as not written yet); the English release keeps nbgrader's."""
    code_stub, text_stub = language.stubs("ko")
    ko_nb = nbformat.read(str(released / "release_ko" / ps / f"{ps}.ipynb"), as_version=4)
    codes, answers = _stubs(ko_nb)
    assert codes and all(_holds(code, code_stub["python"]) for code in codes)
    assert answers == [text_stub] and HANGUL.search(text_stub)
    stub_comment = code_stub["python"].splitlines()[0]
    assert HANGUL.search(stub_comment) and "raise NotImplementedError()" in code_stub["python"]
    assert f"`{stub_comment}`" in ko_nb.cells[0].source   # the grading note names it
    assert "YOUR CODE HERE" not in nbformat.writes(ko_nb)
    en_codes, en_answers = _stubs(nbformat.read(str(released / "release" / ps / f"{ps}.ipynb"),
                                                as_version=4))
    assert all(_holds(code, "# YOUR CODE HERE\nraise NotImplementedError()")
               for code in en_codes)
    assert en_answers == ["YOUR ANSWER HERE"]


@pytest.mark.slow
def test_korean_and_english_submissions_of_one_set_are_graded_alike(released):
    import grading_kit as kit
    from nbgrader.api import Gradebook

    root = released
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:   # English, as released
        brief = [c for c in gb.find_notebook("ps2", "ps2").source_cells if c.name == "brief"]
        assert brief[0].source == notebook("en", "ps2").cells[0].source
    released = nbformat.read(str(root / "release_ko" / "ps2" / "ps2.ipynb"), as_version=4)
    assert language.of(released) == "ko" and HANGUL.search(released.cells[0].source)
    assert "BEGIN SOLUTION" not in nbformat.writes(released)
    ko_ref = notebook("ko", "ps2")
    ko_wrong = kit.edited(ko_ref, {"mse_solution": (
        "return float(np.mean((y_pred - y_true) ** 2))",
        "return float(np.sum((y_pred - y_true) ** 2))")})
    en_wrong = kit.edited(notebook("en", "ps2"), {"mse_solution": (
        "return float(np.mean((y_pred - y_true) ** 2))",
        "return float(np.sum((y_pred - y_true) ** 2))")})
    for student, nb in [("ko_ref", ko_ref), ("ko_wrong", ko_wrong), ("en_wrong", en_wrong)]:
        kit.submit(root, "ps2", student, nb)
    done = kit.grading_cli(root, "autograde", "ps2")
    assert done.returncode == 0, done.stderr
    points = kit.autograded_points(root, "ps2")
    assert kit.scores(root, "ps2", "ko_ref") == {**points, "written_mae_or_mse": None}
    ko_scores, en_scores = kit.scores(root, "ps2", "ko_wrong"), kit.scores(root, "ps2", "en_wrong")
    assert ko_scores == en_scores and ko_scores["mse_value"] == 0
    graded = nbformat.read(str(root / "autograded" / "ko_wrong" / "ps2" / "ps2.ipynb"),
                           as_version=4)
    assert graded.cells[0].source == ko_ref.cells[0].source   # read-only cells stay Korean

    done = kit.grading_cli(root, "feedback", "ps2")
    assert done.returncode == 0, done.stderr
    korean = (root / "feedback" / "ko_wrong" / "ps2" / "ps2.html").read_text()
    english = (root / "feedback" / "en_wrong" / "ps2" / "ps2.html").read_text()
    mse_sum = confusions.CATALOGUE["mse:sum"]
    assert ko("## Your results at a glance").lstrip("# ") in korean
    assert mse_sum.text_in("ko") in korean and "Your results at a glance" not in korean
    assert "Your results at a glance" in english and mse_sum.text in english
    assert not HANGUL.search(english)


def test_the_korean_figure_runs_the_students_own_functions(capsys, figure_settings):
    import matplotlib
    matplotlib.use("Agg")
    ns = {}
    for cell in notebook("ko", "ps2").cells:   # every cell but huber's answer and the checks
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or meta.get("grade_id") == "huber_solution":
            continue
        if meta.get("grade") and not meta.get("solution"):
            continue
        with np.errstate(all="ignore"):
            exec(cell.source, ns)
    out = capsys.readouterr().out
    (line,) = [s for s in out.splitlines() if s.startswith("그림에서")]
    assert line.startswith("그림에서 빠진 것: huber (")
    assert ns["losses"] == {"mae": ns["mae"], "mse": ns["mse"]}   # the notebook's own functions
