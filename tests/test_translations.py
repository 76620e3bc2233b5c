"""The Korean catalogs (``locales/ko``): what is translated keeps the English message's markup.

A translated paragraph is parsed again as MyST, so its maths, glue roles, citations and code
must be the English ones exactly; a ``{term}``, ``{doc}`` or ``{ref}`` may show Korean text but
must keep its target, and a link may translate its text but not where it leads.  None is
fuzzy (an English paragraph changed under its translation).

The Korean edition is complete: every page of the book has a catalog and every message of it
is translated (red while the translators are still at work: it says how many are left where).
The glossary is the term base: each ``{term}`` of a Korean message shows the glossary's Korean
term of its target (the bold words opening the entry's definition), and the Korean glossary
keeps each entry's English term (the roles' target) and its Korean term.
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


# The Korean edition is complete: every message of every page translated, none fuzzy.

ROOT = Path(__file__).resolve().parents[1]


def toc_pages():
    """The docnames of the book's pages, in the order of ``_toc.yml``."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part.get("chapters", [])]
    return pages


def untranslated(path):
    """Line numbers of the catalog's messages with no translation, and of its fuzzy ones."""
    with open(path, "rb") as f:
        catalog = read_po(f)
    empty = [m.lineno for m in catalog if m.id and not m.string]
    fuzzy = [m.lineno for m in catalog if m.id and m.fuzzy]
    return empty, fuzzy, len([m for m in catalog if m.id])


def test_every_page_of_the_book_has_a_korean_catalog():
    missing = [page for page in toc_pages()
               if not (ROOT / "locales" / "ko" / "LC_MESSAGES" / f"{page}.po").is_file()]
    assert not missing, f"no Korean catalog for {missing}: run `make catalogs`"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_every_message_of_the_korean_edition_is_translated(path):
    empty, fuzzy, total = untranslated(path)
    assert not empty and not fuzzy, (
        f"{path.relative_to(ROOT)}: {len(empty)} of {total} messages untranslated "
        f"(first at lines {empty[:8]}), {len(fuzzy)} fuzzy (lines {fuzzy[:8]})")


def test_completeness_sees_an_empty_and_a_fuzzy_message(tmp_path):
    po = tmp_path / "page.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "done"\nmsgstr "완료"\n\n'
                  'msgid "open"\nmsgstr ""\n\n'
                  '#, fuzzy\nmsgid "changed"\nmsgstr "바뀜"\n', encoding="utf-8")
    empty, fuzzy, total = untranslated(po)
    assert (len(empty), len(fuzzy), total) == (1, 1, 3)


# The glossary is the term base: every {term} of the Korean edition shows the glossary's
# Korean term of its target, and the glossary's own translation keeps each entry's Korean term.

GLOSSARY = ROOT / "chapters" / "glossary.md"
GLOSSARY_PO = ROOT / "locales" / "ko" / "LC_MESSAGES" / "chapters" / "glossary.po"
BOLD = re.compile(r"\s*\*\*(.+?)\*\*")
TERM_ROLE = re.compile(r"\{term\}`(?:([^`<]*?)\s*<([^>`]+)>|([^`]+))`")
ACRONYM = re.compile(r"[A-Z]{2,}")


def glossary_entries(text):
    """The glossary's entries: [(terms, definition)], terms as listed, the definition joined."""
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    assert block, "chapters/glossary.md has no ```{glossary} block"
    entries = []
    for line in block[1].splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if not line[0].isspace():
            if entries and not entries[-1][1]:
                entries[-1][0].append(line.strip())     # another term of the same entry
            else:
                entries.append(([line.strip()], ""))
        else:
            terms, definition = entries[-1]
            entries[-1] = (terms, f"{definition} {line.strip()}".strip())
    return entries


def term_base(entries):
    """{target in lower case: (Korean term, the texts a {term} to it may show)}.

    The Korean term is the bold words that open the entry's definition; an entry's
    acronym (MAE, SGD) may be shown as it is, as Korean courses write it.
    """
    base = {}
    for terms, definition in entries:
        korean = BOLD.match(definition)
        assert korean, f"glossary entry {terms} does not open with its Korean term in bold"
        shown = {korean[1], *(t for t in terms if ACRONYM.fullmatch(t))}
        for term in terms:
            base[term.lower()] = (korean[1], shown)
    return base


def term_uses(text):
    """Each ``{term}`` role of ``text`` as (text shown, target)."""
    return [((shown if target else bare).strip(), (target or bare).strip())
            for shown, target, bare in TERM_ROLE.findall(text)]


def test_term_uses_reads_explicit_and_bare_roles():
    assert term_uses("{term}`모멘텀 <momentum>`과 {term}`Adam`") == [
        ("모멘텀", "momentum"), ("Adam", "Adam")]
    base = term_base(glossary_entries(
        "```{glossary}\nmean absolute error\nMAE\n  **평균 절대 오차** (MAE).\n```"))
    assert base["mae"] == base["mean absolute error"] == ("평균 절대 오차", {"평균 절대 오차", "MAE"})


def test_every_term_of_the_korean_edition_uses_the_glossary_korean_term():
    base = term_base(glossary_entries(GLOSSARY.read_text(encoding="utf-8")))
    wrong = []
    for path in CATALOGS:
        for message in translated(path):
            for shown, target in term_uses(message.string):
                if target.lower() not in base:
                    wrong.append(f"{path.stem} line {message.lineno}: {target!r} is not a "
                                 f"glossary term")
                elif shown not in base[target.lower()][1]:
                    wrong.append(f"{path.stem} line {message.lineno}: {{term}} to {target!r} "
                                 f"shows {shown!r}, the glossary's Korean term is "
                                 f"{base[target.lower()][0]!r}")
    assert not wrong, "\n".join(wrong)


def test_the_korean_glossary_keeps_each_entry_term_and_its_korean_term():
    entries = glossary_entries(GLOSSARY.read_text(encoding="utf-8"))
    with open(GLOSSARY_PO, "rb") as f:
        catalog = {m.id: m.string for m in read_po(f) if m.id}
    wrong = []
    koreans = Counter(BOLD.match(definition)[1] for _, definition in entries)
    wrong += [f"two entries share the Korean term {k!r}" for k, n in koreans.items() if n > 1]
    for terms, definition in entries:
        for term in terms:
            # a {term}'s target is the English term: the Korean glossary lists it unchanged
            if catalog.get(term) not in ("", term):
                wrong.append(f"the term {term!r} is translated as {catalog[term]!r}: keep it "
                             f"(the Korean term is the definition's bold opening)")
        message = " ".join(definition.split())
        string = next((s for m, s in catalog.items() if " ".join(m.split()) == message), None)
        if string is None:
            wrong.append(f"the definition of {terms} is not in glossary.po: run `make catalogs`")
        elif string and BOLD.match(string)[1] != BOLD.match(definition)[1]:
            wrong.append(f"the Korean definition of {terms} opens with "
                         f"{BOLD.match(string)[1]!r}, the entry's Korean term is "
                         f"{BOLD.match(definition)[1]!r}")
    assert not wrong, "\n".join(wrong)
