"""Which Kafka client settings a connector config may override (``producer.override.*``,
``consumer.override.*``, ``admin.override.*``), and which it never may.

The policy is Kafka's ``connector.client.config.override.policy``: ``None`` refuses every override,
``Principal`` allows what sets the client's identity, ``All`` (Kafka's default since 3.0) allows the
rest, with Kafka's message: "The 'None' policy does not allow 'acks' to be overridden in the connector
configuration." Principal allows Kafka's three keys (``sasl.jaas.config``, ``sasl.mechanism``,
``security.protocol``) and the librdkafka keys that carry what ``sasl.jaas.config`` carries for a Java
client (user name and password, Kerberos principal and keytab, OAUTHBEARER client id and secret).

Whatever the policy, a connector may not make the worker's clients run a command, load a library, read
a local file outside ``connector.client.config.allowed.paths`` (default: none), fetch tokens from a URL
not in ``connector.client.config.oauthbearer.allowed.urls`` (default: none; Kafka's
``org.apache.kafka.sasl.oauthbearer.allowed.urls``) or from the cloud metadata service with the
worker's identity, or install a callback: the classes of Kafka Connect's CVE-2023-25194 and
CVE-2025-27817/27818, as librdkafka's configuration (CONFIGURATION.md) exposes them. The worker's own
``producer.*``/``consumer.*``/``admin.*`` keys are the operator's and are not checked.

Checked at validation (create, update and ``config/validate``: a 400 naming the key) and again when a
task starts, for a config that reached the config topic some other way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connectd.api.errors import ConfigError, ConnectError
from connectd.runtime.allowed_paths import AllowedPaths

POLICY_KEY = "connector.client.config.override.policy"
ALLOWED_URLS_KEY = "connector.client.config.oauthbearer.allowed.urls"
ALLOWED_PATHS_KEY = "connector.client.config.allowed.paths"
OVERRIDE_PREFIXES = ("producer.override.", "consumer.override.", "admin.override.")

_POLICY_PACKAGE = "org.apache.kafka.connect.connector.policy."
POLICIES = ("None", "Principal", "All")
DEFAULT_POLICY = "All"

_KAFKA_PRINCIPAL_KEYS = frozenset({"sasl.jaas.config", "sasl.mechanism", "security.protocol"})
# librdkafka has no sasl.jaas.config: these keys hold what a Java client's JAAS config would.
_LIBRDKAFKA_PRINCIPAL_KEYS = frozenset(
    {
        "sasl.mechanisms",
        "sasl.username",
        "sasl.password",
        "sasl.kerberos.principal",
        "sasl.kerberos.keytab",
        "sasl.oauthbearer.config",
        "sasl.oauthbearer.client.id",
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.client.credentials.client.id",
        "sasl.oauthbearer.client.credentials.client.secret",
        "sasl.oauthbearer.scope",
        "sasl.oauthbearer.extensions",
    }
)
PRINCIPAL_KEYS = _KAFKA_PRINCIPAL_KEYS | _LIBRDKAFKA_PRINCIPAL_KEYS

RUNS_COMMAND = frozenset({"sasl.kerberos.kinit.cmd"})
LOADS_LIBRARY = frozenset({"plugin.library.paths", "ssl.engine.location", "ssl.providers"})
# Settings whose value is a local path the client reads (or, offset.store.path, writes). The Java names
# are listed too: configs written for Kafka Connect carry them.
READS_FILE = frozenset(
    {
        "ssl.key.location",
        "ssl.certificate.location",
        "ssl.ca.location",
        "ssl.crl.location",
        "ssl.keystore.location",
        "https.ca.location",
        "sasl.kerberos.keytab",
        "sasl.oauthbearer.assertion.private.key.file",
        "sasl.oauthbearer.assertion.file",
        "sasl.oauthbearer.assertion.jwt.template.file",
        "offset.store.path",
        "ssl.truststore.location",
    }
)
# librdkafka's special value: look in the system's usual CA bundle locations.
_CA_PROBE = "probe"
_CA_KEYS = frozenset({"ssl.ca.location", "https.ca.location"})
FETCHES_URL = frozenset({"sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.jwks.endpoint.url"})
METADATA_AUTH = "sasl.oauthbearer.metadata.authentication.type"
# Set through librdkafka's C API or confluent_kafka's Python callables; never from a config string.
CALLBACKS = frozenset(
    {
        "interceptors",
        "opaque",
        "default_topic_conf",
        "ssl_key",
        "ssl_certificate",
        "ssl_ca",
        "ssl_engine_callback_data",
        "ssl.certificate.verify_cb",
        "oauth_cb",
        "logger",
        "on_delivery",
        "on_commit",
    }
)

# Client settings whose values are secrets (librdkafka's sensitive properties, and the Java client's
# PASSWORD-type keys): shown as [hidden] wherever a connector config is echoed.
SENSITIVE_CLIENT_KEYS = frozenset(
    {
        "sasl.username",
        "sasl.password",
        "sasl.oauthbearer.config",
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.client.credentials.client.secret",
        "sasl.oauthbearer.assertion.private.key.passphrase",
        "sasl.oauthbearer.assertion.private.key.pem",
        "ssl.key.password",
        "ssl.key.pem",
        "ssl_key",
        "ssl.keystore.password",
        "ssl.truststore.password",
        "ssl.keystore.key",
        "sasl.jaas.config",
    }
)
_CLIENT_PREFIXES = (*OVERRIDE_PREFIXES, "producer.", "consumer.", "admin.")


def client_key(config_key: str) -> str | None:
    """The client setting a connector or worker key names (``producer.override.acks`` -> ``acks``)."""
    for prefix in _CLIENT_PREFIXES:
        if config_key.startswith(prefix):
            return config_key[len(prefix) :]
    return None


def is_sensitive_client_key(config_key: str) -> bool:
    name = client_key(config_key)
    return name is not None and name in SENSITIVE_CLIENT_KEYS


def policy_name(key: str, value: str | None) -> str:
    """``None``/``Principal``/``All`` from Kafka's class name, its simple name or the short name."""
    text = (value or DEFAULT_POLICY).strip()
    simple = text.removeprefix(_POLICY_PACKAGE).removesuffix("ConnectorClientConfigOverridePolicy")
    for name in POLICIES:
        if simple.lower() == name.lower():
            return name
    raise ConfigError(
        key,
        value,
        f"Unknown policy; use one of {', '.join(POLICIES)} (or Kafka's class names, "
        f"{_POLICY_PACKAGE}NoneConnectorClientConfigOverridePolicy, ...)",
    )


def validate_policy(key: str, value: object) -> None:
    """A ConfigDef validator for the policy key."""
    policy_name(key, None if value is None else str(value))


@dataclass(frozen=True, slots=True)
class ClientOverridePolicy:
    policy: str = DEFAULT_POLICY
    allowed_urls: frozenset[str] = frozenset()
    allowed_paths: AllowedPaths = field(default_factory=lambda: AllowedPaths(()))

    @classmethod
    def from_worker_config(cls, originals: Mapping[str, str]) -> ClientOverridePolicy:
        """From a worker's properties; raises :class:`ConfigError` naming the key at fault."""
        urls = originals.get(ALLOWED_URLS_KEY) or ""
        paths = originals.get(ALLOWED_PATHS_KEY) or ""
        return cls(
            policy_name(POLICY_KEY, originals.get(POLICY_KEY)),
            frozenset(u.strip() for u in urls.split(",") if u.strip()),
            AllowedPaths(AllowedPaths.checked(ALLOWED_PATHS_KEY, paths.split(","))),
        )

    def refusal(self, name: str, value: str | None) -> str | None:
        """Why the client setting ``name`` (prefix removed) may not be ``value``; None when it may."""
        why = self._hazard(name, value or "")
        if why is None and self._allowed_by_policy(name):
            return None
        # Kafka's message; for what no policy allows, followed by the reason.
        message = f"The '{self.policy}' policy does not allow '{name}' to be overridden in the connector"
        message += " configuration"
        return f"{message}." if why is None else f"{message}: {why}."

    def _allowed_by_policy(self, name: str) -> bool:
        if self.policy == "All":
            return True
        return self.policy == "Principal" and name in PRINCIPAL_KEYS

    def _hazard(self, name: str, value: str) -> str | None:
        if name in RUNS_COMMAND:
            return "it runs a command on the worker"
        if name in LOADS_LIBRARY:
            return "it loads a library into the worker"
        if name in CALLBACKS or name.endswith("_cb"):
            return "it installs a callback, which only the worker sets"
        if name in READS_FILE:
            if name in _CA_KEYS and value.strip() == _CA_PROBE:
                return None
            if self.allowed_paths.allows(value.strip()) is None:
                return (
                    f"it makes the client read the local path {value.strip()}, which is not under "
                    f"{ALLOWED_PATHS_KEY} ({self.allowed_paths.describe()})"
                )
            return None
        if name in FETCHES_URL and value.strip() not in self.allowed_urls:
            allowed = ",".join(sorted(self.allowed_urls)) or "(none)"
            return f"the URL {value.strip()} is not in {ALLOWED_URLS_KEY} ({allowed})"
        if name == METADATA_AUTH and value.strip().lower() not in ("", "none"):
            return (
                "it makes the client fetch tokens from the cloud metadata service with the worker's identity"
            )
        return None

    def check(self, connector_config: Mapping[str, str | None]) -> dict[str, str]:
        """Full connector key (``producer.override.acks``) -> why it is refused, for every override
        the policy or the guard refuses."""
        refused: dict[str, str] = {}
        for key, value in connector_config.items():
            if not key.startswith(OVERRIDE_PREFIXES):
                continue
            why = self.refusal(client_key(key) or key, value)
            if why is not None:
                refused[key] = why
        return refused

    def enforce(self, connector_config: Mapping[str, str | None]) -> None:
        """Raise :class:`ConnectError` when a task's config carries a refused override (it reached the
        config topic without validation): names the keys and why (paths and URLs, never secrets)."""
        refused = self.check(connector_config)
        if refused:
            details = " ".join(f"{key}: {why}" for key, why in refused.items())
            raise ConnectError(f"Client config overrides not allowed. {details}")
