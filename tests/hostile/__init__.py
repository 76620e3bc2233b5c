"""Hostile submissions and the small nbgrader courses they are graded in."""
