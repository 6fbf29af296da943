"""``canvas_qti.zip``: a QTI 1.2 package that Canvas imports (Settings > Import > QTI .zip).

Package layout (as Canvas' own exports and text2qti write it):

- ``imsmanifest.xml``: an IMS content package; one resource of type ``imsqti_xmlv1p2`` for
  the assessment and one ``webcontent`` resource per image;
- ``<assessment id>/<assessment id>.xml``: ``<questestinterop><assessment><section><item>``;
- ``images/<id>.png``: the figures. Canvas ignores ``data:`` URIs, so the item HTML refers to
  the shipped file as ``$IMS-CC-FILEBASE$/images/<id>.png``, the prefix Canvas substitutes
  with the course's file folder on import.

Each ``<item>`` carries ``question_type`` (``numerical_question``, ``multiple_choice_question``,
``true_false_question``) and ``points_possible`` in its metadata; choices are a
``<response_lid>`` scored with ``<varequal>``; numbers a ``<response_str>`` with
``<render_fib fibtype="Decimal">`` scored by the range ``<vargte>``/``<varlte>`` (answer ±
tolerance); the worked solution is the general ``<itemfeedback>`` and every choice has its own.

Canvas stores numeric answers with four decimals, so an answer with 0 < |x| < 1e-4 would become
0: such an item is skipped with a warning, as is any item that cannot be exported.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from question_bank.export._common import (
    bounds_text,
    figure_alt_html,
    figure_names,
    number_text,
    text_html,
    tolerance_of,
    usable_items,
)
from question_bank.model import SMALLEST_ANSWER, Item

FILE_NAME = "canvas_qti.zip"
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
FILEBASE = "$IMS-CC-FILEBASE$"
IMAGES = "images"
QUESTION_TYPES = {"numeric": "numerical_question", "multiple_choice": "multiple_choice_question",
                  "true_false": "true_false_question"}


def canvas_problems(item: Item) -> list[str]:
    """Why Canvas would mangle ``item`` (a tiny numeric answer), or an empty list."""
    if item.type == "numeric" and 0 < abs(item.answer) < SMALLEST_ANSWER:
        return [f"Canvas rounds the answer {number_text(item.answer)} to 0 "
                f"(|answer| below {number_text(SMALLEST_ANSWER)})"]
    return []


def ident(text: str) -> str:
    """A QTI identifier (letters, digits, ``_``, ``-``, ``.``) made from ``text``."""
    return "i_" + re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _metadata(parent: ET.Element, fields: dict[str, str], tag: str = "qtimetadata") -> None:
    block = ET.SubElement(parent, tag)
    for label, entry in fields.items():
        field = ET.SubElement(block, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry


def _mattext(parent: ET.Element, body: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", texttype="text/html").text = body


def _feedback(item_el: ET.Element, feedback_id: str, body: str) -> None:
    block = ET.SubElement(item_el, "itemfeedback", ident=feedback_id)
    _mattext(ET.SubElement(block, "flow_mat"), body)


def _condition(resprocessing: ET.Element, *, score: bool, feedback: str | None,
               cont: str = "Yes") -> ET.Element:
    """A ``<respcondition>``; returns its ``<conditionvar>`` to fill in."""
    condition = ET.SubElement(resprocessing, "respcondition", {"continue": cont})
    conditionvar = ET.SubElement(condition, "conditionvar")
    if score:
        ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"
    if feedback is not None:
        ET.SubElement(condition, "displayfeedback", feedbacktype="Response", linkrefid=feedback)
    return conditionvar


def _stem_html(item: Item, figure: str | None) -> str:
    body = text_html(item.stem)
    if figure is not None:
        body += f'<p><img src="{FILEBASE}/{IMAGES}/{figure}" alt="{figure_alt_html(item)}"></p>'
    return body


def _choice_item(item_el: ET.Element, presentation: ET.Element, item: Item,
                 resprocessing: ET.Element) -> None:
    lid = ET.SubElement(presentation, "response_lid", ident="response1", rcardinality="Single")
    render = ET.SubElement(lid, "render_choice")
    labels = [f"{ident(item.id)}_c{i}" for i in range(len(item.choices))]
    for label, choice in zip(labels, item.choices, strict=True):
        _mattext(ET.SubElement(render, "response_label", ident=label), html.escape(choice.text))
    _condition(resprocessing, score=False, feedback="general_fb").append(ET.Element("other"))
    for label in labels:  # show each choice's own feedback when it is picked
        ET.SubElement(_condition(resprocessing, score=False, feedback=f"{label}_fb"), "varequal",
                      respident="response1").text = label
    ET.SubElement(_condition(resprocessing, score=True, feedback=None, cont="No"), "varequal",
                  respident="response1").text = labels[item.answer]
    for label, choice in zip(labels, item.choices, strict=True):
        _feedback(item_el, f"{label}_fb", html.escape(choice.feedback))


def _numeric_item(presentation: ET.Element, item: Item, resprocessing: ET.Element) -> None:
    response = ET.SubElement(presentation, "response_str", ident="response1",
                             rcardinality="Single")
    render = ET.SubElement(response, "render_fib", fibtype="Decimal")
    ET.SubElement(render, "response_label", ident="answer1")
    _condition(resprocessing, score=False, feedback="general_fb").append(ET.Element("other"))
    low, high = bounds_text(item.answer, tolerance_of(item))
    either = ET.SubElement(_condition(resprocessing, score=True, feedback=None, cont="No"), "or")
    ET.SubElement(either, "varequal", respident="response1").text = number_text(item.answer)
    both = ET.SubElement(either, "and")
    ET.SubElement(both, "vargte", respident="response1").text = low
    ET.SubElement(both, "varlte", respident="response1").text = high


def item_element(item: Item, figure: str | None) -> ET.Element:
    """The ``<item>`` of one valid item."""
    item_el = ET.Element("item", ident=ident(item.id), title=item.id)
    _metadata(ET.SubElement(item_el, "itemmetadata"),
              {"question_type": QUESTION_TYPES[item.type], "points_possible": "1.0",
               "original_answer_ids": "", "assessment_question_identifierref":
               ident(item.id) + "_ref"})
    presentation = ET.SubElement(item_el, "presentation")
    _mattext(presentation, _stem_html(item, figure))
    resprocessing = ET.SubElement(item_el, "resprocessing")
    outcomes = ET.SubElement(resprocessing, "outcomes")
    ET.SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE",
                  vartype="Decimal")
    if item.type == "numeric":
        _numeric_item(presentation, item, resprocessing)
    else:
        _choice_item(item_el, presentation, item, resprocessing)
    # Canvas expects the feedback blocks after resprocessing; general_fb is the solution.
    _feedback(item_el, "general_fb", text_html(item.solution))
    return item_el


def assessment_element(items: list[Item], names: dict[str, str], assessment_id: str,
                       title: str) -> ET.Element:
    """The ``<questestinterop>`` holding one assessment with one section of items."""
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = ET.SubElement(root, "assessment", ident=assessment_id, title=title)
    _metadata(assessment, {"cc_maxattempts": "1"})
    section = ET.SubElement(assessment, "section", ident="root_section")
    for item in items:
        section.append(item_element(item, names.get(item.id)))
    return root


def manifest_element(assessment_id: str, image_paths: list[str]) -> ET.Element:
    """``imsmanifest.xml``: the assessment resource and one webcontent resource per image."""
    manifest = ET.Element("manifest", identifier=f"{assessment_id}_manifest", xmlns=CP_NS)
    metadata = ET.SubElement(manifest, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(manifest, "organizations")
    resources = ET.SubElement(manifest, "resources")
    href = f"{assessment_id}/{assessment_id}.xml"
    resource = ET.SubElement(resources, "resource", identifier=assessment_id,
                             type="imsqti_xmlv1p2", href=href)
    ET.SubElement(resource, "file", href=href)
    for number, path in enumerate(image_paths, 1):
        image = ET.SubElement(resources, "resource", identifier=f"{assessment_id}_image{number}",
                              type="webcontent", href=path)
        ET.SubElement(image, "file", href=path)
    return manifest


def _xml_bytes(root: ET.Element) -> bytes:
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def write_canvas(items: list[Item], out_dir: Path, title: str = "cnnlab question bank",
                 assessment_id: str = "cnnlab_bank") -> list[Path]:
    """Write ``canvas_qti.zip``; return its path."""
    items = usable_items(items, "canvas", canvas_problems)
    names = figure_names(items)
    by_id = {item.id: item for item in items}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    image_paths = [f"{IMAGES}/{name}" for name in names.values()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("imsmanifest.xml", _xml_bytes(manifest_element(assessment_id,
                                                                        image_paths)))
        package.writestr(f"{assessment_id}/{assessment_id}.xml",
                         _xml_bytes(assessment_element(items, names, assessment_id, title)))
        for item_id, name in names.items():
            # PNG is already compressed: store it as is
            package.writestr(f"{IMAGES}/{name}", by_id[item_id].png(),
                             compress_type=zipfile.ZIP_STORED)
    return [path]
