"""Assertions on one REST call of a :class:`ConnectUnderTest`, naming the call, mode, expected and seen."""

from __future__ import annotations

from typing import Any

from tests.integration.connect_modes import ConnectUnderTest


def expect(connect: ConnectUnderTest, method: str, path: str, code: int, body: Any = None) -> Any:
    """The response body, once its status is ``code``."""
    seen_code, seen = connect.request(method, path, body)
    assert seen_code == code, f"{method} {path} ({connect.mode}): expected {code}, got {seen_code} {seen}"
    return seen


def expect_error(
    connect: ConnectUnderTest, method: str, path: str, code: int, message: str, body: Any = None
) -> None:
    """An error response: status ``code`` and exactly ``{"error_code": code, "message": message}``."""
    seen = expect(connect, method, path, code, body)
    assert seen == {"error_code": code, "message": message}, (
        f"{method} {path} ({connect.mode}): expected message {message!r}, got {seen}"
    )
