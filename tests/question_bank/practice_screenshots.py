"""Screenshots of the practice page at phone (390x844) and laptop (1366x768) widths.

    python tests/question_bank/practice_screenshots.py OUT_DIR [--n 60] [--seed 2024]

Builds a practice page from the practice seeds, opens it from file:// in headless Chromium
and saves, per width: a question with a figure, the answer with its worked solution, the
progress chart and the exam mode. Prints the files and any browser error.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from practice_browser import LAPTOP, PHONE, chromium, errors, missing


def _page(n: int, seed: int) -> str:
    from question_bank.generate import build_bank
    from question_bank.practice import write_practice
    folder = Path(tempfile.mkdtemp(prefix="cnnlab-practice-"))
    items = build_bank(n, seed, practice=True)
    return write_practice(items, folder)[0].as_uri()


def _until_figure(driver) -> None:
    """Pick the outcome of a question with a figure (LO4: pooling grids)."""
    from selenium.webdriver.support.ui import Select
    for _ in range(20):
        Select(driver.find_element("id", "outcome")).select_by_value("LO4")
        if driver.find_elements("css selector", "#practice-question figure img"):
            return
        Select(driver.find_element("id", "outcome")).select_by_value("all")


def shoot(out: Path, n: int, seed: int) -> list[Path]:
    page = _page(n, seed)
    saved = []
    for name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        with chromium(size) as driver:
            driver.get(page)
            _until_figure(driver)
            saved.append(out / f"{name}-question.png")
            driver.save_screenshot(str(saved[-1]))
            box = driver.find_element("css selector", "#practice-question input.number")
            box.send_keys("4,5")
            driver.find_element("css selector", "#practice-question button[type=submit]").click()
            driver.execute_script("document.getElementById('practice-result')"
                                  ".scrollIntoView()")
            saved.append(out / f"{name}-answer.png")
            driver.save_screenshot(str(saved[-1]))
            driver.find_element("id", "tab-progress").click()
            saved.append(out / f"{name}-progress.png")
            driver.save_screenshot(str(saved[-1]))
            driver.find_element("id", "tab-exam").click()
            driver.find_element("css selector", "#exam-setup button[type=submit]").click()
            saved.append(out / f"{name}-exam.png")
            driver.save_screenshot(str(saved[-1]))
            for message in errors(driver):
                print(f"browser error ({name}): {message}")
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"no screenshots: {reason}", file=sys.stderr)
        return 2
    args.out.mkdir(exist_ok=True)
    for path in shoot(args.out, args.n, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
