"""Hostile exception objects raised by a student's function: the worker still tells the call
as "raised <built-in kind>: <message or a fallback>", at once, and the function's next calls
in the same batch still run (red-team probe 3, hand-ins b01, b02, b04 and b05).

Each hand-in is the perfect example student whose ``same_padding`` raises the hostile object
for ``kernel_size=3`` only and answers right otherwise: a worker that died, or hung, on the
first call would lose the second one's answer.
"""

import ast

from grader_helpers import perfect_with

from autograder.results import RAISED, TIMEOUT
from autograder.results import CallError as Error
from autograder.sandbox import Limits, SandboxedStudent

FAST = Limits(seconds_per_call=2, seconds_import=5)
RAISES_AT_3 = """
def same_padding(kernel_size):
    if kernel_size == 3:
        raise {raised}
    return (kernel_size - 1) // 2
"""


def _two_calls(tmp_path, hostile: str, raised: str) -> Error:
    """The error of ``same_padding(3)`` in a hand-in with ``hostile`` code; asserts that the
    call after it, in the same batch, still ran."""
    folder = perfect_with(tmp_path / "s", "padding", hostile + RAISES_AT_3.format(raised=raised))
    with SandboxedStudent(folder, FAST) as student:
        error, after = student.call_many("same_padding", [((3,), {}), ((5,), {})])
    assert after == 2, after
    assert isinstance(error, Error) and error.kind == RAISED, error
    return error


def test_a_metaclass_whose_mro_raises_is_told_by_its_real_ancestry(tmp_path):
    error = _two_calls(tmp_path, """
class _Meta(type):
    @property
    def __mro__(cls):
        raise RuntimeError("no mro for you")

    @property
    def __name__(cls):
        raise RuntimeError("no name either")


class HostileError(ValueError, metaclass=_Meta):
    pass
""", 'HostileError("bad kernel_size")')
    assert error.exception_type == "ValueError" and error.message == "bad kernel_size"


def test_a_message_that_is_a_str_subclass_is_sent_as_plain_text(tmp_path):
    error = _two_calls(tmp_path, """
class _S(str):
    def __getitem__(self, i):
        return object()


class HostileError(ValueError):
    def __str__(self):
        return _S("kernel_size is bad")
""", "HostileError()")
    assert error.exception_type == "ValueError" and error.message == "kernel_size is bad"


def test_a_fake_traceback_that_links_to_itself_does_not_hang_the_lookup(tmp_path):
    error = _two_calls(tmp_path, """
class _TB:
    tb_lineno = 1

    @property
    def tb_frame(self):
        return _F()

    @property
    def tb_next(self):
        return self


class _Code:
    co_filename = "padding.py"
    co_name = "same_padding"


class _F:
    f_code = _Code()


class HostileError(ValueError):
    @property
    def __traceback__(self):
        return _TB()

    @__traceback__.setter
    def __traceback__(self, value):
        pass
""", 'HostileError("kernel_size bad")')
    assert error.message == "kernel_size bad"
    # the real traceback is read, not the property: the student's real line
    assert error.where is not None and "raise HostileError" in error.where, error.where


def test_a_stub_with_a_fake_cyclic_traceback_is_still_a_stub(tmp_path):
    folder = perfect_with(tmp_path / "s", "padding", """
class _TB:
    @property
    def tb_next(self):
        return self


class Stub(NotImplementedError):
    @property
    def __traceback__(self):
        return _TB()


def same_padding(kernel_size):
    if kernel_size == 3:
        raise Stub()
    return (kernel_size - 1) // 2
""")
    with SandboxedStudent(folder, FAST) as student:
        error, after = student.call_many("same_padding", [((3,), {}), ((5,), {})])
    assert after == 2 and error.message == "still raises NotImplementedError", error


def test_a_class_named_like_a_builtin_is_told_by_its_real_ancestry(tmp_path):
    error = _two_calls(tmp_path, """
class ValueError(TypeError):  # `except ValueError` does not catch it: not a ValueError
    pass


ValueError.__module__ = "builtins"
""", 'ValueError("kernel_size must be odd")')
    assert error.exception_type == "TypeError" and error.message == "kernel_size must be odd"


def test_a_made_up_builtin_name_is_not_a_kind(tmp_path):
    error = _two_calls(tmp_path, """
_Html = type("<img src=x onerror=alert(1)>", (Exception,), {"__module__": "builtins"})
""", '_Html("<b>bold</b>")')
    assert error.exception_type == "Exception" and error.message == "<b>bold</b>"


def test_an_exception_outside_the_mro_of_base_exception_is_still_caught(tmp_path):
    """A metaclass's ``mro()`` may leave BaseException out: ``except BaseException`` then
    does not catch it (CPython matches by the MRO), and the worker ended."""
    error = _two_calls(tmp_path, """
class _Meta(type):
    def mro(cls):
        return [cls, object]


class Elusive(Exception, metaclass=_Meta):
    pass
""", "Elusive()")
    assert error.exception_type == "BaseException"


def test_a_message_that_cannot_be_read_says_so(tmp_path):
    error = _two_calls(tmp_path, """
class HostileError(ValueError):
    def __str__(self):
        raise RuntimeError("no message for you")
""", "HostileError()")
    assert error.exception_type == "ValueError"
    assert error.message == "HostileError (its message could not be read)"


def test_huge_messages_and_cyclic_chains_are_cut_and_not_walked(tmp_path):
    """Passed before too: the worker never walks ``__cause__`` or ``__context__``."""
    error = _two_calls(tmp_path, """
class HostileError(ValueError):
    @property
    def __cause__(self):
        return self

    @property
    def __context__(self):
        while True:
            pass


def _raise():
    error = HostileError("x" * 10**8)
    error.__suppress_context__ = False
    raise error
""", "_raise() from None")
    assert error.exception_type == "ValueError" and error.message.startswith("xxx")
    assert len(error.message) <= 500


# Blocks the signal that sends the worker's waiting replies while a call runs, then hangs.
BLOCKS_THE_TIMER = """
import signal
import time

_CALLS = [0]


def same_padding(kernel_size):
    _CALLS[0] += 1
    if _CALLS[0] == 1:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
    if _CALLS[0] == 4:
        time.sleep(60)
    return (kernel_size - 1) // 2
"""


def test_a_call_that_blocks_the_workers_timer_still_gets_the_hang_blamed_on_its_own_call(
        tmp_path):
    """Replies wait a few ms to go out together; a call that hangs is blamed on itself only
    if the replies before it went out, which a timer does, even after an earlier call blocked
    its signal (or took it over, as signal.alarm does)."""
    folder = perfect_with(tmp_path / "s", "padding", BLOCKS_THE_TIMER)
    with SandboxedStudent(folder, FAST) as student:
        results = student.call_many("same_padding", [((k,), {}) for k in (1, 3, 5, 7, 9)])
    assert results[:3] == [0, 1, 2]
    assert isinstance(results[3], Error) and results[3].kind == TIMEOUT


def test_a_hostile_exception_raised_at_import_is_described_without_raising() -> None:
    """A module that raises at import gets a note; the exception is the student's object,
    read as a call's is (it ended the worker while importing, told as a crash)."""
    from cnnlab.loading import _left_out_note, describe_import_error

    class Meta(type):
        @property
        def __name__(cls):
            raise RuntimeError("no name")

    class HostileError(ValueError, metaclass=Meta):
        def __str__(self):
            raise RuntimeError("no text")

    try:
        raise HostileError
    except HostileError as raised:
        error = raised
    assert describe_import_error(error).startswith("HostileError (")
    assert describe_import_error(error).endswith(": (its message could not be read)")
    note = _left_out_note("padding.py", [(ast.parse("x = 1").body[0], error)])
    assert "line 1: HostileError: (its message could not be read)" in note


THREAD_POOL = """
def same_padding(kernel_size):
    from multiprocessing.dummy import Pool
    with Pool(2) as pool:
        return pool.map(lambda k: (k - 1) // 2, [kernel_size])[0]
"""


def test_a_multiprocessing_pool_refused_by_the_sandbox_says_what_works(tmp_path):
    """multiprocessing.dummy.Pool is threads, but makes its locks as multiprocessing does,
    which the sandbox refuses: the student is told to use ThreadPoolExecutor."""
    folder = perfect_with(tmp_path / "s", "padding", THREAD_POOL)
    with SandboxedStudent(folder, FAST) as student:
        error = student.call_many("same_padding", [((3,), {})])[0]
    assert isinstance(error, Error) and error.exception_type in ("PermissionError", "OSError")
    assert "use concurrent.futures.ThreadPoolExecutor for threads" in error.message
