"""A submission is files too: links, special files, floods and scripts (problem set 2).

A temporary copy of the course is released; submissions whose *folders*
carry more than an honest notebook (symbolic and hard links, a fifo, a
device, a tree hundreds of folders deep, a sparse file of gigabytes) and
submissions whose code floods the grader (stderr, kernel messages, the
disk, outputs) or puts scripts into its outputs are graded with the
instructor's command beside honest students, then feedback is made.
For each: no undeserved point, nothing outside the student's folders read
into feedback or changed, the gradebook writable and intact, what one
submission leaves on disk bounded, the grader's memory bounded, nothing
left in /tmp, and the feedback page runs no script of the student's.
"""

import copy
import re
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from grading_kit import course_ignore
from nbformat.v4 import new_code_cell, new_markdown_cell

from hostile import nbcourse

pytestmark = pytest.mark.slow

ROOT = nbcourse.ROOT
PS = "ps2"
NB = f"{PS}.ipynb"
MARK = "LOSSOPT_FILES_MARK"        # in every planted file and every script
DISK_BOUND = 24 * 1024**2          # what one submission may leave in autograded/ + feedback/
MEMORY_BOUND = 1024**3             # resident bytes of any trusted grading process

SCRIPT_CELL = f"""
from IPython.display import HTML, Javascript, SVG, display, Markdown
display(HTML('<script>window.{MARK}_html = 1</script><img src=x onerror="window.{MARK}_img=1">'))
display(Javascript('window.{MARK}_js = 1'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg"><script>window.{MARK}_svg=1</script></svg>'))
display(Markdown('<script>window.{MARK}_md = 1</script>'))
"""
STDERR_FLOOD = f"""
import os, sys
line = b'\\x1b]0;{MARK}\\x07\\x1b[2J{MARK} ' * 1000 + b'\\n'
for _ in range(2000):
    os.write(2, line)
    sys.__stderr__.write(line.decode())
"""
MESSAGE_FLOOD = """
from IPython.display import display
for k in range(40):
    display({'text/plain': str(k) * 50_000_000}, raw=True)
"""
FILL_DISK = f"""
import os
for k in range(400):
    try:
        with open(f'fill-{{k}}-{MARK}', 'wb') as f:
            f.write(bytes(8 * 1024 * 1024))
    except OSError:
        break
"""
AMPLIFY = """
for k in range(200):
    print('x' * 100_000)
raise ValueError('y' * 10_000_000)
"""


def with_cell(code, markdown=None):
    """The source notebook (every function right) with one more cell of ``code``."""
    def build(source):
        nb = copy.deepcopy(source)
        nb.cells.append(new_code_cell(code))
        if markdown:
            nb.cells.append(new_markdown_cell(markdown))
        return nb
    return build


def copy_pasted(source):
    """JupyterLab copy and paste: cells repeated with their nbgrader metadata."""
    nb = copy.deepcopy(source)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in ("mae_solution", "mae_value", "huber_solution"):
            twin = copy.deepcopy(cell)
            if grade_id == "huber_solution":     # the first copy a stub, the second right
                cell.source = "def huber(y_true, y_pred, delta=1.0):\n    raise NotImplementedError"
            cells.append(twin)
    nb.cells = cells
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("files")
    repo = base / "repo"
    shutil.copytree(ROOT / "autograder", repo / "autograder",
                    ignore=course_ignore())
    (repo / "solutions").symlink_to(ROOT / "solutions")
    root = repo / "autograder"
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("\nc.Execute.timeout = 20\nc.SandboxedExecute.notebook_timeout = 60\n")
    assert cli(root, "release", PS).returncode == 0
    source = nbformat.read(str(root / "source" / PS / NB), 4)
    release = nbformat.read(str(root / "release" / PS / NB), 4)
    secret = base / f"machine-secret-{MARK}.txt"     # a file of the grading machine
    secret.write_text(MARK)
    secret.chmod(0o600)

    def put(student, nb):
        folder = root / "submitted" / student / PS
        folder.mkdir(parents=True)
        if nb is not None:
            nbformat.write(nb, str(folder / NB))
        return folder

    put("honest_full", source)
    put("honest_copy_paste", copy_pasted(source))
    put("honest_script", with_cell(SCRIPT_CELL, f"<script>window.{MARK}_cell=1</script>")(source))
    put("honest_stderr", with_cell(STDERR_FLOOD)(source))
    put("honest_messages", with_cell(MESSAGE_FLOOD)(source))
    put("honest_fill_disk", with_cell(FILL_DISK)(source))
    put("honest_amplify", with_cell(AMPLIFY)(source))

    folder = put("f_link_source", None)                     # the notebook is a link
    (folder / NB).symlink_to(root / "source" / PS / NB)
    folder = put("f_hard_link", None)                       # ... or a hard link
    os.link(root / "source" / PS / NB, folder / NB)
    folder = put("f_links_beside", release)                 # links next to the notebook
    (folder / "gradebook.db").symlink_to(root / "gradebook.db")
    (folder / "source").symlink_to(root / "source")
    (folder / "secret.txt").symlink_to(secret)
    (folder / "honest.ipynb").symlink_to(root / "submitted" / "honest_full" / PS / NB)
    folder = put("f_link_other", None)                      # grading through a link
    (folder / NB).symlink_to(root / "submitted" / "honest_full" / PS / NB)
    (root / "submitted" / "f_linked_folder").mkdir()        # the folder itself a link
    (root / "submitted" / "f_linked_folder" / PS).symlink_to(root / "source" / PS)
    folder = put("f_special", release)                      # a fifo and a device
    os.mkfifo(folder / "pipe")
    os.mknod(folder / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    folder = put("f_deep", release)                         # a very deep tree
    deep = folder
    for _ in range(300):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("deep")
    folder = put("f_sparse", release)                       # 2 GB that take no disk
    with open(folder / "data.bin", "wb") as f:
        f.truncate(2 * 1024**3)

    gradebook_mode = None
    honest_bytes = (root / "submitted" / "honest_full" / PS / NB).read_bytes()
    tmp_before = set(os.listdir("/tmp"))
    peak = {"rss": 0}
    proc = subprocess.Popen(
        [sys.executable, "-m", "grading", "autograde", PS, "--jobs", "2"], cwd=root,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watch = threading.Thread(target=watch_memory, args=(proc.pid, peak), daemon=True)
    watch.start()
    out, err = proc.communicate(timeout=1200)
    gradebook_mode = stat.S_IMODE(os.stat(root / "gradebook.db").st_mode)
    feedback = cli(root, "feedback", PS)
    suspicion = cli(root, "suspicion", PS)
    return dict(root=root, source=source, code=proc.returncode, out=out, err=err,
                feedback=feedback, suspicion=suspicion, secret=secret,
                scores=nbcourse.totals(root, PS), gradebook_mode=gradebook_mode,
                honest_bytes=honest_bytes, peak=peak["rss"],
                tmp_new=set(os.listdir("/tmp")) - tmp_before)


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "grading", *args], cwd=root,
                          capture_output=True, timeout=1200)


def tree(pid):
    """pid and all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def watch_memory(pid, peak):
    """Largest resident size of a process of the grader's own uid in the run's tree."""
    while Path(f"/proc/{pid}").exists():
        for p in tree(pid):
            try:
                status = Path(f"/proc/{p}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields.get("Uid", "0").split()[0]) != os.getuid():
                continue      # a sandboxed kernel: its memory is its own limit's business
            rss = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
            peak["rss"] = max(peak["rss"], rss)
        time.sleep(0.1)


def test_no_undeserved_point_and_honest_work_keeps_its_points(batch):
    scores, full = batch["scores"], batch["scores"]["honest_full"]
    assert full == 17.0
    for student in ("honest_copy_paste", "honest_script", "honest_stderr",
                    "honest_messages", "honest_fill_disk", "honest_amplify"):
        assert scores[student] == full, student
    for student in ("f_link_source", "f_hard_link", "f_links_beside", "f_link_other",
                    "f_linked_folder", "f_special", "f_deep", "f_sparse"):
        assert scores.get(student, 0) == 0, student


def test_what_was_not_copied_is_reported_by_name(batch):
    err = batch["err"].decode()
    assert "f_link_source: not graded: no notebook ps2.ipynb to grade" in err
    assert "ps2.ipynb: a symbolic link" in err
    assert "f_hard_link: not graded" in err and "a hard link" in err
    assert "f_linked_folder: not graded: the submission folder is a symbolic link" in err
    for name in ("gradebook.db", "source", "secret.txt", "honest.ipynb"):
        assert f"f_links_beside: {name}: a symbolic link, not copied" in err
    assert "f_special: pipe: a fifo, not copied" in err
    assert "f_special: null: a device, not copied" in err
    assert "f_deep: d/d/d/d: a folder deeper than" in err
    assert "f_sparse: data.bin: 2147483648 bytes" in err
    assert "honest_copy_paste: ps2.ipynb: copies of the answer cell mae_solution" in err
    assert batch["code"] == 1      # some submissions were not graded


def test_nothing_outside_the_students_folders_is_read_or_changed(batch):
    root = batch["root"]
    for folder in ("autograded", "feedback"):
        for path in (root / folder).rglob("*"):
            assert not path.is_symlink(), path
            assert path.name not in ("gradebook.db", "secret.txt", "honest.ipynb"), path
            if path.is_file():
                assert MARK not in path.read_text(errors="replace") or \
                    path.parts[-3].startswith("honest_"), path
    assert (root / "submitted" / "honest_full" / PS / NB).read_bytes() == batch["honest_bytes"]
    assert batch["gradebook_mode"] & 0o200, "the gradebook stays writable"
    assert stat.S_IMODE(batch["secret"].stat().st_mode) == 0o600
    con = sqlite3.connect(root / "gradebook.db")
    assert con.execute("pragma integrity_check").fetchall() == [("ok",)]
    con.close()
    solution_line = "return 2.0 * (y_pred - y_true) / y_pred.size"
    pages = [p for p in (root / "feedback").rglob("*.html")
             if not p.parts[-3].startswith("honest_")]    # honest ones wrote the solutions
    assert pages
    for page in pages:
        assert "BEGIN SOLUTION" not in page.read_text(), page
        assert solution_line not in page.read_text(), page


def test_what_one_submission_leaves_on_disk_is_bounded(batch):
    root = batch["root"]
    for student in batch["scores"]:
        used = sum(p.stat().st_size for folder in ("autograded", "feedback")
                   for p in (root / folder / student).rglob("*") if p.is_file())
        assert used < DISK_BOUND, (student, used)


def test_grader_output_and_memory_are_bounded(batch):
    text = batch["out"] + batch["err"]
    assert len(text) < 20_000, len(text)
    assert MARK.encode() not in text
    assert b"\x1b]" not in text and b"\x1b[2J" not in text
    assert batch["peak"] < MEMORY_BOUND, batch["peak"]


def test_nothing_is_left_in_tmp(batch):
    assert not [name for name in batch["tmp_new"] if name.startswith("lossopt-")]
    assert not list(Path("/tmp").glob(f"*{MARK}*"))


def test_feedback_page_runs_no_script_of_the_students(batch, browser):
    assert batch["feedback"].returncode == 0, batch["feedback"].stderr
    page_path = batch["root"] / "feedback" / "honest_script" / PS / f"{PS}.html"
    html = page_path.read_text()
    assert not re.search(r"<[^>]*\bonerror\s*=", html)    # escaped text is fine
    page = browser.new_page()
    try:
        page.route("**/*", lambda route: route.abort()
                   if not route.request.url.startswith("file://") else route.continue_())
        page.goto(page_path.as_uri())
        page.wait_for_timeout(1000)
        ran = page.evaluate(f"Object.keys(window).filter(k => k.startsWith('{MARK}'))")
    finally:
        page.close()
    assert ran == []


def test_suspicion_report_lists_the_file_attacks(batch):
    assert batch["suspicion"].returncode == 0, batch["suspicion"].stderr
    report = (batch["root"] / "reports" / f"{PS}-suspicion.md").read_text()
    for student in ("f_link_source", "f_links_beside", "f_special", "f_deep", "f_sparse",
                    "f_hard_link", "f_linked_folder"):
        assert f"## {student}:" in report, student
