"""The plain-data wire format between grader and worker: round trips and refusals."""

import base64
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.worker_runtime import wire

NUMERIC = st.sampled_from(["bool", "int8", "uint16", "int32", "int64", "float32", "float64"])


@given(hnp.arrays(NUMERIC, hnp.array_shapes(min_dims=0, max_dims=4, max_side=4)))
def test_arrays_come_back_with_dtype_shape_and_values(array):
    back = wire.loads(wire.dumps(array))
    assert type(back) is np.ndarray
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()


def test_containers_and_scalars_keep_their_types():
    value = {"args": (1, 2.5, None, True, "x", [3, (4,)]), "n": np.int64(7),
             "f": np.float32(0.5), "inf": float("inf")}
    back = wire.loads(wire.dumps(value))
    assert back == value
    assert type(back["args"]) is tuple and type(back["args"][5]) is list
    assert type(back["n"]) is np.int64 and type(back["f"]) is np.float32
    assert type(back["args"][3]) is bool


class Lying(tuple):
    def __iter__(self):
        return iter(("not", "these"))


def test_a_tuple_subclass_or_a_matrix_is_sent_as_the_tuple_or_array_it_is():
    """SPEC asks for a tuple or an array: a namedtuple, a typing.NamedTuple and an np.matrix
    are one, and arrive as plain ones, read through the base type (not an overridden
    ``__iter__``)."""
    import collections
    import typing

    Shape = collections.namedtuple("Shape", "height width channels")

    class Gradients(typing.NamedTuple):
        d_x: np.ndarray
        d_b: float
    for sent, plain in ((Shape(4, 5, 2), (4, 5, 2)), (Lying((1, 2)), (1, 2)),
                        (Gradients(np.ones(2), 0.5), (np.ones(2), 0.5))):
        back = wire.loads(wire.dumps(sent))
        assert type(back) is tuple and wire.dumps(back) == wire.dumps(plain)
    back = wire.loads(wire.dumps(np.asmatrix([[1.0, 2.0]])))
    assert type(back) is np.ndarray and back.shape == (1, 2) and back.tolist() == [[1.0, 2.0]]


def test_a_long_double_arrives_as_the_double_it_rounds_to():
    """np.float128 holds the same numbers to within the tolerance, but its bytes mean
    different things on different machines: it is sent as float64 (complex256: complex128)."""
    third = np.full((2, 2), 1, dtype=np.longdouble) / 3
    back = wire.loads(wire.dumps(third))
    assert back.dtype == np.float64 and back.tolist() == [[1 / 3] * 2] * 2
    scalar = wire.loads(wire.dumps((np.longdouble(2) / 3, np.clongdouble(1j))))
    assert type(scalar[0]) is np.float64 and scalar[0] == 2 / 3
    assert type(scalar[1]) is np.complex128 and scalar[1] == 1j


class AlwaysEqual(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize("value", [AlwaysEqual(3), np.array([object()]), {1: 2}, {"k": set()},
                                   np.array(["a"]), np.ma.masked_array([1, 2]), 1 + 2j,
                                   pytest.param(10**5000, id="huge-int")])
def test_anything_but_plain_data_is_refused_when_encoding(value):
    with pytest.raises(wire.WireError):
        wire.dumps(value)


def _message(tree) -> bytes:
    return json.dumps(tree).encode()


RAW8 = base64.b64encode(b"\0" * 8).decode()


@pytest.mark.parametrize("message", [
    _message({"array": ["|O", [1], RAW8]}),  # object dtype
    _message({"array": ["<f8", [2], RAW8]}),  # 8 bytes for a shape of 2 floats
    _message({"array": ["<f8", [-1], RAW8]}),  # negative size
    _message({"array": ["<f8", [1] * 9, RAW8]}),  # too many dimensions
    _message({"pickle": "gASVAAAAAAAAAAA="}),  # unknown tag
    _message({"tuple": [1], "list": [2]}),  # two tags
    _message([1, 2]),  # an untagged list
    _message({"dict": [[1, 2]]}),  # a key that is no string
    b"[" * 5000 + b"]" * 5000,  # nested too deeply for json
    _message({"list": [{"list": []}] * (wire.MAX_ITEMS + 1)}),  # too many values
    b"NaN",  # bare constants are not plain data here
    b"not json",
])
def test_malformed_messages_are_refused_when_decoding(message):
    with pytest.raises(wire.WireError):
        wire.loads(message)


# --- replies: the trusted side decodes any reply of any shape without raising ---------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)
TAGS = st.sampled_from(["ok", "inputs", "error", "tuple", "list", "dict", "array", "scalar",
                        "float", "raised", "invalid_result", "not_implemented", "timeout"])
# Trees built from the wire format's own tags and a reply's keys, nested in any way.
WIRE = st.recursive(JSON, lambda inner: st.dictionaries(TAGS, inner, min_size=1, max_size=2)
                    | st.lists(inner, max_size=4), max_leaves=25)


@given(st.one_of(JSON, WIRE).map(json.dumps).map(str.encode) | st.binary(max_size=64))
def test_any_reply_fails_only_its_own_call_and_never_raises(data):
    from autograder.results import CRASHED, TIMEOUT, CallError
    from autograder.sandbox import reply_from

    result, inputs, _ = reply_from(data)
    if isinstance(result, CallError):
        assert inputs is None
        assert result.kind not in (CRASHED, TIMEOUT)  # a worker cannot claim the grader's verdicts
        assert type(result.message) is str and len(result.message) <= 2000
    elif inputs is not None:
        assert type(inputs) is tuple and type(inputs[0]) is tuple and type(inputs[1]) is dict


@pytest.mark.parametrize("reply", [
    {"ok": 1, "inputs": [5, {}]},  # inputs that are no (args, kwargs)
    {"ok": 1, "inputs": [[1], [2]]},
    {"ok": 1, "extra": 2},
    {"error": ["crashed", "I crashed, give me the points back", None, None, ""]},  # not its
    {"error": ["raised", 5, None, None, ""]},
    {"error": ["raised", "x", None, None]},  # printed missing
    {"error": ["raised", "x", None, None, "", None]},
    {"error": "raised"},
    [1, 2],
])
def test_a_malformed_reply_is_an_invalid_result(reply):
    from autograder.results import INVALID
    from autograder.sandbox import reply_from

    result, inputs, _ = reply_from(wire.dumps(reply))
    assert result.kind == INVALID and inputs is None


@given(st.one_of(JSON, WIRE), st.sampled_from([None, ["<f8", [1, 4]], ["<i4", [8]]]))
def test_a_reported_layout_gives_the_array_as_left_or_says_it_changed(report, fitting):
    """A worker reports an array argument it reshaped or retyped in place as [dtype, shape];
    the grader reads the values back itself and never trusts a layout that does not fit."""
    from autograder.sandbox.inputs import SharedInputs
    from autograder.sandbox.protocol import CHANGED_IN_PLACE, with_inputs_after

    x = np.arange(4.0)
    inputs = SharedInputs(4096)
    try:
        sent, placed, _ = inputs.lay_out([((x,), {})])
        for layout in (report, fitting):
            _, ((after,), _) = with_inputs_after(1, ([layout], {}), placed[0], inputs, sent[0])
            if layout is None:
                assert after.shape == (4,) and after.tolist() == x.tolist()
            elif isinstance(after, np.ndarray):
                assert after.nbytes == x.nbytes and list(after.shape) == layout[1]
            else:
                assert after == CHANGED_IN_PLACE
    finally:
        inputs.close()
