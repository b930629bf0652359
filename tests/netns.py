"""Private network namespaces for tests that need fixed ports (the README's commands as written, on
8083, 9092 and 919x) or separate hosts, without touching the machine's own ports.

Linux only, and root (``ip netns``): tests skip with the reason otherwise. Every process started in
a namespace is tracked by pid and stopped on close; the namespace is deleted with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_CLONE_NEWNET = 0x40000000


def unavailable_reason() -> str | None:
    """Why namespaces can't be made here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns)"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is missing: apt-get install iproute2"
    return None


class NetNamespace:
    """``ip netns add`` with loopback up. ``popen`` runs a command inside; ``call`` runs a Python
    function on a thread that joined the namespace (sockets it opens live there)."""

    def __init__(self, prefix: str = "connectd") -> None:
        self.name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True)
        self.processes: list[subprocess.Popen[bytes]] = []
        try:
            self._ip("link", "set", "lo", "up")
            # Servers bound to all interfaces advertise this machine's name: it must resolve to an
            # address that exists in here too.
            address = socket.gethostbyname(socket.gethostname())
            if not address.startswith("127."):
                self._ip("addr", "add", f"{address}/32", "dev", "lo")
        except BaseException:
            self.close()
            raise

    def _ip(self, *args: str) -> None:
        subprocess.run(["ip", "netns", "exec", self.name, "ip", *args], check=True, capture_output=True)

    def popen(
        self,
        args: Sequence[str],
        log_path: Path,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start ``args`` in the namespace (``ip netns exec`` execs it: the pid is the command's)."""
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.name, *args],
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.processes.append(process)
        return process

    def call(self, fn: Callable[[], T], timeout: float = 60) -> T:
        """Run ``fn`` on a new thread inside the namespace and return what it returns (or raise)."""
        outcome: dict[str, object] = {}

        def run() -> None:
            try:
                libc = ctypes.CDLL("libc.so.6", use_errno=True)
                fd = os.open(f"/var/run/netns/{self.name}", os.O_RDONLY)
                try:
                    if libc.setns(fd, _CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), f"setns into {self.name} failed")
                finally:
                    os.close(fd)
                outcome["value"] = fn()
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        thread = threading.Thread(target=run, name=f"netns-{self.name}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError(f"a call inside {self.name} ran over {timeout}s")
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["value"]  # type: ignore[return-value]

    def close(self, grace_s: float = 20) -> None:
        """SIGTERM every process started here (by pid), SIGKILL what outlives ``grace_s``, delete."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(grace_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(["ip", "netns", "del", self.name], check=True, capture_output=True)
