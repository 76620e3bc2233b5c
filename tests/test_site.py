"""The built website: every chapter links its problem set, and the downloads are student versions."""

import html
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import article_text, pages_of, search_index

pytestmark = pytest.mark.slow

CHAPTERS = {
    1: "01-loss-meaning", 2: "02-common-losses",
    3: "03-gradient-descent", 4: "04-optimizer-evolution",
}
ROOT = Path(__file__).resolve().parents[1]
BANNED = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "solutions")


@pytest.mark.parametrize("number, page", CHAPTERS.items())
def test_chapter_links_its_released_problem_set(site_dir, number, page):
    html = (site_dir / "chapters" / f"{page}.html").read_text()
    assert f'href="../problem-sets/ps{number}.ipynb"' in html
    download = site_dir / "problem-sets" / f"ps{number}.ipynb"
    text = download.read_text()
    for banned in BANNED:
        assert banned not in text, f"{download.name} holds {banned!r}"
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    assert any("YOUR CODE HERE" in cell.source for cell in notebook.cells)


HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.mark.parametrize("number, page", CHAPTERS.items())
def test_korean_chapter_links_the_korean_problem_set(site_dir, number, page):
    html = (site_dir / "ko" / "chapters" / f"{page}.html").read_text()
    assert f'href="../problem-sets/ps{number}.ipynb"' in html
    text = (site_dir / "ko" / "problem-sets" / f"ps{number}.ipynb").read_text()
    assert not [banned for banned in BANNED if banned in text]
    notebook = nbformat.reads(text, as_version=4)
    assert any(HANGUL.search(cell.source) for cell in notebook.cells if cell.cell_type == "markdown")


SOLUTION_HEADING = re.compile(r'<p class="admonition-title">[^<]*<a class="reference internal" '
                              r'href="#([^"]+)">\s*(.*?)</a></p>', re.S)
EXERCISE_HEADING = re.compile(r'<p class="admonition-title"><span class="caption-number">'
                              r'(.*?)</span>\s*(.*?)</p>', re.S)


def plain(fragment):
    """A heading's text; smart quotes as straight ones (Sphinx curls only the exercise's)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("\u2019", "'")
    return " ".join(text.split())


@pytest.mark.parametrize("edition", ["", "ko"])
@pytest.mark.parametrize("page", CHAPTERS.values())
def test_a_solution_names_its_exercise_as_the_exercise_does(site_dir, edition, page):
    text = (site_dir / edition / "chapters" / f"{page}.html").read_text()
    exercises = {plain(f"{number} {title}") for number, title in EXERCISE_HEADING.findall(text)}
    solutions = [plain(title) for _, title in SOLUTION_HEADING.findall(text)]
    assert solutions and exercises
    assert [s for s in solutions if s not in exercises] == [], sorted(exercises)


def test_the_korean_intro_links_the_toolkit_wheel(site_dir):
    (name,) = re.findall(r'href="problem-sets/(lossopt-[^"]+\.whl)"',
                         (site_dir / "ko" / "intro.html").read_text())
    assert (site_dir / "ko" / "problem-sets" / name).is_file()


def test_intro_links_the_toolkit_wheel_without_the_reference(site_dir):
    html = (site_dir / "intro.html").read_text()
    (name,) = re.findall(r'href="problem-sets/(lossopt-[^"]+\.whl)"', html)
    names = zipfile.ZipFile(site_dir / "problem-sets" / name).namelist()
    assert "lossopt/interactive.py" in names
    assert not [n for n in names if "solutions" in n]


def reference_code_lines():
    """Distinctive code lines of the reference package (not docstrings, not signatures)."""
    lines = set()
    for module in (ROOT / "solutions").glob("*.py"):
        for line in module.read_text().splitlines():
            line = line.strip()
            code = line.startswith(("return ", "if ", "for ")) or " = " in line
            if code and len(line) >= 30 and not line.startswith(("def ", "#", "r\"\"\"")):
                lines.add(line)
    return lines


def test_no_page_shows_a_reference_function_body(site_dir):
    """Chapters import the reference and call it; no page may print its code."""
    lines = reference_code_lines()
    assert len(lines) > 50
    for page in site_dir.rglob("*.html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(errors="replace")))
        shown = [line for line in lines if line in text]
        assert not shown, f"{page.relative_to(site_dir)} shows reference code: {shown[:3]}"


NOTEBOOK_7_NOTE = ("In Jupyter Notebook 7 the arrow keys do not move a slider: drag the handle, "
                   "click the track, or use Home and End; in JupyterLab the arrow keys work.")


@pytest.mark.parametrize("number", CHAPTERS)
def test_problem_set_says_how_to_move_a_slider_before_its_first(site_dir, number):
    """Notebook 7 ignores the arrow keys on a slider: the text just before it says so."""
    notebook = nbformat.read(site_dir / "problem-sets" / f"ps{number}.ipynb", as_version=4)
    first = next(k for k, cell in enumerate(notebook.cells)
                 if cell.cell_type == "code" and "interactive_figure(" in cell.source)
    before = [cell for cell in notebook.cells[:first] if cell.cell_type == "markdown"][-1]
    assert NOTEBOOK_7_NOTE in " ".join(before.source.split())


# Particles the pages attach to these words (tools/korean_search.py strips them).
WITH_PARTICLE = r"(?:을|이|의|은|는|가|에서|에|과|와|으로|로|도|이다)\b"


@pytest.mark.parametrize("word", ["손실", "모멘텀"])
def test_korean_search_finds_a_word_on_every_page_that_adds_a_particle(site_dir, word):
    """The Korean index holds 손실, not 손실을 and 손실이 apart: searching it finds them all."""
    index = search_index(site_dir / "ko")
    forms = re.compile(re.escape(word) + WITH_PARTICLE)
    using = {doc for doc in index["docnames"]
             if forms.search(article_text(site_dir / "ko" / f"{doc}.html"))}
    assert using, f"no Korean page writes {word} with a particle"
    assert using <= pages_of(index, word)
    # a term of no page is a leftover of an incremental build (Sphinx keeps the old index's
    # terms when it re-indexes every page), not a word the search finds
    separate = sorted(term for kind in ("terms", "titleterms") for term in index[kind]
                      if forms.fullmatch(term) and pages_of(index, term))
    assert separate == [], f"{word} with a particle is indexed as another word"


@pytest.mark.parametrize("page", CHAPTERS.values())
def test_a_korean_page_toggles_its_hidden_code_in_korean(site_dir, page):
    """myst-nb's toggle of a hidden code cell is a setting (tools/build_edition.py SETTINGS)."""
    text = (site_dir / "ko" / "chapters" / f"{page}.html").read_text()
    english = (site_dir / "chapters" / f"{page}.html").read_text()
    assert "Show code cell" not in text and "Hide code cell" not in text
    assert text.count("코드 보기") == english.count("Show code cell source") > 0


@pytest.mark.parametrize("page", ["intro", "search", *(f"chapters/{p}" for p in CHAPTERS.values())])
def test_a_korean_page_s_theme_words_are_korean(site_dir, page):
    """The footer and the search box: settings of the edition, not catalog messages."""
    text = (site_dir / "ko" / f"{page}.html").read_text()
    author = re.search(r'<p class="component-author">\s*(.*?)\s*</p>', text, re.S).group(1)
    assert author == "지은이: 손실 함수와 옵티마이저 강좌"   # the theme's catalog said 으로
    placeholders = set(re.findall(r'placeholder="([^"]*)"', text))
    assert placeholders == {"이 책에서 검색..."}
