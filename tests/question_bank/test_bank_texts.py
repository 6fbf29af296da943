"""The computing templates' words live in data files (question_bank/templates/text/*.toml):
every file loads, every text in it is shown at some level with every field supplied, and a
broken file stops the import with an error naming the file, the template and the key."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from question_bank.generate import make_item
from question_bank.templates import TEMPLATES, figures
from question_bank.templates.concepts import TEXT_DIR, TextFileError
from question_bank.templates.networks import WORDS as NETWORK_WORDS
from question_bank.templates.networks import describe_network
from question_bank.templates.texts import (
    Drawn,
    Line,
    Lines,
    NumericTemplate,
    numeric_template,
    placeholders,
)

NUMERIC = [name for name, template in TEMPLATES.items() if template.type == "numeric"]
SHARED = ("networks", "figures")  # words several templates use
SEEDS = 40  # per level: enough for every alternative of every file to come up


def test_every_numeric_template_reads_the_text_file_named_after_it():
    assert len(NUMERIC) >= 17
    for name in NUMERIC:
        body = TEMPLATES[name].body
        assert isinstance(body, NumericTemplate), name
        assert body.text.path == TEXT_DIR / f"{name}.toml"


def test_every_text_file_belongs_to_a_template_or_is_shared():
    assert {path.stem for path in TEXT_DIR.glob("*.toml")} == set(TEMPLATES) | set(SHARED)


def test_every_text_of_the_networks_file_is_shown():
    NETWORK_WORDS.used.clear()
    for name in ("architecture_params", "flatten_size", "receptive_field_stack"):
        for level in (1, 2, 3):
            make_item(name, 0, level)
    # the layers no drawn network has, described as any SPEC network would be
    describe_network([{"type": "avgpool", "size": 3}, {"type": "sigmoid"},
                      {"type": "dense", "units": 2, "bias": False}])
    assert NETWORK_WORDS.used == set(NETWORK_WORDS.fields)


def test_every_text_of_the_figures_file_is_shown():
    figures.WORDS.used.clear()
    figures.receptive_figure({"layers": [{"type": "conv", "kernel_size": 3},
                                         {"type": "maxpool"}, {"type": "avgpool"}]})
    figures.conv_alt(make_item("conv2d_entry", 0, 2).params)
    figures.pool_alt(make_item("max_pool_entry", 0, 2).params)
    assert figures.WORDS.used == set(figures.WORDS.fields)


@pytest.mark.parametrize("name", NUMERIC)
def test_every_text_of_the_file_is_shown_with_every_field_filled(name):
    body = TEMPLATES[name].body
    body.text.used.clear()
    for level in (1, 2, 3):
        for seed in range(SEEDS):
            draft = body(random.Random(f"texts:{seed}"), level)
            for text in (draft.stem, draft.solution):
                assert not re.search(r"\{\w*\}", text), text
    # An alternative no draw ever picks is a misspelt option name or dead text.
    assert body.text.used == set(body.text.fields)


# ---- a broken file: the error names the file, the template and the key -------------------

def _draw(rng: random.Random, level: int) -> Drawn:
    n = rng.randint(2, 9)
    shown = {"n_out": n + 1, "setting": "padded" if level > 1 else "plain"}
    if level == 3:
        shown["stride"] = 2
    return Drawn(n + 1, {"n": n}, shown)


GOOD = '''stem = "A map of width {n} with {setting}: how wide is the output?"
solution = "It is {n_out}."
[setting]
plain = "no padding"
padded = "padding 1"
'''


def _load(tmp_path: Path, text: str, draw=_draw) -> NumericTemplate:
    (tmp_path / "demo.toml").write_text(text, encoding="utf-8")
    return numeric_template("demo", draw, folder=tmp_path)


def _error(tmp_path: Path, text: str, draw=_draw) -> str:
    with pytest.raises(TextFileError) as caught:
        _load(tmp_path, text, draw)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'demo.toml'}: template 'demo': ")
    return message


def test_a_good_file_fills_its_fields_and_picks_the_drawn_alternative(tmp_path):
    body = _load(tmp_path, GOOD)
    draft = body(random.Random(1), 2)
    n = draft.params["n"]
    assert draft.stem == f"A map of width {n} with padding 1: how wide is the output?"
    assert draft.solution == f"It is {n + 1}."
    assert body(random.Random(1), 1).stem.endswith("with no padding: how wide is the output?")


def test_a_missing_stem_or_solution_is_named(tmp_path):
    message = _error(tmp_path, GOOD.replace('solution = "It is {n_out}."\n', ""))
    assert "'solution' is a required property" in message


def test_a_missing_alternative_is_named_with_its_table(tmp_path):
    message = _error(tmp_path, GOOD.replace('padded = "padding 1"\n', ""))
    assert "key 'setting.padded'" in message and "[setting]" in message


def test_an_unknown_field_is_named_with_its_key(tmp_path):
    message = _error(tmp_path, GOOD.replace("It is {n_out}.", "It is {n_ou}."))
    assert "key 'solution': unknown field(s) {n_ou}" in message
    assert "n_out" in message  # what the draws do supply


def test_a_field_the_draw_gives_only_at_some_levels_is_named_with_the_level(tmp_path):
    message = _error(tmp_path, GOOD.replace('"padding 1"', '"padding 1, stride {stride}"'))
    assert "key 'setting.padded': the draw does not supply {stride} at level 2" in message


@pytest.mark.parametrize("field", ["{n!r}", "{n:>3}", "{n.real}", "{0}", "{}", "{n"])
def test_a_field_that_is_not_a_plain_name_is_refused(tmp_path, field):
    message = _error(tmp_path, GOOD.replace("{n_out}", field))
    assert "key 'solution'" in message


def test_parts_that_show_each_other_are_refused(tmp_path):
    text = 'first = "{second}"\nsecond = "and {first}"\n' + GOOD
    assert "loop: first -> second -> first" in _error(tmp_path, text)


def test_a_broken_toml_file_is_named(tmp_path):
    assert "cannot read it" in _error(tmp_path, GOOD.replace("[setting]", "[setting"))


def test_lines_show_one_text_of_their_table_each(tmp_path):
    def draw(rng: random.Random, level: int) -> Drawn:
        steps = Lines((Line("add", {"i": 1, "r": 3}), Line("same", {"i": 2})), "; ")
        return Drawn(3, {}, {"steps": steps, "r": 3})
    text = ('stem = "What is r?"\nsolution = "{steps}. r = {r}."\n'
            '[steps]\nadd = "layer {i}: r grows to {r}"\nsame = "layer {i}: r stays {r}"\n')
    draft = _load(tmp_path, text, draw)(random.Random(0), 1)
    # a line's own numbers win over the item's; the others come from the item
    assert draft.solution == "layer 1: r grows to 3; layer 2: r stays 3. r = 3."


def test_placeholders_lists_the_plain_names_in_order():
    assert placeholders("a{x} b{y_2} {{not}} {x}") == ["x", "y_2", "x"]
