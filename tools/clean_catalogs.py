"""Drop the ``python-format`` flags that babel guesses on the book's catalogs.

A message that contains "90% of" looks like a %-format string to babel, which
then flags it ``python-format``; ``msgfmt -c`` rejects any translation of it
("90%를"). The book's messages are MyST, never %-formatted, so every format
flag is removed (``make catalogs`` runs this after ``sphinx-intl update``).

    python tools/clean_catalogs.py locales/ko
"""

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

FORMAT_FLAGS = {"python-format", "no-python-format", "python-brace-format"}


def clean(path: Path) -> bool:
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    changed = False
    for message in catalog:
        if message.flags & FORMAT_FLAGS:
            message.flags -= FORMAT_FLAGS
            changed = True
    if changed:
        with open(path, "wb") as handle:
            write_po(handle, catalog, width=76)
    return changed


if __name__ == "__main__":
    for folder in sys.argv[1:]:
        for path in sorted(Path(folder).rglob("*.po")):
            if clean(path):
                print(f"cleaned {path}")
