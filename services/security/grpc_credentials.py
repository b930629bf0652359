"""gRPC between roles: mutual TLS and the cluster token, read once per process from the config.

Every role serves and calls gRPC with the same :class:`GrpcSecurity`: its certificate (``grpc.ssl.*``,
Kafka's ssl keys under ``grpc.``), the CA it trusts for the other roles' certificates, and the cluster
token (``grpc.auth.token``, or ``grpc.auth.token.file``). Servers require a client certificate signed
by that CA; every client call carries the token as ``authorization: Bearer <token>`` (gRPC's access
token credentials, which it sends over TLS only), and one server interceptor refuses any call without
it, UNAUTHENTICATED. Only the standard health service answers without the token: it tells a probe
SERVING or not and nothing else, and probes (grpc_health_probe, a load balancer) can present a
certificate but rarely custom metadata. Reflection describes the whole API surface, so it is behind
the token like every connectd service.

With no ``grpc.ssl.*`` key the roles speak plaintext with no authentication, for development on one
machine: ``grpc.host`` then defaults to loopback, and a role bound elsewhere warns at startup.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from connectd.config import ConfigFileError, WorkerConfig, has_keystore
from services.security.tls import TlsMaterial, material

log = logging.getLogger("connectd.security")

PREFIX = "grpc.ssl."
TOKEN_KEY = "grpc.auth.token"
TOKEN_FILE_KEY = "grpc.auth.token.file"
# What gRPC's access token credentials send, and what the server expects.
METADATA_KEY = "authorization"
BEARER = "Bearer "
# A token is a shared secret between machines, never typed: short ones are guessable.
MIN_TOKEN_CHARS = 16
# The one service callable without the token (still over mutual TLS): see the module docstring.
OPEN_SERVICE_PREFIXES = ("/grpc.health.v1.Health/",)
# Says nothing about why (no token, a wrong one, which service): nothing for a prober to learn.
UNAUTHENTICATED_MESSAGE = "unauthenticated"
# A prober must not fill the log: one line per interval, with a count of the refusals it covers.
REFUSAL_LOG_INTERVAL_S = 10.0


@dataclass(frozen=True, slots=True)
class GrpcSecurity:
    """What this process presents and expects on gRPC. ``tls`` None: plaintext (then no token)."""

    # Neither is ever shown (a log line, an assertion message): they hold the private key and the token.
    tls: TlsMaterial | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @property
    def secure(self) -> bool:
        return self.tls is not None

    @property
    def authenticates(self) -> bool:
        """Whether a caller must prove anything: a client certificate, or the token."""
        return self.token is not None or (self.tls is not None and self.tls.client_auth == "required")

    @classmethod
    def from_config(cls, config: WorkerConfig | Mapping[str, str]) -> GrpcSecurity:
        """From a WorkerConfig (or a plain mapping of properties). A key that cannot be used is a
        :class:`ConfigFileError` of one line naming it."""
        props = config.originals if isinstance(config, WorkerConfig) else config
        token = _token(props)
        ssl_keys = [k for k in props if k.startswith(PREFIX) and (props[k] or "").strip()]
        if not ssl_keys:
            if token is not None:
                key = TOKEN_FILE_KEY if (props.get(TOKEN_FILE_KEY) or "").strip() else TOKEN_KEY
                raise ConfigFileError(
                    f"{key} needs TLS between roles ({PREFIX}keystore.location and "
                    f"{PREFIX}truststore.location): the token would travel in clear"
                )
            return cls()
        if not has_keystore(props, PREFIX):
            raise ConfigFileError(
                f"{ssl_keys[0]} is set but {PREFIX}keystore.location is not: every role presents its "
                "certificate to the others (mutual TLS)"
            )
        # Mutual TLS unless told otherwise: Kafka's ssl.client.auth defaults to none, gRPC's to required.
        tls = material(
            {**props, PREFIX + "client.auth": props.get(PREFIX + "client.auth") or "required"}, PREFIX
        )
        if tls.trusted_ca_pem is None:
            raise ConfigFileError(
                f"{PREFIX}truststore.location is required with {PREFIX}keystore.location: the CA that "
                "signs the other roles' certificates"
            )
        return cls(tls, token)

    # --- servers ---------------------------------------------------------------------------------

    def server_credentials(self) -> grpc.ServerCredentials | None:
        if self.tls is None:
            return None
        assert self.tls.keystore is not None
        pair = (self.tls.keystore.key_pem, self.tls.keystore.cert_chain_pem)
        return grpc.ssl_server_credentials(
            [pair],
            root_certificates=self.tls.trusted_ca_pem,
            require_client_auth=self.tls.client_auth == "required",
        )

    def server_interceptors(self) -> list[grpc.ServerInterceptor]:
        return [] if self.token is None else [ClusterTokenInterceptor(self.token)]

    def describe(self) -> str:
        """How this process speaks gRPC, for its startup log line."""
        if self.tls is None:
            return "plaintext, no authentication"
        client = (
            "client certificates required" if self.tls.client_auth == "required" else "no client certificate"
        )
        return f"TLS ({client}), " + ("cluster token required" if self.token else "no cluster token")

    # --- clients ---------------------------------------------------------------------------------

    def channel_credentials(self) -> grpc.ChannelCredentials | None:
        if self.tls is None:
            return None
        keystore = self.tls.keystore
        assert keystore is not None
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.tls.trusted_ca_pem,
            private_key=keystore.key_pem,
            certificate_chain=keystore.cert_chain_pem,
        )
        if self.token is None:
            return credentials
        # Sent by gRPC's core on every call of the channel, never over a plaintext one.
        return grpc.composite_channel_credentials(credentials, grpc.access_token_call_credentials(self.token))


PLAINTEXT = GrpcSecurity()


def _token(props: Mapping[str, str]) -> str | None:
    inline = (props.get(TOKEN_KEY) or "").strip()
    location = (props.get(TOKEN_FILE_KEY) or "").strip()
    if inline and location:
        raise ConfigFileError(f"set one of {TOKEN_KEY} and {TOKEN_FILE_KEY}, not both")
    if not inline and not location:
        return None
    key = TOKEN_KEY
    if location:
        key = TOKEN_FILE_KEY
        try:
            inline = Path(location).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigFileError(f"cannot read {TOKEN_FILE_KEY} {location}: {reason}") from None
        if not inline:
            raise ConfigFileError(f"{TOKEN_FILE_KEY} {location} is empty")
    if len(inline) < MIN_TOKEN_CHARS:
        raise ConfigFileError(
            f"{key}: the cluster token must have at least {MIN_TOKEN_CHARS} characters "
            "(`connectd certs` writes a random one)"
        )
    if not all(" " < ch < "\x7f" for ch in inline):
        # It travels as a metadata value: printable ASCII without spaces.
        raise ConfigFileError(f"{key}: the cluster token must be printable ASCII without spaces")
    return inline


class ClusterTokenInterceptor(grpc.ServerInterceptor):
    """Refuses every call without ``authorization: Bearer <cluster token>`` (UNAUTHENTICATED), except
    the health service. The comparison takes the same time wherever the tokens differ."""

    def __init__(self, token: str) -> None:
        self._expected = (BEARER + token).encode("ascii")
        self._refusals = _RefusalLog()

    def authorized(self, metadata: Any) -> bool:
        presented = next((m.value for m in metadata or () if m.key == METADATA_KEY), None)
        if not isinstance(presented, str):
            return False
        # compare_digest: no early exit at the first differing byte, so timing tells nothing of the token.
        return hmac.compare_digest(presented.encode("utf-8", "replace"), self._expected)

    def intercept_service(self, continuation: Callable[..., Any], handler_call_details: Any) -> Any:
        method = handler_call_details.method or ""
        if method.startswith(OPEN_SERVICE_PREFIXES) or self.authorized(
            handler_call_details.invocation_metadata
        ):
            return continuation(handler_call_details)
        return self._refusal(continuation(handler_call_details), method)

    def _refusal(self, handler: Any, method: str) -> Any:
        """A handler of the method's own shape that only refuses. An unknown method is refused the same
        way, so an unauthenticated caller cannot tell which methods exist."""

        def refuse(_request: Any, context: grpc.ServicerContext) -> Any:
            self._refusals.note(context.peer(), method)
            context.abort(grpc.StatusCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE)

        if handler is None or handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(refuse)
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(refuse)
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(refuse)
        return grpc.stream_stream_rpc_method_handler(refuse)


class _RefusalLog:
    """Logs refused calls: the first at once, then at most one line per interval with a count."""

    def __init__(self, interval_s: float = REFUSAL_LOG_INTERVAL_S) -> None:
        self._interval = interval_s
        self._lock = threading.Lock()
        self._next = 0.0
        self._unlogged = 0

    def note(self, peer: str, method: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._unlogged += 1
                return
            more, self._unlogged, self._next = self._unlogged, 0, now + self._interval
        extra = f" ({more} more refused since the last line)" if more else ""
        log.warning("refused %s from %s: no valid cluster token (grpc.auth.token)%s", method, peer, extra)
