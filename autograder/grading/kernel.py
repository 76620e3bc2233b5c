"""nbgrader's kernel, confined: a kernel manager and an Execute step.

``SandboxedKernelManager`` starts ipykernel inside the bubblewrap
sandbox of :mod:`grading.sandbox`:

- transport ``ipc`` on an absolute path in a fresh per-kernel folder,
  because the sandbox has no network (not even loopback);
- the connection file mounted alone (read-only) and the socket folder
  mounted read-write; once the kernel is up, the socket folder is
  sealed (mode 0711, owned by the grader), so the kernel keeps its
  sockets but cannot create one more file on the grader's disk;
- an empty working folder in the sandbox's own memory-backed ``/tmp``
  (its size is ``Limits.tmp_bytes``): nothing the kernel writes reaches
  the disk, ``autograded/`` or a path of the submission's choosing, and
  it is gone with the sandbox.  No file of the submission is visible;
- the kernel's own stdout and stderr (not its cell outputs) go nowhere:
  a kernel that writes to fd 2 cannot flood the grader's terminal;
- every socket to the kernel refuses messages over ``MAX_MESSAGE_BYTES``
  and queues at most ``RECEIVE_QUEUE`` of them, so a flood of kernel
  messages cannot swell the grader's memory;
- a PID namespace of its own, and no JPY_PARENT_PID (the environment
  is cleared), so the kernel does not watch a parent it cannot see;
- interrupts sent as messages: a signal to bwrap would not reach a
  kernel in its own session and PID namespace.

``SandboxedExecute`` replaces nbgrader's ``Execute`` in
``Autograde.autograde_preprocessors``.  It uses that kernel manager
(nbgrader's ``Execute`` forces ``AsyncKernelManager`` in its
constructor, so configuration alone cannot change it), and keeps one
hostile submission from stopping the run:

- a wall-clock budget for the whole notebook (``notebook_timeout``),
  enforced from this process: every cell's timeout is cut to what is
  left of it;
- a cell that times out and does not stop on interrupt, or a kernel
  killed by a resource limit, stops the notebook: the kernel is
  killed, that cell and every later code cell get an error output
  (so their tests score 0), and the notebook is still saved, so the
  gradebook gets this run's scores and never keeps stale ones;
- the outputs of a cell are capped (``max_output_chars``: text, data,
  tracebacks, all counted) and so are those of the whole notebook
  (``max_notebook_output_chars``); where output was cut, the cell says
  so (``CUT_NOTE``) and the grader's summary names the student;
- the kernel never receives hidden tests: a test cell is sent with its
  ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` regions
  removed (the notebook keeps them), so student code that records the
  cells it is sent cannot copy hidden material into an output.
  Verdicts do not need them: they are computed outside the kernel.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import stat
import subprocess
import tempfile
from queue import Empty
from time import monotonic

import zmq
from zmq.utils.monitor import recv_monitor_message
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import channel_socket_types
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from . import interrupts, sandbox

STOPPED = "SubmissionStopped"
CUT_NOTE = "[output cut:"
MAX_MESSAGE_BYTES = 4 * 1024**2     # a large figure is about 0.3 MB
RECEIVE_QUEUE = 32                  # messages; with the size, at most 128 MB queued
HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?(^[ \t]*### END HIDDEN TESTS[^\n]*$|\Z)",
    re.MULTILINE | re.DOTALL)


def without_hidden_tests(source: str) -> str:
    """The cell's source with every hidden-test region cut out."""
    return HIDDEN.sub("", source)


_MONITORS = itertools.count()
OUTPUT_CHANNELS = ("iopub", "shell")    # where a student's code can make a message large


class BoundedSockets:
    """Sockets to the kernel that refuse large messages and long queues.

    ZMQ drops a connection whose peer sends more than ``MAX_MESSAGE_BYTES``
    in one message, with the message, and does not reconnect. A monitor on
    each socket sees the drop, so that the client can open the channel
    again and the cut is named like any other (``reopen_refused``).
    """

    def _create_connected_socket(self, channel, identity=None):
        # jupyter_client's own, with two limits set before connecting
        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        sock.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE)
        address = f"inproc://lossopt-monitor-{next(_MONITORS)}"
        sock.monitor(address, zmq.EVENT_DISCONNECTED)
        # made by the same context, so that its destroy() closes this socket too;
        # read through a plain (not asyncio) view of it, without waiting
        owner = self.context.socket(zmq.PAIR)
        owner.linger = 0
        owner.connect(address)
        self.close_monitors(channel)
        self._monitors = {**getattr(self, "_monitors", {}),
                          channel: (owner, zmq.Socket.shadow(owner.underlying))}
        if identity:
            sock.identity = identity
        if getattr(self, "curve_publickey", None) is not None:
            sock.curve_secretkey = self.curve_secretkey
            sock.curve_publickey = sock.curve_serverkey = self.curve_publickey
        sock.connect(self._make_url(channel))
        return sock

    def dropped_channels(self) -> list[str]:
        """The channels whose connection was dropped since the last call."""
        dropped = []
        for channel, (owner, monitor) in getattr(self, "_monitors", {}).items():
            while not owner.closed and monitor.poll(0):
                recv_monitor_message(monitor)
                dropped.append(channel)
        return dropped

    def close_monitors(self, *channels) -> None:
        """Close the monitors of ``channels`` (all when none is named)."""
        monitors = getattr(self, "_monitors", {})
        for channel in channels or list(monitors):
            if channel in monitors:
                monitors.pop(channel)[0].close()


class SandboxedKernelClient(BoundedSockets, AsyncKernelClient):
    """The client nbclient talks to the sandboxed kernel with."""

    def reopen_refused(self) -> int:
        """Open again each channel a too-large message closed; how many were."""
        dropped = [c for c in self.dropped_channels() if c in OUTPUT_CHANNELS]
        for channel in set(dropped):
            self.close_monitors(channel)
            old = getattr(self, f"_{channel}_channel")
            if old is not None:
                old.close()
            setattr(self, f"_{channel}_channel", None)
            getattr(self, f"{channel}_channel").start()   # the property connects anew
        return len(dropped)

    def stop_channels(self):
        self.close_monitors()      # first: an open socket would keep the context from ending
        super().stop_channels()


class SandboxedKernelManager(BoundedSockets, AsyncKernelManager):
    """Launch ipykernel in the bubblewrap sandbox (see module doc)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # jupyter_client sets client_factory when client_class changes, not from a default
        self.client_class = "grading.kernel.SandboxedKernelClient"
        self._sandbox = sandbox.check_available()
        self._run_dir = None

    async def _async_pre_start_kernel(self, **kw):
        if self._run_dir is None:
            self._run_dir = tempfile.mkdtemp(prefix="lossopt-kernel-")
            os.chmod(self._run_dir, 0o711)
            if self._sandbox:
                ipc_dir = os.path.join(self._run_dir, "ipc")
                os.mkdir(ipc_dir)
                os.chmod(ipc_dir, 0o733)   # the kernel may add its sockets, not list
                self.transport = "ipc"
                self.ip = os.path.join(ipc_dir, "kernel")
                if len(os.fsencode(self.ip)) + len("-65535") > interrupts.SOCKET_PATH_MAX:
                    raise RuntimeError(
                        f"the kernel's socket path {self.ip}-N would be longer than the "
                        f"{interrupts.SOCKET_PATH_MAX} bytes a Unix socket allows: "
                        "set TMPDIR to a shorter folder")
                self.connection_file = os.path.join(self._run_dir, "kernel.json")
        # Unsandboxed, the kernel still works in a folder of its own, never
        # in autograded/ (only the resource limits apply then).
        work = os.path.join(self._run_dir, "work")
        os.makedirs(work, exist_ok=True)
        kw["cwd"] = work
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        return await super()._async_pre_start_kernel(**kw)

    def seal(self) -> None:
        """Let the running kernel create no more files in its socket folder."""
        if self._sandbox and self._run_dir is not None:
            os.chmod(os.path.join(self._run_dir, "ipc"), 0o711)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments=extra_arguments)
        if not self._sandbox:
            return sandbox.wrap(cmd, self._launch_args["cwd"], sandbox=False)
        # the kernel (as root: uid 65534) must read the key in the connection file
        sandbox.give_to_sandbox(self.connection_file)
        os.chmod(self.connection_file, stat.S_IRUSR)
        return sandbox.wrap(
            cmd, None, sandbox=True,
            ro_files=[self.connection_file],
            rw_binds=[os.path.dirname(self.ip)],
        )

    async def _async_interrupt_kernel(self):
        if not self._sandbox:
            return await super()._async_interrupt_kernel()
        if not self.has_kernel:
            raise RuntimeError("Cannot interrupt kernel. No kernel is running!")
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    def kill_now(self) -> None:
        """SIGKILL bwrap; --die-with-parent takes the sandbox down."""
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    async def _async_cleanup_resources(self, restart=False):
        self.close_monitors()
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None


def _error(reason: str):
    return new_output(
        "error", ename=STOPPED, evalue=reason,
        traceback=[f"{STOPPED}: {reason}"],
    )


class SandboxedExecute(Execute):
    """nbgrader's Execute in the sandbox, with limits (see module doc)."""

    notebook_timeout = Integer(
        600,
        help="Wall-clock seconds for all cells of one notebook.",
    ).tag(config=True)

    max_output_chars = Integer(
        200_000,
        help="Characters kept from the outputs of one cell; the rest is cut.",
    ).tag(config=True)

    max_notebook_output_chars = Integer(
        2_000_000,
        help="Characters kept from the outputs of all cells of a notebook.",
    ).tag(config=True)

    iopub_timeout = Integer(4).tag(config=True)
    raise_on_iopub_timeout = Bool(True).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = monotonic() + self.notebook_timeout
        self._stopped = None
        self._out_chars = 0
        self._nb_chars = 0
        self._run_dirs = []
        self._refused = 0
        try:
            return super().preprocess(nb, resources, km=km)
        finally:   # a killed kernel skips jupyter_client's own clean-up
            for run_dir in self._run_dirs:
                shutil.rmtree(run_dir, ignore_errors=True)

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        if hasattr(self.km, "seal"):
            self.km.seal()       # the kernel is up: its sockets exist
        if getattr(self.km, "_run_dir", None):
            self._run_dirs.append(self.km._run_dir)   # nbclient drops km before we can look
        return client

    # nbclient's sync name wraps its own coroutine, not an override of it
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        left = max(1, int(self._deadline - monotonic()))
        return left if timeout is None else min(timeout, left)

    def _count_refused(self) -> int:
        """Messages refused during this cell so far."""
        client = getattr(self, "kc", None)
        if hasattr(client, "reopen_refused"):
            self._refused += client.reopen_refused()
        return self._refused

    def _answers(self, timeout: float = 5) -> bool:
        """Whether the kernel replies on its shell channel (it does only between cells)."""
        asked = self.kc.kernel_info()
        deadline = monotonic() + timeout
        try:
            while True:
                reply = run_sync(self.kc.get_shell_msg)(
                    timeout=max(0.1, deadline - monotonic()))
                if reply["parent_header"].get("msg_id") == asked:
                    return True
        except Empty:
            return False

    def _stop(self, reason: str) -> None:
        self.log.warning("Stopping the notebook: %s", reason)
        self._stopped = reason
        if hasattr(self.km, "kill_now"):
            self.km.kill_now()

    def preprocess_cell(self, cell, resources, index):
        is_code = cell.cell_type == "code" and cell.source.strip()
        if self._stopped is not None:
            if is_code:
                cell.outputs = [_error(self._stopped)]
            return cell, resources
        if is_code and monotonic() >= self._deadline:
            self._stop(f"the notebook ran out of its "
                       f"{self.notebook_timeout} s")
            cell.outputs = [_error(self._stopped)]
            return cell, resources
        self._out_chars = 0
        source = cell.source
        cell.source = without_hidden_tests(source)
        self._count_refused()       # what was dropped before this cell is not its doing
        self._refused = 0
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            # A refused message takes what follows it on its channel (the reply, the
            # kernel's "idle"): nbclient then waits in vain. A kernel that answers now
            # is idle: go on.
            if self._count_refused() and self._answers():
                return cell, resources
            self._stop("a cell ran out of time and ignored the interrupt")
        except DeadKernelError:
            self._stop("the kernel died (memory, CPU time or a crash)")
        finally:
            cell.source = source
            _trim(cell, self.max_output_chars)
            if self._count_refused() and self._stopped is None:
                cell.outputs = [new_output("stream", name="stdout", text=(
                    f"\n{CUT_NOTE} a message of more than {MAX_MESSAGE_BYTES // 1024**2} MB "
                    "was refused]\n"))] + list(cell.get("outputs", []))
        cell.outputs = list(cell.get("outputs", [])) + [_error(self._stopped)]
        return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        size = _size(msg.get("content", {}))
        self._out_chars += size
        self._nb_chars += size
        over = [limit for used, limit in
                ((self._out_chars, self.max_output_chars),
                 (self._nb_chars, self.max_notebook_output_chars)) if used > limit]
        if over:
            if not any(CUT_NOTE in str(o.get("text", "")) for o in outs):
                where = ("this cell" if self._out_chars > self.max_output_chars
                         else "the notebook")
                # first, so that nbgrader's LimitOutput, which keeps the head, keeps it
                outs.insert(0, new_output(
                    "stream", name="stdout",
                    text=f"\n{CUT_NOTE} {where} printed more than {over[0]} characters]\n",
                ))
            return None
        return super().output(outs, msg, display_id, cell_index)


def _trim(cell, limit) -> None:
    """Cut every string of the cell's outputs so that they hold ``limit`` characters at most.

    Outputs reach a cell by more than one path (an error also comes back in
    the execute reply); whichever it was, what is kept is bounded here.
    """
    budget = [limit]

    def cut(text):
        text = str(text)
        keep = max(0, min(len(text), budget[0]))
        budget[0] -= keep
        return text if keep == len(text) else text[:keep] + f"\n{CUT_NOTE} the output was cut]\n"

    for output in cell.get("outputs", []):
        for key in ("text", "evalue"):
            if key in output:
                output[key] = cut(output[key])
        if "traceback" in output:
            output["traceback"] = [cut(line) for line in output["traceback"]]
        for mime, value in list(output.get("data", {}).items()):
            if isinstance(value, str):
                output["data"][mime] = cut(value)


def _size(content) -> int:
    """Characters of an output message: its text, data, traceback and metadata."""
    size = len(str(content.get("text", ""))) + len(str(content.get("evalue", "")))
    size += sum(len(str(line)) for line in content.get("traceback", []) or [])
    for key in ("data", "metadata"):
        value = content.get(key) or {}
        size += sum(len(str(k)) + len(str(v)) for k, v in value.items()) \
            if isinstance(value, dict) else len(str(value))
    return size
