"""What of a submission's *files* the trusted grader may touch.

A submission folder is untrusted input like the code in it: an archive
from a learning platform or a student's exchange folder can hold symbolic
links (to the gradebook, the source notebook, another student's work),
hard links, fifos that block a reader forever, devices, sparse files of
gigabytes, trees thousands of folders deep, and names with terminal
control characters.  nbgrader itself copies and chmods whatever it finds,
following links.  So before nbgrader sees a submission, :func:`stage`
copies it into a private folder, keeping only:

- regular files with one name (no symbolic or hard link), each opened
  with ``O_NOFOLLOW`` and checked to be the file that was surveyed;
- folders, at most ``Limits.depth`` deep;
- at most ``Limits.entries`` entries and ``Limits.total_bytes`` in all,
  no file over ``Limits.file_bytes`` (a notebook over
  ``Limits.notebook_bytes``), names of printable characters only.

Everything else is reported by name (escaped) and not copied; nbgrader
grades the staged copy.  Notebooks are staged repaired (:func:`repair`):
cells copied and pasted in JupyterLab carry duplicated nbgrader metadata,
which makes nbgrader 0.9.6 fail on the whole notebook.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import uuid
from pathlib import Path

from .kernel import without_hidden_tests

REPAIR_NOTE = "# lossopt: this cell holds every copy of a cell that was copied and pasted\n"
COPY_NOTE = "# lossopt: a copy of the cell {grade_id}; it is graded as part of the first copy\n"


@dataclasses.dataclass(frozen=True)
class Limits:
    """Bounds on one submission folder (bytes are apparent sizes, st_size)."""

    depth: int = 4
    entries: int = 100
    file_bytes: int = 8 * 1024**2
    notebook_bytes: int = 8 * 1024**2
    total_bytes: int = 16 * 1024**2


DEFAULT_LIMITS = Limits()


@dataclasses.dataclass
class Report:
    """What :func:`survey` or :func:`stage` made of a folder."""

    files: list = dataclasses.field(default_factory=list)      # relative paths, kept
    rejected: list = dataclasses.field(default_factory=list)   # (relative path, why)
    notes: list = dataclasses.field(default_factory=list)      # repairs made

    def problems(self) -> list[str]:
        return [f"{printable(path)}: {why}, not copied" for path, why in self.rejected]


def printable(text, limit=120) -> str:
    """``text`` safe for a terminal and a log: control characters escaped, length cut."""
    out = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))
    return out if len(out) <= limit else out[:limit - 1] + "…"


def _kind(mode) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a fifo"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "not a regular file"


def check_folder(path) -> str | None:
    """Why ``path`` is not a real folder to grade (a link, missing), or None."""
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return _kind(info.st_mode)
    return None


def survey(folder, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Walk ``folder`` without following anything; say what may be copied."""
    folder = Path(folder)
    report = Report()
    total = 0
    count = 0
    pending = [(folder, 0)]
    while pending:
        here, depth = pending.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError as error:
            report.rejected.append((str(here.relative_to(folder)), f"unreadable ({error.strerror})"))
            continue
        for entry in entries:
            rel = os.path.relpath(entry.path, folder)
            count += 1
            if count > limits.entries:
                report.rejected.append((rel, f"more than {limits.entries} entries in the folder"))
                continue
            if not entry.name.isprintable():
                report.rejected.append((rel, "a name with control characters"))
                continue
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                if depth + 1 >= limits.depth:
                    report.rejected.append((rel, f"a folder deeper than {limits.depth} levels"))
                else:
                    pending.append((Path(entry.path), depth + 1))
                continue
            if not stat.S_ISREG(info.st_mode):
                report.rejected.append((rel, _kind(info.st_mode)))
                continue
            if info.st_nlink > 1:
                report.rejected.append((rel, f"a hard link (the file has {info.st_nlink} names)"))
                continue
            bound = limits.notebook_bytes if rel.endswith(".ipynb") else limits.file_bytes
            if info.st_size > bound:
                report.rejected.append((rel, f"{info.st_size} bytes, over {bound}"))
                continue
            if total + info.st_size > limits.total_bytes:
                report.rejected.append((rel, f"the folder's files pass {limits.total_bytes} bytes"))
                continue
            total += info.st_size
            report.files.append(rel)
    report.files.sort()
    return report


def read_file(path, bound: int) -> bytes:
    """The bytes of a regular file, never through a link, never more than ``bound``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            raise OSError(f"{printable(path)} is {_kind(info.st_mode)}")
        if info.st_size > bound:
            raise OSError(f"{printable(path)} has {info.st_size} bytes, over {bound}")
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, bound + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > bound:
                raise OSError(f"{printable(path)} grew past {bound} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def copy_checked(src, dest, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Copy what :func:`survey` keeps of ``src`` into a new folder ``dest``."""
    src, dest = Path(src), Path(dest)
    report = survey(src, limits)
    dest.mkdir(parents=True, exist_ok=False)
    kept = []
    for rel in report.files:
        try:
            data = read_file(src / rel, max(limits.file_bytes, limits.notebook_bytes))
        except OSError as error:          # changed since the survey: a race, or a trick
            report.rejected.append((rel, f"changed while it was copied ({error})"))
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        kept.append(rel)
    report.files = kept
    return report


# ------------------------------------------------------------- notebooks


def _grade_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def repair(nb: dict) -> list[str]:
    """Undo what copy and paste does to nbgrader cells; return what was done.

    - Repeated cell ids get new ones.
    - Copies of a cell with the same grade id: the first keeps the id;
      for an answer cell (solution, not locked) it gets the sources of
      every copy in order, as the notebook would have run them, and the
      later copies keep their text as comments; every later copy loses
      its nbgrader metadata.  Locked cells come from the source anyway.
    """
    notes = []
    cells = nb.get("cells", [])
    seen_ids = set()
    for cell in cells:
        if "id" in cell:
            if cell["id"] in seen_ids:
                cell["id"] = uuid.uuid4().hex[:8]
                notes.append("repeated cell id replaced")
            seen_ids.add(cell["id"])
    first = {}
    for cell in cells:
        grade_id = _grade_id(cell)
        if grade_id is None:
            continue
        if grade_id not in first:
            first[grade_id] = cell
            continue
        kept = first[grade_id]
        meta = kept["metadata"]["nbgrader"]
        if meta.get("solution") and not meta.get("locked"):
            text = _text(cell.get("source", ""))
            body = _text(kept.get("source", "")).removeprefix(REPAIR_NOTE)
            joined = body + "\n\n" + text
            if kept.get("cell_type") == "code":
                joined = REPAIR_NOTE + joined
                commented = "\n".join("# " + line for line in text.splitlines())
                cell["source"] = COPY_NOTE.format(grade_id=grade_id) + commented
            kept["source"] = joined
            notes.append(f"copies of the answer cell {grade_id} (copy and paste) "
                         "graded together, in order")
        else:
            cell["source"] = without_hidden_tests(_text(cell.get("source", "")))
            notes.append(f"a copy of the cell {grade_id} (copy and paste) is not graded; "
                         "the first one is")
        del cell["metadata"]["nbgrader"]
    return notes


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def repair_file(path) -> list[str]:
    """Repair the notebook at ``path`` in place (see :func:`repair`)."""
    try:
        nb = json.loads(Path(path).read_bytes())
    except (ValueError, UnicodeDecodeError):
        return []          # not JSON: nbgrader reports it as not a notebook
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return []
    notes = repair(nb)
    if notes:
        Path(path).write_text(json.dumps(nb, indent=1))
    return notes


def stage(src, dest, limits: Limits = DEFAULT_LIMITS) -> Report:
    """Copy a submission folder into ``dest`` for nbgrader (see module doc)."""
    if Path(dest).exists():
        shutil.rmtree(dest)
    report = copy_checked(src, dest, limits)
    for rel in report.files:
        if rel.endswith(".ipynb"):
            report.notes += [f"{rel}: {note}" for note in
                             dict.fromkeys(repair_file(Path(dest) / rel))]
    return report
