"""``bank.json``: the bank as a list of ``Item.to_dict()``, loadable with ``Item.from_dict``.

JSON is the lossless archive of a bank (the drill reads it back), so it keeps every item that
JSON can hold, also one that an LMS export would refuse; only an item whose fields are not
JSON (a NaN, an object in ``params``) is skipped with a warning.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from question_bank.export._common import ExportWarning
from question_bank.model import Item

FILE_NAME = "bank.json"


def _json_record(item: Item) -> tuple[dict[str, Any] | None, str]:
    """(the item as a dict, "") when strict JSON can hold it, else (None, the reason)."""
    record = item.to_dict()
    try:
        json.dumps(record, allow_nan=False)
    except (TypeError, ValueError) as error:
        return None, str(error)
    return record, ""


def write_json(items: list[Item], out_dir: Path) -> list[Path]:
    """Write ``out_dir/bank.json``; return the path written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_json_file(items, out_dir / FILE_NAME)]


def write_json_file(items: list[Item], path: Path) -> Path:
    """Write the items that JSON can hold to the file ``path``; warn about the others."""
    records, skipped = [], []
    for item in items:
        record, reason = _json_record(item)
        if record is None:
            skipped.append(f"{item.id} ({reason})")
        else:
            records.append(record)
    if skipped:
        warnings.warn(f"json: skipped {len(skipped)} item(s): {', '.join(skipped)}",
                      ExportWarning, stacklevel=2)
    path = Path(path)
    path.write_text(json.dumps(records, indent=1, allow_nan=False, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def read_json(path: Path) -> list[Item]:
    """The items of a ``bank.json``, with a clear error when the file is not one."""
    if not Path(path).is_file():
        raise ValueError(f"bank file {path}: no such file (make one with 'cnnlab bank build')")
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"bank file {path}: cannot read it as JSON ({error})") from error
    if not isinstance(records, list):
        raise ValueError(f"bank file {path}: expected a JSON list of items, "
                         f"got {type(records).__name__}")
    items = []
    for number, record in enumerate(records, 1):
        try:
            items.append(Item.from_dict(record))
        except (TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"bank file {path}: item {number} is not an item ({error})") from error
    return items
