"""A private D-Bus session bus for real-OS smoke tests, and tiny services and emitters on it.

`private_session_bus()` starts `dbus-daemon --session` (our own process, stopped by pid) and
yields its address; tests skip cleanly when dbus-daemon or jeepney is missing. `FakeService`
owns a bus name in a thread and answers method calls with a fixed reply or a D-Bus error.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

try:
    import jeepney  # type: ignore[import-untyped, unused-ignore]
    from jeepney.io.blocking import (  # type: ignore[import-untyped, unused-ignore]
        Proxy,
        open_dbus_connection,
    )
except ImportError:  # pragma: no cover - jeepney comes with keyring on Linux
    jeepney = None


@contextmanager
def private_session_bus() -> Iterator[str]:
    """A fresh session bus; yields its address (`unix:path=...`)."""
    if jeepney is None:
        pytest.skip("jeepney is not installed")
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (apt package dbus)")
    process = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1", "--nopidfile"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        if not address:
            pytest.skip("dbus-daemon did not start")
        yield address
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


class FakeService:
    """Owns `bus_name` on `address` and answers every call of `method` at `path`.

    `reply` is (signature, body) for a method return, or an error name (str) for an error.
    """

    def __init__(
        self,
        address: str,
        bus_name: str,
        path: str,
        method: str,
        reply: tuple[str, tuple[Any, ...]] | str,
    ) -> None:
        self.connection = open_dbus_connection(bus=address)
        Proxy(jeepney.message_bus, self.connection).RequestName(bus_name, 4)  # do not queue
        self.path = path
        self.method = method
        self.reply = reply
        self.calls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                message = self.connection.receive(timeout=0.1)
            except TimeoutError:
                continue
            except OSError:
                return
            header = message.header
            if header.message_type != jeepney.MessageType.method_call:
                continue
            fields = header.fields
            path = fields.get(jeepney.HeaderFields.path)
            member = fields.get(jeepney.HeaderFields.member)
            if (path, member) == (self.path, self.method):
                self.calls += 1
                if isinstance(self.reply, str):
                    answer = jeepney.new_error(message, self.reply, "s", ("not here",))
                else:
                    signature, body = self.reply
                    answer = jeepney.new_method_return(message, signature, body)
            else:
                answer = jeepney.new_error(
                    message, "org.freedesktop.DBus.Error.UnknownObject", "s", (str(path),)
                )
            self.connection.send(answer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.connection.close()


def emit_signal(address: str, path: str, interface: str, member: str, flag: bool) -> None:
    """Send one `member(b)` signal from a short-lived connection."""
    with open_dbus_connection(bus=address) as connection:
        emitter = jeepney.DBusAddress(path, interface=interface)
        connection.send(jeepney.new_signal(emitter, member, "b", (flag,)))
        # A round trip to the bus makes sure the signal left before the connection closes.
        Proxy(jeepney.message_bus, connection).GetId()
