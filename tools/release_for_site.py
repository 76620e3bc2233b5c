"""Put the student version of every problem set where the website serves it.

    python tools/release_for_site.py [OUT]      # default OUT: _build/html/problem-sets

Runs ``nbgrader generate_assignment`` (through ``python -m grading release``)
on a temporary copy of the course, never in ``autograder/`` itself, and
copies each released ``psN/psN.ipynb`` to ``OUT/psN.ipynb`` and each Korean
copy (``release_ko/psN/psN.ipynb``) to ``OUT/ko/psN.ipynb``.  A released
notebook that still holds solution or hidden-test text is refused.  The
step is skipped when every one of them is newer than the course files.

Chapters link a download from their page in ``_build/html/chapters/``::

    <a href="../problem-sets/ps1.ipynb" download>ps1.ipynb</a>

and a Korean chapter (``_build/html/ko/chapters/``) would link
``../../problem-sets/ko/ps1.ipynb``.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "autograder"
BANNED = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "solutions")


#: Where each language's released sets go under OUT, and where nbgrader releases them.
LANGUAGES = {"": "release", "ko": "release_ko"}


def course_files():
    return [COURSE / "nbgrader_config.py", COURSE / "locales" / "ko" / "LC_MESSAGES" / "grading.po",
            *sorted((COURSE / "source").glob("*/*.ipynb")),
            *sorted((COURSE / "source_ko").glob("*/*.ipynb"))]


def up_to_date(out):
    sources = course_files()
    newest = max(p.stat().st_mtime for p in sources)
    names = sorted(p.name for p in (COURSE / "source").glob("*/*.ipynb"))
    targets = [out / sub / name for sub in LANGUAGES for name in names]
    return all(t.exists() and t.stat().st_mtime > newest for t in targets)


def release_into(out):
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lossopt-release-") as tmp:
        course = Path(tmp) / "autograder"
        shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns(
            *LANGUAGES.values(), "submitted", "autograded", "feedback", "gradebook.db",
            "__pycache__"))
        (Path(tmp) / "solutions").symlink_to(ROOT / "solutions")
        done = subprocess.run([sys.executable, "-m", "grading", "--root", str(course), "release"],
                              cwd=course, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"nbgrader release failed:\n{done.stderr}")
        for sub, released in LANGUAGES.items():
            (out / sub).mkdir(parents=True, exist_ok=True)
            for notebook in sorted((course / released).glob("*/*.ipynb")):
                text = notebook.read_text()
                found = [word for word in BANNED if word in text]
                if found:
                    raise SystemExit(f"{released}/{notebook.name}: the release still holds "
                                     f"{found}; not copied")
                shutil.copy(notebook, out / sub / notebook.name)
                print(f"wrote {out / sub / notebook.name}")


def main(argv):
    out = Path(argv[0]) if argv else ROOT / "_build" / "html" / "problem-sets"
    if up_to_date(out):
        print(f"{out}: problem sets up to date")
        return 0
    release_into(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
