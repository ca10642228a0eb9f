"""Headless Chromium for the browser tests (Debian's ``chromium`` and ``chromium-driver``).

The browser is cut off from the network: every host name fails to resolve except 127.0.0.1 (the
JupyterLab test's own server), so a page that needs a CDN shows it. Screenshots go under the reports
folder; ``KINSHIP_SCREENSHOTS_DIR`` names a folder to copy them to as well.
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = "apt-get install -y chromium chromium-driver (.ci/run does this)"
WINDOW = (1280, 900)


def chromium_paths() -> tuple[str, str]:
    """Paths of the Chromium binary and its chromedriver; skips (fails under CI=true) when absent."""
    chromium = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    driver = shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", chromium), ("chromedriver", driver)) if not path]
    if missing:
        reason = f"{' and '.join(missing)} not on PATH; install with: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    return chromium, driver


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium driven by selenium, offline, closed at the end of the session."""
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is a dev dependency: pip install -e '.[dev]'"
    )
    binary, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    options.add_argument("--headless=new")
    if os.geteuid() == 0:  # Chromium refuses to start its sandbox as root (CI runs as root)
        options.add_argument("--no-sandbox")
    options.add_argument("--disable-dev-shm-usage")
    options.add_argument("--disable-gpu")
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    options.add_argument("--no-proxy-server")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver, path: Path, *, full_page: bool = True) -> Path:
    """Save a PNG of the current page (its whole height, up to 8000 px, unless ``full_page`` is
    false) at ``path``, copied to ``$KINSHIP_SCREENSHOTS_DIR`` when that is set."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if full_page:
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000), "scale": 1}
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip})
        path.write_bytes(base64.b64decode(shot["data"]))
    else:
        driver.save_screenshot(str(path))
    if os.environ.get("KINSHIP_SCREENSHOTS_DIR"):
        copy = Path(os.environ["KINSHIP_SCREENSHOTS_DIR"])
        copy.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy / path.name)
    return path
