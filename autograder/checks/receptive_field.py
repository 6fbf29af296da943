"""The graded functions of ``receptive_field``: receptive_field, effective_stride; for each
its declaration (``Graded``), its hidden checks and its misconceptions."""

from __future__ import annotations

import math
from collections.abc import Callable

from hypothesis import strategies as st

from autograder import strategies as S
from autograder.checks.base import (
    Check,
    Graded,
    Misconception,
    agreement,
    keeps_inputs,
    on_results,
    rejects_invalid_arguments,
    result_property,
)
from cnnlab.catalog import COUNT
from solutions import receptive_field as reference
from solutions.architecture import layer_settings
from solutions.receptive_field import _windows

# --- receptive field --------------------------------------------------------------------------

def _larger_kernel(layers: list[dict]) -> st.SearchStrategy:
    convs = [i for i, layer in enumerate(layers) if layer["type"] == "conv"]
    if not convs:
        return st.nothing()

    def grow(i: int) -> dict:
        bigger = [dict(layer) for layer in layers]
        bigger[i]["kernel_size"] += 2
        return {"layers": layers, "bigger": bigger, "at": i}
    return st.sampled_from(convs).map(grow)


@st.composite
def _earlier_stride(draw) -> dict:
    rest = draw(S.spatial_stacks(1, 4).filter(lambda ls: any(
        layer.get("kernel_size", layer.get("size", 2)) > 1 for layer in ls
        if layer["type"] != "relu" and layer["type"] != "sigmoid")))
    first = {"type": "conv", "filters": 1, "kernel_size": draw(st.sampled_from([1, 3]))}
    return {"layers": [first, *rest], "bigger": [{**first, "stride": 2}, *rest], "at": 0}


def _compare_calls(e: dict) -> list:
    return [S.call(e["layers"]), S.call(e["bigger"])]


@on_results
def _grows(e: dict, actual, expected) -> str | None:
    if not actual[1] > actual[0]:
        return (f"changing layer {e['at']} should enlarge the receptive field, but it went "
                f"from {actual[0]} to {actual[1]}")
    return None


@st.composite
def _dense_stacks(draw):
    """Stacks with a layer a receptive field cannot go through, or an invalid one."""
    layers = draw(S.spatial_stacks(0, 3))
    layers.insert(draw(st.integers(0, len(layers))),
                  draw(st.sampled_from([{"type": "flatten"}, {"type": "dense", "units": 4},
                                        {"type": "dropout"},  # unknown type
                                        {"type": "conv", "filters": 1}])))  # missing key
    return S.call(layers)


def _no_padding(layers: list[dict]) -> list[dict]:
    return [{k: v for k, v in layer.items() if k != "padding"} for layer in layers]


def _stack_checks(f: str, what: str, own: tuple[str, ...]) -> list[Check]:
    """The checks receptive_field and effective_stride share; ``own``: the cases of the
    invalid-argument check that only SPEC 3's rule of ``f`` names."""
    stacks = S.spatial_stacks(0, 5).map(lambda ls: S.call(ls))
    return [
        agreement(f, "conv_stacks", f"stacks of conv layers: {what}",
                  S.spatial_stacks(0, 4, activations=False).map(
                      lambda ls: S.call([la for la in ls if la["type"] == "conv"])),
                  weight=3, covers=("counts_are_integers", f)),
        agreement(f, "with_pooling_and_activations",
                  "pooling layers count, activations do not", stacks, weight=2,
                  covers=(f, "layer_defaults")),
        result_property(f, "padding_changes_nothing", "padding changes nothing",
                        S.spatial_stacks(1, 5),
                        lambda ls: [S.call(ls), S.call(_no_padding(ls))],
                        lambda ls, r: r[0] == r[1], "padding changed the result", covers=(f,)),
        *rejects_invalid_arguments(f, "flatten and dense layers, an unknown layer type or a "
                                   "missing key raise ValueError", _dense_stacks(),
                                   covers=("unknown_layer_type[dropout]", "missing_key", *own)),
        keeps_inputs(f, stacks),
    ]


def _receptive_field_checks() -> list[Check]:
    f = "receptive_field"
    return [
        *_stack_checks(f, "r = r + (k - 1) * jump, jump = jump * s", own=(f"{f}[flatten]",)),
        Check(f, "grows_with_kernel_size",
              "a larger kernel anywhere in the stack sees more input pixels",
              S.spatial_stacks(1, 5).flatmap(_larger_kernel), calls=_compare_calls,
              judge=_grows, covers=(f,)),
        Check(f, "grows_with_earlier_strides",
              "a stride early in the stack enlarges what later layers see",
              _earlier_stride(), calls=_compare_calls, judge=_grows, covers=(f,)),
    ]


def _field(windows: list[tuple[int, int]], grow: Callable[[int], int]) -> int:
    field, jump = 1, 1
    for kernel, stride in windows:
        field += grow(kernel) * jump
        jump *= stride
    return field


def _checked_windows(layers, pooling_too: bool = True) -> list[tuple[int, int]]:
    reference.receptive_field(layers)  # the reference's ValueErrors
    kept = [layer for layer in layers
            if pooling_too or layer_settings(layer)["type"] not in ("maxpool", "avgpool")]
    return _windows(kept)


def _receptive_field_no_jump(layers):
    return 1 + sum(k - 1 for k, _ in _checked_windows(layers))


def _receptive_field_own_stride(layers):
    return 1 + sum((k - 1) * s for k, s in _checked_windows(layers))


def _receptive_field_adds_k(layers):
    return _field(_checked_windows(layers), lambda k: k)


def _receptive_field_no_pooling(layers):
    return _field(_checked_windows(layers, pooling_too=False), lambda k: k - 1)


def _pool_stride_one(layers: list[dict]) -> list[dict]:
    """The stack with every pooling layer that leaves out its stride given stride 1 (the
    conv layer's default) instead of its size."""
    return [{**layer, "stride": 1} if isinstance(layer, dict)
            and layer.get("type") in ("maxpool", "avgpool") and "stride" not in layer
            else layer for layer in layers]


def _receptive_field_pool_stride_one(layers):
    reference.receptive_field(layers)
    return reference.receptive_field(_pool_stride_one(layers))


RECEPTIVE_FIELD = Graded(
    "receptive_field", COUNT, section="receptive_field", points=2,
    spec="receptive_field: conv and pooling layers count, activations are ignored, flatten "
         "and dense raise ValueError, padding changes nothing; no layers: 1",
    checks=_receptive_field_checks, misconceptions=(
        Misconception("no_jump", "added the kernel sizes without the jump (ignored strides)",
                      "each layer adds (k - 1) times the product of the strides before it",
                      _receptive_field_no_jump),
        Misconception("own_stride", "multiplied each layer's k - 1 by its own stride",
                      "a layer widens the field by (k - 1) times the jump: the product of the "
                      "strides of the layers *before* it, not its own stride",
                      _receptive_field_own_stride),
        Misconception("adds_k", "added k instead of k - 1 per layer",
                      "a kernel of k widens the field by k - 1 (times the jump)",
                      _receptive_field_adds_k),
        Misconception("ignores_pooling", "left out the pooling layers",
                      "a pooling window widens the field and multiplies the jump like a conv",
                      _receptive_field_no_pooling),
        Misconception("pool_stride_one", "let a pooling layer's stride default to 1",
                      "a pooling layer without a stride steps by its size: 2x2 pooling has "
                      "stride 2", _receptive_field_pool_stride_one),
    ))


def _effective_stride_sum(layers):
    return max(1, sum(s for _, s in _checked_windows(layers)))


def _effective_stride_no_pooling(layers):
    return math.prod(s for _, s in _checked_windows(layers, pooling_too=False))


def _effective_stride_pool_stride_one(layers):
    reference.effective_stride(layers)
    return reference.effective_stride(_pool_stride_one(layers))


EFFECTIVE_STRIDE = Graded(
    "effective_stride", COUNT, section="receptive_field", points=1,
    spec="effective_stride: the product of the strides, layers as for receptive_field; no "
         "layers: 1; padding changes nothing",
    checks=lambda: _stack_checks("effective_stride", "the product of the strides",
                                 own=("effective_stride[flatten]",)),
    misconceptions=(
        Misconception("sums_strides", "summed the strides instead of multiplying",
                      "strides multiply: two stride-2 layers step 4 input pixels",
                      _effective_stride_sum),
        Misconception("ignores_pooling", "left out the pooling layers",
                      "a 2x2 pooling with stride 2 doubles the distance between units",
                      _effective_stride_no_pooling),
        Misconception("pool_stride_one", "let a pooling layer's stride default to 1",
                      "a pooling layer without a stride steps by its size: 2x2 pooling has "
                      "stride 2", _effective_stride_pool_stride_one),
    ))

EXERCISES = (RECEPTIVE_FIELD, EFFECTIVE_STRIDE)
