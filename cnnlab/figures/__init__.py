"""Figures for the lecture's ideas: grids of numbers, receptive fields, grading feedback.

Every function returns a matplotlib ``Figure`` built without pyplot (so no GUI backend is
needed); ``cnnlab.figures.render`` turns it into PNG bytes or a file.
"""
