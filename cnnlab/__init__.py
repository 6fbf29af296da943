"""cnnlab: exercises, grading and exam practice for the lecture "Convolutional neural networks".

The tool itself: the ``cnnlab`` command line, the stub builder, the student's self-check and
the rules that say when a result is right. The exercise code lives in ``solutions/`` (the
reference) and ``exercises/`` (the stubs generated from it).
"""

__version__ = "0.1.0"
