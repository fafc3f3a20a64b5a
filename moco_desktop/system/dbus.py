"""A small, typed layer over jeepney (pure-Python D-Bus) for the idle and power watchers.

Linux only in practice; elsewhere (or without a bus) every call raises `DBusUnavailableError` with a
short technical reason the callers turn into a message for Settings. `DBusClient` makes blocking
method calls with a timeout (one connection, opened lazily, reopened after a failure);
`SignalListener` receives signals on its own connection in a daemon thread and hands their bodies
to a callback. jeepney is a dependency of `keyring` on Linux, so it is always there on Linux.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from moco_desktop.core.records import record

logger = logging.getLogger("moco_desktop.system.dbus")

SESSION_BUS = "SESSION"
SYSTEM_BUS = "SYSTEM"
CALL_TIMEOUT_SECONDS = 1.0
_RECEIVE_SLICE_SECONDS = 0.2  # how often a listener thread looks at its stop flag

ERROR_UNKNOWN_SERVICE = "org.freedesktop.DBus.Error.ServiceUnknown"
ERROR_NAME_HAS_NO_OWNER = "org.freedesktop.DBus.Error.NameHasNoOwner"
ERROR_UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"
ERROR_UNKNOWN_OBJECT = "org.freedesktop.DBus.Error.UnknownObject"
ERROR_NOT_SUPPORTED = "org.freedesktop.DBus.Error.NotSupported"
MISSING_SERVICE_ERRORS = frozenset({ERROR_UNKNOWN_SERVICE, ERROR_NAME_HAS_NO_OWNER})


class DBusUnavailableError(Exception):
    """No bus to talk to: jeepney missing, no bus address, or the connection failed."""


class DBusCallError(Exception):
    """The bus answered a method call with an error (`name` is the D-Bus error name)."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name
        self.detail = detail

    @property
    def service_missing(self) -> bool:
        return self.name in MISSING_SERVICE_ERRORS


@record
class MethodTarget:
    """Where a method lives: bus name, object path, interface."""

    bus_name: str
    path: str
    interface: str


@record
class SignalMatch:
    """Which signals a listener wants (no sender filter: any owner of the interface counts)."""

    interface: str
    member: str
    path: str | None = None


def _jeepney() -> Any:
    try:
        import jeepney  # type: ignore[import-untyped, unused-ignore]
    except ImportError as error:  # pragma: no cover - jeepney ships with keyring on Linux
        raise DBusUnavailableError("jeepney is not installed") from error
    return jeepney


def _open(bus: str) -> Any:
    jeepney = _jeepney()
    from jeepney.io.blocking import (  # type: ignore[import-untyped, unused-ignore]
        open_dbus_connection,
    )

    del jeepney
    try:
        return open_dbus_connection(bus=bus, auth_timeout=CALL_TIMEOUT_SECONDS)
    except KeyError as error:  # no DBUS_SESSION_BUS_ADDRESS
        raise DBusUnavailableError(f"no address for the {bus.lower()} bus") from error
    except (OSError, RuntimeError, ValueError) as error:
        raise DBusUnavailableError(f"cannot connect to the {bus.lower()} bus ({error})") from error


class DBusClient:
    """Blocking method calls on one bus (`"SESSION"`, `"SYSTEM"` or a `unix:path=...` address)."""

    def __init__(self, bus: str = SESSION_BUS, *, timeout: float = CALL_TIMEOUT_SECONDS) -> None:
        self.bus = bus
        self.timeout = timeout
        self._connection: Any = None
        self._lock = threading.Lock()

    def call(
        self,
        target: MethodTarget,
        method: str,
        signature: str | None = None,
        body: tuple[object, ...] = (),
    ) -> tuple[Any, ...]:
        """The reply body; `DBusCallError` on an error reply, `DBusUnavailableError` without bus."""
        jeepney = _jeepney()
        with self._lock:
            connection = self._connection_or_open()
            address = jeepney.DBusAddress(target.path, target.bus_name, target.interface)
            message = jeepney.new_method_call(address, method, signature, body)
            try:
                reply = connection.send_and_get_reply(message, timeout=self.timeout)
            except (OSError, TimeoutError, ValueError) as error:
                self._drop_connection()
                raise DBusUnavailableError(f"{target.bus_name}.{method}: {error}") from error
        if reply.header.message_type == jeepney.MessageType.error:
            name = str(reply.header.fields.get(jeepney.HeaderFields.error_name, "error"))
            detail = str(reply.body[0]) if reply.body else ""
            raise DBusCallError(name, detail)
        return tuple(reply.body)

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    def _connection_or_open(self) -> Any:
        if self._connection is None:
            self._connection = _open(self.bus)
        return self._connection

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()


SignalCallback = Callable[[SignalMatch, tuple[Any, ...]], None]


class SignalListener:
    """Receives the matching signals in a daemon thread and passes (match, body) to `callback`.

    `start` connects and subscribes synchronously (raising `DBusUnavailableError` or
    `DBusCallError`), so the caller knows at once whether the watcher works; the thread only
    receives. The callback runs on that thread: keep it short and thread-safe (e.g. put into a
    `queue.Queue`).
    """

    def __init__(self, bus: str, matches: Sequence[SignalMatch], callback: SignalCallback) -> None:
        self.bus = bus
        self.matches = tuple(matches)
        self._callback = callback
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: Any = None
        self.failure: str | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        jeepney = _jeepney()
        from jeepney.io.blocking import Proxy  # type: ignore[import-untyped, unused-ignore]

        connection = _open(self.bus)
        routes: list[tuple[Any, SignalMatch]] = []
        try:
            bus_proxy = Proxy(jeepney.message_bus, connection, timeout=CALL_TIMEOUT_SECONDS)
            for match in self.matches:
                rule = jeepney.MatchRule(
                    type="signal", interface=match.interface, member=match.member, path=match.path
                )
                bus_proxy.AddMatch(rule)
                routes.append((rule, match))
        except jeepney.DBusErrorResponse as error:
            connection.close()
            raise DBusCallError(str(error.name), str(error.data)) from error
        except (OSError, TimeoutError) as error:
            connection.close()
            raise DBusUnavailableError(f"cannot subscribe on the {self.bus.lower()} bus") from error
        self._connection = connection
        self._stop.clear()
        self.failure = None
        self._thread = threading.Thread(
            target=self._run,
            args=(connection, routes),
            name=f"dbus-signals-{self.bus.lower()}",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _run(self, connection: Any, routes: list[tuple[Any, SignalMatch]]) -> None:
        while not self._stop.is_set():
            try:
                message = connection.receive(timeout=_RECEIVE_SLICE_SECONDS)
            except TimeoutError:
                continue
            except (OSError, ValueError) as error:
                if not self._stop.is_set():
                    self.failure = str(error) or type(error).__name__
                    logger.warning("D-Bus signal listener on %s stopped: %s", self.bus, error)
                return
            for rule, match in routes:
                if rule.matches(message):
                    try:
                        self._callback(match, tuple(message.body))
                    except Exception:
                        logger.exception("a D-Bus signal handler failed")
                    break
