"""Headless Chromium through chromedriver (Selenium) for the practice page's tests and
screenshots: the system's /usr/bin/chromium and /usr/bin/chromedriver, no network, a fresh
profile per browser. ``missing()`` says why a browser cannot be had here (the tests skip)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE, LAPTOP = (390, 844), (1366, 768)
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars")


def missing() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return ""


@contextlib.contextmanager
def chromium(size: tuple[int, int] = LAPTOP, profile: Path | None = None) -> Iterator:
    """A Selenium driver of headless Chromium at ``size`` (CSS pixels) with the browser log
    kept; ``profile`` keeps the user data folder (and so localStorage) between browsers."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    own = profile is None
    folder = Path(tempfile.mkdtemp(prefix="cnnlab-chromium-")) if own else profile
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={folder}", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        # --window-size sets the outer window; the page must see exactly ``size``.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": size[0], "height": size[1], "deviceScaleFactor": 1,
            "mobile": size[0] < 600})
        yield driver
    finally:
        driver.quit()
        if own:
            shutil.rmtree(folder, ignore_errors=True)


def errors(driver) -> list[str]:
    """The browser log's errors (console errors, failed loads, exceptions)."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] in ("SEVERE", "ERROR")]
