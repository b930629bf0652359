"""Config definitions: parsing, validation, and Connect's JSON entity shapes."""

from __future__ import annotations

import pytest

from connectd.api import (
    ConfigDef,
    ConfigError,
    ConfigType,
    Importance,
    MissingConfigError,
    Range,
    ValidString,
    Width,
)


def definition() -> ConfigDef:
    return (
        ConfigDef()
        .define("file", ConfigType.STRING, None, importance=Importance.HIGH, documentation="Input file")
        .define("topic", ConfigType.STRING, importance=Importance.HIGH, group="Common", order_in_group=1)
        .define("batch.size", ConfigType.INT, 2000, validator=Range.at_least(1), width=Width.SHORT)
        .define("enabled", ConfigType.BOOLEAN, True)
        .define("topics", ConfigType.LIST, [])
        .define("secret", ConfigType.PASSWORD, None)
        .define("mode", ConfigType.STRING, "a", validator=ValidString("a", "b"))
    )


def test_parse_types_and_defaults() -> None:
    parsed = definition().parse({"topic": "t", "batch.size": " 10 ", "enabled": "FALSE", "topics": "a, b"})
    assert parsed == {
        "file": None,
        "topic": "t",
        "batch.size": 10,
        "enabled": False,
        "topics": ["a", "b"],
        "secret": None,
        "mode": "a",
    }


def test_parse_errors_name_the_key() -> None:
    with pytest.raises(
        MissingConfigError, match='Missing required configuration "topic" which has no default value.'
    ):
        definition().parse({})
    with pytest.raises(
        ConfigError, match="Invalid value abc for configuration batch.size: Not a number of type INT"
    ):
        definition().parse({"topic": "t", "batch.size": "abc"})
    with pytest.raises(
        ConfigError, match="Invalid value 0 for configuration batch.size: Value must be at least 1"
    ):
        definition().parse({"topic": "t", "batch.size": "0"})


def test_key_info_has_connect_shape() -> None:
    info = definition().keys["batch.size"].to_info()
    assert info == {
        "name": "batch.size",
        "type": "INT",
        "required": False,
        "default_value": "2000",
        "importance": "MEDIUM",
        "documentation": "",
        "group": None,
        "order": -1,
        "width": "SHORT",
        "display_name": "batch.size",
        "dependents": [],
    }
    assert definition().keys["topic"].to_info()["required"] is True
    assert definition().keys["topic"].to_info()["default_value"] is None


def test_validate_collects_every_error_and_masks_passwords() -> None:
    results = definition().validate({"batch.size": "x", "secret": "hunter2", "mode": "c", "file": None})
    infos = {name: value.to_info() for name, value in results.items()}
    assert infos["topic"]["errors"] == ['Missing required configuration "topic" which has no default value.']
    assert infos["batch.size"]["errors"] == [
        "Invalid value x for configuration batch.size: Not a number of type INT"
    ]
    assert infos["mode"]["errors"] == ["Invalid value c for configuration mode: String must be one of: a, b"]
    assert infos["file"]["errors"] == ["Null value can not be supplied as the configuration value."]
    assert infos["secret"] == {
        "name": "secret",
        "value": "[hidden]",
        "recommended_values": [],
        "errors": [],
        "visible": True,
    }
    assert infos["enabled"]["value"] == "true"


def test_recommender_sets_recommended_values_and_visibility() -> None:
    class Modes:
        def valid_values(self, name: str, parsed: dict) -> list[str]:
            return ["x", "y"]

        def visible(self, name: str, parsed: dict) -> bool:
            return parsed.get("enabled") is True

    d = (
        ConfigDef()
        .define("enabled", ConfigType.BOOLEAN, False)
        .define("m", ConfigType.STRING, "x", recommender=Modes())
    )
    info = d.validate({"enabled": "false"})["m"].to_info()
    assert info["recommended_values"] == ["x", "y"] and info["visible"] is False
