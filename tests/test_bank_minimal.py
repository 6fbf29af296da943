"""Answers checked against formulas written here, independent of solutions/."""

import json
import subprocess
import sys

from question_bank.generate import build_bank, make_item


def test_conv_output_matches_formula():
    for seed in range(200):
        p = make_item("conv_output", seed).params
        assert make_item("conv_output", seed).answer == (p["n"] + 2 * p["p"] - p["k"]) // p["s"] + 1


def test_conv_params_matches_formula():
    for seed in range(200):
        p = make_item("conv_params", seed).params
        expected = p["k"] ** 2 * p["c_in"] * p["c_out"] + p["c_out"]
        assert make_item("conv_params", seed).answer == expected


def test_pool_output_matches_formula():
    for seed in range(200):
        p = make_item("pool_output", seed).params
        assert make_item("pool_output", seed).answer == (p["n"] - p["size"]) // p["stride"] + 1


def test_same_seed_same_item_and_bank_has_no_duplicates():
    assert make_item("conv_params", 7) == make_item("conv_params", 7)
    stems = [item.stem for item in build_bank(300, seed=1)]
    assert len(stems) == len(set(stems)) == 300


def test_each_numeric_template_makes_1000_distinct_items():
    for name in ("conv_output", "conv_params", "pool_output"):
        assert len({make_item(name, s).stem for s in range(3000)}) >= 1000


def test_cli_build_writes_json(tmp_path):
    out = tmp_path / "bank.json"
    command = [sys.executable, "-m", "cnnlab", "bank", "build", "--n", "10", "--out", str(out)]
    subprocess.run(command, check=True)
    items = json.loads(out.read_text())
    assert len(items) == 10 and {"id", "stem", "answer", "solution", "params"} <= set(items[0])


def test_drill_reads_piped_answers_and_keeps_progress(tmp_path):
    bank, progress = tmp_path / "bank.json", tmp_path / "progress.json"
    items = [item.to_dict() for item in build_bank(2, seed=3)]
    bank.write_text(json.dumps(items))
    p = items[0]["params"]  # recomputed here, not read from the item's answer
    if items[0]["template"] == "conv_output":
        first = (p["n"] + 2 * p["p"] - p["k"]) // p["s"] + 1
    else:
        first = p["k"] ** 2 * p["c_in"] * p["c_out"] + p["c_out"]
    command = [sys.executable, "-m", "cnnlab", "drill", "--bank", str(bank), "--n", "2",
               "--progress", str(progress)]
    result = subprocess.run(command, input=f"{first}\nnot-a-number\n", text=True,
                            capture_output=True, check=True)
    assert "score: 1/2" in result.stdout
    assert sum(r["asked"] for r in json.loads(progress.read_text()).values()) == 2
