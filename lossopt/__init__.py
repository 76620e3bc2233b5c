"""lossopt: the public toolkit of the Loss Functions & Optimizers course.

Test surfaces with analytic gradients (:mod:`lossopt.surfaces`), seeded data
sets (:mod:`lossopt.data`), a trajectory runner for any ``(init, step)`` pair
(:mod:`lossopt.trajectory`), plotting helpers (:mod:`lossopt.plotting`) and
interactive figures (:mod:`lossopt.interactive`).  It never depends on the
course's private reference implementation: it takes functions as arguments.
"""

__version__ = "0.1.0"
