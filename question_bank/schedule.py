"""Spaced repetition for the drill, with FSRS: the scheduler the practice page uses too.

Each question a student answered is a card of the ``fsrs`` package (py-fsrs, MIT licence):
a right answer is rated Good, a wrong one Again, and FSRS sets when to ask it again (a missed
question comes back after 1 and 10 minutes, then after days). The page runs the same
algorithm in the browser through ts-fsrs (vendored, MIT licence, ``practice/vendor/``) with
the same settings (``SETTINGS``); ``tests/question_bank/test_bank_practice_page.py`` checks
that both give the same due times for the same answers. Fuzzing is off: the same answers give
the same schedule, here and in the page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from fsrs import Card, Rating, Scheduler

if TYPE_CHECKING:
    from fsrs.card import CardDict

# The page passes these to ts-fsrs' generatorParameters (practice.js, SCHEDULER).
SETTINGS: dict[str, Any] = {"request_retention": 0.9, "maximum_interval": 36500,
                            "learning_steps": ["1m", "10m"], "relearning_steps": ["10m"],
                            "enable_fuzz": False, "enable_short_term": True}
_SCHEDULER = Scheduler(desired_retention=SETTINGS["request_retention"],
                       maximum_interval=SETTINGS["maximum_interval"],
                       learning_steps=(timedelta(minutes=1), timedelta(minutes=10)),
                       relearning_steps=(timedelta(minutes=10),), enable_fuzzing=False)

Cards = dict[str, dict[str, Any]]  # item id -> card as a JSON-able dict


def now() -> datetime:
    return datetime.now(UTC)


def review(card: dict[str, Any] | None, correct: bool, when: datetime) -> dict[str, Any]:
    """The card after one answer (a new card when ``card`` is None), as a dict."""
    current = Card.from_dict(cast("CardDict", card)) if card else Card(due=when)
    rating = Rating.Good if correct else Rating.Again
    updated, _log = _SCHEDULER.review_card(current, rating, when)
    return dict(updated.to_dict())


def due(card: dict[str, Any]) -> datetime:
    """When the card is due again."""
    return datetime.fromisoformat(card["due"])


def due_ids(cards: Cards, when: datetime) -> list[str]:
    """The ids of the cards due at ``when``, the longest overdue first."""
    return sorted((i for i, card in cards.items() if due(card) <= when),
                  key=lambda i: (due(cards[i]), i))
