"""The offline practice page: ``practice.html``, one file with its script, styles and figures.

A student opens it from disk in any browser (no server, no network: a Content-Security-Policy
forbids every request). It asks questions per learning outcome and checks them at once
(numbers with the item's tolerance, read by the rules of ``question_bank/numbers.py``), shows
the worked solution and figure after each answer, keeps progress and an FSRS card per question
in the browser's ``localStorage`` (a chart of mastery per outcome), brings back what was missed
(``question_bank/schedule.py`` has the settings; ts-fsrs is vendored in ``vendor/``), and has a
timed exam mode that shows solutions only after handing in.

The items' texts are rendered to escaped HTML here (``text_html``), so the script only inserts
our own markup; the bank travels as JSON inside a ``<script type="application/json">``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from question_bank.export._common import (
    answer_text,
    in_solution,
    keep_formulas,
    text_html,
    usable_items,
)
from question_bank.model import LEARNING_OUTCOMES, Item
from question_bank.schedule import SETTINGS

HERE = Path(__file__).parent
FILE_NAME = "practice.html"
FSRS_VERSION = "5.4.2"


_FORMULA = re.compile(r"[^\s<>]*\u00a0[^\s<>]*")


def _formula_html(text: str) -> str:
    """Escaped HTML of ``text`` with each formula in a no-wrap span: a browser may break
    after a minus even before a no-break space, so the span keeps it whole."""
    return _FORMULA.sub(lambda m: f'<span class="formula">{m.group(0)}</span>',
                        text_html(keep_formulas(text)))


def _item_data(item: Item) -> dict[str, Any]:
    """What the page needs of one item; texts as escaped HTML, formulas kept whole."""
    figure = ("data:image/png;base64," + base64.b64encode(item.figure).decode("ascii")
              if item.figure else "")
    return {"id": item.id, "lo": item.learning_outcome, "level": item.difficulty,
            "type": item.type, "stem_html": _formula_html(item.stem),
            "solution_html": _formula_html(item.solution),
            "answer": item.answer, "tolerance": item.tolerance or 0,
            "fractions": item.fractions, "answer_text": answer_text(item),
            "choices": [{"text": keep_formulas(c.text), "feedback": keep_formulas(c.feedback),
                         "in_solution": in_solution(item, c)} for c in item.choices],
            "figure": figure, "alt": item.figure_alt or ("figure" if figure else "")}


def _script_json(data: Any) -> str:
    """JSON that cannot end its <script> element: <, > and & as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.cache
def _environment():
    import jinja2
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def page_html(items: list[Item], title: str = "CNN exam practice") -> str:
    """The practice page of ``items`` as one HTML document."""
    from markupsafe import Markup  # comes with jinja2
    records = [_item_data(item) for item in items]
    bank_id = hashlib.sha256("\n".join(item.id for item in items).encode()).hexdigest()[:12]
    data = {"items": records, "outcomes": list(LEARNING_OUTCOMES.items()), "bank_id": bank_id,
            "scheduler": SETTINGS}
    # Our own files, trusted; the data is JSON made safe for a script element.
    return _environment().get_template("page.html").render(
        title=title, items_count=len(items), css=Markup((HERE / "practice.css").read_text()),
        data=Markup(_script_json(data)),
        fsrs=Markup((HERE / "vendor" / "ts-fsrs.umd.js").read_text()),
        script=Markup((HERE / "practice.js").read_text()), fsrs_version=FSRS_VERSION,
        fsrs_notice=(HERE / "vendor" / "LICENSE-ts-fsrs.txt").read_text())


def write_practice(items: list[Item], out_dir: Path,
                   title: str = "CNN exam practice") -> list[Path]:
    """Write ``out_dir/practice.html``; return its path."""
    items = usable_items(items, "practice")
    out_dir = Path(out_dir)
    out_dir.mkdir(exist_ok=True)
    path = out_dir / FILE_NAME
    path.write_text(page_html(items, title), encoding="utf-8")
    return [path]
