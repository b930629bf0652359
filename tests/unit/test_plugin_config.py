"""``GET /connector-plugins/{plugin}/config`` core: version requirements, lookup order, key lists."""

from __future__ import annotations

import pytest

from connectd.errors import BadRequestError, NotFoundError
from connectd.plugins.registry import PluginRegistry
from connectd.plugins.version_range import InvalidVersionSpecError, Version, version_requirement
from connectd.runtime import connector_config as cc
from connectd.runtime.plugin_config import plugin_config_keys


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


@pytest.mark.parametrize(
    ("spec", "version", "contained"),
    [
        ("1.2.3", "1.2.3", True),
        ("1.2", "1.2.0", True),
        ("1.2.3", "1.2.4", False),
        ("[1.0,2.0)", "1.9.9", True),
        ("[1.0,2.0)", "2.0", False),
        ("(1.0,2.0]", "1.0", False),
        ("[1.0,)", "10.0", True),
        ("(,1.0]", "1.0-rc1", True),
        ("[1.0,1.2],[1.5,)", "1.3", False),
        ("[1.0,1.2],[1.5,)", "1.6", True),
        ("[1.0]", "1.0", True),
    ],
)
def test_version_ranges(spec: str, version: str, contained: bool) -> None:
    wanted = version_requirement(spec)
    assert wanted is not None
    assert wanted.contains(version) is contained, f"{spec} contains {version}: expected {contained}"


@pytest.mark.parametrize("spec", ["[1.0", "(1.0)", "[2.0,1.0]", "[1.0,2.0),[1.5,3.0]", "1.0]", "[1.0]x"])
def test_malformed_version_specs(spec: str) -> None:
    with pytest.raises(InvalidVersionSpecError):
        version_requirement(spec)


def test_latest_and_rendering() -> None:
    assert version_requirement(None) is None and version_requirement("latest") is None
    assert str(version_requirement("1.2.3")) == "[1.2.3,1.2.3]"
    assert str(version_requirement("[1.0, 2.0)")) == "[1.0,2.0)"
    assert Version("1.0-alpha") < Version("1.0-rc1") < Version("1.0") < Version("1.0-sp1") < Version("1.0.1")


def test_connector_keys_are_the_plugins_then_the_frameworks(registry: PluginRegistry) -> None:
    names = [k["name"] for k in plugin_config_keys(registry, "FileStreamSink")]
    assert names[0] == "file", names
    assert names[1:] == list(cc.SINK_DEF.keys), names
    source = [k["name"] for k in plugin_config_keys(registry, "FileStreamSourceConnector")]
    assert source[:3] == ["file", "topic", "batch.size"] and "topic.creation.groups" in source, source


def test_converter_keys_are_its_own(registry: PluginRegistry) -> None:
    keys = plugin_config_keys(registry, "org.apache.kafka.connect.json.JsonConverter")
    assert "schemas.enable" in [k["name"] for k in keys] and "name" not in [k["name"] for k in keys], keys
    assert set(keys[0]) == {
        "name", "type", "required", "default_value", "importance", "documentation", "group", "order",
        "width", "display_name", "dependents",
    }  # fmt: skip


def test_unknown_plugin_and_non_plugin_class(registry: PluginRegistry) -> None:
    with pytest.raises(NotFoundError, match=r"^Unknown plugin NoSuchThing\.$"):
        plugin_config_keys(registry, "NoSuchThing")
    with pytest.raises(
        BadRequestError,
        match=r"^Invalid plugin class connectd\.plugins\.registry\.PluginRegistry\. Valid types are "
        r"sink, source, converter, header_converter, transformation, predicate\.$",
    ):
        plugin_config_keys(registry, "connectd.plugins.registry.PluginRegistry")


def test_version_checks_come_first_and_name_what_is_installed(registry: PluginRegistry) -> None:
    with pytest.raises(BadRequestError, match=r"^Invalid version specification: \[1\.0$"):
        plugin_config_keys(registry, "NoSuchThing", "[1.0")
    installed = registry.find("FileStreamSink")
    assert installed is not None
    assert plugin_config_keys(registry, "FileStreamSink", installed.version)
    assert plugin_config_keys(registry, "FileStreamSink", "latest")
    with pytest.raises(BadRequestError) as info:
        plugin_config_keys(registry, "FileStreamSink", "0.0.1")
    assert str(info.value) == (
        f"Plugin {installed.class_name} not found that matches the version range [0.0.1,0.0.1], "
        f"available versions: [{installed.version}]"
    )
