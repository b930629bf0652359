"""gRPC plumbing shared by every role: the server factory and the one mapping of domain errors.

Servers get health checking and reflection, bind their port up front (a taken port is a one-line
error), and translate domain errors to status codes in one interceptor, with a ``google.rpc.Status``
carrying one ``ErrorInfo`` (AIP-193). Clients translate status codes back to the same domain errors,
so the gateway renders a remote error exactly like a local one. Servers and channels take the
process's :class:`~services.security.grpc_credentials.GrpcSecurity` (mutual TLS, the cluster token).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from connectd import errors
from connectd.storage.kafka_log import KafkaStoreError
from services.security.grpc_credentials import GrpcSecurity

log = logging.getLogger(__name__)

ERROR_DOMAIN = "connectd.io"

CODE_BY_ERROR: dict[type[errors.ConnectdError], grpc.StatusCode] = {
    errors.NotFoundError: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExistsError: grpc.StatusCode.ALREADY_EXISTS,
    errors.BadRequestError: grpc.StatusCode.INVALID_ARGUMENT,
    # Not RESOURCE_EXHAUSTED: gRPC answers that for its own message and metadata limits, which are an
    # internal failure between roles, not the client's request being too large.
    errors.PayloadTooLargeError: grpc.StatusCode.OUT_OF_RANGE,
    errors.ConflictError: grpc.StatusCode.ABORTED,
    errors.FailedPreconditionError: grpc.StatusCode.FAILED_PRECONDITION,
    errors.ForbiddenError: grpc.StatusCode.PERMISSION_DENIED,
    errors.UnavailableError: grpc.StatusCode.UNAVAILABLE,
    errors.OperationTimeoutError: grpc.StatusCode.DEADLINE_EXCEEDED,
}
ERROR_BY_CODE = {code: error for error, code in CODE_BY_ERROR.items()}
# Errors a client must tell apart from others of the same code, by the ErrorInfo reason they carry.
ERROR_BY_REASON: dict[str, type[errors.ConnectdError]] = {errors.FencedError.__name__: errors.FencedError}

# Not domain errors, but plainly "try again later": a Kafka-backed store that cannot be reached.
EXTRA_UNAVAILABLE: tuple[type[BaseException], ...] = (KafkaStoreError,)


# Between roles a message may carry a whole connector config (up to the gateway's request body limit,
# rest.request.max.bytes, at most 32 MiB) and a validation result echoing it: explicit, and the same
# on every server and channel, instead of gRPC's default 4 MiB receive limit.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# An error travels in the trailers (grpc-message percent-encoded, up to 3 bytes per byte, and again in
# grpc-status-details-bin): gRPC's default 16 KiB metadata limit failed the call for a message naming
# a long connector name. Messages are cut to ERROR_MESSAGE_CHARS, whose worst case fits the limit.
MAX_METADATA_BYTES = 256 * 1024
ERROR_MESSAGE_CHARS = 8 * 1024
_MESSAGE_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_metadata_size", MAX_METADATA_BYTES),
    ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
]
# Keepalive pings find a peer that vanished without closing its connections (a lost host or network)
# within about 15 s; servers accept pings that often even between calls, instead of answering the
# ping strikes with GOAWAY.
KEEPALIVE_TIME_MS = 10_000
KEEPALIVE_TIMEOUT_MS = 5_000
_KEEPALIVE_OPTIONS = [
    ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
    ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
    ("grpc.keepalive_permit_without_calls", 1),
]
SERVER_OPTIONS = [
    *_MESSAGE_OPTIONS,
    *_KEEPALIVE_OPTIONS,
    ("grpc.http2.min_ping_interval_without_data_ms", KEEPALIVE_TIME_MS // 2),
    ("grpc.so_reuseport", 0),
]
# Both lists apply to plaintext and TLS alike: open_channel and GrpcServer pass them either way.
# A role that restarts is reached again within a second of it answering: gRPC's default reconnect
# backoff grows to 120 s (1 s, 1.6 s, 2.6 s, ...), which kept the gateway answering 503 for seconds
# after the coordinator was back. The next attempt comes at most 0.5 s (plus 20% jitter) after a
# failed one: two cheap connection attempts a second per channel while a role is down.
CHANNEL_OPTIONS = [
    *_MESSAGE_OPTIONS,
    *_KEEPALIVE_OPTIONS,
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 500),
]


def open_channel(address: str, security: GrpcSecurity) -> grpc.Channel:
    """The one way a role opens a channel to another: every client uses it. With TLS the server's
    certificate must name the host of ``address`` and chain to the truststore's CA."""
    credentials = security.channel_credentials()
    if credentials is None:
        return grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
    return grpc.secure_channel(address, credentials, options=CHANNEL_OPTIONS)


class PortInUseError(RuntimeError):
    """The gRPC port cannot be bound; the message is one line meant for the user."""


def code_for(error: BaseException) -> grpc.StatusCode:
    for cls in type(error).__mro__:
        if cls in CODE_BY_ERROR:
            return CODE_BY_ERROR[cls]  # type: ignore[index]
    if isinstance(error, EXTRA_UNAVAILABLE):
        return grpc.StatusCode.UNAVAILABLE
    return grpc.StatusCode.INTERNAL


def _rich_status(code: grpc.StatusCode, message: str, reason: str) -> grpc.Status:
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN))
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=[info])
    return rpc_status.to_status(status)


class DomainErrorInterceptor(grpc.ServerInterceptor):
    """Turns an exception escaping a servicer into its status code: the one mapping for gRPC."""

    def intercept_service(self, continuation: Callable[..., Any], handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                _wrap_unary(handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                _wrap_stream(handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler


def _abort(context: grpc.ServicerContext, exc: Exception) -> None:
    code = code_for(exc)
    if code is grpc.StatusCode.INTERNAL:
        log.exception("unexpected error in a gRPC call")
    reason = type(exc).__name__
    context.abort_with_status(_rich_status(code, shortened(str(exc) or reason), reason))


def shortened(message: str, limit: int = ERROR_MESSAGE_CHARS) -> str:
    """``message`` if it fits ``limit`` characters; else its head and tail around a note of the cut (a
    message quoting a whole config keeps its start and its conclusion)."""
    if len(message) <= limit:
        return message
    half = limit // 2
    return f"{message[:half]} ... [{len(message) - 2 * half} characters left out] ... {message[-half:]}"


def _wrap_unary(method: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[..., Any]:
    def call(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(request, context)
        except Exception as exc:
            if _is_abort(exc):
                raise
            _abort(context, exc)

    return call


def _wrap_stream(method: Callable[[Any, grpc.ServicerContext], Iterable[Any]]) -> Callable[..., Any]:
    def call(request: Any, context: grpc.ServicerContext) -> Iterable[Any]:
        try:
            yield from method(request, context)
        except Exception as exc:
            if _is_abort(exc):
                raise
            _abort(context, exc)

    return call


def _is_abort(exc: Exception) -> bool:
    # context.abort() raises a bare Exception after setting the status; let it through.
    return type(exc) is Exception


def domain_error_from(exc: grpc.RpcError, what: str) -> errors.ConnectdError:
    """The domain error a client raises for a failed call to ``what``."""
    code = exc.code()  # type: ignore[attr-defined]
    message = exc.details() or f"{what} failed with {code.name}"  # type: ignore[attr-defined]
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return errors.UnavailableError(f"{what} is unavailable: {message}")
    error_cls = ERROR_BY_REASON.get(_reason(exc) or "") or ERROR_BY_CODE.get(code, errors.ConnectdError)
    return error_cls(message)


def _reason(exc: grpc.RpcError) -> str | None:
    """The ErrorInfo reason of a rich status (AIP-193), if the call carried one."""
    try:
        status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    except ValueError:
        return None
    for detail in status.details if status is not None else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    return None


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any interface


class GrpcServer:
    """A gRPC server with health, reflection and the error interceptor (behind the cluster token's
    interceptor when there is one), bound before it starts: with TLS when ``security`` has it."""

    def __init__(
        self, host: str, port: int, *, security: GrpcSecurity, max_workers: int = 32, role: str
    ) -> None:
        self.role = role
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"{role}-grpc"),
            # The token is checked first: an unauthenticated call reaches no servicer.
            interceptors=[*security.server_interceptors(), DomainErrorInterceptor()],
            options=SERVER_OPTIONS,
        )
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        self._service_names: list[str] = [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name]
        credentials = security.server_credentials()
        try:
            if credentials is None:
                self.port = self._server.add_insecure_port(bind_address(host, port))
            else:
                self.port = self._server.add_secure_port(bind_address(host, port), credentials)
        except RuntimeError:
            self.port = 0
        if self.port == 0:
            raise PortInUseError(
                f"{role}: cannot listen for gRPC on {bind_address(host, port)} (port in use or address "
                "not local); choose another port"
            )
        self.host = host
        if not security.authenticates and not is_loopback(host):
            log.warning(
                "%s: gRPC on %s with no authentication: anyone who reaches it can read "
                "connector configs (passwords included), change connectors and offsets, and join as a "
                "worker. Set grpc.ssl.* and grpc.auth.token.file (`connectd certs` writes them), or "
                "leave grpc.host unset to listen on loopback only",
                role,
                bind_address(host, self.port),
            )

    def add(self, register: Callable[[Any, grpc.Server], None], servicer: Any, service_name: str) -> None:
        register(servicer, self._server)
        self._service_names.append(service_name)

    def start(self) -> None:
        reflection.enable_server_reflection([*self._service_names, reflection.SERVICE_NAME], self._server)
        self._server.start()
        for name in self._service_names:
            self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self._health.set("", health_pb2.HealthCheckResponse.SERVING)

    def stop(self, grace: float = 5.0) -> None:
        self._health.enter_graceful_shutdown()
        self._server.stop(grace).wait(grace + 1)

    def wait(self) -> None:
        self._server.wait_for_termination()
