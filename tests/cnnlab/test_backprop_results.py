"""conv_layer_backward's result, three gradients at once: SPEC 2's tolerance and result types
array by array, with a message that says which array is wrong."""

import numpy as np

from cnnlab.result_rules import compare

RIGHT = (np.zeros((3, 3, 1)), np.ones((2, 2, 1, 1)), np.array([4.0]))


def test_the_right_three_arrays_pass_as_a_tuple_or_a_list() -> None:
    assert compare("conv_layer_backward", RIGHT, tuple(a.copy() for a in RIGHT)) is None
    assert compare("conv_layer_backward", RIGHT, [a.copy() for a in RIGHT]) is None


def test_a_wrong_second_array_is_named() -> None:
    wrong = (RIGHT[0], 2 * RIGHT[1], RIGHT[2])
    assert compare("conv_layer_backward", RIGHT, wrong).startswith("array 2 of 3")


def test_integer_gradients_are_not_floats() -> None:
    ints = (RIGHT[0], RIGHT[1], np.array([4]))
    assert "floating-point" in compare("conv_layer_backward", RIGHT, ints)


def test_two_arrays_or_one_array_are_not_three() -> None:
    assert "3 arrays" in compare("conv_layer_backward", RIGHT, RIGHT[:2])
    assert "3 arrays" in compare("conv_layer_backward", RIGHT, RIGHT[1])
