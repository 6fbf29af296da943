"""The rubric's ``forbid`` reads the source: each way of reaching a forbidden module that a
student might use is seen, and honest code that does not use it is not flagged."""

import textwrap

import pytest

from autograder.forbidden import forbidden_uses

FORBID = ("scipy.signal", "numpy.convolve")


def uses(source: str, others: tuple[str, ...] = ()) -> list[str]:
    return forbidden_uses(textwrap.dedent(source), "conv2d", FORBID,
                          [textwrap.dedent(o) for o in others])


BYPASSES = {
    "plain attribute": """
        import scipy.signal
        def conv2d(image, kernel):
            return scipy.signal.correlate2d(image, kernel, "valid")
        """,
    "star import": """
        from scipy.signal import *
        def conv2d(image, kernel):
            return correlate2d(image, kernel, "valid")
        """,
    "star import of the parent package": """
        from scipy import *
        def conv2d(image, kernel):
            return signal.correlate2d(image, kernel, "valid")
        """,
    "sys.modules": """
        import sys
        def conv2d(image, kernel):
            return sys.modules["scipy." + "signal"].correlate2d(image, kernel, "valid")
        """,
    "sys.modules through from-import": """
        from sys import modules
        def conv2d(image, kernel):
            return modules["x"].correlate2d(image, kernel, "valid")
        """,
    "importlib.import_module": """
        import importlib
        def conv2d(image, kernel):
            return importlib.import_module("scipy.sig" "nal").correlate2d(image, kernel)
        """,
    "import_module imported by name": """
        from importlib import import_module as load
        def conv2d(image, kernel):
            return load("x").correlate2d(image, kernel)
        """,
    "__import__": """
        def conv2d(image, kernel):
            return __import__("scipy").signal.correlate2d(image, kernel)
        """,
    "import as alias": """
        import scipy.signal as ss
        def conv2d(image, kernel):
            return ss.correlate2d(image, kernel, "valid")
        """,
    "from-import as alias": """
        from scipy import signal as sg
        def conv2d(image, kernel):
            return sg.correlate2d(image, kernel, "valid")
        """,
    "module-level name for the module": """
        import scipy
        s = scipy.signal
        def conv2d(image, kernel):
            return s.correlate2d(image, kernel, "valid")
        """,
    "getattr with a constant name": """
        import scipy
        def conv2d(image, kernel):
            return getattr(scipy, "signal").correlate2d(image, kernel, "valid")
        """,
    "getattr with a computed name": """
        import scipy
        def conv2d(image, kernel):
            return getattr(scipy, "sig" + "nal").correlate2d(image, kernel, "valid")
        """,
    "a string naming the module": """
        import pkgutil
        def conv2d(image, kernel):
            return pkgutil.resolve_name("scipy.signal:correlate2d")(image, kernel)
        """,
    "a helper in the same module": """
        from scipy.signal import correlate2d
        def _helper(a, b):
            return correlate2d(a, b, "valid")
        def conv2d(image, kernel):
            return _helper(image, kernel)
        """,
    "monkey-patching numpy at import": """
        import numpy as np
        from scipy import signal
        np.my_conv = signal.correlate2d
        def conv2d(image, kernel):
            return np.my_conv(image, kernel, "valid")
        """,
    "setattr at import": """
        import numpy as np
        import scipy.signal
        setattr(np, "my_conv", scipy.signal.correlate2d)
        def conv2d(image, kernel):
            return np.my_conv(image, kernel, "valid")
        """,
    "vars of a module": """
        import scipy
        def conv2d(image, kernel):
            return vars(scipy)["signal"].correlate2d(image, kernel)
        """,
    "a module's __dict__": """
        import scipy
        def conv2d(image, kernel):
            return scipy.__dict__["signal"].correlate2d(image, kernel)
        """,
    "eval": """
        def conv2d(image, kernel):
            return eval("__imp" + "ort__('scipy.signal')")
        """,
    "numpy.convolve as np": """
        import numpy as np
        def conv2d(image, kernel):
            return np.convolve(image.ravel(), kernel.ravel())
        """,
    "numpy.convolve imported by name": """
        from numpy import convolve as c
        def conv2d(image, kernel):
            return c(image.ravel(), kernel.ravel())
        """,
    "import inside the function": """
        def conv2d(image, kernel):
            from scipy.signal import correlate2d
            return correlate2d(image, kernel, "valid")
        """,
    "builtins module": """
        import builtins
        def conv2d(image, kernel):
            return builtins.__dict__["__import__"]("scipy.signal")
        """,
}


@pytest.mark.parametrize("name", BYPASSES)
def test_each_way_to_reach_a_forbidden_module_is_seen(name):
    assert uses(BYPASSES[name]), name


def test_a_helper_in_another_module_of_the_student_is_followed():
    helper = """
        from scipy.signal import *
        def corr(a, b):
            return correlate2d(a, b, "valid")
        """
    own = """
        from helpers import corr
        def conv2d(image, kernel):
            return corr(image, kernel)
        """
    assert uses(own, (helper,)) == ["scipy.signal.correlate2d"]


HONEST = {
    "loops and numpy": """
        import numpy as np
        from scipy import signal  # used elsewhere, not in conv2d
        def conv2d(image, kernel):
            out = np.zeros((image.shape[0] - kernel.shape[0] + 1,
                            image.shape[1] - kernel.shape[1] + 1))
            for i in range(out.shape[0]):
                for j in range(out.shape[1]):
                    out[i, j] = np.sum(image[i:i + kernel.shape[0], j:j + kernel.shape[1]]
                                       * kernel)
            return out
        def other(a, b):
            return signal.correlate2d(a, b)
        """,
    "a star import of numpy": """
        from numpy import *
        def conv2d(image, kernel):
            return zeros((1, 1)) + sum(image) * kernel[0, 0]
        """,
    "an import in a module-level try": """
        try:
            from scipy import signal
        except ImportError:
            signal = None
        import numpy as np
        def conv2d(image, kernel):
            return np.zeros((1, 1))
        """,
    "a docstring that names the module": '''
        import numpy as np
        def conv2d(image, kernel):
            """Like scipy.signal.correlate2d(image, kernel, "valid"), by hand."""
            return np.zeros((1, 1))
        ''',
}


@pytest.mark.parametrize("name", HONEST)
def test_code_that_does_not_use_the_forbidden_module_passes(name):
    assert uses(HONEST[name]) == []


def test_the_names_found_are_the_full_dotted_names():
    assert uses(BYPASSES["import as alias"]) == ["scipy.signal", "scipy.signal.correlate2d"]
    assert uses(BYPASSES["star import"]) == ["scipy.signal.correlate2d"]
    assert uses(BYPASSES["getattr with a constant name"]) == ["scipy.signal"]


def test_nothing_is_forbidden_without_a_forbid_list():
    assert forbidden_uses(textwrap.dedent(BYPASSES["eval"]), "conv2d", ()) == []
