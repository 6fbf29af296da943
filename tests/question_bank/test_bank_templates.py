"""The question bank's templates and build_bank.

Every numeric answer is recomputed here from ``item.params`` with formulas and loops written
in this file (not with solutions/, which the templates call), over 50 seeds per template and
difficulty.
"""

from __future__ import annotations

import io
import json
import random
import re
from collections import Counter
from fractions import Fraction

import pytest
from bank_fixtures import distinct
from PIL import Image

from question_bank import generate
from question_bank.generate import build_bank, make_item, question_key
from question_bank.model import LEARNING_OUTCOMES, TYPES, Choice, Item
from question_bank.templates import TEMPLATES
from question_bank.templates.base import Draft, Template

SEEDS = range(50)
LEVELS = (1, 2, 3)
NUMERIC = [name for name, t in TEMPLATES.items() if t.type == "numeric"]
WITH_CHOICES = [name for name, t in TEMPLATES.items() if t.type != "numeric"]
WITH_FIGURE = [name for name, t in TEMPLATES.items() if t.figure is not None]


@pytest.fixture(scope="module")
def bank() -> list[Item]:
    return build_bank(500, seed=11, figures=False)


# ---- independent answers -----------------------------------------------------------------

def _conv_out(n: int, k: int, p: int = 0, s: int = 1) -> int:
    return (n + 2 * p - k) // s + 1


def _conv1d_entry(p: dict) -> int:
    xp = [0] * p["padding"] + p["x"] + [0] * p["padding"]
    start = (p["index"] - 1) * p["stride"]
    return sum(xp[start + j] * w for j, w in enumerate(p["w"]))


def _conv2d_entry(p: dict) -> int:
    pad, image = p["padding"], p["image"]
    width = len(image[0]) + 2 * pad
    padded = [[0] * width] * pad + [[0] * pad + row + [0] * pad for row in image] \
        + [[0] * width] * pad
    top, left = (p["row"] - 1) * p["stride"], (p["col"] - 1) * p["stride"]
    return sum(padded[top + a][left + b] * weight
               for a, kernel_row in enumerate(p["kernel"]) for b, weight in enumerate(kernel_row))


def _pool_entry(p: dict) -> Fraction:
    top, left, size = (p["row"] - 1) * p["stride"], (p["col"] - 1) * p["stride"], p["size"]
    window = [v for row in p["x"][top:top + size] for v in row[left:left + size]]
    return Fraction(max(window)) if p["mode"] == "max" else Fraction(sum(window), len(window))


def _walk(layers: list[dict], shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """(output shape, parameters) of a network, walked layer by layer."""
    params = 0
    for layer in layers:
        kind = layer["type"]
        if kind == "conv":
            k, f = layer["kernel_size"], layer["filters"]
            h, w, c = shape
            params += k * k * c * f + (f if layer.get("bias", True) else 0)
            s, pad = layer.get("stride", 1), layer.get("padding", 0)
            shape = (_conv_out(h, k, pad, s), _conv_out(w, k, pad, s), f)
        elif kind in ("maxpool", "avgpool"):
            size = layer.get("size", 2)
            s = layer.get("stride", size)
            shape = ((shape[0] - size) // s + 1, (shape[1] - size) // s + 1, shape[2])
        elif kind == "flatten":
            shape = (shape[0] * shape[1] * shape[2],)
        elif kind == "dense":
            params += shape[0] * layer["units"] + (layer["units"] if layer.get("bias", True)
                                                   else 0)
            shape = (layer["units"],)
    return shape, params


def _receptive_field(layers: list[dict]) -> int:
    """Backwards from one top unit: r_below = (r - 1) * stride + k."""
    r = 1
    for layer in reversed(layers):
        if layer["type"] == "conv":
            r = (r - 1) * layer.get("stride", 1) + layer["kernel_size"]
        elif layer["type"] in ("maxpool", "avgpool"):
            size = layer.get("size", 2)
            r = (r - 1) * layer.get("stride", size) + size
    return r


def _small_vs_large(p: dict) -> int:
    c, c_in, bias = p["channels"], p["c_in"], p["bias"]
    single = p["big"] ** 2 * c_in * c + (c if bias else 0)
    stack = 9 * c_in * c + (p["depth"] - 1) * 9 * c * c + (p["depth"] * c if bias else 0)
    return {"single": single, "stack": stack, "saved": single - stack}[p["asked"]]


def _layer_weights(p: dict) -> int:
    positions, k, kernels = p["n"] - p["k"] + 1, p["k"], p["kernels"]
    return {"dense": p["n"] * positions * kernels, "sparse": positions * k * kernels,
            "shared": k * kernels}[p["kind"]]


def _pool_output(p: dict) -> int:
    n = p["n"] if "k" not in p else _conv_out(p["n"], p["k"], p["padding"], p["conv_stride"])
    return (n - p["size"]) // p["stride"] + 1


def _multiply_adds(p: dict) -> int:
    out = _conv_out(p["side"], p["k"], p["padding"], p["stride"])
    return out * out * p["k"] ** 2 * p["c_in"] * p["c_out"]


def _max_pool_gradient(p: dict) -> int:
    """Every window hands its d_out to its (first) maximum; sum what (row, col) receives."""
    x, size, stride = p["x"], p["size"], p["stride"]
    n_out = (len(x) - size) // stride + 1
    total = 0
    for i in range(n_out):
        for j in range(n_out):
            cells = [(r, c) for r in range(i * stride, i * stride + size)
                     for c in range(j * stride, j * stride + size)]
            winner = max(cells, key=lambda cell: x[cell[0]][cell[1]])
            total += p["d_out"][i][j] if winner == (p["row"] - 1, p["col"] - 1) else 0
    return total


def _d_kernels_size(p: dict) -> int:
    """The kernels' values, or the output positions that each shared weight was used at."""
    if p["asked"] == "values":
        return p["k"] ** 2 * p["c_in"] * p["c_out"]
    return (_conv_out(p["height"], p["k"], p["padding"], p["stride"])
            * _conv_out(p["width"], p["k"], p["padding"], p["stride"]))


def _updated_weights(p: dict) -> int:
    total = _walk(p["layers"], tuple(p["input_shape"]))[1]
    if not p["frozen_first"]:
        return total
    first = p["layers"][0]
    frozen = first["kernel_size"] ** 2 * p["input_shape"][2] * first["filters"] \
        + first["filters"] * first.get("bias", True)
    return total - frozen


EXPECTED = {
    "conv1d_entry": _conv1d_entry,
    "conv2d_entry": _conv2d_entry,
    "conv_output": lambda p: _conv_out(p["n"], p["k"], p["padding"], p["stride"]),
    "image_features": lambda p: p["height"] * p["width"] * p["channels"] * p["slices"],
    "image_layer_weights": lambda p: p["side"] ** 2 * p["channels"] * p["units"]
    if p["layer"] == "dense" else p["k"] ** 2 * p["channels"] * p["units"],
    "layer_weights": _layer_weights,
    "conv_params": lambda p: p["k"] ** 2 * p["c_in"] * p["c_out"] + p["c_out"] * p["bias"],
    "architecture_params": lambda p: _walk(p["layers"], tuple(p["input_shape"]))[1],
    "pool_output": _pool_output,
    "max_pool_entry": _pool_entry,
    "avg_pool_entry": _pool_entry,
    "flatten_size": lambda p: _walk(p["layers"], tuple(p["input_shape"]))[0][0],
    "receptive_field_stack": lambda p: _receptive_field(p["layers"]),
    "small_vs_large_kernels": _small_vs_large,
    "conv_multiply_adds": _multiply_adds,
    "max_pool_gradient": _max_pool_gradient,
    "d_kernels_size": _d_kernels_size,
    "updated_weights": _updated_weights,
}


def test_every_numeric_template_has_an_independent_check():
    assert set(EXPECTED) == set(NUMERIC)


@pytest.mark.parametrize("name", NUMERIC)
def test_numeric_answer_matches_independent_computation(name):
    for level in LEVELS:
        for seed in SEEDS:
            item = make_item(name, seed, level)
            expected = EXPECTED[name](item.params)
            assert abs(item.answer - expected) <= 1e-9, (name, level, seed, item.params)


def test_lecture_example_conv1d_is_five_inputs_and_kernel_of_three():
    params = make_item("conv1d_entry", 0, 1).params
    assert (len(params["x"]), len(params["w"]), params["padding"], params["stride"]) == \
        (5, 3, 0, 1)


def _tables(stem: str) -> list[list[list[int]]]:
    """Markdown tables of the stem back to lists of rows (row labels dropped)."""
    tables, current = [], []
    for line in [*stem.splitlines(), ""]:
        if line.startswith("| r"):
            current.append([int(v) for v in line.strip("| ").split(" | ")[1:]])
        elif current and not line.startswith("|"):
            tables.append(current)
            current = []
    return tables


@pytest.mark.parametrize("name, keys", [("conv2d_entry", ("image", "kernel")),
                                        ("max_pool_entry", ("x",)), ("avg_pool_entry", ("x",))])
def test_tables_in_stem_are_the_arrays_the_answer_uses(name, keys):
    for seed in range(10):
        item = make_item(name, seed, 1 + seed % 3)
        assert _tables(item.stem) == [item.params[key] for key in keys]


def test_conv1d_stem_lists_the_drawn_input_and_kernel():
    for seed in range(10):
        item = make_item("conv1d_entry", seed, 1 + seed % 3)
        x, w = item.params["x"], item.params["w"]
        assert f"({', '.join(map(str, x))})" in item.stem
        assert f"({', '.join(map(str, w))})" in item.stem


@pytest.mark.parametrize("name", NUMERIC)
def test_integer_answers_have_zero_tolerance_and_floats_are_clean(name):
    for seed in SEEDS:
        item = make_item(name, seed, 1 + seed % 3)
        if isinstance(item.answer, int):
            assert item.tolerance == 0
        else:  # a float: a multiple of 1/16 with a tolerance Moodle and Canvas can use
            assert item.tolerance == 0.01
            assert (item.answer * 16).is_integer()
        assert item.answer == 0 or abs(item.answer) >= 1e-4


# ---- the set of templates ----------------------------------------------------------------

def test_at_least_24_templates():
    assert len(TEMPLATES) >= 24


@pytest.mark.parametrize("outcome", list(LEARNING_OUTCOMES))
def test_at_least_four_templates_per_outcome(outcome):
    assert sum(t.learning_outcome == outcome for t in TEMPLATES.values()) >= 4


@pytest.mark.parametrize("outcome", list(LEARNING_OUTCOMES))
def test_every_outcome_has_computing_and_understanding_templates(outcome):
    kinds = {t.type for t in TEMPLATES.values() if t.learning_outcome == outcome}
    assert "numeric" in kinds and kinds & {"multiple_choice", "true_false"}


def test_templates_are_in_lecture_order_of_outcomes():
    outcomes = [t.learning_outcome for t in TEMPLATES.values()]
    assert outcomes == sorted(outcomes)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_metadata_is_complete(name):
    template = TEMPLATES[name]
    assert template.name == name and template.description.strip()
    assert template.type in TYPES and template.learning_outcome in LEARNING_OUTCOMES


@pytest.mark.parametrize("name", NUMERIC)
def test_numeric_template_makes_1000_distinct_items(name):
    stems = (make_item(name, seed, 1 + seed % 3).stem for seed in range(5000))
    assert distinct(stems, 1000) == 1000


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_same_seed_gives_the_same_item(name):
    for level in LEVELS:
        assert make_item(name, 42, level).to_dict() == make_item(name, 42, level).to_dict()


def test_same_seed_gives_the_same_figure():
    first = make_item("conv2d_entry", 5, 2, figures=True)
    assert first.figure == make_item("conv2d_entry", 5, 2, figures=True).figure


def test_item_id_names_template_difficulty_and_seed():
    assert make_item("conv_output", 17, 2).id == "conv_output-d2-s17"


@pytest.mark.parametrize("name", NUMERIC)
def test_difficulty_changes_the_item(name):
    stems = {level: {make_item(name, s, level).stem for s in range(20)} for level in LEVELS}
    assert not stems[1] & stems[3]


@pytest.mark.parametrize("name", WITH_CHOICES)
def test_difficulty_gives_understanding_items_their_own_questions(name):
    stems = {level: {make_item(name, s, level).stem for s in range(60)} for level in LEVELS}
    assert not stems[1] & stems[2] and not stems[2] & stems[3] and not stems[1] & stems[3]


@pytest.mark.parametrize("name", WITH_CHOICES)
def test_understanding_template_has_at_least_25_distinct_right_answers(name):
    pairs = set()
    for level in LEVELS:
        for seed in range(200):
            item = make_item(name, seed, level)
            pairs.add((item.stem, item.choices[item.answer].text))
    assert len(pairs) >= 25, len(pairs)


@pytest.mark.parametrize("name", WITH_CHOICES)
def test_understanding_template_has_true_and_false_or_varied_positions_at_every_level(name):
    for level in LEVELS:
        answers = {make_item(name, seed, level).answer for seed in range(80)}
        expected = {0, 1} if TEMPLATES[name].type == "true_false" else {0, 1, 2, 3}
        assert answers == expected, (name, level, answers)


# ---- choices and feedback ----------------------------------------------------------------

@pytest.mark.parametrize("name", WITH_CHOICES)
def test_choice_items_have_one_correct_choice_at_the_answer_index(name):
    for seed in SEEDS:
        item = make_item(name, seed, 1 + seed % 3)
        assert [i for i, c in enumerate(item.choices) if c.correct] == [item.answer]


@pytest.mark.parametrize("name", WITH_CHOICES)
def test_every_choice_has_feedback_and_choices_differ(name):
    for seed in SEEDS:
        item = make_item(name, seed, 1 + seed % 3)
        assert all(choice.feedback.strip() for choice in item.choices)
        texts = [choice.text for choice in item.choices]
        assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("name", [n for n in WITH_CHOICES
                                  if TEMPLATES[n].type == "multiple_choice"])
def test_multiple_choice_items_have_four_choices_and_no_unfilled_placeholder(name):
    for seed in SEEDS:
        item = make_item(name, seed, 1 + seed % 3)
        assert len(item.choices) == 4
        texts = [item.stem] + [c.text + c.feedback for c in item.choices]
        assert not any(re.search(r"\{\w+\}", text) for text in texts)


def test_true_false_items_are_about_half_true():
    answers = Counter(make_item("kernel_facts", s, 1).answer for s in range(400))
    assert 0.4 <= answers[0] / 400 <= 0.6


# ---- figures -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", WITH_FIGURE)
def test_figure_is_a_png_that_pillow_opens(name):
    for level in LEVELS:
        item = make_item(name, level, level, figures=True)
        image = Image.open(io.BytesIO(item.figure))
        image.verify()
        assert image.format == "PNG" and item.figure_alt.strip()


def test_no_figure_without_figures_flag():
    assert make_item("conv2d_entry", 1, 1).figure is None


@pytest.fixture
def drawn(monkeypatch) -> list:
    """Figures passed to the PNG writer, kept instead of rendered, to look at what they hold."""
    from question_bank.templates import figures
    kept: list = []
    monkeypatch.setattr(figures, "_png", lambda fig: kept.append(fig) or b"png")
    return kept


@pytest.mark.parametrize("name, maker, axis", [("conv2d_entry", "conv_figure", 2),
                                               ("max_pool_entry", "pool_figure", 1),
                                               ("avg_pool_entry", "pool_figure", 1)])
def test_grid_figure_does_not_draw_the_output_values(drawn, name, maker, axis):
    from question_bank.templates import figures
    for level in LEVELS:
        getattr(figures, maker)(make_item(name, 4, level).params)
        assert len(drawn[-1].axes[axis].texts) == 0


def test_receptive_figure_neither_states_nor_colours_the_answer(drawn):
    from question_bank.templates import figures
    for level in LEVELS:
        item = make_item("receptive_field_stack", 4, level)
        figures.receptive_figure(item.params)
        ax = drawn[-1].axes[0]
        assert str(item.answer) not in ax.get_title()
        input_row = [patch for patch in ax.patches if patch.get_y() == 0]
        assert input_row and all(patch.get_facecolor()[:3] == (1.0, 1.0, 1.0)
                                 for patch in input_row)


def _shapes(fig) -> list[tuple]:
    """Every rectangle of the figure's axis: position, size and colour."""
    return sorted((p.get_x(), p.get_y(), p.get_width(), p.get_height(),
                   tuple(round(v, 3) for v in p.get_facecolor()))
                  for p in fig.axes[0].patches)


def test_receptive_figure_does_not_depend_on_the_answer(drawn):
    """Stacks of three layers with fields 7 and 19 (by hand: 1 + 2 + 2 + 2, 1 + 6 + 6 + 6)."""
    from question_bank.templates import figures
    small = [{"type": "conv", "filters": 4, "kernel_size": 3}] * 3
    large = [{"type": "conv", "filters": 4, "kernel_size": 7}] * 3
    strided = [{"type": "conv", "filters": 4, "kernel_size": 5, "stride": 2},
               {"type": "maxpool"}, {"type": "conv", "filters": 4, "kernel_size": 3}]
    shapes = []
    for layers in (small, large, strided):
        figures.receptive_figure({"layers": layers})
        shapes.append(_shapes(drawn[-1]))
    assert shapes[0] == shapes[1] == shapes[2]
    input_row = [shape for shape in shapes[0] if shape[1] == 0]
    assert len(input_row) > 19  # wider than the largest field above: nothing is cut to it
    coloured = [shape for shape in shapes[0] if shape[4][:3] not in ((1.0, 1.0, 1.0),
                                                                      (0.92, 0.92, 0.92))]
    assert len(coloured) == 1 and coloured[0][1] == max(shape[1] for shape in shapes[0])


def test_receptive_figure_labels_kernel_sizes_and_strides(drawn):
    from question_bank.templates import figures
    layers = [{"type": "conv", "filters": 4, "kernel_size": 5, "stride": 2}, {"type": "relu"},
              {"type": "maxpool", "size": 3, "stride": 2},
              {"type": "conv", "filters": 4, "kernel_size": 3}]
    figures.receptive_figure({"layers": layers})
    texts = [text.get_text() for text in drawn[-1].axes[0].texts]
    assert texts == ["input", "conv 5x5, stride 2", "max-pool 3x3, stride 2",
                     "conv 3x3, stride 1"]


def test_every_drawn_receptive_field_fits_the_input_row():
    from question_bank.templates.figures import INPUT_PIXELS
    for level in LEVELS:
        for seed in range(300):
            item = make_item("receptive_field_stack", seed, level)
            assert _receptive_field(item.params["layers"]) < INPUT_PIXELS


# ---- build_bank --------------------------------------------------------------------------

def test_bank_has_the_asked_number_of_items(bank):
    assert len(bank) == 500


def test_bank_has_no_duplicate_items(bank):
    keys = [question_key(item) for item in bank]
    assert len(set(keys)) == len(keys)


def test_bank_has_no_item_with_two_equal_choices(bank):
    for item in bank:
        texts = [choice.text for choice in item.choices]
        assert len(set(texts)) == len(texts)


def test_bank_spreads_the_correct_choice_over_positions(bank):
    positions = Counter(item.answer for item in bank if len(item.choices) == 4)
    total = sum(positions.values())
    assert total >= 100
    for position in range(4):
        assert 0.15 <= positions[position] / total <= 0.35, positions


def test_bank_uses_every_template_and_every_difficulty(bank):
    assert {item.template for item in bank} == set(TEMPLATES)
    assert {item.difficulty for item in bank} == set(LEVELS)


def test_bank_items_are_reproducible_from_their_ids(bank):
    for item in bank[::25]:
        name, level, seed = re.fullmatch(r"(.+)-d(\d)-s(\d+)", item.id).groups()
        assert make_item(name, int(seed), int(level)).to_dict() == item.to_dict()


def test_same_bank_seed_gives_the_same_bank():
    first = [item.to_dict() for item in build_bank(40, seed=3, figures=False)]
    assert first == [item.to_dict() for item in build_bank(40, seed=3, figures=False)]


def test_other_bank_seed_gives_other_items():
    first = {question_key(i) for i in build_bank(40, seed=3, figures=False)}
    assert first != {question_key(i) for i in build_bank(40, seed=4, figures=False)}


def test_bank_keeps_only_the_asked_outcomes_and_difficulty():
    items = build_bank(60, seed=1, outcomes=["LO2", "LO4"], difficulty=3, figures=False)
    assert {item.learning_outcome for item in items} == {"LO2", "LO4"}
    assert {item.difficulty for item in items} == {3}


def test_bank_with_figures_attaches_them_to_figure_templates():
    items = build_bank(len(TEMPLATES), seed=2, outcomes=["LO4"], figures=True)
    for item in items:
        assert (item.figure is not None) == (TEMPLATES[item.template].figure is not None)


def test_bank_items_survive_json(bank):
    for item in bank[::10]:
        assert Item.from_dict(json.loads(json.dumps(item.to_dict()))) == item


def test_exhausted_templates_end_the_bank_with_a_clear_error(monkeypatch):
    from question_bank.templates.concepts import Fact, Statements
    facts = tuple(Fact(level, f"statement {level} {truth}", truth, "because")
                  for level in LEVELS for truth in (True, False))
    tiny = Template("tiny_facts", "LO1", "true_false", "two statements per level",
                    Statements(facts))
    monkeypatch.setattr(generate, "TEMPLATES", {"tiny_facts": tiny})
    assert len(build_bank(2, difficulty=1, figures=False)) == 2
    with pytest.raises(ValueError, match="distinct items"):
        build_bank(3, difficulty=1, figures=False)
    assert len(build_bank(6, figures=False)) == 6  # all three levels: six statements


@pytest.mark.parametrize("outcome", list(LEARNING_OUTCOMES))
@pytest.mark.parametrize("level", LEVELS)
def test_large_bank_for_one_outcome_and_difficulty(outcome, level):
    items = build_bank(500, seed=level, outcomes=[outcome], difficulty=level, figures=False,
                       small_once=False)  # a pool of questions, not one exam
    keys = [question_key(item) for item in items]
    assert len(items) == 500 and len(set(keys)) == 500
    assert {item.learning_outcome for item in items} == {outcome}
    assert {item.difficulty for item in items} == {level}
    kinds = Counter(item.type for item in items)
    assert set(kinds) == {t.type for t in TEMPLATES.values() if t.learning_outcome == outcome}
    assert kinds["multiple_choice"] + kinds["true_false"] >= 75, kinds  # at least 15 %
    per_template = Counter(item.template for item in items)
    assert min(per_template.values()) >= 5, per_template


@pytest.mark.parametrize("kwargs, word", [({"n": 0}, "n"), ({"n": 5, "outcomes": ["LO9"]},
                                          "outcomes"), ({"n": 5, "difficulty": 4},
                                                        "difficulty")])
def test_bank_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        build_bank(**kwargs, figures=False)


def test_make_item_rejects_unknown_template_and_difficulty():
    with pytest.raises(ValueError, match="template"):
        make_item("no_such_template", 1)
    with pytest.raises(ValueError, match="difficulty"):
        make_item("conv_output", 1, 0)


# ---- the checks every item passes ----------------------------------------------------------

def _template(draft: Draft, kind: str = "numeric") -> Template:
    return Template("broken", "LO1", kind, "a template that breaks a rule",
                    lambda rng, difficulty: draft)


@pytest.mark.parametrize("draft, kind, message", [
    (Draft("stem", 0.00005, "sol", {}, tolerance=0.01), "numeric", "rounded to 0"),
    (Draft("stem", 3, "sol", {}), "numeric", "tolerance"),
    (Draft("stem", 0, "sol", {}, choices=(Choice("a", True, "why"), Choice("a", False, "no"))),
     "multiple_choice", "equal"),
    (Draft("stem", 0, "sol", {}, choices=(Choice("a", True, "why"), Choice("b", False, " "))),
     "multiple_choice", "feedback"),
    (Draft("stem", 1, "sol", {}, choices=(Choice("a", True, "why"), Choice("b", False, "no"))),
     "multiple_choice", "index"),
])
def test_template_refuses_an_item_that_breaks_a_rule(draft, kind, message):
    with pytest.raises(ValueError, match=message):
        _template(draft, kind)(random.Random(0), 1)


# ---- stems state what the answer needs, and never the answer ----------------------------------

STEM_SEEDS = range(100)
_TABLE_OR_VALUES = re.compile(r"^\s*\|.*$|=\s*\([^()]*\)", re.MULTILINE)


def _prose_numbers(stem: str) -> list[str]:
    """Numbers a stem states when it gives no data (a table or a list of values) to compute
    from; with data, its numbers are positions and sizes (an entry's answer may equal one)."""
    if _TABLE_OR_VALUES.search(stem):
        return []
    return re.findall(r"(?<![\d.])-?\d+(?:\.\d+)?(?![\d.])", stem)


def _written(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@pytest.mark.parametrize("name", NUMERIC)
def test_no_stem_states_its_numeric_answer(name):
    found = [item.id for level in LEVELS for seed in STEM_SEEDS
             for item in [make_item(name, seed, level)]
             if _written(item.answer) in _prose_numbers(item.stem)]
    assert found == []


@pytest.mark.parametrize("name", [n for n in WITH_CHOICES
                                  if TEMPLATES[n].type == "multiple_choice"])
def test_no_stem_holds_its_right_choice(name):
    found = [item.id for level in LEVELS for seed in STEM_SEEDS
             for item in [make_item(name, seed, level)]
             if item.choices[item.answer].text.lower() in item.stem.lower()]
    assert found == []


def test_the_shared_layer_stem_does_not_give_the_kernel_weights():
    """The issue's case: "one kernel of 5 weights" asked for 5."""
    items = [make_item("layer_weights", seed, level) for level in (1, 2) for seed in STEM_SEEDS]
    shared = [item for item in items if item.params["kind"] == "shared"]
    assert shared and not [i.id for i in shared if _written(i.answer) in _prose_numbers(i.stem)]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_a_rectangle_in_a_stem_says_which_side_is_the_height(name):
    for level in LEVELS:
        for seed in range(40):
            stem = make_item(name, seed, level).stem
            uneven = [m for m in re.findall(r"\b(\d+)x(\d+)\b", stem) if m[0] != m[1]]
            assert not uneven or "height" in stem, stem


@pytest.mark.parametrize("name", ["conv_output", "pool_output", "flatten_size",
                                  "architecture_params"])
def test_a_stem_whose_answer_rounds_down_says_so(name):
    for level in LEVELS:
        for seed in range(20):
            assert "round down" in make_item(name, seed, level).stem
