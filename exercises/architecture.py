# cnnlab given code: nothing to fill in here; use it in your answers.
# Generated from solutions/architecture.py by `cnnlab build`.
"""The architecture format: a network is a list of layer dicts, in order.

Given code: students receive this module as it is. ``layer_settings`` checks one layer and
fills in the defaults, so the exercises only have to do the arithmetic.

- ``conv``: filters, kernel_size, stride (1), padding (0), bias (True);
  ``k*k*C_in*filters (+ filters)`` parameters.
- ``maxpool``, ``avgpool``: size (2), stride (= size); no parameters.
- ``relu``, ``sigmoid``: no keys, no parameters.
- ``flatten``: no keys, no parameters; shapes are ``(H, W, C)`` before it, ``(n,)`` after.
- ``dense``: units, bias (True); ``n_in*units (+ units)`` parameters; needs a flat input.

Example:
    >>> layers = [{"type": "conv", "filters": 16, "kernel_size": 3, "padding": 1},
    ...           {"type": "relu"}, {"type": "maxpool"}, {"type": "flatten"},
    ...           {"type": "dense", "units": 10}]
"""

import operator
from typing import Any

from exercises.validation import check_non_negative, check_positive

REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "conv": ("filters", "kernel_size"),
    "maxpool": (),
    "avgpool": (),
    "relu": (),
    "sigmoid": (),
    "flatten": (),
    "dense": ("units",),
}
DEFAULTS: dict[str, dict[str, Any]] = {
    "conv": {"stride": 1, "padding": 0, "bias": True},
    "maxpool": {"size": 2, "stride": None},
    "avgpool": {"size": 2, "stride": None},
    "relu": {},
    "sigmoid": {},
    "flatten": {},
    "dense": {"bias": True},
}
POOLING = ("maxpool", "avgpool")
SPATIAL = ("conv", *POOLING)  # layers that need an (H, W, C) input
ACTIVATIONS = ("relu", "sigmoid")


def layer_settings(layer: dict, index: int = 0) -> dict[str, Any]:
    """Check one layer dict and return a copy with every default filled in.

    Pooling's ``stride`` is resolved to ``size`` when left out. Raises ``ValueError`` for a
    layer that is not a dict, an unknown type, a missing or unknown key, or a bad value.
    """
    where = f"layers[{index}]"
    if not isinstance(layer, dict):
        raise ValueError(f"{where} must be a dict, got {type(layer).__name__}")
    kind = layer.get("type")
    if kind not in REQUIRED_KEYS:
        raise ValueError(f"{where} has unknown layer type {kind!r}; "
                         f"known types: {', '.join(REQUIRED_KEYS)}")
    missing = [key for key in REQUIRED_KEYS[kind] if key not in layer]
    if missing:
        raise ValueError(f"{where} ({kind}) is missing the required key(s) {missing}")
    known = {"type", *REQUIRED_KEYS[kind], *DEFAULTS[kind]}
    unknown = sorted(set(layer) - known)
    if unknown:
        raise ValueError(f"{where} ({kind}) has unknown key(s) {unknown}; "
                         f"allowed: {sorted(known)}")
    settings = {**DEFAULTS[kind], **layer}
    for key in ("filters", "kernel_size", "stride", "size", "units"):
        if settings.get(key) is not None:
            settings[key] = check_positive(f"{where}['{key}']", settings[key])
    if "padding" in settings:
        settings["padding"] = check_non_negative(f"{where}['padding']", settings["padding"])
    if kind in POOLING and settings["stride"] is None:
        settings["stride"] = settings["size"]
    return settings


def check_input_shape(input_shape) -> tuple[int, int, int]:
    """Return ``input_shape`` as a tuple of three ints ``(H, W, C)``, each at least 1."""
    try:
        shape = tuple(operator.index(d) for d in input_shape)
    except TypeError:
        raise ValueError(f"input_shape must be a tuple (H, W, C) of whole numbers, "
                         f"got {input_shape!r}") from None
    if len(shape) != 3:
        raise ValueError(f"input_shape must be (H, W, C), got {len(shape)} value(s): {shape}")
    for name, value in zip(("H", "W", "C"), shape, strict=True):
        check_positive(f"input_shape {name}", value)
    return shape
