"""The grading sandbox: what confined student code can and cannot do.

Two layers are checked: ``run_isolated`` (the process that computes
hidden-test numbers) and the nbgrader kernel started by
``SandboxedExecute``, in a tiny course of its own in a tmp folder.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hostile import nbcourse

from grading import sandbox
from grading.isolation import run_isolated

ROOT = nbcourse.ROOT


def run_py(tmp_path, source, timeout=30, **kw):
    """Run Python source through run_isolated in tmp_path/work."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    code = textwrap.dedent(source)
    return run_isolated([sys.executable, "-c", code], cwd=work,
                        timeout=timeout, **kw)


def probe(tmp_path, source):
    """Run source that prints one JSON object; return it."""
    result = run_py(tmp_path, source)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


def test_runs_as_nobody_without_capabilities(tmp_path):
    info = probe(tmp_path, """
        import json, os
        status = open('/proc/self/status').read()
        cap = status.split('CapEff:')[1].split()[0]
        print(json.dumps([os.getuid(), os.getgid(), os.getgroups(), cap]))
    """)
    assert info == [65534, 65534, [], "0000000000000000"]


def test_network_is_unreachable(tmp_path):
    info = probe(tmp_path, """
        import json, socket
        out = []
        for host in [('1.1.1.1', 80), ('127.0.0.1', 22)]:
            try:
                socket.create_connection(host, timeout=2).close()
                out.append('connected')
            except OSError as error:
                out.append(type(error).__name__)
        print(json.dumps(out))
    """)
    assert "connected" not in info
    assert len(info) == 2


def test_own_pid_namespace_and_clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_ONLY_MARKER", "grader-secret")
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))
    info = probe(tmp_path, """
        import json, os
        pids = [p for p in os.listdir('/proc') if p.isdigit()]
        print(json.dumps([len(pids), dict(os.environ)]))
    """)
    n_pids, env = info
    assert n_pids <= 3  # bwrap's init and this process
    assert "GRADER_ONLY_MARKER" not in env
    assert "JPY_PARENT_PID" not in env
    assert env["HOME"].startswith("/tmp")


def test_grader_home_and_repository_are_invisible(tmp_path):
    info = probe(tmp_path, f"""
        import json, os
        root = sorted(os.listdir('/root'))
        repo = sorted(os.listdir({str(ROOT)!r}))
        gradebook = os.path.exists({str(ROOT / 'autograder')!r})
        print(json.dumps([root, repo, gradebook]))
    """)
    root, repo, autograder_seen = info
    home = Path(sys.base_prefix).resolve()
    if str(home).startswith("/root/"):
        assert root == [home.parts[2]]  # e.g. .pyenv, and nothing else
    else:
        assert root == []
    assert repo == ["lossopt"]
    assert autograder_seen is False


def test_lossopt_importable_solutions_not(tmp_path):
    info = probe(tmp_path, f"""
        import json, sys
        import lossopt.surfaces
        found = []
        for path in [{str(ROOT)!r}, '..', '/work/main', '/work']:
            sys.path.insert(0, path)
        try:
            import solutions
            found.append(solutions.__file__)
        except ImportError:
            pass
        print(json.dumps([lossopt.surfaces.__name__, found]))
    """)
    assert info == ["lossopt.surfaces", []]


def test_writes_outside_the_working_folder_fail(tmp_path):
    marker = tmp_path / "outside.txt"
    info = probe(tmp_path, f"""
        import json
        out = {{}}
        for path in [{str(marker)!r}, {str(ROOT / 'lossopt' / 'x.py')!r},
                     '/usr/x', '/etc/passwd', '../escape.txt', 'inside.txt']:
            try:
                with open(path, 'a') as f:
                    f.write('x')
                out[path] = 'written'
            except OSError as error:
                out[path] = type(error).__name__
        print(json.dumps(out))
    """)
    assert info.pop("inside.txt") == "written"
    assert set(info.values()) <= {"PermissionError", "OSError",
                                  "FileNotFoundError"}
    assert not marker.exists()
    assert not (ROOT / "lossopt" / "x.py").exists()
    assert (tmp_path / "work" / "inside.txt").read_text() == "x"


def test_other_folders_of_the_same_parent_are_invisible(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "answer.txt").write_text("bob's work")
    info = probe(tmp_path, f"""
        import json, os
        print(json.dumps(sorted(os.listdir({str(tmp_path)!r}))))
    """)
    assert info == ["work"]


def test_memory_limit(tmp_path):
    result = run_py(tmp_path, """
        try:
            block = bytearray(3 * 1024**3)
            print('allocated')
        except MemoryError:
            print('MemoryError')
    """)
    assert result.stdout.decode().strip() == "MemoryError"


def test_process_limit_stops_a_fork_bomb(tmp_path):
    result = run_py(tmp_path, """
        import os, time
        children = 0
        while True:
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            children += 1
        print(children, flush=True)
        os._exit(0)
    """, timeout=30)
    from grading.isolation import ISOLATED_LIMITS
    children = int(result.stdout.decode().strip())
    assert 0 < children < ISOLATED_LIMITS["processes"]


def test_file_size_limit(tmp_path):
    result = run_py(tmp_path, """
        try:
            with open('big.bin', 'wb') as f:
                f.write(b'x' * (40 * 1024**2))
            print('written')
        except OSError as error:
            print(error.errno)
    """)
    import errno
    assert result.stdout.decode().strip() == str(errno.EFBIG)
    size = (tmp_path / "work" / "big.bin").stat().st_size
    assert size <= sandbox.Limits().file_bytes


def test_cpu_time_limit_kills(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    limits = sandbox.Limits(cpu_seconds=1)
    argv = sandbox.wrap([sys.executable, "-c", "while True: pass"], work,
                        limits=limits)
    result = subprocess.run(argv, capture_output=True, timeout=60)
    assert result.returncode in (-signal.SIGXCPU, -signal.SIGKILL,
                                 128 + signal.SIGXCPU, 128 + signal.SIGKILL)


def test_timeout_kills_even_when_interrupts_are_ignored(tmp_path):
    result = run_py(tmp_path, """
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            pass
    """, timeout=2)
    assert result.returncode == -signal.SIGKILL and result.timed_out


def test_megabytes_of_output_are_cut(tmp_path):
    result = run_py(tmp_path, """
        import sys
        for _ in range(200):
            sys.stdout.write('y' * 100_000)
        sys.stdout.write('END')
    """)
    assert result.returncode == 0
    assert len(result.stdout) == 256 * 1024
    assert result.stdout.endswith(b"END")


def test_stdin_is_fed(tmp_path):
    result = run_py(tmp_path, "import sys; print(sys.stdin.read()[::-1])",
                    stdin_bytes=b"abc")
    assert result.stdout == b"cba\n"


def test_refuses_without_bubblewrap(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(sandbox.UNSANDBOXED_ENV, raising=False)
    with pytest.raises(sandbox.SandboxUnavailable,
                       match="LOSSOPT_UNSANDBOXED=1"):
        sandbox.check_available()
    with pytest.raises(sandbox.SandboxUnavailable, match="bwrap"):
        run_isolated([sys.executable, "-c", "pass"], cwd=tmp_path, timeout=5)


def test_unsandboxed_only_on_request(monkeypatch):
    monkeypatch.setenv(sandbox.UNSANDBOXED_ENV, "1")
    with pytest.warns(RuntimeWarning, match="WITHOUT the sandbox"):
        assert sandbox.check_available() is False
    monkeypatch.setenv(sandbox.UNSANDBOXED_ENV, "yes")
    assert sandbox.check_available() is True


def test_bad_limits_are_a_value_error():
    with pytest.raises(ValueError, match="memory_bytes"):
        sandbox.Limits(memory_bytes=0)
    with pytest.raises(ValueError, match="timeout"):
        run_isolated([sys.executable], cwd="/tmp", timeout=0)


# ---------------------------------------------------------------------------
# nbgrader's own kernel, in a tiny course

KERNEL_PROBE = """
import json, os, socket
try:
    socket.create_connection(('1.1.1.1', 80), timeout=2)
    net = 'connected'
except OSError as error:
    net = type(error).__name__
try:
    import solutions
    sol = 'imported'
except ImportError:
    sol = 'ImportError'
pids = [p for p in os.listdir('/proc') if p.isdigit()]
import sys
connection = json.load(open(sys.argv[sys.argv.index('-f') + 1]))
try:   # one more file beside the kernel's sockets, on the grader's disk
    open(os.path.join(os.path.dirname(connection['ip']), 'extra'), 'w').write('x')
    sealed = False
except OSError:
    sealed = True
with open('scratch.bin', 'wb') as out:   # the working folder is memory, bounded
    try:
        for _ in range(1000):
            out.write(bytes(1024 * 1024))
        bounded = False
    except OSError:
        bounded = True
os.remove('scratch.bin')
print('PROBE' + json.dumps(dict(
    uid=os.getuid(), net=net, solutions=sol, n_pids=len(pids),
    root=sorted(os.listdir('/root')), jpy='JPY_PARENT_PID' in os.environ,
    course=os.path.exists(COURSE), cwd=os.getcwd(),
    listing=sorted(os.listdir('.')), sealed=sealed, bounded=bounded,
)))
def double(x):
    return 2 * x
"""

DOUBLE = "def double(x):\n    return 2 * x\n"
TRIPLE = "def triple(x):\n    return 3 * x\n"
LOOP = "while True:\n    pass\n"
BIG_MESSAGE = ("from IPython.display import display\n"
               "display({'text/plain': 'x' * 8_000_000}, raw=True)\n" + DOUBLE)
DEAF_LOOP = ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
             "while True:\n    pass\n")

CONFIG = f"""
import sys
sys.path.insert(0, {str(nbcourse.AUTOGRADER)!r})
from grading.kernel import SandboxedExecute
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
    SaveAutoGrades)
c = get_config()
c.CourseDirectory.course_id = "tiny"
c.Autograde.autograde_preprocessors = [
    SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.Execute.timeout = 4
c.SandboxedExecute.notebook_timeout = 60
"""


def tiny_source(course):
    nbcourse.write_notebook(course / "source" / "ps0" / "p.ipynb", [
        nbcourse.code("def double(x):\n    ### BEGIN SOLUTION\n"
                      "    return 2 * x\n    ### END SOLUTION",
                      "double", solution=True),
        nbcourse.code('"""Check double."""\nassert double(2) == 4\n'
                      "### BEGIN HIDDEN TESTS\nassert double(5) == 10\n"
                      "### END HIDDEN TESTS",
                      "double_test", grade=True, locked=True, points=1),
        nbcourse.code("def triple(x):\n    ### BEGIN SOLUTION\n"
                      "    return 3 * x\n    ### END SOLUTION",
                      "triple", solution=True),
        nbcourse.code('"""Check triple."""\nassert triple(2) == 6',
                      "triple_test", grade=True, locked=True, points=1),
    ])


def answer(first, second):
    def edit(nb):
        nb.cells[0].source = first
        nb.cells[2].source = second
        return nb
    return edit


@pytest.fixture(scope="module")
def tiny_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("tiny") / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(CONFIG)
    tiny_source(course)
    result = nbcourse.nbgrader(course, "generate_assignment", "ps0",
                               "--force")
    assert result.returncode == 0, result.stderr
    probe_src = f"COURSE = {str(course)!r}\n" + KERNEL_PROBE
    students = {
        "honest": answer(DOUBLE, TRIPLE),
        "prober": answer(probe_src, TRIPLE),
        "looper": answer(DOUBLE, LOOP),
        "deaf": answer(DOUBLE, DEAF_LOOP),
        "stale": answer(DOUBLE, TRIPLE),
        "flooder": answer(BIG_MESSAGE, TRIPLE),
    }
    for student, edit in students.items():
        nbcourse.submit(course, "ps0", student, "p.ipynb", edit)
    result = nbcourse.nbgrader(course, "autograde", "ps0", "--force",
                               "--create")
    first = nbcourse.scores(course, "ps0")
    # the "stale" student resubmits a notebook whose kernel must be killed
    nbcourse.submit(course, "ps0", "stale", "p.ipynb",
                    answer(DEAF_LOOP, TRIPLE))
    rerun = nbcourse.nbgrader(course, "autograde", "ps0", "--force",
                              "--student", "stale")
    return dict(course=course, first=first, result=result, rerun=rerun,
                scores=nbcourse.scores(course, "ps0"))


def kernel_probe(course):
    import nbformat

    path = course / "autograded" / "prober" / "ps0" / "p.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    line = [ln for ln in text.splitlines() if ln.startswith("PROBE")][0]
    return json.loads(line[len("PROBE"):])


@pytest.mark.slow
def test_kernel_runs_confined(tiny_course):
    info = kernel_probe(tiny_course["course"])
    assert info["uid"] == 65534
    assert info["net"] != "connected"
    assert info["solutions"] == "ImportError"
    assert info["jpy"] is False
    # nothing of the course: no gradebook, source, release, other student,
    # nor the student's own autograded folder
    assert info["course"] is False
    assert info["n_pids"] <= 3
    # an empty, memory-backed working folder; no more files by the sockets
    assert info["cwd"] == sandbox.SCRATCH
    assert info["listing"] == []
    assert info["sealed"] is True
    assert info["bounded"] is True
    assert info["root"] in ([], [Path(sys.base_prefix).parts[2]])


@pytest.mark.slow
def test_kernel_limits_cost_only_what_did_not_finish(tiny_course):
    first = tiny_course["first"]
    assert tiny_course["result"].returncode == 0, tiny_course["result"].stderr
    assert first["honest"] == {"double_test": 1.0, "triple_test": 1.0}
    assert first["prober"] == {"double_test": 1.0, "triple_test": 1.0}
    # an interruptible loop: interrupted, the later test still runs
    assert first["looper"] == {"double_test": 1.0, "triple_test": 0.0}
    # SIGINT ignored: the kernel is killed, later cells score 0
    assert first["deaf"] == {"double_test": 1.0, "triple_test": 0.0}


@pytest.mark.slow
def test_a_message_over_the_limit_is_refused_and_named(tiny_course):
    import nbformat

    from grading.kernel import CUT_NOTE

    assert tiny_course["first"]["flooder"] == {"double_test": 1.0, "triple_test": 1.0}
    path = tiny_course["course"] / "autograded" / "flooder" / "ps0" / "p.ipynb"
    outputs = nbformat.read(str(path), as_version=4).cells[0].outputs
    assert len(str(outputs)) < 10_000
    assert f"{CUT_NOTE} a message of more than 4 MB was refused]" in outputs[0]["text"]


@pytest.mark.slow
def test_rerun_that_is_killed_leaves_no_stale_score(tiny_course):
    assert tiny_course["first"]["stale"] == {"double_test": 1.0,
                                             "triple_test": 1.0}
    assert tiny_course["rerun"].returncode == 0, tiny_course["rerun"].stderr
    assert tiny_course["scores"]["stale"] == {"double_test": 0.0,
                                              "triple_test": 0.0}
    assert tiny_course["scores"]["honest"] == tiny_course["first"]["honest"]
