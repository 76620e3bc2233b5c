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

The process runs as uid/gid 65534 with no capabilities and
``no_new_privs``, under limits on address space, CPU time, process
count (threads count too), file size and open files.  The limits are
set after the drop to uid 65534, because root ignores RLIMIT_NPROC.

When ``bwrap`` is missing, :func:`check_available` refuses, unless
the instructor sets ``LOSSOPT_UNSANDBOXED=1`` to grade unconfined on
purpose (then only the resource limits apply, via ``prlimit``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import site
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
PASSED_ENV = ("NBGRADER_EXECUTION", "LOSSOPT_STATIC_FIGURES")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing and unsandboxed grading was not asked for."""


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


def check_available() -> bool:
    """Return True to sandbox, False to run unconfined on request.

    Raise SandboxUnavailable, saying why, when bwrap is missing and the
    instructor did not ask for unsandboxed grading.
    """
    if unsandboxed_requested():
        warnings.warn(
            f"{UNSANDBOXED_ENV}=1: student code runs WITHOUT the sandbox "
            "(it can read the gradebook, solutions/ and your home).",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    missing = [name for name in ("bwrap", "setpriv", "prlimit")
               if shutil.which(name) is None]
    if missing:
        raise SandboxUnavailable(
            "refusing to grade: " + ", ".join(missing) + " not found. "
            "Student code is hostile and must run in the bubblewrap "
            "sandbox (apt-get install bubblewrap util-linux, or run "
            "`make system-packages`). To grade without the sandbox "
            f"anyway, set {UNSANDBOXED_ENV}=1."
        )
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "refusing to grade: the sandbox drops to uid 65534 with "
            "setpriv, which needs root (the grader runs as root in CI). "
            f"To grade without the sandbox, set {UNSANDBOXED_ENV}=1."
        )
    return True


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
    args = [
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
    if lossopt is not None and not _covered(lossopt, mounts):
        args += _parents_0755(lossopt, made)
        args += ["--ro-bind", str(lossopt), str(lossopt)]
        mounts.append(lossopt)
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
    env = dict(BASE_ENV)
    env["PATH"] = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    for name in PASSED_ENV:
        if name in os.environ:
            env[name] = os.environ[name]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args


def drop_args(limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """setpriv to uid 65534, then prlimit (root ignores RLIMIT_NPROC)."""
    uid = sandbox_uid()
    return [
        "setpriv",
        f"--reuid={uid}", f"--regid={uid}",
        "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
        "--no-new-privs", "--",
        "prlimit", *limits.prlimit_args(), "--",
    ]


def prepare_workdir(workdir) -> None:
    """Let uid 65534 write the working folder (and nothing above it)."""
    workdir = Path(workdir)
    uid = sandbox_uid()
    for path in [workdir, *workdir.rglob("*")]:
        if not path.is_symlink():
            os.chown(path, uid, uid)


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
    uid = sandbox_uid()
    for host in (scratch_outputs or {}).values():
        os.chown(host, uid, uid)       # the one file the process may write
    return [bwrap_path(), *bwrap_args(workdir, limits=limits,
                                      ro_binds=ro_binds, rw_binds=rw_binds,
                                      ro_files=ro_files, scratch_files=scratch_files,
                                      scratch_outputs=scratch_outputs),
            "--", *drop_args(limits), *argv]
