"""Writes the key tables of the connector pages from the connectors' own ConfigDefs, so a page cannot
drift from the code: ``python docs/connectors/generate.py`` rewrites them, ``--check`` fails (exit 1)
naming each stale page. The table sits between the markers ``<!-- keys:begin -->`` and
``<!-- keys:end -->`` of each page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from connectd.api import ConfigDef
from connectd.api.config import NO_DEFAULT, render_value
from connectd.plugins.postgres.sink_config import sink_config_def
from connectd.plugins.postgres.source_config import source_config_def

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- keys:begin -->", "<!-- keys:end -->"
PAGES = {"postgres-source.md": source_config_def, "postgres-sink.md": sink_config_def}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def key_table(definition: ConfigDef) -> str:
    lines = ["| key | type | default | importance | meaning |", "|---|---|---|---|---|"]
    for key in definition.keys.values():
        if key.default is NO_DEFAULT:
            default = "*required*"
        elif key.default is None:
            default = "null"
        else:
            shown = render_value(key.type, key.default)
            default = f'`"{shown}"`' if shown == "" else f"`{shown}`"
        lines.append(
            f"| `{key.name}` | {key.type.value} | {default} | {key.importance.value.lower()} | "
            f"{_cell(key.documentation)} |"
        )
    return "\n".join(lines)


def rendered(page: Path, definition: ConfigDef) -> str:
    text = page.read_text(encoding="utf-8")
    head, begin, rest = text.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"{page}: no {BEGIN} ... {END} markers")
    return f"{head}{BEGIN}\n{key_table(definition)}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a page is not current")
    args = parser.parse_args(argv)
    stale = []
    for name, factory in PAGES.items():
        page = HERE / name
        text = rendered(page, factory())
        if page.read_text(encoding="utf-8") != text:
            if args.check:
                stale.append(name)
            else:
                page.write_text(text, encoding="utf-8")
                print(f"wrote {page}")
    if stale:
        print(
            f"stale key tables in {', '.join(stale)}: run python docs/connectors/generate.py", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
