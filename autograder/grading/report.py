"""The class view: per graded function, how many passed and how many made each confusion.

    python -m grading report ps4    # reports/ps4-confusions.md and reports/ps4-confusions.png

It reads the autograded notebooks (``autograded/<student>/<ps>/<ps>.ipynb``):
a graded cell with no verdict record passed; a failing one carries the
verdict's record (``diagnosis.record``) with the confusion it matched, if
any.  Nothing is run again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def _grader(root):
    """The grader's tables; like nbgrader_config.py, put the course's repository on sys.path."""
    for path in (Path(root).resolve(), Path(root).resolve().parent):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from . import cases, confusions
    return cases, confusions


def collect(root, ps):
    """{grade_id: {"students": n, "passed": n, "unnamed": n, <confusion key>: n}}."""
    cases_module, _ = _grader(root)
    counts = {}
    for path in sorted(Path(root, "autograded").glob(f"*/{ps}/{ps}.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or grade_id not in cases_module.TASKS:
                continue
            if not cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            row = counts.setdefault(grade_id, {"students": 0, "passed": 0, "unnamed": 0})
            row["students"] += 1
            record = cell.metadata.get("lossopt")
            failed = record is not None or any(o.get("output_type") == "error"
                                               for o in cell.get("outputs", []))
            if not failed:
                row["passed"] += 1
                continue
            key = ((record or {}).get("diagnosis") or {}).get("confusion")
            row[key or "unnamed"] = row.get(key or "unnamed", 0) + 1
    return counts


def markdown(ps, counts):
    from . import cases as cases_module, confusions
    lines = [f"# {ps}: who passed, and which confusions", "",
             "| function | students | passed | confusion | students who made it |",
             "| --- | --- | --- | --- | --- |"]
    for grade_id, row in counts.items():
        label = cases_module.TASKS[grade_id].label
        first = f"| {label} | {row['students']} | {row['passed']} |"
        made = [(c.key, row.get(c.key, 0)) for c in confusions.of(grade_id)]
        made.append(("failed, no known confusion", row["unnamed"]))
        for i, (key, n) in enumerate(made):
            text = key if key.startswith("failed") else (
                f"{key}: {confusions.CATALOGUE[key].text}")
            lead = first if i == 0 else "| | | |"
            lines.append(f"{lead} {text.replace('|', '/')} | {n} |")
    return "\n".join(lines) + "\n"


def chart(ps, counts, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import cases as cases_module, confusions

    labels, passed, named, unnamed = [], [], [], []
    for grade_id, row in counts.items():
        labels.append(cases_module.TASKS[grade_id].label)
        passed.append(row["passed"])
        unnamed.append(row["unnamed"])
        named.append(row["students"] - row["passed"] - row["unnamed"])
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(labels) + 2), layout="constrained")
    y = range(len(labels))
    ax.barh(y, passed, color="tab:green", label="passed")
    ax.barh(y, named, left=passed, color="tab:orange", label="a named confusion")
    ax.barh(y, unnamed, left=[p + n for p, n in zip(passed, named)], color="tab:gray",
            label="failed, no known confusion")
    for i, grade_id in enumerate(counts):
        top = max(confusions.of(grade_id), key=lambda c: counts[grade_id].get(c.key, 0),
                  default=None)
        if top is not None and counts[grade_id].get(top.key):
            ax.text(counts[grade_id]["students"] + 0.05, i, f"{top.key} ({counts[grade_id][top.key]})",
                    va="center", fontsize=8)
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xlabel("students")
    ax.set_title(f"{ps}: passed, and the most frequent confusion")
    ax.set_xlim(0, 1.4 * max(max(r["students"] for r in counts.values()), 1))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=8)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(root, ps):
    counts = collect(root, ps)
    if not counts:
        print(f"no autograded submissions of {ps} under {Path(root) / 'autograded'}",
              file=sys.stderr)
        return 1
    out = Path(root) / "reports"
    out.mkdir(exist_ok=True)
    (out / f"{ps}-confusions.md").write_text(markdown(ps, counts))
    chart(ps, counts, out / f"{ps}-confusions.png")
    print(f"wrote {out / f'{ps}-confusions.md'} and {out / f'{ps}-confusions.png'}")
    return 0
