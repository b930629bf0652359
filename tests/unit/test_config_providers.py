"""Config providers (KIP-297/KIP-421/KIP-993) and the placeholder resolver, with Kafka's rules."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from connectd.api import (
    ConfigDef,
    ConfigError,
    ConfigProvider,
    ConfigType,
    ConnectError,
    SinkConnector,
    SinkTask,
)
from connectd.config import ConfigFileError, WorkerConfig
from connectd.plugins.config_providers import (
    DirectoryConfigProvider,
    EnvVarConfigProvider,
    FileConfigProvider,
)
from connectd.runtime.config_providers import (
    PLACEHOLDER,
    ConfigProviders,
    UnresolvedConfigError,
    provider_class,
    reverse_transform,
)
from connectd.runtime.log_scrubbing import ResolvedValueFilter

KAFKA = "org.apache.kafka.common.config.provider."


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    """``tmp/secrets/db.properties`` (password, user) and ``tmp/secrets/dir/token``; ``tmp/outside``."""
    directory = tmp_path / "secrets"
    (directory / "dir").mkdir(parents=True)
    (directory / "db.properties").write_text("password=s3cr3t-value\nuser = alice\n")
    (directory / "dir" / "token").write_text("tok-123456\n")
    (tmp_path / "outside.properties").write_text("password=outside-value\n")
    return directory


def providers(props: dict[str, str]) -> ConfigProviders:
    return ConfigProviders.from_worker_config(props)


def file_and_dir(allowed: str | None) -> ConfigProviders:
    props = {
        "config.providers": "file,dir",
        "config.providers.file.class": KAFKA + "FileConfigProvider",
        "config.providers.dir.class": KAFKA + "DirectoryConfigProvider",
    }
    if allowed is not None:
        props["config.providers.file.param.allowed.paths"] = allowed
        props["config.providers.dir.param.allowed.paths"] = allowed
    return providers(props)


def test_kafka_pattern_reads_provider_path_and_key() -> None:
    def parts(text: str) -> tuple[str, str, str]:
        match = PLACEHOLDER.search(text)
        assert match is not None, text
        return match.group(1), match.group(3) or "", match.group(4)

    assert parts("${file:/a/b.properties:key}") == ("file", "/a/b.properties", "key")
    assert parts("${env:HOME}") == ("env", "", "HOME")
    assert parts("${env::HOME}") == ("env", "", "HOME")
    assert PLACEHOLDER.search("${topic}-${timestamp}") is None  # TimestampRouter's format is no placeholder


@pytest.mark.parametrize(
    "name",
    [KAFKA + "FileConfigProvider", "FileConfigProvider", "File", "file",
     "connectd.plugins.config_providers.FileConfigProvider"],
)  # fmt: skip
def test_class_names_kafkas_short_and_ours(name: str) -> None:
    assert provider_class("k", name) is FileConfigProvider


def test_a_third_party_provider_by_import_path() -> None:
    assert provider_class("k", f"{__name__}.Constant") is Constant
    with pytest.raises(ConfigError, match="Class nope.Nope could not be found"):
        provider_class("config.providers.x.class", "nope.Nope")


class Constant(ConfigProvider):
    def get(self, path: str, keys: object) -> dict[str, str]:
        return {"k": f"constant:{path}"}


def test_file_provider_resolves_keys_and_keeps_the_rest(secrets: Path) -> None:
    db = secrets / "db.properties"
    config = {
        "user": f"${{file:{db}:user}}",
        "url": f"jdbc://h/db?password=${{file:{db}:password}}",
        "n": "1",
    }
    resolution = file_and_dir(None).resolve(config)
    assert resolution.check("Cannot start task x-0") == {
        "user": "alice",
        "url": "jdbc://h/db?password=s3cr3t-value",
        "n": "1",
    }
    assert resolution.placeholder_keys == {"user", "url"}


def test_directory_provider_reads_a_whole_file_and_never_a_path(secrets: Path) -> None:
    resolution = file_and_dir(None).resolve(
        {
            "token": f"${{dir:{secrets / 'dir'}:token}}",
            "escape": f"${{dir:{secrets / 'dir'}:../db.properties}}",
        }
    )
    assert resolution.values["token"] == "tok-123456\n"  # unstripped, as Kafka reads it
    assert resolution.errors == {
        "escape": [
            f"config key 'escape' refers to ${{dir:{secrets / 'dir'}:../db.properties}}, which config "
            f"provider 'dir' could not resolve: no key '../db.properties' at {secrets / 'dir'}"
        ]
    }


def test_allowed_paths_refuse_a_path_outside_even_through_dot_dot(secrets: Path) -> None:
    resolver = file_and_dir(str(secrets))
    inside = resolver.resolve({"p": f"${{file:{secrets / 'db.properties'}:password}}"})
    assert inside.check("Cannot start task x-0") == {"p": "s3cr3t-value"}
    sneaky = f"{secrets}/../outside.properties"
    refused = resolver.resolve({"p": f"${{file:{sneaky}:password}}"})
    assert refused.values["p"] == f"${{file:{sneaky}:password}}", "a refused placeholder stays as written"
    with pytest.raises(UnresolvedConfigError) as error:
        refused.check("Cannot start task x-0")
    message = str(error.value)
    assert f"the path {sneaky} is not allowed (allowed.paths={secrets})" in message, message
    assert "outside-value" not in message


def test_allowed_paths_refuse_a_symlink_leading_out(secrets: Path) -> None:
    (secrets / "link.properties").symlink_to(secrets.parent / "outside.properties")
    resolution = file_and_dir(str(secrets)).resolve(
        {"p": f"${{file:{secrets / 'link.properties'}:password}}"}
    )
    assert "is not allowed" in str(resolution.errors["p"]), resolution.errors


def test_allowed_paths_must_be_absolute_and_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Path relative is not absolute"):
        file_and_dir("relative")
    with pytest.raises(ConfigError, match=f"Path {tmp_path}/missing does not exist") as error:
        file_and_dir(f"{tmp_path}/missing")
    assert error.value.name == "config.providers.file.param.allowed.paths"


def test_env_provider_allowlist_must_match_the_whole_name() -> None:
    env = EnvVarConfigProvider({"APP_TOKEN": "token-value", "APP_TOKEN_OLD": "old-value", "HOME": "/home/x"})
    env.configure({"allowlist.pattern": "APP_TOKEN"})
    assert env.get("", {"APP_TOKEN", "APP_TOKEN_OLD", "HOME"}) == {"APP_TOKEN": "token-value"}
    with pytest.raises(Exception, match="Path is not supported for EnvVarConfigProvider, invalid value '/x'"):
        env.get("/x", {"APP_TOKEN"})


def test_env_placeholder_with_and_without_the_empty_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNECTD_UNIT_SECRET", "from-the-environment")
    resolver = providers({"config.providers": "env", "config.providers.env.class": "EnvVarConfigProvider"})
    resolution = resolver.resolve({"a": "${env:CONNECTD_UNIT_SECRET}", "b": "${env::CONNECTD_UNIT_SECRET}"})
    assert resolution.check("Cannot start connector x") == {
        "a": "from-the-environment",
        "b": "from-the-environment",
    }


def test_unknown_provider_and_missing_key_name_the_key_and_placeholder(secrets: Path) -> None:
    db = secrets / "db.properties"
    resolution = file_and_dir(None).resolve({"a": "${vault:db:password}", "b": f"${{file:{db}:nope}}"})
    assert resolution.unknown_providers == {
        "a": [
            "config key 'a' refers to ${vault:db:password}, but no config provider named 'vault' is "
            "configured (config.providers: file,dir)"
        ]
    }
    with pytest.raises(UnresolvedConfigError) as error:
        resolution.check("Cannot start task x-0")
    message = str(error.value)
    assert message.startswith("Cannot start task x-0: "), message
    assert f"config key 'b' refers to ${{file:{db}:nope}}, which config provider 'file' could not " \
        f"resolve: no key 'nope' at {db}" in message, message  # fmt: skip


def test_with_no_providers_every_placeholder_is_unknown() -> None:
    resolution = ConfigProviders().resolve({"file": "${file:/x:y}", "plain": "$1 ${topic}"})
    assert list(resolution.errors) == ["file"] and resolution.values["plain"] == "$1 ${topic}"


def test_task_configs_get_their_placeholders_back(secrets: Path) -> None:
    db = secrets / "db.properties"
    raw = {"password": f"${{file:{db}:password}}", "user": f"${{file:{db}:user}}", "topic": "t"}
    resolution = file_and_dir(None).resolve(raw)
    resolved = resolution.check("Cannot start connector x")
    generated = [{**resolved, "copy": resolved["password"], "task.class": "T"}]
    stored = reverse_transform(raw, resolution, generated, secret_keys={"password"})
    assert stored == [{**raw, "copy": raw["password"], "task.class": "T"}]
    # Kafka's rule alone (no PASSWORD keys known): only keys of the connector config get them back.
    assert reverse_transform(raw, resolution, generated)[0]["copy"] == "s3cr3t-value"


def test_worker_config_placeholders_resolve_at_startup(secrets: Path) -> None:
    db = secrets / "db.properties"
    config = WorkerConfig(
        {
            "config.providers": "file",
            "config.providers.file.class": KAFKA + "FileConfigProvider",
            "config.providers.file.param.allowed.paths": str(secrets),
            "producer.sasl.password": f"${{file:{db}:password}}",
        }
    )
    assert config.with_prefix("producer.") == {"sasl.password": "s3cr3t-value"}
    assert config.raw_originals["producer.sasl.password"] == f"${{file:{db}:password}}"
    assert config.with_bootstrap("h:9092").with_prefix("producer.") == {"sasl.password": "s3cr3t-value"}
    with pytest.raises(ConfigFileError, match=r"worker config: config key 'x' refers to \$\{file:/nope:k\}"):
        WorkerConfig({**config.raw_originals, "x": "${file:/nope:k}"})
    # Kafka resolves nothing when no provider is configured.
    assert WorkerConfig({"x": "${file:/nope:k}"}).originals["x"] == "${file:/nope:k}"


def test_worker_config_refuses_unknown_provider_classes() -> None:
    with pytest.raises(ConfigFileError, match="config.providers.v.class"):
        WorkerConfig({"config.providers": "v", "config.providers.v.class": "com.example.VaultConfigProvider"})


def test_resolved_values_are_logged_as_placeholders(secrets: Path) -> None:
    # A value of its own: the log filter remembers the first placeholder each value came from.
    (secrets / "log.properties").write_text("password=logged-secret-value\n")
    placeholder = f"${{file:{secrets / 'log.properties'}:password}}"
    file_and_dir(None).resolve({"p": placeholder})
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "connecting with %s", ("logged-secret-value",), None
    )
    try:
        raise ValueError("bad password logged-secret-value")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert ResolvedValueFilter().filter(record)
    assert record.getMessage() == f"connecting with {placeholder}"
    assert record.exc_text is not None and "logged-secret-value" not in record.exc_text, record.exc_text
    assert placeholder in record.exc_text, record.exc_text


def test_built_in_providers_must_be_configured_first() -> None:
    for cls in (FileConfigProvider, DirectoryConfigProvider):
        with pytest.raises(Exception, match="not been configured"):
            cls().get("/x", {"k"})
    assert os.environ  # the env provider snapshots the environment in its constructor


def test_validation_resolves_on_the_worker_and_shows_the_config_as_written(secrets: Path) -> None:
    from connectd.api import ConfigDef, ConfigType, SinkConnector
    from connectd.plugins.registry import PluginRegistry
    from connectd.runtime.validation import ConnectorConfigValidator

    class DbSink(SinkConnector):
        def config_def(self) -> ConfigDef:
            return (
                ConfigDef()
                .define("port", ConfigType.INT)
                .define("password", ConfigType.PASSWORD)
                .define("user", ConfigType.STRING, validator=_no_alice)
            )

        def start(self, config: object) -> None: ...
        def task_class(self) -> type: ...  # type: ignore[override]
        def task_configs(self, max_tasks: int) -> list[dict[str, str]]: ...  # type: ignore[empty-body]
        def stop(self) -> None: ...

    (secrets / "db2.properties").write_text("port=5432\npassword=validate-secret\nuser=alice-the-admin\n")
    db = secrets / "db2.properties"
    registry = PluginRegistry()
    registry.register(DbSink)
    config = {
        "connector.class": "DbSink", "name": "d", "topics": "t",
        "port": f"${{file:{db}:port}}", "password": f"${{file:{db}:password}}",
        "user": f"${{file:{db}:user}}",
        "other": "${vault:x:y}",
    }  # fmt: skip
    infos = ConnectorConfigValidator(registry, config_providers=file_and_dir(None)).validate(config)
    by_name = {c["value"]["name"]: c["value"] for c in infos["configs"]}
    assert by_name["port"] == {**by_name["port"], "value": config["port"], "errors": []}, (
        "5432 validated as INT"
    )
    assert by_name["password"]["value"] == "[hidden]"
    assert by_name["user"]["value"] == config["user"]
    assert by_name["user"]["errors"] == [
        f"Invalid value {config['user']} for configuration user: no admins"
    ], "the resolved value quoted in a message is shown as its placeholder"
    assert by_name["other"]["errors"] == [
        "config key 'other' refers to ${vault:x:y}, but no config provider named 'vault' is configured "
        "(config.providers: file,dir)"
    ]
    assert "validate-secret" not in str(infos) and "alice-the-admin" not in str(infos)


def _no_alice(name: str, value: object) -> None:
    if value is not None and "admin" in str(value):
        raise ConfigError(name, value, "no admins")


class LeakyTask(SinkTask):
    """Fails to start with a message quoting its password, as careless plugins do."""

    def start(self, config: Mapping[str, str]) -> None:
        logging.getLogger("leaky").warning("logging in with %s", config["password"])
        raise ConnectError(f"cannot log in with {config['password']}")

    def put(self, records: list[Any]) -> None: ...
    def stop(self) -> None: ...


class LeakySink(SinkConnector):
    def config_def(self) -> ConfigDef:
        return ConfigDef().define("password", ConfigType.PASSWORD)

    def start(self, config: Mapping[str, str]) -> None: ...
    def task_class(self) -> type[LeakyTask]:
        return LeakyTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]: ...  # type: ignore[empty-body]
    def stop(self) -> None: ...


@pytest.mark.parametrize("written", ["clear-text-password", "${file:SECRETS:password}"])
def test_a_password_quoted_by_a_failing_task_is_hidden_in_its_trace(
    secrets: Path, written: str, caplog: pytest.LogCaptureFixture
) -> None:
    from connectd.plugins.registry import PluginRegistry
    from connectd.runtime.model import State, TaskId
    from connectd.runtime.status import MemoryStatusStore
    from connectd.runtime.worker import Worker

    # A value of its own: the log filter remembers the first placeholder each value came from.
    (secrets / "leaky.properties").write_text("password=leaky-secret-value\n")
    written = written.replace("SECRETS", str(secrets / "leaky.properties"))
    registry = PluginRegistry.discover()
    registry.register(LeakySink)
    statuses = MemoryStatusStore()
    props = {
        "config.providers": "file",
        "config.providers.file.class": "FileConfigProvider",
        "consumer.session.timeout.ms": "1000",
    }
    worker = Worker("w1", WorkerConfig(props), registry, None, statuses)  # type: ignore[arg-type]
    connector = {"connector.class": "LeakySink", "name": "l", "topics": "t", "password": written}
    handler_filter = ResolvedValueFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        worker.start_task(TaskId("l", 0), connector, {**connector, "task.class": f"{__name__}.LeakyTask"})

        def failed() -> Any:
            state = statuses.get_tasks("l").get(0)
            return state if state is not None and state.state is State.FAILED else None

        deadline = time.monotonic() + 30
        while not failed() and time.monotonic() < deadline:
            time.sleep(0.05)
        state = failed()
        assert state is not None, f"expected task l-0 FAILED, saw {statuses.get_tasks('l')}"
    finally:
        worker.stop()
        caplog.handler.removeFilter(handler_filter)
    shown = "[hidden]" if written.startswith("clear") else written
    assert f"cannot log in with {shown}" in state.trace, state.trace
    for secret in ("clear-text-password", "leaky-secret-value"):
        assert secret not in state.trace, f"{secret} leaked into the trace: {state.trace}"
        assert secret not in caplog.text, f"{secret} leaked into the log: {caplog.text}"
    assert f"logging in with {shown}" in caplog.text, caplog.text
