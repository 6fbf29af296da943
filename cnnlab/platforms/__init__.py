"""Course platforms: the nbgrader notebook and course, the Gradescope autograder bundle and
the student release. All of them are generated from ``solutions/`` and the catalog."""
