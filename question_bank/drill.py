"""A terminal drill: asks numeric items, checks within tolerance, shows the worked solution.

Reads answers line by line from stdin, so it also runs scripted (piped input). Progress per
learning outcome is kept in a JSON file; the next question comes from the weakest outcome.
"""

import json
import sys
from pathlib import Path
from typing import Any, TextIO


def load_progress(path: Path) -> dict[str, dict[str, int]]:
    return json.loads(path.read_text()) if path.exists() else {}


def weakest_first(items: list[dict[str, Any]], progress: dict) -> list[dict[str, Any]]:
    """Items of the outcome with the lowest share correct (unseen outcomes count as 0) first."""
    def share(item: dict[str, Any]) -> float:
        record = progress.get(item["learning_outcome"], {"asked": 0, "correct": 0})
        return record["correct"] / record["asked"] if record["asked"] else 0.0
    return sorted(items, key=share)


def is_correct(item: dict[str, Any], reply: str) -> bool:
    try:
        return abs(float(reply) - float(item["answer"])) <= float(item["tolerance"] or 0)
    except ValueError:
        return False


def run_drill(items: list[dict[str, Any]], progress_path: Path, n: int,
              stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Ask n items; return how many were answered correctly."""
    progress = load_progress(progress_path)
    score = 0
    for item in weakest_first(items, progress)[:n]:
        print(f"[{item['learning_outcome']}] {item['stem']}", file=stdout)
        reply = stdin.readline().strip()
        ok = is_correct(item, reply)
        score += ok
        print("correct" if ok else f"wrong: the answer is {item['answer']}", file=stdout)
        print(f"solution: {item['solution']}\n", file=stdout)
        record = progress.setdefault(item["learning_outcome"], {"asked": 0, "correct": 0})
        record["asked"] += 1
        record["correct"] += ok
    progress_path.write_text(json.dumps(progress, indent=1))
    print(f"score: {score}/{min(n, len(items))}", file=stdout)
    return score
