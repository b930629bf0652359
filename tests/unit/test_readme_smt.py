"""The custom SMT the README shows is one file in a plugin.path directory, and it works as shown."""

from __future__ import annotations

import re
from pathlib import Path

from connectd.api import SinkRecord
from connectd.plugins.registry import PluginRegistry
from connectd.runtime.pipeline.transformation_chain import build_chain

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_smt_runs_from_a_plugin_path_directory(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    source = next((b for b in blocks if "(Transformation)" in b), None)
    assert source is not None, "expected a python block with a Transformation subclass in the README"
    (tmp_path / "readme_uppercase.py").write_text(source)
    registry = PluginRegistry.discover([str(tmp_path)])
    plugin = registry.find("Uppercase")
    assert plugin is not None and plugin.type == "transformation", plugin
    assert "readme_uppercase.Uppercase" in [p.class_name for p in registry.plugins(("transformation",))]
    chain = build_chain(
        {"transforms": "up", "transforms.up.type": "Uppercase", "transforms.up.suffix": "!"}, registry
    )
    record = SinkRecord("t", 0, 0, "hello")
    out = chain.apply(record, lambda stage, operation, argument: operation(argument))
    assert out is not None and out.value == "HELLO!" and record.value == "hello", out
