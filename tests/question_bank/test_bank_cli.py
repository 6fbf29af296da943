"""``cnnlab bank build|stress|coverage`` and ``cnnlab drill`` from the command line.

The generator, stress test and coverage table are replaced by small fakes (in ``sys.modules``),
so these tests check the command line itself: arguments, files written, messages, errors.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import types
import zipfile

import pytest
from bank_fixtures import all_items, no_correct_choice, numeric_int, true_false

from cnnlab.cli import main
from question_bank.drill import load_progress
from question_bank.generate import read_blueprint

EVERY_FILE = {"bank.json", "bank.md", "answers.md", "images", "exam.html", "answer_key.html",
              "moodle.xml", "canvas_qti.zip"}


@pytest.fixture
def calls(monkeypatch) -> list[tuple]:
    """Fake generate/stress/coverage modules; returns the list of calls they received."""
    received: list[tuple] = []

    def build_bank(n, seed, outcomes=None, difficulty=None, figures=True, practice=False):
        received.append(("build_bank", n, seed, outcomes, difficulty, figures))
        return all_items()[:n]

    def build_forms(forms, n, seed, outcomes=None, difficulty=None, blueprint=None,
                    figures=True, practice=False):
        received.append(("build_forms", forms, n, seed, outcomes, difficulty, blueprint,
                         figures) + (("practice",) if practice else ()))
        size = n or sum(blueprint.values())
        return [all_items()[:size] for _ in range(forms)]

    def build_exam_forms(forms, n, seed, **options):
        return build_forms(forms, n, seed, **options), 0

    def stress_report(n_seeds=2000):
        received.append(("stress_report", n_seeds))
        return [{"template": "fake"}]

    fakes = {
        "question_bank.generate": {"build_bank": build_bank, "build_forms": build_forms,
                                   "build_exam_forms": build_exam_forms,
                                   "read_blueprint": read_blueprint,
                                   "with_figure": lambda item: item,
                                   "item_from_id": lambda item_id: None},
        "question_bank.stress": {"stress_report": stress_report,
                                 "format_report": lambda rows: f"REPORT {rows[0]['template']}"},
        "question_bank.coverage": {"coverage_table": lambda: "COVERAGE TABLE"},
    }
    for name, attributes in fakes.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        monkeypatch.setitem(sys.modules, name, module)
    return received


def test_build_writes_every_format_by_default(calls, tmp_path, capsys):
    assert main(["bank", "build", "--n", "5", "--out", str(tmp_path)]) == 0
    assert {path.name for path in tmp_path.iterdir()} == EVERY_FILE


def test_build_prints_what_it_wrote(calls, tmp_path, capsys):
    main(["bank", "build", "--n", "5", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert all(name in printed for name in ("bank.json", "exam.html", "moodle.xml",
                                            "canvas_qti.zip"))


def test_build_writes_only_the_formats_asked(calls, tmp_path):
    main(["bank", "build", "--n", "5", "--format", "json,html", "--out", str(tmp_path)])
    assert {path.name for path in tmp_path.iterdir()} == {"bank.json", "exam.html",
                                                          "answer_key.html"}


def test_build_passes_seed_outcomes_difficulty_and_no_figures(calls, tmp_path):
    main(["bank", "build", "--seed", "7", "--n", "3", "--outcome", "LO1", "lo4",
          "--difficulty", "2", "--no-figures", "--format", "json", "--out", str(tmp_path)])
    assert calls == [("build_forms", 1, 3, 7, ["LO1", "LO4"], 2, None, False)]


def test_build_without_n_asks_for_fifty_items(calls, tmp_path):
    main(["bank", "build", "--format", "json", "--out", str(tmp_path)])
    assert calls[0][:3] == ("build_forms", 1, 50)


def test_build_passes_the_blueprint_file_and_writes_one_folder_per_form(calls, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text("[LO1]\n1 = 2\n[LO4]\n3 = 1\n")
    out = tmp_path / "exam"
    main(["bank", "build", "--blueprint", str(plan), "--forms", "2", "--format", "json",
          "--out", str(out)])
    assert calls == [("build_forms", 2, None, 0, None, None, {("LO1", 1): 2, ("LO4", 3): 1},
                      True)]
    assert {path.name for path in out.iterdir()} == {"form-1", "form-2"}
    assert len(json.loads((out / "form-2" / "bank.json").read_text())) == 3


def test_bad_blueprint_is_a_clear_error(calls, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text("[LO7]\n1 = 2\n")
    with pytest.raises(SystemExit, match=r"--blueprint.*LO7"):
        main(["bank", "build", "--blueprint", str(plan), "--out", str(tmp_path / "x")])


def test_forms_into_a_json_file_is_a_clear_error(calls, tmp_path):
    with pytest.raises(SystemExit, match="folder per form"):
        main(["bank", "build", "--forms", "2", "--out", str(tmp_path / "b.json")])


def test_build_output_holds_the_generated_items(calls, tmp_path):
    main(["bank", "build", "--n", "5", "--format", "canvas", "--out", str(tmp_path)])
    with zipfile.ZipFile(tmp_path / "canvas_qti.zip") as package:
        assert "images/conv_output-s1.png" in package.namelist()


def test_build_to_a_json_file_name_writes_that_file(calls, tmp_path):
    target = tmp_path / "my_bank.json"
    main(["bank", "build", "--n", "2", "--out", str(target)])
    assert [record["id"] for record in json.loads(target.read_text())] == \
        [item.id for item in all_items()[:2]]


def test_unknown_format_is_a_clear_error(calls, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bank", "build", "--format", "json,pdf", "--out", str(tmp_path)])
    error = capsys.readouterr().err
    assert stop.value.code == 2 and "'pdf'" in error and "moodle" in error


def test_unknown_outcome_is_a_clear_error(calls, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bank", "build", "--outcome", "LO9", "--out", str(tmp_path)])
    error = capsys.readouterr().err
    assert stop.value.code == 2 and "'LO9'" in error and "LO5" in error


def test_stress_prints_the_report_for_the_seeds_asked(calls, capsys):
    main(["bank", "stress", "--seeds", "30"])
    assert calls == [("stress_report", 30)] and "REPORT fake" in capsys.readouterr().out


def test_coverage_prints_the_table(calls, capsys):
    main(["bank", "coverage"])
    assert "COVERAGE TABLE" in capsys.readouterr().out


def test_drill_without_bank_generates_items_of_the_outcome(calls, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("5\n"))
    main(["drill", "--n", "1", "--seed", "4", "--outcome", "LO1",
          "--progress", str(tmp_path / "p.json")])
    assert calls[0][:4] == ("build_bank", 200, 4, ["LO1"])


def test_drill_with_a_missing_bank_file_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match=r"missing\.json"):
        main(["drill", "--bank", str(tmp_path / "missing.json")])


def test_drill_with_an_outcome_the_bank_lacks_is_a_clear_error(tmp_path):
    bank = tmp_path / "bank.json"
    bank.write_text(json.dumps([numeric_int().to_dict()]))
    with pytest.raises(SystemExit, match="LO2"):
        main(["drill", "--bank", str(bank), "--outcome", "LO2",
              "--progress", str(tmp_path / "p.json")])


def test_piped_drill_scores_and_keeps_progress(tmp_path):
    """The documented use: ``printf '5\\nF\\n' | cnnlab drill --bank ... --n 2``."""
    bank, progress = tmp_path / "bank.json", tmp_path / "progress.json"
    bank.write_text(json.dumps([numeric_int().to_dict(), true_false().to_dict()]))
    command = [sys.executable, "-m", "cnnlab", "drill", "--bank", str(bank), "--n", "2",
               "--progress", str(progress)]
    result = subprocess.run(command, input="5\nT\n", text=True, capture_output=True,
                            check=True, timeout=60)
    assert "score: 1/2" in result.stdout
    assert load_progress(progress) == {"LO1": {"asked": 1, "correct": 1},
                                       "LO4": {"asked": 1, "correct": 0}}


def test_build_reports_a_skipped_item_and_writes_the_rest(calls, tmp_path, capsys, monkeypatch):
    fake = sys.modules["question_bank.generate"]
    bank = [*all_items(), no_correct_choice()]
    monkeypatch.setattr(fake, "build_exam_forms", lambda forms, n, seed, **_: ([bank], 0))
    main(["bank", "build", "--format", "moodle", "--out", str(tmp_path)])
    assert "warning: moodle: skipped 1 item(s): broken_mc-s6" in capsys.readouterr().err
    assert (tmp_path / "moodle.xml").read_text().count("<question type=\"multichoice\">") == 2


def test_drill_without_seed_draws_a_new_one_and_prints_it(calls, tmp_path, monkeypatch, capsys):
    seeds = iter([123, 456])
    monkeypatch.setattr("secrets.randbelow", lambda _limit: next(seeds))
    for _ in range(2):
        monkeypatch.setattr(sys, "stdin", io.StringIO("q\n"))
        main(["drill", "--n", "1", "--progress", str(tmp_path / "p.json")])
    assert [call[2] for call in calls] == [123, 456]
    printed = capsys.readouterr().out
    assert "--seed 123" in printed and "--seed 456" in printed


def test_the_drill_runs_without_jinja2(tmp_path):
    """The student release installs numpy and scipy only: the drill must not need jinja2."""
    bank, progress = tmp_path / "bank.json", tmp_path / "progress.json"
    bank.write_text(json.dumps([numeric_int().to_dict()]))
    code = ("import sys; sys.modules['jinja2'] = None; sys.modules['markupsafe'] = None; "
            "from cnnlab.cli import main; "
            f"sys.exit(main(['drill', '--bank', {str(bank)!r}, '--n', '1', '--seed', '1', "
            f"'--progress', {str(progress)!r}]))")
    result = subprocess.run([sys.executable, "-c", code], input="5\n", text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "score: 1/1" in result.stdout


# --- issue 19: one meaning of --out, help texts, state and temp folders, Jupyter -------------

def test_format_json_into_a_json_name_writes_that_file(calls, tmp_path):
    target = tmp_path / "x.json"
    main(["bank", "build", "--n", "2", "--format", "json", "--out", str(target)])
    assert target.is_file() and len(json.loads(target.read_text())) == 2


def test_a_json_name_with_another_format_is_a_clear_error(calls, tmp_path):
    with pytest.raises(SystemExit, match=r"x\.json.*only --format json"):
        main(["bank", "build", "--format", "html", "--out", str(tmp_path / "x.json")])


def test_out_in_a_missing_folder_is_an_error_not_a_silent_mkdir(calls, tmp_path):
    with pytest.raises(SystemExit, match="does not exist"):
        main(["bank", "build", "--n", "2", "--out", str(tmp_path / "no" / "such" / "exam")])
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("command", [["bank"], ["bank", "build"], ["bank", "stress"],
                                     ["bank", "coverage"], ["drill"]])
def test_every_bank_command_has_plain_help(command, capsys):
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    text = capsys.readouterr().out
    description = text.split("\n\n", 2)[1]
    assert len(description) > 40 and "``" not in text, text


def test_the_practice_format_draws_practice_items(calls, tmp_path):
    main(["bank", "build", "--n", "3", "--format", "practice", "--out", str(tmp_path)])
    assert calls[-1][-1] == "practice" and (tmp_path / "practice.html").is_file()


def test_an_exam_says_how_many_practice_questions_it_replaced(tmp_path, capsys, monkeypatch):
    from question_bank import generate
    first = generate.build_bank(5, seed=3, figures=False)
    monkeypatch.setattr(generate, "practice_keys",
                        lambda: frozenset(generate.question_key(i) for i in first[:2]))
    main(["bank", "build", "--n", "5", "--seed", "3", "--no-figures", "--format", "json",
          "--out", str(tmp_path)])
    assert "2 drawn question(s) are in the students' practice bank" in capsys.readouterr().err
    ids = {r["id"] for r in json.loads((tmp_path / "bank.json").read_text())}
    assert not ids & {item.id for item in first[:2]}


def test_the_drill_keeps_progress_in_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_STATE", str(tmp_path / "state"))
    monkeypatch.setattr("question_bank.cli.OLD_PROGRESS", tmp_path / "old.json")
    bank = tmp_path / "bank.json"
    bank.write_text(json.dumps([numeric_int().to_dict()]))
    monkeypatch.setattr(sys, "stdin", io.StringIO("5\n"))
    main(["drill", "--bank", str(bank), "--n", "1", "--figures", str(tmp_path / "f")])
    assert load_progress(tmp_path / "state" / "drill.json") == {"LO1": {"asked": 1,
                                                                        "correct": 1}}


def test_the_drill_moves_the_old_dotfile_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNNLAB_STATE", str(tmp_path / "state"))
    old = tmp_path / ".cnnlab_drill.json"
    old.write_text(json.dumps({"LO1": {"asked": 4, "correct": 1}}))
    monkeypatch.setattr("question_bank.cli.OLD_PROGRESS", old)
    bank = tmp_path / "bank.json"
    bank.write_text(json.dumps([numeric_int().to_dict()]))
    monkeypatch.setattr(sys, "stdin", io.StringIO("5\n"))
    main(["drill", "--bank", str(bank), "--n", "1", "--figures", str(tmp_path / "f")])
    assert "moved your drill progress" in capsys.readouterr().out and not old.exists()
    assert load_progress(tmp_path / "state" / "drill.json") == {"LO1": {"asked": 5,
                                                                        "correct": 2}}


def test_drill_figures_go_to_this_users_own_temp_folder(monkeypatch, tmp_path):
    from question_bank.cli import default_figures
    monkeypatch.delenv("CNNLAB_TMP", raising=False)
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    import os
    assert default_figures() == tmp_path / f"cnnlab-{os.getuid()}" / "drill-figures"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_drill_in_jupyter_says_how_to_practise_instead_of_hanging(monkeypatch, capsys):
    monkeypatch.setenv("JPY_PARENT_PID", "4242")
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    assert main(["drill", "--n", "1"]) == 2
    assert "practise(n=5)" in capsys.readouterr().err


def test_a_piped_drill_in_jupyter_still_runs(monkeypatch, tmp_path):
    monkeypatch.setenv("JPY_PARENT_PID", "4242")
    bank = tmp_path / "bank.json"
    bank.write_text(json.dumps([numeric_int().to_dict()]))
    monkeypatch.setattr(sys, "stdin", io.StringIO("5\n"))
    assert main(["drill", "--bank", str(bank), "--n", "1", "--progress",
                 str(tmp_path / "p.json"), "--figures", str(tmp_path / "f")]) == 0


def test_the_drill_s_help_names_the_learning_outcomes(capsys):
    from question_bank.model import LEARNING_OUTCOMES
    with pytest.raises(SystemExit):
        main(["drill", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert all(f"{lo}: {what}" in text for lo, what in LEARNING_OUTCOMES.items())
