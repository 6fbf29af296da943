"""What the exercises are: one record per graded function, and the support modules.

Everything that lists the exercises (the builder, the self-check, the grader, the notebooks,
the result rules, the feedback's pictures) reads it from here. The records are not written by
hand: each graded function is declared once, beside its hidden checks (a ``Graded`` in
``autograder/checks/<module>.py``), and ``cnnlab build`` writes the block below from those
declarations (``cnnlab build --check`` fails when it is out of date). This module ships to
students and into the sandbox, which have no hidden suite: hence a copy, not an import.
"""

from __future__ import annotations

from dataclasses import dataclass

# What a right result is (``cnnlab.result_rules``, SPEC section 2).
COUNT = "count"  # an int or numpy integer
FLOAT_ARRAY = "float array"  # floating point, also for integer input
SAME_DTYPE_ARRAY = "same-dtype array"  # the input's dtype
NUMERIC_ARRAY = "numeric array"  # any numeric dtype with the right values
SHAPE = "shape"  # a tuple of integers
FLOAT_ARRAY_TUPLE = "tuple of float arrays"  # several gradients at once (conv_layer_backward)
KINDS = (COUNT, FLOAT_ARRAY, SAME_DTYPE_ARRAY, NUMERIC_ARRAY, SHAPE, FLOAT_ARRAY_TUPLE)


@dataclass(frozen=True)
class Exercise:
    function: str
    module: str
    result: str  # one of the kinds above
    section: str  # the notebook section that asks for it
    pictured: bool = False  # feedback draws expected and actual side by side


# BEGIN GENERATED RECORDS (`cnnlab build`, from autograder/checks/: edit there, not here)
RECORDS: tuple[Exercise, ...] = (
    Exercise("zero_pad", "padding", SAME_DTYPE_ARRAY, "convolution", pictured=True),
    Exercise("conv_output_size", "padding", COUNT, "convolution"),
    Exercise("same_padding", "padding", COUNT, "convolution"),
    Exercise("conv1d", "convolution", FLOAT_ARRAY, "convolution", pictured=True),
    Exercise("conv2d", "convolution", FLOAT_ARRAY, "convolution", pictured=True),
    Exercise("conv_layer", "convolution", FLOAT_ARRAY, "convolution"),
    Exercise("relu", "convolution", NUMERIC_ARRAY, "convolution"),
    Exercise("sigmoid", "convolution", FLOAT_ARRAY, "convolution"),
    Exercise("dilated_conv2d", "convolution", FLOAT_ARRAY, "convolution", pictured=True),
    Exercise("pool_output_size", "pooling", COUNT, "pooling"),
    Exercise("max_pool", "pooling", NUMERIC_ARRAY, "pooling", pictured=True),
    Exercise("avg_pool", "pooling", FLOAT_ARRAY, "pooling", pictured=True),
    Exercise("n_input_features", "weights", COUNT, "images"),
    Exercise("dense_weights", "weights", COUNT, "images"),
    Exercise("sparse_weights", "weights", COUNT, "images"),
    Exercise("shared_weights", "weights", COUNT, "images"),
    Exercise("conv_layer_params", "weights", COUNT, "network"),
    Exercise("dense_layer_params", "weights", COUNT, "network"),
    Exercise("output_shape", "weights", SHAPE, "network"),
    Exercise("count_parameters", "weights", COUNT, "network"),
    Exercise("weights_as_image", "weights", FLOAT_ARRAY, "images"),
    Exercise("receptive_field", "receptive_field", COUNT, "receptive_field"),
    Exercise("effective_stride", "receptive_field", COUNT, "receptive_field"),
    Exercise("conv_layer_backward", "backprop", FLOAT_ARRAY_TUPLE, "training"),
    Exercise("max_pool_backward", "backprop", NUMERIC_ARRAY, "training", pictured=True),
    Exercise("avg_pool_backward", "backprop", FLOAT_ARRAY, "training", pictured=True),
    Exercise("relu_backward", "backprop", NUMERIC_ARRAY, "training"),
    Exercise("sigmoid_backward", "backprop", FLOAT_ARRAY, "training"),
    Exercise("train_step", "backprop", FLOAT_ARRAY_TUPLE, "training"),
    Exercise("fit", "backprop", FLOAT_ARRAY_TUPLE, "training"),
)
# END GENERATED RECORDS

# Given code: shipped to students whole, used by their answers, never graded.
SUPPORT_MODULES: tuple[str, ...] = ("validation", "architecture")

FUNCTIONS: tuple[str, ...] = tuple(r.function for r in RECORDS)
MODULE_OF: dict[str, str] = {r.function: r.module for r in RECORDS}
# Module -> the graded functions it defines, in the order of the lecture.
EXERCISES: dict[str, tuple[str, ...]] = {
    m: tuple(r.function for r in RECORDS if r.module == m)
    for m in dict.fromkeys(MODULE_OF.values())}
RESULT_KIND: dict[str, str] = {r.function: r.result for r in RECORDS}
PICTURED: frozenset[str] = frozenset(r.function for r in RECORDS if r.pictured)


def of_kind(kind: str) -> set[str]:
    return {r.function for r in RECORDS if r.result == kind}
