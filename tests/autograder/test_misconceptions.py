"""The misconception diagnosis names what a buggy submission did, and nothing else.

Each misconception of ``autograder.misconceptions`` is carried by a submission that is perfect
except for one function, graded with the real hidden suite in-process. The carrier is the
independently written mutant of ``tests/student_code/mutants.py`` with the same bug where
there is one (``NAMED_BY``), else the misconception's own variant. Correct variants
(``tests/student_code/variants.py``) never get a diagnosis.
"""

from __future__ import annotations

import numpy as np
import pytest
from student_code import perfect_except
from student_code.carriers import CARRIERS
from student_code.carriers import NAMED as CARRIER_NAMES
from student_code.mutants import MUTANTS
from student_code.variants import VARIANTS

from autograder import engine, misconceptions
from autograder.inprocess import InProcessStudent
from autograder.misconceptions import (
    BOTH,
    CATALOGUE,
    Diagnosis,
    Misconception,
    diagnose,
    ids_in,
    same,
)
from autograder.results import CallError
from cnnlab.catalog import EXERCISES, FUNCTIONS

# Mutant id -> the misconception its feedback must name (hand-matched from the mutant's
# description; None: no misconception of the catalogue is this bug).
NAMED_BY: dict[str, str | None] = {
    "zero_pad: pads the channel axis too": "zero_pad.pads_channels",
    "zero_pad: pads only before each axis": "zero_pad.one_side",
    "zero_pad: returns float64 for integer input": "zero_pad.float_result",
    "zero_pad: all 2 pad zeros after the input": "zero_pad.all_at_the_end",
    "zero_pad: no ndim check: pads a 4-D array": "zero_pad.accepts_any_ndim",
    "conv_output_size: forgets the + 1": "conv_output_size.no_plus_one",
    "conv_output_size: ceil instead of floor": "conv_output_size.ceil",
    "conv_output_size: ignores the stride": "conv_output_size.stride_ignored",
    "conv_output_size: true division gives a float": "conv_output_size.true_division",
    "conv_output_size: no ValueError for negative padding or a kernel too large":
        "conv_output_size.no_checks",
    "same_padding: k // 2, no ValueError for an even kernel": "same_padding.even_kernel",
    "same_padding: k // 2 after checking k >= 1, no ValueError for an even kernel":
        "same_padding.even_kernel",
    "same_padding: (k - 1) / 2 is a float": "same_padding.float",
    "conv1d: flips the kernel (np.convolve)": "conv1d.flipped_kernel",
    "conv1d: ignores the stride": "conv1d.stride_ignored",
    "conv1d: pads only on the left": "conv1d.one_side_padding",
    "conv1d: all 2p padding zeros after the signal": "conv1d.padding_at_the_end",
    "conv1d: np.dot in the input dtype: uint8 wraps around": "conv1d.input_dtype",
    "conv2d: flips the kernel (true convolution)": "conv2d.flipped_kernel",
    "conv2d: stride applied to the rows only": "conv2d.stride_rows_only",
    "conv2d: transposed kernel (kh and kw swapped)": "conv2d.rows_columns_swapped",
    "conv2d: windows times the transposed kernel (numpy broadcasts a 1 x k one)":
        "conv2d.rows_columns_swapped",
    "conv2d: all 2p padding zeros below and right of the image": "conv2d.padding_at_the_end",
    "conv2d: forgets the + 1 in the output size": "conv2d.no_plus_one",
    "conv2d: output size computed without the padding": "conv2d.size_without_padding",
    "conv2d: tensordot in the input dtype: uint8 wraps around": "conv2d.input_dtype",
    "dilated_conv2d: dilates the input (every d-th pixel) instead of the kernel":
        "dilated_conv2d.dilated_the_input",
    "dilated_conv2d: d zeros between the kernel's taps (d + 1 apart)":
        "dilated_conv2d.d_zeros_between_taps",
    "dilated_conv2d: takes the dilated kernel to span k * d pixels":
        "dilated_conv2d.size_k_times_d",
    "dilated_conv2d: all 2p padding zeros below and right of the image":
        "dilated_conv2d.padding_at_the_end",
    "conv_layer: forgets the bias": "conv_layer.forgets_bias",
    "conv_layer: adds the bias once per input channel": "conv_layer.bias_per_input_channel",
    "conv_layer: sums only the first input channel": "conv_layer.first_channel_only",
    "conv_layer: im2col patches and kernels flattened in different orders": None,
    "conv_layer: starts from the bias: an integer bias truncates the output": None,
    "conv_layer: assumes square kernels (kw taken to be kh)": None,
    "conv_layer: checks only the kernel height against the padded image": None,
    "conv2d: compares the kernel's area, not each axis, with the padded image": None,
    "conv_layer: tensordot in the input dtype: uint8 wraps around": "conv_layer.input_dtype",
    "conv_layer: kernels read as (kw, kh, C_in, C_out)": "conv_layer.rows_columns_swapped",
    "conv_layer: all 2p padding zeros below and right of the image":
        "conv_layer.padding_at_the_end",
    "relu: modifies its input in place": None,
    "relu: returns the derivative (x > 0)": "relu.derivative",
    "sigmoid: 1 / (1 + exp(-x)) overflows for large negative x": "sigmoid.overflow",
    "sigmoid: the two stable branches swapped": "sigmoid.sign_swapped",
    "sigmoid: clips large inputs in place": None,
    "sigmoid: np.where computes both branches: one overflows": "sigmoid.where_both_branches",
    "pool_output_size: stride defaults to 1": "pool_output_size.stride_one",
    "pool_output_size: n // size, the stride ignored": "pool_output_size.stride_ignored",
    "pool_output_size: ceil instead of floor": "pool_output_size.ceil",
    "max_pool: stride defaults to 1": "max_pool.overlapping_windows",
    "max_pool: returns the argmax, not the max": None,
    "max_pool: takes the max over the channels too": "max_pool.across_channels",
    "max_pool: ignores the stride argument": "max_pool.stride_ignored",
    "max_pool: pools size x size blocks by a reshape, no size check": "max_pool.stride_ignored",
    "avg_pool: integer division by size**2": "avg_pool.integer_division",
    "avg_pool: divides by size, not size**2": "avg_pool.divides_by_size",
    "avg_pool: keeps partial windows at the border (ceil mode)": "avg_pool.partial_windows",
    "avg_pool: averages size x size blocks by a reshape, per channel": "avg_pool.stride_ignored",
    "n_input_features: forgets the channels": "n_input_features.forgets_channels",
    "dense_weights: counts biases too": "dense_weights.counts_biases",
    "sparse_weights: n * k": "sparse_weights.n_times_k",
    "sparse_weights: a bias per output too": "sparse_weights.counts_biases",
    "shared_weights: ignores n_kernels": "shared_weights.ignores_n_kernels",
    "shared_weights: a bias per kernel too": "shared_weights.counts_biases",
    "conv_layer_params: a bias per (input, output) channel pair":
        "conv_layer_params.bias_per_channel_pair",
    "conv_layer_params: k instead of k * k": "conv_layer_params.k_not_squared",
    "conv_layer_params: adds the biases even with bias=False": "conv_layer_params.always_bias",
    "dense_layer_params: adds biases even with bias=False": "dense_layer_params.always_bias",
    "output_shape: forgets the padding": "output_shape.forgets_padding",
    "output_shape: returns a list, not a tuple": "output_shape.returns_list",
    "output_shape: a conv keeps its input's channels": "output_shape.conv_keeps_channels",
    "output_shape: pooling's stride defaults to 1": "output_shape.pool_stride_one",
    "output_shape: flatten forgets the channels (H * W)": "output_shape.flatten_forgets_channels",
    "count_parameters: ignores the dense biases": "count_parameters.no_dense_biases",
    "count_parameters: the dense layer after flatten gets the image's H * W":
        "count_parameters.image_size_to_dense",
    "count_parameters: size * size weights per pooling layer":
        "count_parameters.pooling_weights",
    "count_parameters: every conv gets the image's channels as C_in":
        "count_parameters.image_channels_everywhere",
    "weights_as_image: divides by max instead of (max - min)": "weights_as_image.divides_by_max",
    "weights_as_image: Fortran-order reshape": "weights_as_image.fortran_order",
    "weights_as_image: 0 / 0 for constant weights": "weights_as_image.zero_range",
    "weights_as_image: every channel scaled on its own": "weights_as_image.per_channel",
    "receptive_field: ignores the strides": "receptive_field.no_jump",
    "receptive_field: multiplies k - 1 by the layer's own stride": "receptive_field.own_stride",
    "receptive_field: adds k instead of k - 1": "receptive_field.adds_k",
    "receptive_field: ignores pooling layers": "receptive_field.ignores_pooling",
    "effective_stride: sums the strides": "effective_stride.sums_strides",
    "effective_stride: ignores pooling layers": "effective_stride.ignores_pooling",
    # found by the second mutation engine (issue 26)
    "conv1d: no ndim check of w: a 0-d w raises IndexError": None,
    "conv1d: the ndim check of w looks at x": None,
    "conv1d: rejects an empty x instead of an empty w": None,
    "conv2d: no stride check: stride 0 divides by zero": None,
    "conv2d: no ndim check of image: a 1-D image raises IndexError": None,
    "conv2d: no ndim check of kernel: a 1-D kernel raises IndexError": None,
    "conv2d: the ndim check of kernel looks at image": None,
    "conv_layer: no bias shape check: a scalar or (1,) bias is broadcast":
        "conv_layer.broadcast_bias",
    "conv_layer: bias shape compared with < instead of !=": None,
    "conv_layer: bias shape compared with > instead of !=": None,
    "sigmoid: no float cast: uint8 wraps around, int8 runs in float16": "sigmoid.input_dtype",
    "sigmoid: computes in float32: casting 1e308 overflows": "sigmoid.float32",
    "weights_as_image: no float cast: max - min of int8 wraps around":
        "weights_as_image.input_dtype",
    "conv_output_size: ValueError messages name the wrong argument": None,
    "max_pool: a ValueError that names no argument": None,
    "conv_layer_backward: d_image through the unflipped kernel": "conv_layer_backward.not_flipped",
    "conv_layer_backward: averages d_out for the bias": "conv_layer_backward.bias_not_summed",
    "conv_layer_backward: ignores the stride": "conv_layer_backward.stride_ignored",
    "conv_layer_backward: d_kernels written (=), not added up, at every output":
        "conv_layer_backward.d_kernels_overwritten",
    "conv_layer_backward: d_bias summed over every axis: one number":
        "conv_layer_backward.bias_summed_to_one_number",
    "conv_layer_backward: crops the padding as d_xp[p:-p, p:-p]":
        "conv_layer_backward.crop_minus_zero",
    "conv_layer_backward: returns the padded image's gradient":
        "conv_layer_backward.padded_d_image",
    "conv_layer_backward: no ValueError for a d_out of the wrong shape": None,
    "max_pool_backward: the whole window gets the gradient": "max_pool_backward.whole_window",
    "max_pool_backward: every maximum of a tie gets the gradient":
        "max_pool_backward.every_maximum",
    "max_pool_backward: overlapping windows overwrite": "max_pool_backward.overwrites_overlaps",
    "max_pool_backward: writes into x": None,
    "max_pool_backward: the last maximum of a tie gets the gradient":
        "max_pool_backward.last_maximum",
    "max_pool_backward: d_x made like x: an integer x truncates the gradient":
        "max_pool_backward.gradient_like_x",
    "avg_pool_backward: not divided by size**2": "avg_pool_backward.not_divided",
    "avg_pool_backward: divides by size": "avg_pool_backward.divided_by_size",
    "avg_pool_backward: blocks side by side by np.repeat, the stride ignored":
        "avg_pool_backward.stride_ignored",
    "avg_pool_backward: overlapping windows overwrite": "avg_pool_backward.overwrites_overlaps",
    "relu_backward: relu of d_out": "relu_backward.relu_of_d_out",
    "relu_backward: passes the gradient at x == 0": "relu_backward.passes_at_zero",
    "relu_backward: forgets to multiply by d_out": "relu_backward.forgot_d_out",
    "relu_backward: d_x made like x: an integer x truncates the gradient":
        "relu_backward.gradient_like_x",
    "sigmoid_backward: x taken for the sigmoid's output": "sigmoid_backward.output_as_input",
    "sigmoid_backward: s(1 - s) of d_out instead of x": "sigmoid_backward.sigmoid_of_d_out",
    "sigmoid_backward: forgets to multiply by d_out": "sigmoid_backward.forgot_d_out",
    "sigmoid_backward: exp(-x) overflows": "sigmoid_backward.overflow",
    "sigmoid_backward: clips large inputs in place": None,
    "sigmoid_backward: np.where computes both branches: one overflows":
        "sigmoid_backward.where_both_branches",
    "train_step: adds the gradient": "train_step.uphill",
    "train_step: ignores the learning rate": "train_step.rate_ignored",
    "train_step: the learning rate applied twice": "train_step.rate_twice",
    "train_step: the bias gradient divided by N twice": "train_step.bias_averaged_twice",
    "train_step: never updates the bias": "train_step.bias_not_trained",
    "train_step: sums the gradient over the batch": "train_step.summed_over_the_batch",
    "train_step: multiplies by the sigmoid's derivative again": "train_step.sigmoid_twice",
    "train_step: updates the weights in place": None,
    "train_step: no ValueError for a negative learning rate": None,
    "fit: restarts every step from the initial weights": "fit.restarts_each_step",
    "fit: one epoch short": "fit.one_epoch_short",
    "fit: one epoch too many": "fit.one_epoch_too_many",
    "fit: shuffled mini-batches of 8 instead of the whole set": None,
}
EXPECTED = {**NAMED_BY, **CARRIER_NAMES}  # every hand-in of tests/student_code
HAND_INS = [*MUTANTS, *CARRIERS]
CARRIED = {i for named in EXPECTED.values() if named for i in ids_in(named)}
# A misconception no hand-written hand-in carries is carried by its own variant.
BY_VARIANT = [pytest.param(m, id=m.id) for m in CATALOGUE if m.id not in CARRIED]


def _named(suite: engine.Suite, function: str, implementation) -> list[str]:
    """The names given when ``implementation`` is graded as in a hand-in (with its own
    examples)."""
    student = InProcessStudent(perfect_except({function: implementation}))
    return engine.grade_function(student, suite, function,
                                 hand_in=engine.sources_digest({})).misconceptions


def test_the_catalogue_has_25_misconceptions_over_all_five_modules() -> None:
    modules = {m for m, names in EXERCISES.items() for f in names
               if any(c.function == f for c in CATALOGUE)}
    assert len({m.id for m in CATALOGUE}) == len(CATALOGUE) >= 25
    assert modules == set(EXERCISES)


def test_every_mutant_is_matched_by_hand() -> None:
    assert set(NAMED_BY) == {m.id for m in MUTANTS}
    assert set(CARRIER_NAMES) == {m.id for m in CARRIERS}
    assert {m.id for m in CATALOGUE} >= CARRIED


@pytest.mark.parametrize("hand_in", HAND_INS, ids=[m.id for m in HAND_INS])
def test_a_hand_in_gets_its_own_name_and_no_other(graded_alone, hand_in) -> None:
    """No wrong name, none missed: a hand-in with a catalogued mistake (or two) is named
    exactly that; one whose mistake is not catalogued gets no name."""
    expected = EXPECTED[hand_in.id]
    assert graded_alone(hand_in).misconceptions == ([expected] if expected else [])


@pytest.mark.parametrize("misconception", BY_VARIANT)
def test_a_misconception_without_a_hand_written_carrier_names_its_own_variant(
        suite: engine.Suite, misconception: Misconception) -> None:
    assert _named(suite, misconception.function, misconception.variant) == [misconception.id]


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_correct_code_gets_no_diagnosis(suite: engine.Suite, variant) -> None:
    student = InProcessStudent(perfect_except(variant.functions))
    named = {f: engine.grade_function(student, suite, f).misconceptions
             for f in variant.functions}
    assert {f: n for f, n in named.items() if n} == {}


def test_no_diagnosis_when_one_failing_example_does_not_match() -> None:
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0])
    # By hand: the flipped kernel (0, 1) gives x[i + 1] = (2, 3); the right answer is (1, 2).
    flipped = ([((x, w), {})], [np.array([2.0, 3.0])], False, True)
    other = ([((x, w), {})], [np.array([9.0, 9.0])], False, True)
    assert "conv1d.flipped_kernel" in diagnose("conv1d", [flipped]).named
    assert diagnose("conv1d", [flipped, other]).named == []


def test_a_flipped_kernel_without_the_size_checks_is_still_named(suite: engine.Suite) -> None:
    def flipped_unchecked(image, kernel, padding=0, stride=1):  # as examples/class/s003
        from scipy.signal import convolve2d
        image = np.pad(np.asarray(image, dtype=float), padding)
        return convolve2d(image, kernel, mode="valid")[::stride, ::stride]
    assert _named(suite, "conv2d", flipped_unchecked) == ["conv2d.flipped_kernel"]


def test_no_diagnosis_when_the_variant_is_wrong_where_the_student_was_right() -> None:
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0])
    flipped = ([((x, w), {})], [np.array([2.0, 3.0])], False, True)
    # By hand: the right answer (1, 2), which this student gave on a passed example.
    right_there = ([((x, w), {"padding": 0})], [np.array([1.0, 2.0])], False, False)
    assert "conv1d.flipped_kernel" in diagnose("conv1d", [flipped]).named
    assert diagnose("conv1d", [flipped, right_there]).named == []


def test_left_out_size_checks_alone_name_nothing() -> None:
    x, w = np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0])  # a kernel longer than x: raise
    unchecked = ([((x, w), {})], [np.array([])], False, True)
    assert diagnose("conv1d", [unchecked]).named == []


def test_a_crash_where_the_argument_check_was_due_is_a_left_out_check() -> None:
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0])
    flipped = ([((x, w), {})], [np.array([2.0, 3.0])], False, True)
    # stride 0: the reference raises ValueError; a student without the check divides by 0
    crashed = ([((x, w), {"stride": 0})],
               [CallError("raised", "integer division or modulo by zero", "ZeroDivisionError")],
               False, True)
    assert "conv1d.flipped_kernel" in diagnose("conv1d", [flipped, crashed]).named


def test_no_diagnosis_for_a_timeout_or_nothing_observed() -> None:
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0])
    timeout = ([((x, w), {})], [CallError("timeout", "2 s")], False, True)
    assert diagnose("conv1d", [timeout]).named == []
    assert diagnose("conv1d", []).named == []


def test_same_tells_ints_from_floats_and_lists_from_tuples() -> None:
    assert same(3, 3) and not same(3, 3.0) and same(3, 3.0, any_dtype=True)
    assert not same((1, 2), [1, 2])
    assert not same(np.array([4], np.uint8), np.array([4], np.int64))
    assert not same(CallError("raised", "x", "ValueError"), CallError("raised", "x", "TypeError"))


def test_every_function_of_the_catalogue_is_graded() -> None:
    assert {m.function for m in CATALOGUE} <= set(FUNCTIONS)
    assert misconceptions.BY_ID.keys() == {m.id for m in CATALOGUE}


# --- the best explanation, and two mistakes at once (issue 21) ------------------------------

STACK = [{"type": "conv", "filters": 1, "kernel_size": 3, "stride": 2}, {"type": "maxpool"}]
# By hand: strides 2 and 2 (a maxpool without a stride steps by its size): 4. Leaving the
# pooling out gives 2, and so does taking its missing stride as 1: this call cannot tell them
# apart.
POOLING_LEFT_OUT_OR_STRIDE_ONE = ([((STACK,), {})], [2], False, True)


def _asks(implementation):
    student = InProcessStudent(perfect_except({"effective_stride": implementation}))
    return lambda calls, strict: student.call_many("effective_stride", calls,
                                                   warnings_as_errors=strict)


def test_two_mistakes_the_failing_examples_cannot_tell_apart_are_both_given_with_a_call_that_can(
        ) -> None:
    found = diagnose("effective_stride", [POOLING_LEFT_OUT_OR_STRIDE_ONE])
    assert found.named == ["effective_stride.ignores_pooling", "effective_stride.pool_stride_one"]
    assert found.telling_apart.startswith("effective_stride(layers=")


def test_a_call_drawn_to_tell_two_mistakes_apart_is_asked_and_picks_the_one_the_code_makes(
        ) -> None:
    from student_code.carriers import effective_stride_pool_default_one
    from student_code.mutants import effective_stride_ignores_pooling
    observed = [POOLING_LEFT_OUT_OR_STRIDE_ONE]
    assert diagnose("effective_stride", observed, ask=_asks(
        effective_stride_pool_default_one)) == Diagnosis(["effective_stride.pool_stride_one"])
    assert diagnose("effective_stride", observed, ask=_asks(
        effective_stride_ignores_pooling)) == Diagnosis(["effective_stride.ignores_pooling"])


def test_pooling_whose_missing_stride_is_taken_as_1_is_not_told_it_left_out_the_pooling(
        suite: engine.Suite) -> None:
    from student_code.carriers import effective_stride_pool_default_one
    assert _named(suite, "effective_stride", effective_stride_pool_default_one) == [
        "effective_stride.pool_stride_one"]


def test_a_relu_backward_computing_in_floats_is_still_told_it_passes_at_zero(
        suite: engine.Suite) -> None:
    def floats_passing_at_zero(d_out, x):  # any numeric dtype is a right result
        return np.asarray(d_out, dtype=float) * (np.asarray(x) >= 0)
    assert _named(suite, "relu_backward", floats_passing_at_zero) == [
        "relu_backward.passes_at_zero"]


def test_a_flipped_kernel_that_also_ignores_the_stride_gets_both_names() -> None:
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0])
    # By hand: with stride 2 the right answer is (1,); the flipped kernel (0, 1) gives
    # x[i + 1] = (2, 3) at every position, and (2,) with the stride.
    both = ([((x, w), {"stride": 2})], [np.array([2.0, 3.0])], False, True)
    assert diagnose("conv1d", [both]).named == [
        f"conv1d.flipped_kernel{BOTH}conv1d.stride_ignored"]


@pytest.mark.parametrize("hand_in", [m for m in CARRIERS if "two bugs" in m.description],
                         ids=lambda m: m.id)
def test_public_code_with_a_flipped_kernel_and_a_second_bug_gets_both_names(
        suite: engine.Suite, hand_in) -> None:
    named = _named(suite, hand_in.function, hand_in.implementation)
    assert len(named) == 1 and ids_in(named[0])[0] == f"{hand_in.function}.flipped_kernel"
    assert len(ids_in(named[0])) == 2


def test_kept_predictions_are_bounded_and_still_the_variants_results(monkeypatch) -> None:
    asked: list[int] = []

    def doubled(k):
        asked.append(k)
        return 2 * k
    monkeypatch.setattr(misconceptions, "PREDICTIONS_KEPT", 3)
    explanation = misconceptions.Explanation((Misconception("doubled", "", "", doubled,
                                                            function="same_padding"),))
    calls = [((k,), {}) for k in range(1, 6)]
    assert explanation.predict("same_padding", calls[:2], False) == [2, 4]
    assert explanation.predict("same_padding", calls[:2], False) == [2, 4]
    assert asked == [1, 2]  # kept: asked once
    assert explanation.predict("same_padding", calls, False) == [2, 4, 6, 8, 10]
    assert explanation.predict("same_padding", calls[1:3], False) == [4, 6]
    assert len(explanation._predicted) <= 5
