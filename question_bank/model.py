"""One generated question, with every field SPEC section 7 names.

Templates make ``Item``s; the exports (JSON, Markdown, HTML, Moodle XML, Canvas QTI) and the
drill only read them. A figure is kept as PNG bytes so that every export can embed or ship it.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import Any

LEARNING_OUTCOMES: dict[str, str] = {
    "LO1": "explain the concept of convolutions in a neural network",
    "LO2": "describe why a convolutional approach suits (medical) images",
    "LO3": "explain why convolutions enable deep (and large) neural networks",
    "LO4": "explain and apply the max-pooling layer in a CNN",
    "LO5": "motivate the choice of a kernel size (weights, computation, receptive field)",
}
TYPES = ("numeric", "multiple_choice", "true_false")
# Canvas keeps 4 decimals of a numeric answer, so a non-zero answer below this would become 0:
# templates never make one, and the Canvas export skips one.
SMALLEST_ANSWER = 1e-4


@dataclass(frozen=True)
class Choice:
    """One answer option; ``feedback`` says why it is right or which misconception it is."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Item:
    id: str  # stable: template name and seed, e.g. "conv_output-s17"
    template: str
    learning_outcome: str  # "LO1" .. "LO5"
    type: str  # one of TYPES
    stem: str  # plain text; may hold a small table in Markdown
    answer: Any  # a number for "numeric"; the index of the correct choice otherwise
    solution: str  # the worked solution, with the drawn numbers
    params: dict[str, Any]  # what the template drew (JSON-able)
    tolerance: float | None = None  # absolute, for "numeric"
    choices: tuple[Choice, ...] = ()
    difficulty: int = 1  # 1 easy, 2 medium, 3 hard
    figure: bytes | None = field(default=None, repr=False)  # PNG
    figure_alt: str = ""  # text alternative of the figure
    fractions: bool = False  # numeric: a reply may be a fraction such as 3/4 (numbers.py)

    def png(self) -> bytes:
        """The figure, for an exporter that only asks items that have one."""
        if self.figure is None:
            raise ValueError(f"item {self.id} has no figure")
        return self.figure

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["figure"] = base64.b64encode(self.figure).decode() if self.figure else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        data = dict(data)
        data["choices"] = tuple(Choice(**c) for c in data.get("choices", ()))
        figure = data.get("figure")
        data["figure"] = base64.b64decode(figure) if figure else None
        return cls(**data)
