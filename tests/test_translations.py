"""The Korean catalogs (``locales/ko``): what is translated keeps the English message's markup.

A translated paragraph is parsed again as MyST, so its maths, glue roles, citations and code
must be the English ones exactly; a ``{term}``, ``{doc}`` or ``{ref}`` may show Korean text but
must keep its target, and a link may translate its text but not where it leads.  Messages not
yet translated are allowed until the Korean edition is built (see ``locales/README.md``); a
fuzzy one (an English paragraph changed under its translation) is not.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGS = sorted((Path(__file__).resolve().parents[1] / "locales" / "ko").rglob("*.po"))

MARKUP = re.compile(
    r"\$\$.+?\$\$|\$[^$]+\$|\{[\w:-]+\}`[^`]*`|(?<!\})`[^`]+`|\]\([^)]*\)|<[^>]+>", re.S)
LINKED = re.compile(r"\{(term|doc|ref|numref)\}`(?:[^`<]*<([^>`]+)>|([^`]+))`")


def markup(text):
    """The multiset of a message's markup, a linked role counted by its target only."""
    found = Counter()
    for token in MARKUP.findall(text):
        linked = LINKED.fullmatch(token)
        found[f"{{{linked[1]}}}<{linked[2] or linked[3]}>" if linked else token] += 1
    return found


def translated(path):
    with open(path, "rb") as f:
        return [m for m in read_po(f) if m.id and m.string]


def test_markup_counts_a_term_by_its_target():
    assert markup("{term}`학습률 <learning rate>`") == markup("{term}`learning rate`")
    assert markup("$x$ {glue:text}`a:g`") != markup("$y$ {glue:text}`a:g`")


def test_there_are_catalogs():
    assert CATALOGS


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_a_translation_keeps_the_markup_of_its_message(path):
    wrong = [f"line {m.lineno}: only in English {sorted((markup(m.id) - markup(m.string)))}, "
             f"only in Korean {sorted((markup(m.string) - markup(m.id)))}"
             for m in translated(path) if markup(m.id) != markup(m.string)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_no_translation_is_fuzzy(path):
    with open(path, "rb") as f:
        fuzzy = [m.lineno for m in read_po(f) if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy messages at lines {fuzzy}"
