"""Build the book in another language beside the English one: ``_build/html/<language>/``.

    python tools/build_edition.py ko            # the Korean edition, as `make site` does
    python tools/build_edition.py ko --toc T    # only the pages of another table of contents

It is ``jupyter-book build .`` with one setting changed, Sphinx's ``language`` (the messages
come from ``locales/<language>/LC_MESSAGES``, see ``locales/README.md``), into a build folder
of its own, ``_build/<language>/``: its own doctrees, executed notebooks and execution cache
(``_build/<language>/.jupyter_cache``), so the English cache never serves a page whose figures
were drawn in English, and every page's glue data comes from that edition's own execution.
The book's extension (``tools/book_extension.py``) tells the kernels the language
(``LOSSOPT_LANGUAGE``), so figures are drawn in it.  Warnings are errors, as in the English
build, and the finished HTML is copied to ``_build/html/<language>/`` (myst-nb would otherwise
put its ``jupyter_execute`` folder, which holds the notebooks, inside the website).
"""

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = ("ko",)
# The settings each edition changes besides the language: words of the page that are
# settings, not messages of the catalogs (a dict is merged into the book's own).  The book's
# title (the sidebar and every page's <title>) and author (the footer), the toggle of a hidden
# code cell (myst-nb puts "source", "outputs", ... in for {type}: the book hides only cells'
# input, so the Korean toggle names the code), the search box's prompt, and the footer's
# "By" (_templates/author.html: the theme's Korean catalog says 으로).
SETTINGS = {"ko": {"html_title": "손실 함수와 옵티마이저",
                   "author": "손실 함수와 옵티마이저 강좌",
                   "nb_code_prompt_show": "코드 보기",
                   "nb_code_prompt_hide": "코드 숨기기",
                   "html_theme_options": {"search_bar_text": "이 책에서 검색..."},
                   "html_context": {"author_by": "지은이:"}}}


def build(language, toc="_toc.yml", into=ROOT / "_build" / "html"):
    """Build the ``language`` edition and copy it to ``into/<language>``; return Sphinx's status."""
    from jupyter_book.sphinx import build_sphinx

    if language not in EDITIONS:
        raise SystemExit(f"unknown edition {language!r}: the book has {', '.join(EDITIONS)}")
    catalogs = ROOT / "locales" / language / "LC_MESSAGES"
    if not catalogs.is_dir():
        raise SystemExit(f"no catalogs for {language!r}: {catalogs} is missing")
    output = ROOT / "_build" / language / "html"
    status = build_sphinx(
        ROOT, output, noconfig=True, path_config=ROOT / "_config.yml",
        confoverrides={"external_toc_path": Path(toc).as_posix(),
                       "latex_individualpages": False, "language": language,
                       **SETTINGS[language]},
        warningiserror=True, keep_going=True)
    if status:
        return status
    target = Path(into) / language
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(output, target)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("language", choices=EDITIONS)
    parser.add_argument("--toc", default="_toc.yml",
                        help="table of contents, relative to the book root (default _toc.yml)")
    args = parser.parse_args(argv)
    return build(args.language, args.toc)


if __name__ == "__main__":
    sys.exit(main())
