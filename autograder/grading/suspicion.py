"""List submissions whose code reaches for the grader, for a human to read.

Scores never depend on this report: verdicts are computed outside the
student's kernel (``grading.verdict``) and the kernel is sandboxed
(``grading.sandbox``).  The report points an instructor at code that
tried anyway, with the offending lines::

    python -m grading suspicion ps2        # from autograder/
    python -m grading.suspicion ps2 --root DIR

It reads every code cell of ``submitted/<student>/<ps>/*.ipynb`` that
differs from the released notebook, parses it with :mod:`ast` (after
IPython's own input transformation, so magics and ``!`` lines count),
and writes ``reports/<ps>-suspicion.md`` and ``reports/<ps>-suspicion.csv``.

What is flagged, by category:

- ``import-system``: importlib, ``__import__``, ``sys.modules``,
  ``sys.path``, meta-path hooks, ``builtins``, exec/eval/compile, and
  dunder introspection (``__code__``, ``__globals__``, ``__subclasses__``);
- ``ipython``: ``get_ipython``, input transformers, events, magics other
  than plotting and timing, shell escapes, display and exception hooks;
- ``filesystem``: os, shutil, pathlib, subprocess, socket and friends;
  ``open`` (and numpy's file functions) with an absolute, ``..`` or
  computed path;
- ``numpy``: assigning to or deleting an attribute of numpy (or of any
  imported module), rebinding ``np``, ``numpy.testing``;
- ``shadowing``: redefining a builtin (``abs``, ``isinstance``, ...);
- ``process``: signal handlers, threads, multiprocessing, resource;
- ``unreadable``: a file that is not a notebook, a cell that does not
  parse, a file that is not a notebook beside the notebooks;
- ``files``: what ``grading.intake`` does not copy for grading: symbolic
  and hard links, fifos, devices, trees too deep, files too large, a
  submission folder that is a link.  Files are surveyed without following
  anything, and notebooks read within intake's bounds.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import csv
import dataclasses
import sys
from pathlib import Path

import nbformat

from . import intake

CATEGORIES = ("import-system", "ipython", "filesystem", "numpy",
              "shadowing", "process", "unreadable")

# module (first dotted part) -> category
MODULES = {
    "importlib": "import-system", "imp": "import-system",
    "runpy": "import-system", "pkgutil": "import-system",
    "zipimport": "import-system", "builtins": "import-system",
    "ctypes": "import-system", "gc": "import-system",
    "inspect": "import-system", "types": "import-system",
    "IPython": "ipython", "ipykernel": "ipython", "jupyter_client": "ipython",
    "traitlets": "ipython", "nbgrader": "ipython", "nbformat": "ipython",
    "os": "filesystem", "shutil": "filesystem", "pathlib": "filesystem",
    "subprocess": "filesystem", "glob": "filesystem", "tempfile": "filesystem",
    "socket": "filesystem", "urllib": "filesystem", "http": "filesystem",
    "requests": "filesystem", "io": "filesystem", "fileinput": "filesystem",
    "sqlite3": "filesystem", "pickle": "filesystem", "shelve": "filesystem",
    "pty": "filesystem", "fcntl": "filesystem", "mmap": "filesystem",
    "signal": "process", "threading": "process", "multiprocessing": "process",
    "resource": "process", "atexit": "process", "concurrent": "process",
    "sys": None,  # only some attributes of sys are flagged
}
SYS_ATTRS = {
    "modules": "import-system", "path": "import-system",
    "meta_path": "import-system", "path_hooks": "import-system",
    "path_importer_cache": "import-system", "settrace": "import-system",
    "setprofile": "import-system", "addaudithook": "import-system",
    "_getframe": "import-system", "displayhook": "ipython",
    "excepthook": "ipython", "stdout": "ipython", "stderr": "ipython",
    "stdin": "ipython", "exit": "process",
}
DYNAMIC = {"__import__": "import-system", "exec": "import-system",
           "eval": "import-system", "compile": "import-system",
           "globals": "import-system", "vars": "import-system",
           "get_ipython": "ipython", "breakpoint": "process"}
DUNDERS = {"__code__", "__globals__", "__builtins__", "__subclasses__",
           "__closure__", "__defaults__", "__kwdefaults__", "__dict__",
           "__class__", "__bases__", "__mro__", "__loader__", "__spec__",
           "__import__", "__getattribute__", "__setattr__", "__reduce__"}
IPYTHON_ATTRS = {"input_transformers_cleanup", "input_transformers_post",
                 "input_transformer_manager", "events", "register",
                 "ast_transformers", "run_cell", "user_ns", "user_global_ns",
                 "push", "set_custom_exc", "showtraceback", "kernel",
                 "display_pub", "displayhook", "run_line_magic",
                 "run_cell_magic", "system", "getoutput"}
# attributes that only IPython's shell has: flagged on any object
IPYTHON_HOOKS = {"input_transformers_cleanup", "input_transformers_post",
                 "input_transformer_manager", "ast_transformers",
                 "register_magic_function", "set_custom_exc", "user_ns",
                 "user_global_ns", "display_formatter", "run_cell_async"}
WATCHED_WORDS = ("gradebook", "solutions", "autograded", "submitted",
                 "nbgrader", "/root", "/work", "/home", "/proc", "/etc")
NUMPY_FILE_FUNCS = {"load", "save", "savez", "savez_compressed", "loadtxt",
                    "savetxt", "genfromtxt", "fromfile", "tofile", "memmap"}
SAFE_MAGICS = {"matplotlib", "time", "timeit"}
BUILTIN_NAMES = {name for name in dir(builtins) if not name.startswith("_")}


@dataclasses.dataclass(frozen=True)
class Finding:
    student: str
    notebook: str
    cell: str        # grade_id, or "cell <index>"
    line: int
    category: str
    reason: str
    code: str


def _dotted(node) -> str | None:
    """'np.testing.assert_allclose' for an Attribute chain on a Name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _literal_path_problem(node) -> str | None:
    """Why a path argument is suspicious, or None when it is a plain relative name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        text = node.value.decode() if isinstance(node.value, bytes) else node.value
        if text.startswith(("/", "~")) or ".." in text.replace("\\", "/").split("/"):
            return f"path {text!r} leaves the submission folder"
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return "opens a file descriptor by number"
    return "path computed at run time"


class _Visitor(ast.NodeVisitor):
    def __init__(self):
        self.hits: list[tuple[int, str, str]] = []
        # local name -> module; the setup cell of every problem set
        # imports numpy as np, so np means numpy unless rebound
        self.aliases: dict[str, str] = {"np": "numpy", "numpy": "numpy"}

    def hit(self, node, category, reason):
        self.hits.append((getattr(node, "lineno", 1), category, reason))

    # imports -------------------------------------------------------------
    def _import(self, node, module, alias):
        top = module.split(".")[0]
        if top in MODULES and MODULES[top] is not None:
            self.hit(node, MODULES[top], f"imports {module}")
        if module.startswith("numpy.testing") or module == "numpy.testing":
            self.hit(node, "numpy", "imports numpy.testing")
        if alias in ("np", "numpy") and module != "numpy":
            self.hit(node, "numpy", f"binds {alias} to {module}, not numpy")
        self.aliases[alias] = module

    def visit_Import(self, node):
        for name in node.names:
            alias = name.asname or name.name.split(".")[0]
            self._import(node, name.name, alias)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = "." * node.level + (node.module or "")
        for name in node.names:
            self._import(node, f"{module}.{name.name}".lstrip("."),
                         name.asname or name.name)
            if name.name == "*":
                self.hit(node, "import-system", f"from {module} import *")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            text = node.value
            words = [w for w in WATCHED_WORDS if w in text]
            if words or text.startswith("../"):
                self.hit(node, "filesystem",
                         f"string names {(words or ['..'])[0]!r}")
        self.generic_visit(node)

    # names and attributes ----------------------------------------------------
    def visit_Name(self, node):
        if node.id in DYNAMIC and isinstance(node.ctx, ast.Load):
            self.hit(node, DYNAMIC[node.id], f"uses {node.id}")
        if node.id == "__builtins__":
            self.hit(node, "import-system", "uses __builtins__")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        dotted = _dotted(node) or ""
        base = dotted.split(".")[0]
        module = self.aliases.get(base, base)
        if node.attr in DUNDERS:
            self.hit(node, "import-system", f"touches {node.attr}")
        if module == "sys" and node.attr in SYS_ATTRS and dotted.count(".") == 1:
            self.hit(node, SYS_ATTRS[node.attr], f"uses sys.{node.attr}")
        if node.attr in IPYTHON_HOOKS or (
                node.attr in IPYTHON_ATTRS and "ipython" in dotted.lower()):
            self.hit(node, "ipython", f"uses {dotted or node.attr}")
        if node.attr == "testing" and self._is_numpy(node.value):
            self.hit(node, "numpy", f"uses {dotted}")
        self.generic_visit(node)

    def _is_numpy(self, node):
        dotted = _dotted(node) or ""
        base = dotted.split(".")[0]
        return self.aliases.get(base, base).split(".")[0] == "numpy"

    # assignments ---------------------------------------------------------------
    def _target(self, target, node):
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._target(elt, node)
            return
        if isinstance(target, ast.Starred):
            self._target(target.value, node)
            return
        if isinstance(target, ast.Name):
            if target.id in ("np", "numpy"):
                self.hit(node, "numpy", f"rebinds {target.id}")
            elif target.id in BUILTIN_NAMES:
                self.hit(node, "shadowing", f"rebinds the builtin {target.id}")
            return
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            dotted = _dotted(target.value) or ""
            base = dotted.split(".")[0]
            module = self.aliases.get(base, base)
            where = f"{dotted}.{target.attr}" if isinstance(target, ast.Attribute) else f"{dotted}[...]"
            if module.split(".")[0] == "numpy":
                self.hit(node, "numpy", f"assigns to {where}")
            elif base in self.aliases or base in MODULES:
                self.hit(node, "import-system" if module in ("sys", "builtins") else "numpy",
                         f"assigns to {where} (patches module {module})")

    def visit_Assign(self, node):
        for target in node.targets:
            self._target(target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            self._target(target, node)
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        self._target(node.target, node)
        self.generic_visit(node)

    def _defines(self, node):
        if node.name in BUILTIN_NAMES:
            self.hit(node, "shadowing", f"redefines the builtin {node.name}")
        if node.name in ("np", "numpy"):
            self.hit(node, "numpy", f"defines {node.name}")

    def visit_FunctionDef(self, node):
        self._defines(node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._defines(node)
        self.generic_visit(node)

    # calls ---------------------------------------------------------------------
    def visit_Call(self, node):
        func = _dotted(node.func) or ""
        base = func.split(".")[0]
        module = self.aliases.get(base, base)
        name = func.split(".")[-1]
        if func in ("open", "io.open", "os.open") or (
                module.split(".")[0] == "numpy" and name in NUMPY_FILE_FUNCS):
            problem = _literal_path_problem(node.args[0]) if node.args else None
            if problem:
                self.hit(node, "filesystem", f"{func}(): {problem}")
        if func in ("setattr", "delattr") and node.args:
            target = _dotted(node.args[0]) or ""
            target_module = self.aliases.get(target.split(".")[0], target)
            if target_module.split(".")[0] == "numpy" or target in self.aliases:
                self.hit(node, "numpy", f"{func}() on module {target}")
            else:
                self.hit(node, "import-system", f"{func}() on {target or 'an object'}")
        if func == "getattr" and len(node.args) >= 2 and not isinstance(
                node.args[1], ast.Constant):
            self.hit(node, "import-system", "getattr() with a computed name")
        self.generic_visit(node)


def _magic_lines(source: str) -> list[tuple[int, str, str]]:
    """Shell escapes and unusual magics, found on the raw lines."""
    hits = []
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("!") or "= !" in stripped:
            hits.append((number, "filesystem", "runs a shell command"))
        elif stripped.startswith("%"):
            magic = stripped.lstrip("%").split()[0] if stripped.lstrip("%") else ""
            if magic not in SAFE_MAGICS:
                hits.append((number, "ipython", f"uses the magic %{magic}"))
    return hits


def _python_source(source: str) -> str:
    """The cell as IPython would run it (magics become calls)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def scan_code(source: str) -> list[tuple[int, str, str]]:
    """(line, category, reason) for one cell, sorted by line."""
    hits = _magic_lines(source)
    python = _python_source(source)
    try:
        tree = ast.parse(python)
    except SyntaxError as error:
        hits.append((error.lineno or 1, "unreadable", f"does not parse: {error.msg}"))
        return sorted(set(hits))
    visitor = _Visitor()
    visitor.visit(tree)
    # lines that IPython rewrote (magics) are reported from the raw text
    magic_numbers = {n for n, line in enumerate(source.splitlines(), start=1)
                     if line.strip().startswith(("%", "!")) or "= !" in line}
    hits += [h for h in visitor.hits
             if not (h[0] in magic_numbers and "get_ipython" in h[2])]
    return sorted(set(hits))


def _release_sources(root: Path, ps: str, notebook: str) -> set[str]:
    path = root / "release" / ps / notebook
    if not path.is_file():
        return set()
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return set()
    return {c.source for c in nb.cells if c.cell_type == "code"}


def scan_notebook(path: Path, student: str, released: set[str]) -> list[Finding]:
    try:
        data = intake.read_file(path, intake.DEFAULT_LIMITS.notebook_bytes)
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        cells = list(nb.cells)
    except Exception as error:
        return [Finding(student, path.name, "-", 0, "unreadable",
                        f"not a notebook ({type(error).__name__})", "")]
    findings = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if source in released:
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        label = grade_id or f"cell {index}"
        lines = source.splitlines()
        for line, category, reason in scan_code(source):
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            findings.append(Finding(student, path.name, label, line,
                                    category, reason, text))
    return findings


def scan(root, ps) -> list[Finding]:
    """Every finding for problem set ``ps`` under ``root/submitted``."""
    root = Path(root)
    if not ps or "/" in ps or ps.startswith("."):
        raise ValueError(f"bad problem set name {ps!r}")
    findings = []
    for folder in sorted((root / "submitted").glob(f"*/{ps}")):
        student = folder.parent.name
        why = intake.check_folder(folder.parent) or intake.check_folder(folder)
        if why:
            findings.append(Finding(student, ps, "-", 0, "files",
                                    f"the submission folder is {why}", ""))
            continue
        survey = intake.survey(folder)
        for rel, reason in survey.rejected:
            findings.append(Finding(student, intake.printable(rel), "-", 0, "files",
                                    f"{reason}: not copied for grading", ""))
        for rel in survey.files:
            path = folder / rel
            if path.suffix == ".ipynb":
                released = _release_sources(root, ps, rel)
                findings += scan_notebook(path, student, released)
            elif not (root / "release" / ps / rel).exists():
                findings.append(Finding(student, rel, "-", 0, "unreadable",
                                        "a file that the release did not have", ""))
    return findings


def write_reports(root, ps, findings) -> tuple[Path, Path]:
    out = Path(root) / "reports"
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"{ps}-suspicion.csv"
    md_path = out / f"{ps}-suspicion.md"
    fields = [f.name for f in dataclasses.fields(Finding)]
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for finding in findings:
            writer.writerow(dataclasses.asdict(finding))
    students = sorted({f.student for f in findings})
    lines = [f"# Suspicion report: {ps}", "",
             "Code that reaches for the import system, IPython, the file system "
             "or numpy itself. Scores do not depend on this list (verdicts are "
             "computed outside the kernel); it is for a human to read.", "",
             f"{len(students)} submission(s) flagged, {len(findings)} finding(s).", ""]
    for student in students:
        mine = [f for f in findings if f.student == student]
        cats = sorted({f.category for f in mine})
        lines += [f"## {student}: {', '.join(cats)}", "",
                  "| notebook | cell | line | category | why | code |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for f in mine:
            code = f.code.replace("|", "\\|").replace("`", "'")
            lines.append(f"| {f.notebook} | {f.cell} | {f.line} | {f.category} "
                         f"| {f.reason} | `{code}` |")
        lines.append("")
    md_path.write_text("\n".join(lines))
    return md_path, csv_path


def main(argv=None, default_root=None):
    parser = argparse.ArgumentParser(
        prog="python -m grading suspicion",
        description="Write reports/<ps>-suspicion.md and .csv.")
    parser.add_argument("ps")
    parser.add_argument("--root", default=str(default_root or Path(__file__).resolve().parent.parent))
    args = parser.parse_args(argv)
    findings = scan(args.root, args.ps)
    md_path, _ = write_reports(args.root, args.ps, findings)
    flagged = len({f.student for f in findings})
    print(f"{args.ps}: {flagged} submission(s) flagged -> {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
