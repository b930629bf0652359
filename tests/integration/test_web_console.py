"""The web console (``/ui``) driven in real headless Chromium (Debian's ``chromium``, through Playwright)
against a real standalone worker with REST authentication on: every test signs in through the
console's form first. What the console does is checked through the REST API.

Skips, saying why, without Playwright or a Chromium. Screenshots go to ``CONNECTD_TEST_ARTIFACTS`` (else
a pytest temporary directory); ``CONNECTD_UPDATE_README_SCREENSHOT=1`` also writes docs/img/console.png.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from services.security.passwd import set_password
from tests.integration.connect_modes import FAST_SETTINGS
from tests.integration.console_harness import (
    README_SCREENSHOT,
    README_SCREENSHOT_ENV,
    ConsoleDeployment,
    alice_headers,
    artifacts_dir,
    chromium_browser,
    sign_in,
)
from tests.integration.security_harness import PASSWORDS, ROLES, TEST_BCRYPT_ROUNDS
from tests.integration.standalone_harness import StandaloneWorker, append, create_topic, http_request

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.integration
expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
).expect

# Playwright's auto-waiting bound: state changes go through the worker and the console's 2 s refresh.
UI_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def console(
    browser: Browser, bootstrap_servers: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleDeployment]:
    """Started after the browser, so that a module without one skips before starting any process."""
    workdir = tmp_path_factory.mktemp("console")
    users = workdir / "users.properties"
    for user, password in PASSWORDS.items():
        set_password(users, user, password, ROLES[user], rounds=TEST_BCRYPT_ROUNDS)  # type: ignore[arg-type]
    extra = {**FAST_SETTINGS, "rest.auth.basic.credentials.file": str(users)}
    worker = StandaloneWorker(workdir, bootstrap_servers, extra, headers=alice_headers())
    try:
        worker.start()
        yield ConsoleDeployment(worker, workdir, bootstrap_servers)
    finally:
        if worker.process is not None and worker.process.poll() is None:
            worker.terminate()
        worker.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artifacts_dir(tmp_path_factory)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context per test: its own session storage, so every test signs in."""
    context = browser.new_context(viewport={"width": 1400, "height": 860})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
        assert not errors, f"expected no JavaScript errors in the console, saw: {errors}"
    finally:
        context.close()


def _row(page: Page, name: str) -> Locator:
    return page.locator("#connectors tbody tr").filter(has=page.get_by_role("button", name=name, exact=True))


def _file_source(console: ConsoleDeployment, name: str, topic: str) -> Path:
    source_file = console.workdir / f"{name}.txt"
    append(source_file, ["one", "two", "three"])
    create_topic(console.bootstrap_servers, topic)
    console.create(name, {"connector.class": "FileStreamSource", "file": str(source_file), "topic": topic})
    return source_file


def test_console_files_are_served_without_credentials_and_locked_down(console: ConsoleDeployment) -> None:
    """The files hold no data (the API calls do, and need credentials): a browser can load the sign-in
    form. They carry a CSP allowing same-origin code and fetches only."""
    for path in ("/ui", "/ui/", "/ui/console.js", "/ui/console.css"):
        code, headers, _ = _raw(console, path)
        assert code == 200, f"GET {path} without credentials: expected 200, got {code}"
        csp = headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, f"GET {path}: CSP {csp!r}"
    code, _, _ = _raw(console, "/ui/no-such-file.js")
    assert code == 404, f"GET /ui/no-such-file.js: expected 404, got {code}"
    code, _ = http_request(console.worker.url, "GET", "/connectors")
    assert code == 401, f"GET /connectors without credentials: expected 401, got {code}"


def _raw(console: ConsoleDeployment, path: str) -> tuple[int, dict[str, str], bytes]:
    """A GET with no credentials at all (the harness' requests carry alice's)."""
    try:
        with urllib.request.urlopen(console.worker.url + path, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def test_sign_in_refuses_wrong_credentials_then_lists(page: Page, console: ConsoleDeployment) -> None:
    sign_in(page, console, "alice", "not-the-password")
    expect(page.locator("#sign-in-error")).to_have_text("Those credentials were refused.")
    expect(page.locator("#main")).to_be_hidden()
    sign_in(page, console)
    expect(page.locator("#sign-in")).to_be_hidden()
    expect(page.locator("#list-panel")).to_be_visible()
    expect(page.locator("#worker-info")).to_contain_text("Kafka Connect")


def test_list_open_pause_resume_stop_restart(
    page: Page, console: ConsoleDeployment, unique_name: str
) -> None:
    name, topic = f"{unique_name}-src", f"{unique_name}-data"
    source_file = _file_source(console, name, topic)
    console.wait_task_state(name, "RUNNING")
    sign_in(page, console)

    row = _row(page, name)
    expect(row.locator(".connector-state")).to_have_text("RUNNING")
    expect(row.locator(".tasks")).to_contain_text(re.compile(r"0\s*RUNNING\s*@ 127\.0\.0\.1:\d+"))
    expect(row.locator("td").nth(1)).to_have_text("source")
    # Live rates from /metrics: a number once two scrapes have been taken.
    expect(row.locator(".rate")).to_have_text(re.compile(r"^\d"), timeout=15_000)

    row.get_by_role("button", name=name, exact=True).click()
    detail = page.locator("#detail")
    expect(detail.locator("#detail-name")).to_have_text(name)
    expect(detail.locator('#config tr[data-key="file"] td')).to_have_text(str(source_file))
    expect(detail.locator('#config tr[data-key="topic"] td')).to_have_text(topic)
    expect(detail.locator("#topics")).to_contain_text(topic)  # the source wrote its three lines there

    for action, state in (
        ("pause", "PAUSED"),
        ("resume", "RUNNING"),
        ("stop", "STOPPED"),
        ("resume", "RUNNING"),
    ):
        detail.locator(f'button[data-action="{action}"]').click()
        console.wait_state(name, state)
        expect(row.locator(".connector-state")).to_have_text(state)
    console.wait_task_state(name, "RUNNING")

    detail.locator('button[data-action="restart"]').click()
    expect(page.locator("#notice")).to_contain_text(f"Restarting {name} and its tasks.")
    console.wait_task_state(name, "RUNNING")
    expect(row.locator(".tasks")).to_contain_text("RUNNING")


def test_create_through_the_form_after_a_validation_error(
    page: Page, console: ConsoleDeployment, unique_name: str, artifacts: Path
) -> None:
    name, topic = f"{unique_name}-sink", f"{unique_name}-data"
    out_file = console.workdir / f"{name}.out"
    sign_in(page, console)
    page.get_by_role("button", name="New connector").click()
    page.locator("#plugin").select_option("connectd.plugins.file_sink.FileStreamSinkConnector")
    form = page.locator("#create-form")
    expect(form.locator('.field[data-key="name"] label')).to_contain_text("*")  # required
    form.locator("#cfg-name").fill(name)
    form.locator("#cfg-file").fill(str(out_file))
    form.get_by_role("button", name="Validate and create").click()

    # No topics: validate's error is shown next to the field, and nothing is created.
    topics_field = form.locator('.field[data-key="topics"]')
    expect(topics_field.locator(".field-errors")).to_have_text("Must configure one of topics or topics.regex")
    expect(form.locator("#create-error")).to_contain_text("configuration error")
    page.screenshot(path=str(artifacts / "console-form-errors.png"), full_page=True)
    code, body = console.rest("GET", f"/connectors/{quote(name, safe='')}")
    assert code == 404, f"{name} after a failed validation: expected 404 (not created), got {code} {body}"

    form.locator("#cfg-topics").fill(topic)
    form.get_by_role("button", name="Validate and create").click()
    expect(page.locator("#detail-name")).to_have_text(name)
    code, config = console.rest("GET", f"/connectors/{quote(name, safe='')}/config")
    expected = {"connector.class": "connectd.plugins.file_sink.FileStreamSinkConnector", "name": name,
                "file": str(out_file), "topics": topic}  # fmt: skip
    assert code == 200 and config == expected, f"created config: expected {expected}, got {code} {config}"
    console.wait_task_state(name, "RUNNING")

    # Delete asks once more in the page, then is gone from the API and the list.
    delete = page.locator('#detail button[data-action="delete"]')
    delete.click()
    expect(delete).to_have_text("Really delete?")
    delete.click()
    expect(_row(page, name)).to_have_count(0)
    code, _ = console.rest("GET", f"/connectors/{quote(name, safe='')}")
    assert code == 404, f"{name} after Delete: expected 404, got {code}"


def test_names_and_configs_render_as_text(page: Page, console: ConsoleDeployment) -> None:
    name = '<img src=x onerror="window.__xss=1">'
    payload = '<script>window.__xss=2</script><b onmouseover="window.__xss=3">bold</b>'
    console.create(name, {"connector.class": "FileStreamSink", "topics": "xss-data", "file": payload})
    try:
        sign_in(page, console)
        button = page.get_by_role("button", name=name, exact=True)
        expect(button).to_have_text(name)
        button.click()
        expect(page.locator("#detail-name")).to_have_text(name)
        expect(page.locator('#config tr[data-key="file"] td')).to_have_text(payload)
        injected = page.locator("main img, main script, main b").count()
        assert injected == 0, (
            f"expected no element made from the connector's name or config, found {injected}"
        )
        assert page.evaluate("window.__xss") is None, "expected no script from a connector name to run"
    finally:
        console.rest("DELETE", f"/connectors/{quote(name, safe='')}")


def test_read_only_user_sees_the_refusal(page: Page, console: ConsoleDeployment, unique_name: str) -> None:
    name = f"{unique_name}-idle"
    console.create(name, {"connector.class": "lifecycle_plugins.IdleSourceConnector"})
    console.wait_state(name, "RUNNING")
    sign_in(page, console, "reader")
    page.get_by_role("button", name=name, exact=True).click()
    page.locator('#detail button[data-action="pause"]').click()
    expect(page.locator("#notice")).to_contain_text("has role read-only, which does not allow PUT")
    assert console.state(name) == "RUNNING", f"{name} after a read-only Pause: expected RUNNING"
    console.rest("DELETE", f"/connectors/{quote(name, safe='')}")


def _scrape(a0: int, a1: int, b0: int) -> str:
    """A /metrics text: connector ``a`` with two source tasks, a sink whose name needs escaping
    (``b "q" \\ x``), a timestamp, comments and a metric the console ignores."""
    write = "kafka_connect_source_task_metrics_source_record_write_total"
    read = "kafka_connect_sink_task_metrics_sink_record_read_total"
    return "\n".join(
        [
            f"# HELP {write} Records written.",
            f"# TYPE {write} counter",
            f'{write}{{connector="a",task="0",worker="h:1"}} {a0}',
            f'{write}{{connector="a",task="1",worker="h:2"}} {a1} 1700000000000',
            f'{read}{{worker="h:1", connector="b \\"q\\" \\\\ x",task="0"}} {b0}',
            'other_metric{connector="a"} 99',
            "",
        ]
    )


def test_rates_from_prometheus_text(page: Page, console: ConsoleDeployment) -> None:
    """The console's /metrics parser and rate arithmetic, run in the browser on successive scrapes."""
    sign_in(page, console)
    result = page.evaluate(
        r"""async (scrapes) => {
          const { RateTracker, parsePrometheus } = await import("/ui/metrics.js");
          const tracker = new RateTracker();
          tracker.update(scrapes[0], 1000);
          const first = tracker.format("a");
          tracker.update(scrapes[1], 3000);
          const b = tracker.format('b "q" \\ x');
          const rates = { a: tracker.format("a"), b, none: tracker.format("c") };
          const labels = parsePrometheus(scrapes[1])[2].labels;
          const empty = tracker.update("# nothing here\n", 4000);
          return { first, ...rates, labels, empty, after: tracker.format("a") };
        }""",
        # Task 1 of ``a`` restarted between the scrapes: its counter went down, and counts from zero.
        [_scrape(100, 50, 7), _scrape(300, 10, 27)],
    )
    expected = {
        "first": "—",  # one scrape: no rate yet
        "a": "105",  # (200 + 10) / 2 s
        "b": "10.0",  # 20 / 2 s
        "none": "—",
        "labels": {"worker": "h:1", "connector": 'b "q" \\ x', "task": "0"},
        "empty": False,  # no counters any more: rates are unknown again
        "after": "—",
    }
    assert result == expected, f"rates: expected {expected}, got {result}"


def test_failed_task_trace_and_screenshot(
    page: Page, console: ConsoleDeployment, unique_name: str, artifacts: Path
) -> None:
    """A FAILED task's trace in the detail; the screenshot of the whole console (the README's)."""
    console.delete_all()
    topic = f"{unique_name}-data"
    _file_source(console, "local-file-source", topic)
    console.create(
        "local-file-sink",
        {"connector.class": "FileStreamSink", "file": str(console.workdir / "sink.out"), "topics": topic},
    )
    console.create("flaky-source", {"connector.class": "failing_plugins.FailingSourceConnector"})
    console.wait_task_state("flaky-source", "FAILED")
    console.wait_task_state("local-file-sink", "RUNNING")
    sign_in(page, console)
    expect(page.locator("#connectors tbody tr")).to_have_count(3)
    _row(page, "flaky-source").get_by_role("button", name="flaky-source", exact=True).click()
    trace = page.locator('#detail tr[data-instance="task 0"] pre')
    expect(trace).to_contain_text("RuntimeError: boom: this task fails on purpose")
    expect(_row(page, "flaky-source").locator(".tasks")).to_contain_text("FAILED")
    # Rates need two scrapes of /metrics (every 3 s) after signing in.
    expect(page.locator("#metrics-state")).to_have_text("rates from /metrics", timeout=15_000)
    expect(_row(page, "local-file-sink").locator(".rate")).to_have_text(re.compile(r"^\d"), timeout=15_000)

    screenshot = artifacts / "console.png"
    page.screenshot(path=str(screenshot))
    print(f"web console screenshot: {screenshot}")
    if os.environ.get(README_SCREENSHOT_ENV) == "1":
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        README_SCREENSHOT.write_bytes(screenshot.read_bytes())
        print(f"README screenshot updated: {README_SCREENSHOT}")
    console.delete_all()
