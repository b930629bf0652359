"""The REST front door of one process (standalone, a distributed worker, the gateway), from Kafka's keys.

* ``listeners``: every entry is served, ``http://`` and ``https://`` mixed as Kafka allows; without it,
  ``rest.host.name``/``rest.port`` (8083).
* ``https`` listeners take their TLS from ``listeners.https.ssl.*``, else ``ssl.*`` (Kafka's rule, see
  :func:`services.security.tls.rest_material`): PEM or PKCS12 keystores, ``ssl.client.auth``.
* ``admin.listeners`` (KIP-495): unset, ``/admin`` is served on ``listeners``; empty, nowhere; else only
  there (TLS from ``admin.listeners.https.ssl.*``, else ``ssl.*``).
* The authentication sources (:mod:`gateway.auth`).

Everything is read and bound before the process starts any work: a missing keystore, an unreadable
credentials file or a taken port is a one-line startup error naming the key.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connectd.config import ConfigFileError, Listener, WorkerConfig
from gateway.auth import BASIC_FILE_KEY, EXTENSION_KEY, TOKENS_FILE_KEY, Authenticator
from gateway.middleware import RouteSet
from services.rest_server import RestEndpoint, RestStartupError, bind_listener
from services.security.tls import TlsMaterial, admin_rest_material, rest_material

log = logging.getLogger("connectd.rest")

_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def is_loopback(host: str) -> bool:
    """Whether a listener bound to ``host`` is reachable from this machine only (empty: every interface)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class _Planned:
    listener: Listener
    routes: RouteSet
    key: str  # the config key the listener comes from, for error messages


def _plan(config: WorkerConfig) -> list[_Planned]:
    admin = config.admin_listeners
    main_routes: RouteSet = "all" if admin is None else "api"
    planned = [_Planned(listener, main_routes, "listeners") for listener in config.rest_listeners]
    planned += [_Planned(listener, "admin", "admin.listeners") for listener in admin or []]
    return planned


def _tls_context(
    planned: _Planned, config: Mapping[str, str], cache: dict[str, ssl.SSLContext]
) -> ssl.SSLContext | None:
    if planned.listener.scheme != "https":
        return None
    if planned.key in cache:
        return cache[planned.key]
    loader: Callable[[Mapping[str, str]], TlsMaterial] = (
        admin_rest_material if planned.key == "admin.listeners" else rest_material
    )
    material = loader(config)
    if material.keystore is None:
        keys = f"{material.prefix}keystore.location"
        if material.prefix == "ssl.":
            keys = f"{planned.key}.https.ssl.keystore.location or {keys}"
        raise ConfigFileError(f"{planned.key} has {planned.listener} but no keystore for TLS: set {keys}")
    cache[planned.key] = context = material.server_context()
    return context


class RestListeners:
    """Every bound REST endpoint of the process and who may call it; ``str()`` lists the endpoints."""

    def __init__(self, endpoints: list[RestEndpoint], auth: Authenticator) -> None:
        self.endpoints = endpoints
        self.auth = auth

    @classmethod
    def open(cls, config: WorkerConfig) -> RestListeners:
        """Read the TLS material and credentials, then bind every listener; RestStartupError (one line)
        when any of it fails, with whatever was bound closed again."""
        try:
            auth = Authenticator.from_config(config)
            contexts: dict[str, ssl.SSLContext] = {}
            planned = [(p, _tls_context(p, config.originals, contexts)) for p in _plan(config)]
        except ConfigFileError as exc:
            raise RestStartupError(str(exc)) from None
        endpoints: list[RestEndpoint] = []
        try:
            for plan, context in planned:
                sock = bind_listener(plan.listener)
                endpoints.append(RestEndpoint(plan.listener, sock, context, plan.routes))
        except BaseException:
            for endpoint in endpoints:
                endpoint.sock.close()
            raise
        rest = cls(endpoints, auth)
        rest._warn_exposure()
        return rest

    def _warn_exposure(self) -> None:
        exposed = [e for e in self.endpoints if not is_loopback(e.listener.host)]
        if not self.auth.enabled:
            if exposed:
                log.warning(
                    "the REST API on %s requires no authentication: anyone who reaches it may change "
                    "connectors. Set %s or %s (or Kafka's %s), or listen on a loopback address",
                    ", ".join(str(e) for e in exposed),
                    BASIC_FILE_KEY,
                    TOKENS_FILE_KEY,
                    EXTENSION_KEY,
                )
            return
        plain = [e for e in exposed if e.ssl_context is None]
        if plain:
            log.warning(
                "REST credentials (%s) travel unencrypted on %s: use https:// listeners",
                self.auth.describe(),
                ", ".join(str(e) for e in plain),
            )
        log.info("REST authentication: %s", self.auth.describe())

    @property
    def port(self) -> int:
        """The first listener's port."""
        return self.endpoints[0].port

    def close(self) -> None:
        for endpoint in self.endpoints:
            endpoint.sock.close()

    def __str__(self) -> str:
        return ", ".join(str(e) for e in self.endpoints)
