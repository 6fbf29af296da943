"""Every export, parsed back and checked against its documented format.

JSON with ``json``, Markdown as text, HTML with ``html.parser``, Moodle XML and QTI with
ElementTree, the Canvas package with ``zipfile``. Expected values come from the hand-made
fixtures (tests/question_bank/bank_fixtures.py) and from the formats' documentation, never
from the writers.
"""

from __future__ import annotations

import base64
import html
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from bank_fixtures import all_items, escaping, no_correct_choice, tiny_answer

from question_bank.export import FORMATS, ExportWarning, parse_formats, write_all
from question_bank.export.moodle import write_moodle
from question_bank.model import Item

PNG = b"\x89PNG\r\n\x1a\n"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
ITEMS = all_items()
BY_ID = {item.id: item for item in ITEMS}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """Every format of the five fixture items, written once for this module."""
    folder = tmp_path_factory.mktemp("bank")
    write_all(ITEMS, folder, FORMATS)
    return folder


class Page(HTMLParser):
    """The tags (with attributes) and the text of an HTML document or fragment."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.chunks: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def markdown_plain(text: str) -> str:
    """Markdown text with backslash escapes and entities undone: what a reader sees."""
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def sections(text: str) -> list[str]:
    """The ``## Question`` sections of a Markdown export, in order."""
    return re.split(r"^## ", text, flags=re.M)[1:]


def moodle_questions(folder: Path) -> list[ET.Element]:
    return ET.parse(folder / "moodle.xml").getroot().findall("question")


def moodle_by_name(folder: Path) -> dict[str, ET.Element]:
    return {q.findtext("name/text"): q for q in moodle_questions(folder)
            if q.get("type") != "category"}


def qti_package(folder: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(folder / "canvas_qti.zip")


def qti_items(folder: Path) -> dict[str, ET.Element]:
    with qti_package(folder) as package:
        manifest = ET.fromstring(package.read("imsmanifest.xml"))
        href = manifest.find(f"{CP}resources/{CP}resource[@type='imsqti_xmlv1p2']").get("href")
        root = ET.fromstring(package.read(href))
    return {item.get("title"): item for item in root.iter(f"{QTI}item")}


def qti_field(item: ET.Element, label: str) -> str | None:
    for field in item.iter(f"{QTI}qtimetadatafield"):
        if field.findtext(f"{QTI}fieldlabel") == label:
            return field.findtext(f"{QTI}fieldentry")
    return None


# --- every format ----------------------------------------------------------------------------

def ids_in(folder: Path, name: str) -> list[str]:
    """The item ids an export holds, read the way that format is read."""
    if name == "json":
        return [record["id"] for record in json.loads((folder / "bank.json").read_text())]
    if name == "markdown":
        return [re.search(r"^id `([^`]*)`", s, re.M).group(1)
                for s in sections((folder / "answers.md").read_text())]
    if name == "html":
        return [attrs["data-item-id"] for attrs in
                Page((folder / "answer_key.html").read_text()).all("section")]
    if name == "practice":
        page = (folder / "practice.html").read_text()
        data = page.split('id="bank-data">', 1)[1].split("</script>", 1)[0]
        return [record["id"] for record in json.loads(data)["items"]]
    if name == "moodle":
        return list(moodle_by_name(folder))
    return list(qti_items(folder))


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_item_appears_once_in_every_export(out, name):
    assert sorted(ids_in(out, name)) == sorted(BY_ID)


def test_unknown_format_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"'pdf'.*json"):
        parse_formats("json,pdf")


def test_all_means_every_exam_format_and_not_the_practice_page():
    assert parse_formats("all") == [name for name in FORMATS if name != "practice"]


def test_the_practice_page_goes_with_json_or_markdown_only():
    assert parse_formats("practice,json") == ["practice", "json"]
    with pytest.raises(ValueError, match=r"practice.*not html"):
        parse_formats("practice,html")


def test_the_printed_exam_has_name_and_points_and_no_ids(out):
    exam = (out / "exam.html").read_text()
    assert "Student number" in exam and f"{len(ITEMS)} points in all" in exam
    assert exam.count("(1 point)") == len(ITEMS)
    assert not [item.id for item in ITEMS if item.id in exam]
    assert not re.search(r"-d\d-s\d|difficulty", exam)


def test_the_answer_key_names_every_id(out):
    key = (out / "answer_key.html").read_text()
    assert all(item.id in key for item in ITEMS)


def test_the_markdown_questions_hold_no_id(out):
    questions = (out / "bank.md").read_text()
    assert not [item.id for item in ITEMS if item.id in questions]


# --- JSON ------------------------------------------------------------------------------------

def test_json_loads_back_into_equal_items(out):
    records = json.loads((out / "bank.json").read_text())
    assert [Item.from_dict(record) for record in records] == ITEMS


def test_json_records_hold_every_spec_field(out):
    spec_fields = {"id", "template", "learning_outcome", "type", "stem", "answer", "tolerance",
                   "choices", "solution", "params", "figure", "figure_alt"}
    for record in json.loads((out / "bank.json").read_text()):
        assert spec_fields <= set(record)


def test_json_figure_is_base64_png(out):
    record = json.loads((out / "bank.json").read_text())[0]
    assert base64.b64decode(record["figure"]) == ITEMS[0].figure


def test_json_skips_an_item_json_cannot_hold_with_a_warning(tmp_path):
    bad = replace(ITEMS[1], id="nan-s9", answer=float("nan"))
    with pytest.warns(ExportWarning, match="nan-s9"):
        FORMATS["json"]([*ITEMS, bad], tmp_path)
    assert len(json.loads((tmp_path / "bank.json").read_text())) == len(ITEMS)


# --- Markdown --------------------------------------------------------------------------------

def test_markdown_has_one_section_per_item_in_order(out):
    assert ids_in(out, "markdown") == [item.id for item in ITEMS]


def test_markdown_letters_the_choices(out):
    section = sections((out / "bank.md").read_text())[2]  # the 4-choice item
    assert re.findall(r"^- \*\*([A-Z])\.\*\*", section, re.M) == ["A", "B", "C", "D"]


def test_markdown_figure_links_to_its_png_file(out):
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (out / "bank.md").read_text())
    assert [(out / link).read_bytes() for link in links] == [ITEMS[0].figure]


def test_markdown_questions_hold_no_solution_or_feedback(out):
    shown = markdown_plain((out / "bank.md").read_text())
    for item in ITEMS:
        assert item.solution not in shown
        assert all(choice.feedback not in shown for choice in item.choices)


def test_markdown_answers_hold_every_solution_and_feedback(out):
    shown = markdown_plain((out / "answers.md").read_text())
    for item in ITEMS:
        assert item.solution in shown
        assert all(choice.feedback in shown for choice in item.choices)


def test_markdown_escapes_html_in_text(out):
    text = (out / "bank.md").read_text()
    assert "<b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text


def test_markdown_keeps_the_stem_table(out):
    assert "| conv2 | 5x5 |" in (out / "bank.md").read_text()


# --- HTML ------------------------------------------------------------------------------------

def test_exam_numbers_the_questions(out):
    page = Page((out / "exam.html").read_text())
    assert re.findall(r"Question (\d+)", page.text) == ["1", "2", "3", "4", "5"]


def test_exam_embeds_figures_as_data_uris(out):
    sources = [attrs["src"] for attrs in Page((out / "exam.html").read_text()).all("img")]
    prefix = "data:image/png;base64,"
    assert all(src.startswith(prefix) for src in sources)
    assert [base64.b64decode(src[len(prefix):]) for src in sources] == [ITEMS[0].figure]


def test_exam_holds_no_answer_solution_or_feedback(out):
    text = Page((out / "exam.html").read_text()).text
    assert "0.6224593312018546" not in text  # the float answer
    for item in ITEMS:
        assert item.solution not in text
        assert all(choice.feedback not in text for choice in item.choices)


def test_answer_key_holds_every_answer_solution_and_feedback(out):
    text = Page((out / "answer_key.html").read_text()).text
    assert "0.6224593312018546" in text and "B. 28" in text
    for item in ITEMS:
        assert item.solution in text
        assert all(choice.feedback in text for choice in item.choices)


@pytest.mark.parametrize("name", ["exam.html", "answer_key.html"])
def test_html_shows_markup_in_items_as_text(out, name):
    page = Page((out / name).read_text())
    assert not {"b", "larger", "wins", "yes", "no"} & {tag for tag, _ in page.tags}
    assert "<b>bold</b> & \"quoted\" 'text'" in page.text


def test_html_turns_the_stem_table_into_a_table(out):
    page = Page((out / "exam.html").read_text())
    assert len(page.all("table")) == 1 and len(page.all("td")) == 4


def test_exam_has_print_css(out):
    assert "@media print" in (out / "exam.html").read_text()


# --- Moodle XML ------------------------------------------------------------------------------

def test_moodle_question_types_follow_item_types(out):
    expected = {"numeric": "numerical", "multiple_choice": "multichoice",
                "true_false": "truefalse"}
    for name, question in moodle_by_name(out).items():
        assert question.get("type") == expected[BY_ID[name].type]


def test_moodle_files_each_question_under_its_outcome_category(out):
    category = None
    for question in moodle_questions(out):
        if question.get("type") == "category":
            category = question.findtext("category/text")
        else:
            outcome = BY_ID[question.findtext("name/text")].learning_outcome
            assert category is not None and category.endswith("/" + outcome)


def test_moodle_multichoice_fractions_are_100_or_0(out):
    fractions = [answer.get("fraction") for question in moodle_questions(out)
                 if question.get("type") == "multichoice" for answer in question.iter("answer")]
    assert fractions and set(fractions) <= {"100", "0"}


def test_moodle_numerical_has_the_answer_and_absolute_tolerance(out):
    for name in ("conv_output-s1", "sigmoid-s2"):
        answer = moodle_by_name(out)[name].find("answer")
        assert answer.get("fraction") == "100"
        assert float(answer.findtext("text")) == BY_ID[name].answer
        assert float(answer.findtext("tolerance")) == BY_ID[name].tolerance


def test_moodle_multichoice_is_single_answer_and_shuffled(out):
    question = moodle_by_name(out)["conv_params_mc-s3"]
    assert question.findtext("single") == "true"
    assert question.findtext("shuffleanswers") in {"1", "true"}


def test_moodle_multichoice_gives_full_marks_to_the_right_choice_only(out):
    answers = moodle_by_name(out)["conv_params_mc-s3"].findall("answer")
    assert [a.get("fraction") for a in answers] == ["0", "100", "0", "0"]


def test_moodle_multichoice_carries_each_choice_feedback(out):
    answers = moodle_by_name(out)["escape_mc-s5"].findall("answer")
    shown = [Page(a.findtext("feedback/text")).text for a in answers]
    assert shown == [choice.feedback for choice in escaping().choices]


def test_moodle_truefalse_answers_are_true_and_false(out):
    answers = moodle_by_name(out)["pool_params_tf-s4"].findall("answer")
    assert {a.findtext("text"): a.get("fraction") for a in answers} == {"true": "0",
                                                                         "false": "100"}


def test_moodle_questiontext_is_html(out):
    for question in moodle_by_name(out).values():
        assert question.find("questiontext").get("format") == "html"


def test_moodle_embeds_the_figure_and_refers_to_it(out):
    text = moodle_by_name(out)["conv_output-s1"].find("questiontext")
    file = text.find("file")
    assert (file.get("path"), file.get("encoding")) == ("/", "base64")
    assert base64.b64decode(file.text) == ITEMS[0].figure
    sources = [attrs["src"] for attrs in Page(text.findtext("text")).all("img")]
    assert sources == [f"@@PLUGINFILE@@/{file.get('name')}"]


def test_moodle_general_feedback_is_the_solution(out):
    for name, question in moodle_by_name(out).items():
        assert Page(question.findtext("generalfeedback/text")).text == BY_ID[name].solution


def test_moodle_shows_markup_in_items_as_text(out):
    page = Page(moodle_by_name(out)["escape_mc-s5"].findtext("questiontext/text"))
    assert "b" not in {tag for tag, _ in page.tags}
    assert "<b>bold</b>" in page.text


def test_moodle_skips_an_item_without_a_correct_choice_and_writes_the_rest(tmp_path):
    with pytest.warns(ExportWarning, match="broken_mc-s6"):
        write_moodle([*ITEMS, no_correct_choice()], tmp_path)
    assert sorted(moodle_by_name(tmp_path)) == sorted(BY_ID)


# --- Canvas QTI ------------------------------------------------------------------------------

def test_qti_manifest_lists_the_assessment_file_in_the_package(out):
    with qti_package(out) as package:
        manifest = ET.fromstring(package.read("imsmanifest.xml"))
        resources = manifest.findall(f"{CP}resources/{CP}resource[@type='imsqti_xmlv1p2']")
        assert len(resources) == 1
        root = ET.fromstring(package.read(resources[0].get("href")))
    assert root.tag == f"{QTI}questestinterop"
    assert root.find(f"{QTI}assessment/{QTI}section") is not None


def test_qti_every_referenced_image_is_in_the_package_and_the_manifest(out):
    with qti_package(out) as package:
        names = set(package.namelist())
        manifest = ET.fromstring(package.read("imsmanifest.xml"))
        listed = {f.get("href") for f in manifest.iter(f"{CP}file")}
        texts = [m.text for m in qti_items(out)["conv_output-s1"].iter(f"{QTI}mattext")]
        sources = [attrs["src"] for t in texts for attrs in Page(t).all("img")]
        paths = [src.removeprefix("$IMS-CC-FILEBASE$/") for src in sources]
        assert len(paths) == 1 and sources[0].startswith("$IMS-CC-FILEBASE$/")
        assert paths[0] in names and paths[0] in listed
        assert package.read(paths[0]) == ITEMS[0].figure


def test_qti_uses_no_data_uris(out):
    for item in qti_items(out).values():
        assert all("data:" not in (m.text or "") for m in item.iter(f"{QTI}mattext"))


def test_qti_question_types_and_points(out):
    expected = {"numeric": "numerical_question", "multiple_choice": "multiple_choice_question",
                "true_false": "true_false_question"}
    for name, item in qti_items(out).items():
        assert qti_field(item, "question_type") == expected[BY_ID[name].type]
        assert float(qti_field(item, "points_possible")) > 0


def correct_label_text(item: ET.Element) -> str:
    """The text of the choice the full-score condition of a QTI choice item accepts."""
    for condition in item.iter(f"{QTI}respcondition"):
        if condition.findtext(f"{QTI}setvar") == "100":
            label = condition.findtext(f"{QTI}conditionvar/{QTI}varequal")
    for response in item.iter(f"{QTI}response_label"):
        if response.get("ident") == label:
            return response.findtext(f"{QTI}material/{QTI}mattext")
    raise AssertionError("no response_label for the scored choice")


@pytest.mark.parametrize("name", ["conv_params_mc-s3", "pool_params_tf-s4"])
def test_qti_full_score_goes_to_the_correct_choice(out, name):
    right = [c.text for c in BY_ID[name].choices if c.correct]
    assert [correct_label_text(qti_items(out)[name])] == right


def test_qti_choices_are_a_single_response_lid(out):
    item = qti_items(out)["conv_params_mc-s3"]
    lid = item.find(f"{QTI}presentation/{QTI}response_lid")
    assert lid.get("rcardinality") == "Single"
    assert len(lid.findall(f"{QTI}render_choice/{QTI}response_label")) == 4


def test_qti_numeric_is_a_decimal_fill_in(out):
    item = qti_items(out)["sigmoid-s2"]
    render = item.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib")
    assert render.get("fibtype") == "Decimal"


def test_qti_numeric_range_is_answer_plus_minus_tolerance(out):
    item, source = qti_items(out)["sigmoid-s2"], BY_ID["sigmoid-s2"]
    low = float(next(item.iter(f"{QTI}vargte")).text)
    high = float(next(item.iter(f"{QTI}varlte")).text)
    assert low == pytest.approx(source.answer - 0.001, abs=1e-12)
    assert high == pytest.approx(source.answer + 0.001, abs=1e-12)


def test_qti_each_choice_has_its_own_feedback(out):
    item = qti_items(out)["escape_mc-s5"]
    labels = [r.get("ident") for r in item.iter(f"{QTI}response_label")]
    feedback = {f.get("ident"): Page(f.findtext(f".//{QTI}mattext")).text
                for f in item.findall(f"{QTI}itemfeedback")}
    assert [feedback[f"{label}_fb"] for label in labels] == [c.feedback for c in
                                                             escaping().choices]


def test_qti_skips_a_numeric_answer_canvas_rounds_to_zero(tmp_path):
    with pytest.warns(ExportWarning, match="tiny-s7"):
        FORMATS["canvas"]([*ITEMS, tiny_answer()], tmp_path)
    assert sorted(qti_items(tmp_path)) == sorted(BY_ID)


def test_qti_skips_an_item_without_a_correct_choice(tmp_path):
    with pytest.warns(ExportWarning, match="broken_mc-s6"):
        FORMATS["canvas"]([*ITEMS, no_correct_choice()], tmp_path)
    assert sorted(qti_items(tmp_path)) == sorted(BY_ID)


def test_repeated_id_is_skipped_not_written_twice(tmp_path):
    with pytest.warns(ExportWarning, match="sigmoid-s2.*repeats"):
        write_moodle([*ITEMS, ITEMS[1]], tmp_path)
    assert len(moodle_by_name(tmp_path)) == len(ITEMS)


# ---- the answer key: figures, and each reason once ---------------------------------------------

def _generated_key(tmp_path, items) -> tuple[str, str]:
    from question_bank.export.html import write_html
    from question_bank.export.markdown import write_markdown
    write_html(items, tmp_path)
    write_markdown(items, tmp_path)
    return (Page((tmp_path / "answer_key.html").read_text()).text,
            markdown_plain((tmp_path / "answers.md").read_text()))


def test_answer_key_shows_each_figure(out):
    key = Page((out / "answer_key.html").read_text())
    with_figure = [item for item in ITEMS if item.figure is not None]
    sources = [attrs["src"] for attrs in key.all("img")]
    assert len(sources) == len(with_figure) >= 1
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert "](images/" in (out / "answers.md").read_text()


@pytest.mark.parametrize("template", ["conv_computes", "translation", "conv_facts",
                                      "pooling_facts"])
def test_answer_key_says_each_choice_feedback_once(tmp_path, template):
    from question_bank.generate import make_item
    items = [make_item(template, seed, level) for level in (1, 2, 3) for seed in range(3)]
    for key in _generated_key(tmp_path, items):
        for item in items:
            for choice in item.choices:
                assert key.count(choice.feedback) >= 1, choice.feedback
        reasons = [item.solution.split(". ", 1)[1] for item in items
                   if item.type == "true_false"]
        feedback = [c.feedback for item in items if item.type == "multiple_choice"
                    for c in item.choices]
        for text in reasons + feedback:  # each said once per item it belongs to
            owners = sum(text in item.solution for item in items)
            assert key.count(text) == owners, text
