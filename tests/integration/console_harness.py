"""The web console's test harness: Debian's Chromium driven by Playwright (never a downloaded browser),
a standalone worker with REST authentication on, and where screenshots go."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from tests.integration.security_harness import PASSWORDS, basic
from tests.integration.standalone_harness import StandaloneWorker, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Where the system's Chromium may be: Debian's real binary first (its /usr/bin/chromium is a shell
# wrapper that also works), then whatever PATH offers.
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome")
ARTIFACTS_ENV = "CONNECTD_TEST_ARTIFACTS"
# Set to 1 to also write the README's screenshot (docs/img/console.png) from the test run.
README_SCREENSHOT_ENV = "CONNECTD_UPDATE_README_SCREENSHOT"
REPO_ROOT = Path(__file__).resolve().parents[2]
README_SCREENSHOT = REPO_ROOT / "docs" / "img" / "console.png"


def find_chromium() -> str | None:
    """The browser to drive: ``CONNECTD_CHROMIUM`` when set, else the first candidate installed."""
    if explicit := os.environ.get("CONNECTD_CHROMIUM"):
        return explicit
    for candidate in CHROMIUM_CANDIDATES:
        found = (
            candidate
            if os.path.isabs(candidate) and os.access(candidate, os.X_OK)
            else shutil.which(candidate)
        )
        if found:
            return found
    return None


@contextmanager
def chromium_browser() -> Iterator[Browser]:
    """A headless Chromium; the calling test module skips, saying why, without Playwright or a browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "no Chromium found (tried CONNECTD_CHROMIUM, " + ", ".join(CHROMIUM_CANDIDATES) + "): "
            "install Debian's chromium (apt-get install chromium; .ci/run does it as root)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``CONNECTD_TEST_ARTIFACTS`` (CI keeps it), else a pytest temporary directory."""
    configured = os.environ.get(ARTIFACTS_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("console-artifacts")


@dataclass
class ConsoleDeployment:
    """A standalone worker requiring credentials (``alice`` admin, ``reader`` read-only)."""

    worker: StandaloneWorker
    workdir: Path
    bootstrap_servers: str

    @property
    def ui_url(self) -> str:
        return self.worker.url + "/ui"

    def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """A REST call as ``alice``: the checks of what the console did go around it."""
        return self.worker.request(method, path, body)

    def create(self, name: str, config: dict[str, str]) -> None:
        code, body = self.rest("POST", "/connectors", {"name": name, "config": config})
        assert code == 201, f"creating {name!r}: expected 201, got {code} {body}"

    def state(self, name: str) -> str | None:
        code, body = self.rest("GET", f"/connectors/{quote(name, safe='')}/status")
        return body["connector"]["state"] if code == 200 else None

    def wait_state(self, name: str, state: str, timeout: float = 20) -> None:
        wait_for(lambda: self.state(name) == state, timeout, f"REST status of {name!r} {state}")

    def wait_task_state(self, name: str, state: str, timeout: float = 20) -> dict[str, Any]:
        def reached() -> dict[str, Any] | None:
            code, body = self.rest("GET", f"/connectors/{quote(name, safe='')}/status")
            tasks = body.get("tasks", []) if code == 200 else []
            return body if tasks and all(t["state"] == state for t in tasks) else None

        return wait_for(reached, timeout, f"every task of {name!r} {state}")

    def delete_all(self) -> None:
        code, names = self.rest("GET", "/connectors")
        assert code == 200, f"listing connectors: expected 200, got {code} {names}"
        for name in names:
            self.rest("DELETE", f"/connectors/{quote(name, safe='')}")
        wait_for(lambda: self.rest("GET", "/connectors")[1] == [], 20, "no connectors left")


def sign_in(
    page: Page, deployment: ConsoleDeployment, user: str = "alice", password: str | None = None
) -> None:
    """Open the console and sign in through its form (the API answers 401 until then)."""
    page.goto(deployment.ui_url)
    form = page.locator("#sign-in-form")
    form.wait_for(state="visible")
    form.get_by_label("User", exact=True).fill(user)
    form.get_by_label("Password", exact=True).fill(PASSWORDS[user] if password is None else password)
    form.get_by_role("button", name="Sign in").click()


def alice_headers() -> dict[str, str]:
    return basic("alice")
