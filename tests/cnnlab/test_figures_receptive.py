"""The receptive-field stack colours exactly the units one top unit depends on."""

import pytest

from cnnlab.figures.receptive import receptive_field_stack

CONV3 = {"type": "conv", "filters": 1, "kernel_size": 3}


def coloured_per_row(fig):
    """Number of coloured boxes in each row of the stack, input row first."""
    rows = {}
    for patch in fig.axes[0].patches:
        row = round(patch.get_y())
        seen = patch.get_facecolor()[:3] != (1.0, 1.0, 1.0)
        rows[row] = rows.get(row, 0) + seen
    return [rows[r] for r in sorted(rows)]


@pytest.mark.parametrize("layers, expected_rows", [
    # Hand-traced from the top unit down: 1 unit sees 3 below, those see 3 + 2 = 5.
    ([CONV3, CONV3], [5, 3, 1]),
    # conv 3 -> relu -> maxpool 2 -> conv 3: top 1, pool 3, conv 3*2 = 6, input 6 + 2 = 8.
    ([CONV3, {"type": "relu"}, {"type": "maxpool"}, CONV3], [8, 6, 3, 1]),
    ([{"type": "conv", "filters": 2, "kernel_size": 5, "stride": 2}], [5, 1]),
    ([], [1]),
])
def test_coloured_units_per_layer(layers, expected_rows):
    fig = receptive_field_stack(layers)
    assert coloured_per_row(fig) == expected_rows
    assert f"receptive field {expected_rows[0]} " in fig.axes[0].get_title()


def test_dense_layers_have_no_receptive_field():
    with pytest.raises(ValueError, match="connected to every input"):
        receptive_field_stack([{"type": "flatten"}, {"type": "dense", "units": 2}])
