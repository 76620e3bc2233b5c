"""Build the bubblewrap command line that confines student code.

Student code is hostile. Every process that runs it (the nbgrader
kernel of a submission, and each isolated run of a hidden test) is
started through :func:`wrap`, which returns an argv of the form::

    bwrap <namespaces> <mounts> -- setpriv <drop to uid 65534> \
        -- prlimit <limits> -- <the original argv>

What the confined process sees:

- its own PID, network, IPC and UTS namespaces: no network at all
  (only a loopback that is down), no other process of the machine;
- ``/usr`` (and the ``/bin``, ``/lib`` links), a few harmless files
  of ``/etc``, a private ``/dev``, ``/proc`` and a small ``/tmp``;
- the Python interpreter prefix and its site-packages, read-only, at
  their real paths.  ``/root`` is an empty tmpfs, so nothing else of
  the grader's home is visible;
- the ``lossopt`` package directory alone, read-only (the repository
  is installed editable, so the package lives in the repository);
- the working folder: either a host folder, writable, at its real
  path, or (``workdir=None``) ``SCRATCH``, an empty folder in the
  sandbox's memory-backed ``/tmp``, into which chosen host files are
  bound read-only (``scratch_files``) or writable (``scratch_outputs``:
  the process can write those files, and create nothing on the disk);
- nothing else: not the course directory, not the gradebook, not
  ``solutions/``, not other students' folders.

The process runs with no capabilities and ``no_new_privs``, under
limits on address space, CPU time, process count (threads count too),
file size and open files.  How it is confined depends on who grades,
decided once per process by :func:`current_mode`:

- ``root``: bwrap as root, then ``setpriv`` drops to uid/gid 65534
  (``LOSSOPT_SANDBOX_UID``) before ``prlimit``, because root ignores
  RLIMIT_NPROC;
- ``user`` (a normal user, where user namespaces exist): bwrap with
  ``--unshare-user``.  There is no other uid to drop to, so the process
  keeps the grader's uid outside the namespace; the kernel counts
  RLIMIT_NPROC per user namespace (Linux >= 5.14), so the process limit
  counts the sandbox's own processes.  Where a systemd user session
  offers it, the whole sandbox also runs in a transient cgroup scope
  (``systemd-run --user --scope -p MemoryMax=... -p TasksMax=...``);
- ``unsandboxed``: only when the instructor sets ``LOSSOPT_UNSANDBOXED=1``
  (then only the resource limits apply, via ``prlimit``).

When no sandbox can start, :func:`current_mode` raises
:class:`SandboxUnavailable` with the reason.  ``PROTECTIONS`` says what
holds in each mode (the README's table is made from the same facts).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import os
import shutil
import site
import subprocess
import sys
import warnings
from pathlib import Path

UNSANDBOXED_ENV = "LOSSOPT_UNSANDBOXED"
SCRATCH = "/tmp/work"    # the working folder of a process with workdir=None
UID_ENV = "LOSSOPT_SANDBOX_UID"
SANDBOX_UID = 65534     # nobody; LOSSOPT_SANDBOX_UID picks another
SANDBOX_GID = 65534     # nogroup

# Files of /etc that a Python process may read and that hold nothing
# of the grader's: the loader cache, users and groups, time zone, fonts.
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/fonts",
    "/etc/mime.types",
)

# Top-level links of a merged-/usr system (Debian 12): /bin -> usr/bin.
ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")

# Environment of the confined process: fixed, never inherited, so no
# path, token or JPY_PARENT_PID of the grader leaks in.
BASE_ENV = {
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "HOME": "/tmp/home",
    "IPYTHONDIR": "/tmp/home/.ipython",
    "MPLCONFIGDIR": "/tmp/home/.matplotlib",
    "MPLBACKEND": "Agg",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "LOSSOPT_SANDBOXED": "1",
}

# Variables of the grader that the confined process may still see.
# Not LOSSOPT_STATIC_FIGURES: a grading kernel always draws its figures live, so the
# autograded notebook and the feedback page hold the slider figure's picture (a static
# figure's frames are HTML and scripts, which InertOutputs drops: an empty figure).
PASSED_ENV = ("NBGRADER_EXECUTION",)


ROOT, USER, UNSANDBOXED = "root", "user", "unsandboxed"

# What holds in each mode, in the order of the README's table.
PROTECTIONS = {
    "no network": (ROOT, USER),
    "course files hidden": (ROOT, USER),
    "other students hidden": (ROOT, USER),
    "memory (RLIMIT_AS)": (ROOT, USER, UNSANDBOXED),
    "CPU time": (ROOT, USER, UNSANDBOXED),
    "file size": (ROOT, USER, UNSANDBOXED),
    "processes": (ROOT, USER),
    "uid separation": (ROOT,),
}


class SandboxUnavailable(RuntimeError):
    """No sandbox can start here and unsandboxed grading was not asked for."""


@dataclasses.dataclass(frozen=True)
class Mode:
    """How student code is confined in this process (see the module doc).

    name: ``ROOT``, ``USER`` or ``UNSANDBOXED``.
    cgroup: the sandbox also runs in a systemd user scope (``USER`` only).
    """

    name: str
    cgroup: bool = False

    @property
    def sandboxed(self) -> bool:
        return self.name != UNSANDBOXED

    def holds(self) -> list[str]:
        held = [what for what, modes in PROTECTIONS.items() if self.name in modes]
        if self.cgroup:
            held.append("cgroup memory and tasks")
        return held

    def describe(self) -> str:
        """One line: the mode and what it protects."""
        lacks = [what for what, modes in PROTECTIONS.items() if self.name not in modes]
        if self.name == USER and not self.cgroup:
            lacks.append("cgroups (no systemd user session)")
        how = {ROOT: f"bubblewrap as root, student code as uid {sandbox_uid()}",
               USER: "bubblewrap in a user namespace (you are not root)",
               UNSANDBOXED: f"NO sandbox ({UNSANDBOXED_ENV}=1)"}[self.name]
        line = f"sandbox: {how}; holds: {', '.join(self.holds())}"
        return line + (f"; not: {', '.join(lacks)}" if lacks else "")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits of one confined process (and its children).

    memory_bytes: address space (RLIMIT_AS) of each process.
    cpu_seconds: CPU time (RLIMIT_CPU); SIGXCPU, then SIGKILL.
    processes: processes and threads of uid 65534 (RLIMIT_NPROC).
    file_bytes: size of any file written (RLIMIT_FSIZE).
    open_files: open file descriptors (RLIMIT_NOFILE).
    tmp_bytes: size of the private /tmp (a tmpfs, so it is memory).
    """

    memory_bytes: int = 2 * 1024**3
    cpu_seconds: int = 300
    processes: int = 128
    file_bytes: int = 16 * 1024**2
    open_files: int = 256
    tmp_bytes: int = 64 * 1024**2

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Limits.{field.name} must be a positive int, "
                    f"got {value!r}"
                )

    def prlimit_args(self) -> list[str]:
        # soft:hard equal, so the confined code cannot raise them back
        cpu = f"{self.cpu_seconds}:{self.cpu_seconds + 5}"
        return [
            f"--as={self.memory_bytes}",
            f"--cpu={cpu}",
            f"--nproc={self.processes}",
            f"--fsize={self.file_bytes}",
            f"--nofile={self.open_files}",
            "--core=0",
        ]


DEFAULT_LIMITS = Limits()


def sandbox_uid() -> int:
    """The uid (and gid) confined code runs as.

    RLIMIT_NPROC counts every process of a uid on the machine, so two
    graders running side by side should use two uids (one fork bomb
    would otherwise starve the other grader's kernels).
    """
    text = os.environ.get(UID_ENV, "").strip()
    if not text:
        return SANDBOX_UID
    try:
        uid = int(text)
    except ValueError:
        raise ValueError(f"{UID_ENV} must be an integer uid, got {text!r}") from None
    if not 1000 <= uid < 2**31 - 1:
        raise ValueError(f"{UID_ENV}={uid}: use an unprivileged uid >= 1000 "
                         "that owns no files")
    return uid


def unsandboxed_requested() -> bool:
    """True when the instructor set LOSSOPT_UNSANDBOXED=1."""
    return os.environ.get(UNSANDBOXED_ENV, "").strip() == "1"


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _probe(argv) -> str | None:
    """None when ``argv`` runs and exits 0, else why not (its last line of stderr)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"


@functools.lru_cache(maxsize=None)
def _decide(unsandboxed: bool, euid: int, path: str) -> Mode:
    if unsandboxed:
        return Mode(UNSANDBOXED)
    needed = ("bwrap", "prlimit") + (("setpriv",) if euid == 0 else ())
    missing = [name for name in needed if shutil.which(name, path=path) is None]
    if missing:
        raise SandboxUnavailable(
            "refusing to grade: " + ", ".join(missing) + " not found. "
            "Student code is hostile and must run in the bubblewrap "
            "sandbox (apt-get install bubblewrap util-linux, or run "
            "`make system-packages`). To grade without the sandbox "
            f"anyway, set {UNSANDBOXED_ENV}=1."
        )
    if euid == 0:
        return Mode(ROOT)
    bwrap = shutil.which("bwrap", path=path)
    why = _probe([bwrap, "--unshare-user", "--unshare-net", "--unshare-pid",
                  "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
                  "--", "/bin/true"])
    if why is not None:
        raise SandboxUnavailable(
            "refusing to grade: you are not root and bubblewrap cannot make a "
            f"user namespace here ({why}). Grade as root, or enable unprivileged "
            "user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
            "user.max_user_namespaces > 0). To grade without the sandbox "
            f"anyway, set {UNSANDBOXED_ENV}=1."
        )
    systemd_run = shutil.which("systemd-run", path=path)
    cgroup = systemd_run is not None and _probe(
        [systemd_run, "--user", "--scope", "--quiet", "--collect",
         "-p", "MemoryMax=64M", "-p", "TasksMax=8", "--", "/bin/true"]) is None
    return Mode(USER, cgroup=cgroup)


def current_mode() -> Mode:
    """The sandbox mode of this process, probed once per setting.

    Raise SandboxUnavailable, saying why, when no sandbox can start and
    the instructor did not ask for unsandboxed grading.
    """
    return _decide(unsandboxed_requested(), os.geteuid(), os.environ.get("PATH", os.defpath))


def check_available() -> bool:
    """Return True to sandbox, False to run unconfined on request.

    Raise SandboxUnavailable, saying why, when no sandbox can start and the
    instructor did not ask for unsandboxed grading.
    """
    mode = current_mode()
    if not mode.sandboxed:
        warnings.warn(
            f"{UNSANDBOXED_ENV}=1: student code runs WITHOUT the sandbox "
            "(it can read the gradebook, solutions/ and your home).",
            RuntimeWarning,
            stacklevel=2,
        )
    return mode.sandboxed


def _python_dirs() -> list[Path]:
    """Interpreter prefixes and site-packages, to mount read-only."""
    dirs = {Path(sys.prefix), Path(sys.base_prefix),
            Path(sys.exec_prefix), Path(sys.base_exec_prefix)}
    for path in site.getsitepackages():
        dirs.add(Path(path))
    return sorted(d.resolve() for d in dirs if d.is_dir())


def package_dir(name: str) -> Path | None:
    """The directory of an importable package, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def _covered(path: Path, mounts: list[Path]) -> bool:
    return any(path == m or m in path.parents for m in mounts)


def _parents_0755(path: Path, made: set[Path]) -> list[str]:
    # bwrap makes missing parent directories with mode 0700, which
    # uid 65534 cannot cross; make them world-traversable first.
    args = []
    for parent in reversed(path.parents):
        if parent == Path("/") or parent in made:
            continue
        made.add(parent)
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _root_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ROOT_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in ETC_FILES:
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


def bwrap_args(workdir, *, limits: Limits = DEFAULT_LIMITS,
               ro_binds=(), rw_binds=(), ro_files=(),
               scratch_files=None, scratch_outputs=None) -> list[str]:
    """Options of bwrap for one confined process (no command).

    ``workdir`` None: the process works in ``SCRATCH`` (see module doc),
    where ``scratch_files`` and ``scratch_outputs`` map names to host files.
    """
    if workdir is not None:
        workdir = Path(workdir).resolve()
        if not workdir.is_dir():
            raise ValueError(f"working folder {workdir} is not a directory")
    # as root, a user namespace would leave no uid to drop to (see drop_args)
    args = [] if current_mode().name == ROOT else ["--unshare-user"]
    args += [
        "--unshare-pid", "--unshare-net", "--unshare-ipc",
        "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        "--hostname", "sandbox",
    ]
    args += _root_args()
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(limits.tmp_bytes), "--perms", "1777",
             "--tmpfs", "/tmp"]
    args += ["--perms", "0755", "--tmpfs", "/root"]
    made: set[Path] = {Path("/tmp"), Path("/root")}
    mounts = [Path("/usr")]
    for path in _python_dirs():
        if _covered(path, mounts):
            continue
        args += _parents_0755(path, made)
        args += ["--ro-bind", str(path), str(path)]
        mounts.append(path)
    lossopt = package_dir("lossopt")
    env = dict(BASE_ENV)
    if lossopt is not None and not _covered(lossopt, mounts):
        args += _parents_0755(lossopt, made)
        args += ["--ro-bind", str(lossopt), str(lossopt)]
        mounts.append(lossopt)
        # the grader's copy first: an editable install of another checkout
        # would otherwise point the kernel at a folder that is not mounted
        env["PYTHONPATH"] = str(lossopt.parent)
    for path in map(lambda p: Path(p).resolve(), ro_binds):
        args += _parents_0755(path, made)
        args += ["--ro-bind", str(path), str(path)]
    for path in map(lambda p: Path(p).resolve(), ro_files):
        args += _parents_0755(path, made)
        args += ["--ro-bind", str(path), str(path)]
    writable = [Path(p).resolve() for p in rw_binds]
    if workdir is not None:
        writable.insert(0, workdir)
    for path in writable:
        args += _parents_0755(path, made)
        args += ["--bind", str(path), str(path)]
    if workdir is None:
        args += ["--perms", "0777", "--dir", SCRATCH]
        for binding, files in (("--ro-bind", scratch_files), ("--bind", scratch_outputs)):
            for name, host in (files or {}).items():
                if "/" in name or name in ("", ".", ".."):
                    raise ValueError(f"scratch file name {name!r} must be a plain name")
                args += [binding, str(Path(host).resolve()), f"{SCRATCH}/{name}"]
    args += ["--chdir", str(workdir or SCRATCH), "--clearenv"]
    env["PATH"] = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    for name in PASSED_ENV:
        if name in os.environ:
            env[name] = os.environ[name]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args


def drop_args(limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """What runs inside bwrap before the command: the drop, then the limits.

    As root: setpriv to the sandbox uid, then prlimit (root ignores
    RLIMIT_NPROC).  In a user namespace there is no uid to drop to, and
    bwrap has already dropped every capability: prlimit alone.
    """
    limit = ["prlimit", *limits.prlimit_args(), "--"]
    if current_mode().name != ROOT:
        return limit
    uid = sandbox_uid()
    return [
        "setpriv",
        f"--reuid={uid}", f"--regid={uid}",
        "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
        "--no-new-privs", "--", *limit,
    ]


def scope_args(limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """systemd-run before bwrap: a cgroup scope for the whole sandbox, where one is offered."""
    if not current_mode().cgroup:
        return []
    memory = limits.memory_bytes + limits.tmp_bytes     # the tmpfs is memory too
    return [shutil.which("systemd-run"), "--user", "--scope", "--quiet", "--collect",
            "-p", f"MemoryMax={memory}", "-p", "MemorySwapMax=0",
            "-p", f"TasksMax={limits.processes}", "--"]


def give_to_sandbox(path) -> None:
    """Let the confined process write ``path`` (as root: chown it to the sandbox uid).

    In a user namespace the process is the grader's own uid: nothing to do.
    """
    if current_mode().name == ROOT:
        uid = sandbox_uid()
        os.chown(path, uid, uid)


def prepare_workdir(workdir) -> None:
    """Let the sandbox write the working folder (and nothing above it)."""
    workdir = Path(workdir)
    for path in [workdir, *workdir.rglob("*")]:
        if not path.is_symlink():
            give_to_sandbox(path)


def wrap(argv, workdir, *, limits: Limits = DEFAULT_LIMITS,
         ro_binds=(), rw_binds=(), ro_files=(), scratch_files=None,
         scratch_outputs=None, sandbox=None) -> list[str]:
    """Return argv confined to ``workdir`` (see the module docstring).

    workdir: a host folder the process may write, or None for ``SCRATCH``.
    sandbox: None asks :func:`check_available`; False runs unconfined
    (only the resource limits, via prlimit).
    """
    argv = [str(a) for a in argv]
    if not argv:
        raise ValueError("argv is empty: nothing to run in the sandbox")
    if sandbox is None:
        sandbox = check_available()
    if not sandbox:
        return ["prlimit", *limits.prlimit_args(), "--", *argv]
    if workdir is not None:
        prepare_workdir(workdir)
    for host in (scratch_outputs or {}).values():
        give_to_sandbox(host)          # the one file the process may write
    return [*scope_args(limits), bwrap_path(), *bwrap_args(workdir, limits=limits,
                                      ro_binds=ro_binds, rw_binds=rw_binds,
                                      ro_files=ro_files, scratch_files=scratch_files,
                                      scratch_outputs=scratch_outputs),
            "--", *drop_args(limits), *argv]
