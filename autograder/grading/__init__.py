"""The trusted grader of the course.  Student code is hostile; this is where it runs.

The trust map
=============

Student code reaches exactly two doors, and both go through
:func:`grading.sandbox.wrap` (bubblewrap: no network, an unprivileged uid,
its own PID namespace, limits on memory, CPU, processes and file size, an
empty memory-backed working folder, nothing of the course visible):

1. **The kernel** (``kernel.SandboxedExecute``, nbgrader's ``Execute`` step).
   The whole submission runs there, as the student ran it, without the
   hidden parts of the test cells.  What comes back: the notebook's outputs
   only, each kernel message at most ``kernel.MAX_MESSAGE_BYTES``, the
   outputs capped per cell and per notebook, then made inert
   (``inert.InertOutputs``) wherever a page shows them.  No score is taken
   from the kernel: a test cell's outputs are replaced by the verdict.
2. **The verdict's harness** (``verdict.OutOfKernelVerdict`` ->
   ``isolation.run_isolated`` -> ``harness.py``).  The submission's solution
   cells and the source notebook's setup cells run in a fresh process on
   the inputs of every case (``cases.py``).  What comes back: ``results.npz``,
   float64 arrays only (size-checked, ``allow_pickle=False``), and an
   :class:`isolation.Isolated` (exit code, ``timed_out``, known from outside
   the process); its output is never read for a verdict or shown.  The trusted process compares those arrays with
   ``solutions/`` and writes each test cell's one-line verdict.

Everything else touches only files of the submission, never runs them:
``intake.py`` stages a submission's files within bounds before nbgrader
sees them, ``exchange.py`` collects without following links,
``suspicion.py`` reads the code as text, ``language.LocalizedCells`` reads
only the notebook's language tag (anything but a known language is English)
and writes the course's own Korean text into its read-only cells.  ``config_check.py`` refuses,
for every command, a config that would leave either door unsandboxed.
"""
