"""The headless Chromium the browser tests share: where it is, how it starts, where screenshots go.

Debian's chromium (``make test`` installs it) driven by Playwright; without the background-networking
flags Chromium keeps trying to reach Google's hosts, which this machine's closed network refuses.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def artifacts_dir() -> Path:
    """Where the tests leave screenshots for a reader: ``ARTIFACTS_DIR`` (CI), else ``artifacts/``."""
    folder = Path(os.environ.get("ARTIFACTS_DIR") or ROOT / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A headless Chromium browser, closed on exit; the test fails with one line when Chromium is missing."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is not installed; run the tests with `make test`, which installs chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
