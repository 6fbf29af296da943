"""The practice page in a real browser: headless Chromium through chromedriver (Selenium),
opened from file:// with no server and no network.

Answer right, wrong and with a decimal comma; reload and find the progress kept; exam mode
hides solutions until handing in; the page's number reader agrees with the drill's on one
table of inputs; its FSRS schedule agrees with the drill's; and the browser logs no error.
Skipped, with the reason, where Chromium, chromedriver or selenium is missing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bank_fixtures import all_items, multiple_choice, numeric_float, numeric_int
from practice_browser import LAPTOP, PHONE, chromium, errors, missing

from question_bank import schedule
from question_bank.numbers import read_number
from question_bank.practice import FILE_NAME, page_html, write_practice

INPUTS = json.loads((Path(__file__).with_name("bank_number_inputs.json")).read_text())["cases"]


def _items():
    """The hand-made items (one per outcome) and a fraction-taking one."""
    quarter = replace(numeric_float(), id="avg-s8", learning_outcome="LO4", answer=2.75,
                      tolerance=0.01, fractions=True, stem="What is the mean of 2, 3, 3, 3?")
    return [*all_items(), quarter]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("practice")
    [path] = write_practice(_items(), folder)
    return path.as_uri()


# --- without a browser ------------------------------------------------------------------------

def test_the_page_is_one_file_that_loads_nothing_from_elsewhere():
    html = page_html(_items())
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html.replace("https://github.com/open-spaced-repetition", "")
    assert "default-src 'none'" in html  # the browser refuses every request
    assert ' src="' not in html.split("<script", 1)[0]  # no external script, style or image


def test_the_page_carries_the_licence_of_the_vendored_scheduler():
    assert "Permission is hereby granted, free of charge" in page_html(_items())


def test_script_text_in_an_item_cannot_end_the_data_element():
    hostile = replace(numeric_int(), stem="</script><script>alert(1)</script>")
    html = page_html([hostile])
    assert html.count("</script>") == 3  # the data, the scheduler and the page's script


def test_build_writes_practice_html(tmp_path):
    assert [p.name for p in write_practice(_items(), tmp_path)] == [FILE_NAME]


# --- in Chromium -----------------------------------------------------------------------------



@pytest.fixture(scope="module")
def browser():
    reason = missing()
    if reason:
        pytest.skip(f"no browser for the practice page's tests: {reason}")
    with chromium(LAPTOP) as driver:
        yield driver


def _open(driver, page: str, fresh: bool = True) -> None:
    driver.get(page)
    if fresh:
        driver.execute_script("window.localStorage.clear()")
        driver.get(page)


def _choose_outcome(driver, outcome: str) -> None:
    from selenium.webdriver.support.ui import Select
    Select(driver.find_element("id", "outcome")).select_by_value(outcome)


def _answer_number(driver, text: str) -> str:
    box = driver.find_element("css selector", "#practice-question input.number")
    box.send_keys(text)
    driver.find_element("css selector", "#practice-question button[type=submit]").click()
    return driver.find_element("id", "practice-result").text


def _reply(driver, page: str, outcome: str, text: str) -> str:
    """A fresh page, a question of ``outcome``, the reply ``text``: the result shown."""
    _open(driver, page)
    _choose_outcome(driver, outcome)
    return _answer_number(driver, text)


def test_a_right_number_is_right_and_shows_the_worked_solution(browser, page):
    result = _reply(browser, page, "LO1", "5")
    assert result.startswith("Right!") and "(7 - 3) / 1 + 1 = 5" in result
    assert errors(browser) == []


def test_a_wrong_number_is_wrong_and_gives_the_answer(browser, page):
    result = _reply(browser, page, "LO1", "6")
    assert result.startswith("Not right") and "The answer is 5" in result
    assert errors(browser) == []


def test_a_decimal_comma_is_read(browser, page):
    assert _reply(browser, page, "LO3", "0,6225").startswith("Right!")  # 0.62246 +- 0.001


def test_a_fraction_is_read_where_the_question_takes_one(browser, page):
    _open(browser, page)
    _choose_outcome(browser, "LO4")
    while "mean of 2, 3" not in browser.find_element("id", "practice-question").text:
        _choose_outcome(browser, "LO1")  # a fresh draw of LO4 until the fraction item shows
        _choose_outcome(browser, "LO4")
    assert _answer_number(browser, "11/4").startswith("Right!")


def test_an_unreadable_number_is_asked_again_not_marked(browser, page):
    _reply(browser, page, "LO1", "five")
    problem = browser.find_element("css selector", "#practice-question .problem").text
    assert "Could not read" in problem
    assert browser.find_element("id", "practice-result").text == ""


def test_a_choice_shows_its_own_feedback(browser, page):
    _open(browser, page)
    _choose_outcome(browser, "LO5")
    browser.find_element("css selector", "#practice-question label[for$='-c0']").click()
    browser.find_element("css selector", "#practice-question button[type=submit]").click()
    result = browser.find_element("id", "practice-result").text
    assert "Not right" in result and multiple_choice().choices[0].feedback in result


def test_progress_is_kept_after_a_reload(browser, page):
    _reply(browser, page, "LO1", "5")
    _open(browser, page, fresh=False)
    browser.find_element("id", "tab-progress").click()
    row = browser.find_element("css selector", "#progress-rows tr[data-outcome=LO1]").text
    assert "1 of 1" in row and "67 %" in row  # (1 + 1) / (1 + 2)
    cards = browser.execute_script("return window.cnnlabPractice.state().cards")
    assert list(cards) == ["conv_output-s1"]
    assert errors(browser) == []


def test_a_missed_question_is_due_again(browser, page):
    _reply(browser, page, "LO1", "6")
    due = browser.execute_script("return window.cnnlabPractice.state().cards"
                                 "['conv_output-s1'].due")
    wait = datetime.fromisoformat(due.replace("Z", "+00:00")) - datetime.now(UTC)
    assert timedelta(0) < wait <= timedelta(minutes=1, seconds=5)  # Again: after a minute


def test_exam_mode_hides_solutions_until_handing_in(browser, page):
    _open(browser, page)
    browser.find_element("id", "tab-exam").click()
    number = browser.find_element("id", "exam-n")
    number.clear()
    number.send_keys("5")
    browser.find_element("css selector", "#exam-setup button[type=submit]").click()
    paper = browser.find_element("id", "exam-paper")
    assert len(paper.find_elements("css selector", "section.question")) == 5
    assert paper.find_elements("css selector", ".solution, .verdict") == []
    assert "left" in browser.find_element("id", "exam-clock").text  # timed
    paper.find_element("css selector", "button").click()  # hand in
    assert len(paper.find_elements("css selector", ".solution")) == 5
    assert "Score: 0 of 5" in browser.find_element("id", "exam-result").text
    assert errors(browser) == []


def test_the_page_reads_numbers_as_the_drill_does(browser, page):
    _open(browser, page)
    for case in INPUTS:
        fractions = case.get("fractions", False)
        read = browser.execute_script("return window.cnnlabPractice.readNumber(arguments[0], "
                                      "arguments[1])", case["input"], fractions)
        python = read_number(case["input"], fractions)
        assert (bool(read["error"]), read["values"]) == (bool(python.error),
                                                        list(python.values)), case


def test_the_page_schedules_as_the_drill_does(browser, page):
    """ts-fsrs in the page and py-fsrs in the drill: the same answers, the same due times."""
    _open(browser, page)
    answers = [True, False, True, True, True, False, True]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    page_due = browser.execute_script("""
        const f = FSRS.fsrs(FSRS.generatorParameters(arguments[0]));
        let now = new Date(arguments[1]), card = FSRS.createEmptyCard(now), out = [];
        for (const right of arguments[2]) {
          card = f.next(card, now, right ? FSRS.Rating.Good : FSRS.Rating.Again).card;
          out.push(card.due.toISOString()); now = card.due;
        }
        return out;""", schedule.SETTINGS, start.isoformat(), answers)
    card, when, drill_due = None, start, []
    for right in answers:
        card = schedule.review(card, right, when)
        when = schedule.due(card)
        drill_due.append(when)
    assert [datetime.fromisoformat(d.replace("Z", "+00:00")) for d in page_due] == drill_due


def test_the_page_makes_no_request(browser, page):
    _open(browser, page)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []


def test_a_phone_sees_no_sideways_scrolling(page):
    reason = missing()
    if reason:
        pytest.skip(f"no browser for the practice page's tests: {reason}")
    with chromium(PHONE) as driver:
        _open(driver, page)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= PHONE[0]
        assert errors(driver) == []
