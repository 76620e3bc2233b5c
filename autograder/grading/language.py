"""The grader's language: every sentence a student reads, in English or in Korean.

A problem set comes in two copies with the same cells, grade ids and test
code: ``source/psN/psN.ipynb`` (English, the one nbgrader grades against) and
``source_ko/psN/psN.ipynb`` (Korean, written by ``make_source.py``).  A
notebook says its language in its metadata (``{"lossopt": {"language":
"ko"}}``, which the Korean copy carries); anything else is English.  A
student who changes it changes only the language of what they read.

The English text is the message id; the Korean text is in one gettext
catalog, ``locales/ko/LC_MESSAGES/grading.po``, read with babel (no compiled
``.mo`` in the repository; entries marked fuzzy are not used).  Its template
is every message of the grader and of the problem sets (:func:`template`):
strings in code marked ``tr(language, "...")`` or ``N_("...")``, and the
texts of the problem sets' tables (docstrings, instructions, confusions,
visible checks).  ``python autograder/make_source.py --catalog`` updates the
catalog from it, so a changed English sentence shows up untranslated or fuzzy.
"""

from __future__ import annotations

import functools
import gettext
import io
import sys
from pathlib import Path

import nbformat
from babel.messages import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

HERE = Path(__file__).resolve().parent
COURSE = HERE.parent
LANGUAGES = ("en", "ko")
DOMAIN = "grading"
CATALOGS = COURSE / "locales"
#: Where the copy of each problem set in a language other than English lives.
SOURCES = {"ko": COURSE / "source_ko"}
#: The files whose ``tr(language, "...")`` and ``N_("...")`` strings are messages.
CODE_FILES = [HERE / name for name in ("cases.py", "confusions.py", "diagnosis.py", "verdict.py",
                                       "feedback_summary.py", "language.py")] + [
    COURSE / "make_source.py"]
KEYWORDS = {"tr": (2,), "N_": None}


def N_(text):
    """Mark ``text`` as a message without translating it here (gettext_noop)."""
    return text


#: What nbgrader's release writes in place of a solution (``ClearSolutions``), in words of
#: the notebook's language.  The code stub still raises NotImplementedError: that is what
#: an unwritten function raises, and what the figure's ``usable()`` reports as not written.
CODE_STUB = N_("YOUR CODE HERE")
TEXT_STUB = N_("YOUR ANSWER HERE")


def stub_comment(language):
    """The comment line that marks where a student writes code, in ``language``."""
    return f"# {tr(language, CODE_STUB)}"


def stubs(language):
    """nbgrader's ``ClearSolutions`` stubs in ``language``.

    Returns (the code stub by kernel language, the text stub)."""
    code = f"{stub_comment(language)}\nraise NotImplementedError()"
    return {"python": code}, tr(language, TEXT_STUB)


def catalog_path(language):
    return CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language):
    with open(catalog_path(language), "rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


@functools.lru_cache(maxsize=None)
def translations(language):
    """Python's gettext translations of ``language`` (English: the message ids themselves)."""
    if language not in LANGUAGES:
        raise ValueError(f"no such language {language!r}; the grader speaks {LANGUAGES}")
    if language == "en":
        return gettext.NullTranslations()
    mo = io.BytesIO()
    write_mo(mo, read_catalog(language))    # fuzzy entries are left out
    mo.seek(0)
    return gettext.GNUTranslations(mo)


def tr(language, text):
    """``text`` (an English message) in ``language``."""
    return translations(language).gettext(text)


def of(nb):
    """The language a notebook asks for: its ``lossopt.language`` metadata, else English."""
    meta = nb.get("metadata", {}).get("lossopt", {})
    language = meta.get("language") if isinstance(meta, dict) else None
    return language if language in LANGUAGES else "en"


def source_path(language, ps, root=COURSE):
    """The problem set ``ps`` in ``language``, under the course folder ``root``."""
    folder = Path(root) / "source" if language == "en" else Path(root) / SOURCES[language].name
    return folder / ps / f"{ps}.ipynb"


def release_folder(language):
    """Where ``python -m grading release`` puts the student copies in ``language``."""
    return "release" if language == "en" else f"release_{language}"


def release_copies(root, names):
    """Release the copies of the problem sets ``names`` in every language but English.

    One assignment per problem set, whatever the language: ``release_ko/psN/psN.ipynb``
    is made by nbgrader's ``generate_assignment`` from ``source_ko/psN`` with the
    gradebook left alone (``--no-db``), so the gradebook keeps the English source that
    every submission, Korean or English, is graded against (and that
    :class:`LocalizedCells` turns back into Korean for a Korean submission).  Where a solution
    was, the copy says so in its own language (:func:`stubs`).  Returns the names that
    failed, with nbgrader's error printed.
    """
    from nbgrader.apps import NbGraderAPI

    from .config_check import checked_config

    failed = []
    for language in LANGUAGES[1:]:
        config = checked_config(root)
        config.CourseDirectory.source_directory = SOURCES[language].name
        config.CourseDirectory.release_directory = release_folder(language)
        config.GenerateAssignment.no_database = True   # nbgrader's --no-db is these two:
        config.SaveCells.enabled = False                # without it the Korean cells would
        #                                                 replace the English in the gradebook
        config.ClearSolutions.code_stub, config.ClearSolutions.text_stub = stubs(language)
        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        for ps in names:
            if not source_path(language, ps, root).is_file():
                failed.append(ps)
                print(f"{ps}: no {language} copy at {source_path(language, ps, root)}",
                      file=sys.stderr)
                continue
            result = api.generate_assignment(ps, force=True, create=True)
            if not result["success"]:
                failed.append(ps)
                print(f"{ps} ({language}): release failed\n{result.get('error', '')}",
                      file=sys.stderr)
            else:
                print(f"released {ps} ({language}) -> "
                      f"{Path(root) / release_folder(language) / ps}")
    return failed


# ------------------------------------------------------------- template


def code_messages():
    """(message, where) of every marked string in the grader's code."""
    out = []
    for path in CODE_FILES:
        for lineno, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=()):
            out.append((message, f"{path.relative_to(COURSE)}:{lineno}"))
    return out


def table_messages():
    """(message, where) of every text of the problem sets' tables."""
    import make_source   # the problem sets' text lives beside the sources it writes

    from . import cases, confusions
    out = [(text, f"make_source.py:{where}") for where, text in make_source.texts()]
    out += [(c.text, f"confusions:{c.key}") for c in confusions.CATALOGUE.values()]
    out += [(check.why, f"cases:{task.grade_id}") for task in cases.TASKS.values()
            for check in task.checks]
    return out


def template():
    """The catalog of every message, without translations (what ``grading.pot`` would hold)."""
    catalog = Catalog(domain=DOMAIN, project="lossopt problem sets", fuzzy=False)
    for message, where in code_messages() + table_messages():
        if message.strip():
            catalog.add(message, locations=[(where.rsplit(":", 1)[0], None)])
    return catalog


def update_catalog(language):
    """Bring ``language``'s catalog up to date with :func:`template`; changed entries turn fuzzy."""
    from babel.messages.pofile import write_po

    path = catalog_path(language)
    if path.exists():
        catalog = read_catalog(language)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=language, domain=DOMAIN, fuzzy=False)
    catalog.update(template(), no_fuzzy_matching=False)
    catalog.obsolete.clear()      # git keeps what a removed message said
    with open(path, "wb") as po:
        write_po(po, catalog, width=100, omit_header=False, sort_output=False)
    return path


def missing(language):
    """Messages of the template with no usable translation: untranslated or fuzzy."""
    catalog = read_catalog(language)
    out = []
    for message in template():
        if not message.id:
            continue
        entry = catalog.get(message.id)
        if entry is None or not entry.string or entry.fuzzy:
            out.append(message.id)
    return out


# ------------------------------------------------------- the preprocessor


class LocalizedCells(NbGraderPreprocessor):
    """Put back the read-only cells of a submission in its own language, before it runs.

    ``nbgrader autograde`` first restores every read-only cell (instructions,
    setup, visible checks, the figure) from the English source, so a Korean
    submission would come back half English.  This preprocessor runs first
    among the autograde preprocessors: for a notebook whose language is not
    English, each read-only cell gets the text of the same grade id in the
    course's own copy in that language (never the student's), whose test
    cells hold the same code as the English ones (``tests/test_ko_problem_sets.py``).
    Grading is unchanged: the verdict runs the English source's setup cells.
    """

    def preprocess(self, nb, resources):
        language = of(nb)
        if language == "en":
            return nb, resources
        coursedir = CourseDirectory(parent=self)
        ps = resources["nbgrader"]["assignment"]
        path = source_path(language, ps, coursedir.root)
        if resources["nbgrader"]["notebook"] != ps or not path.is_file():
            self.log.warning("no %s copy of %s at %s: the cells stay English", language, ps, path)
            return nb, resources
        localized = {}
        for cell in nbformat.read(str(path), as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("locked"):
                localized[meta["grade_id"]] = cell
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            other = localized.get(meta.get("grade_id"))
            if meta.get("locked") and other is not None and other.cell_type == cell.cell_type:
                cell.source = other.source
        return nb, resources
