"""The web console's static files (gateway/ui): what a browser test would only find late or not at all.
The console itself is driven in Chromium by tests/integration/test_web_console.py."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from gateway.console import UI_DIR, UI_PATH

REPO_ROOT = Path(__file__).resolve().parents[2]
# Ways to turn a string into markup: data (connector names, configs) must only ever become text.
MARKUP_SINKS = re.compile(
    r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment)\b"
)
MAX_LINES = 600


def _files(suffix: str) -> list[Path]:
    return sorted(UI_DIR.glob(f"*{suffix}"))


def test_scripts_never_render_markup_from_strings() -> None:
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in _files(".js")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if MARKUP_SINKS.search(line) and not line.lstrip().startswith("//")  # comments may name them
    ]
    assert not found, f"expected every value rendered as text (dom.js h/fill), found markup sinks: {found}"


def test_modules_stay_small() -> None:
    long = {p.name: n for p in UI_DIR.iterdir() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"expected every console file under {MAX_LINES} lines, got {long}"


def test_every_referenced_file_exists() -> None:
    index = (UI_DIR / "index.html").read_text()
    referenced = set(re.findall(rf'(?:src|href)="{UI_PATH}/([^"]+)"', index))
    for script in _files(".js"):
        referenced |= set(re.findall(r'from "\./([^"]+)"', script.read_text()))
    missing = sorted(name for name in referenced if not (UI_DIR / name).is_file())
    assert referenced and not missing, (
        f"expected every file the console loads in gateway/ui, missing {missing}"
    )


def test_package_data_ships_every_file() -> None:
    """A non-editable install has only what package-data lists (gateway/ui is no Python package)."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["gateway"]
    unshipped = [
        p.name for p in UI_DIR.iterdir() if not any(fnmatch(f"ui/{p.name}", pattern) for pattern in patterns)
    ]
    assert not unshipped, f"expected package-data {patterns} to cover every console file, not {unshipped}"
