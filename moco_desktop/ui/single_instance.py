"""One running app per user: a second launch asks the first to come forward and exits.

The first instance listens on a local socket whose name includes the user name; a later launch
connects, sends `show`, and quits. Demo mode uses a name of its own, so a demo can run beside
the real app.

On Linux and macOS the socket is a Unix domain socket in the temporary directory (where Qt's
QLocalServer puts it too), served with Python's `socket` module and a QSocketNotifier: QtNetwork
would add ~10 ms and a few MiB before the tray icon shows. The socket file is readable by its
owner only. A socket file left behind by a crash (nobody answers on it) is replaced; one with a
live instance behind it is not. On Windows a named pipe (QLocalServer) does the same.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import hashlib
import os
import socket
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSocketNotifier, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

SHOW_COMMAND = b"show\n"
_CONNECT_TIMEOUT_MS = 500
_USE_UNIX_SOCKET = sys.platform != "win32"


def instance_name(variant: str = "") -> str:
    """The socket name for this user (and variant, e.g. "demo")."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in some sandboxes
        user = "user"
    tag = hashlib.sha256(f"{user}|{variant}".encode()).hexdigest()[:12]
    return f"moco-desktop-{tag}"


def socket_path(name: str) -> str:
    """Where the Unix socket of `name` lives: Qt's temporary directory (`$TMPDIR` or /tmp)."""
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", name)


def notify_running_instance(name: str) -> bool:
    """Ask a running instance to show itself; True if one answered."""
    if not _USE_UNIX_SOCKET:
        return _notify_by_pipe(name)
    return _reaches(socket_path(name), SHOW_COMMAND)


def _notify_by_pipe(name: str) -> bool:
    from PySide6.QtNetwork import QLocalSocket

    pipe = QLocalSocket()
    pipe.connectToServer(name)
    if not pipe.waitForConnected(_CONNECT_TIMEOUT_MS):
        return False
    pipe.write(SHOW_COMMAND)
    pipe.flush()
    pipe.waitForBytesWritten(_CONNECT_TIMEOUT_MS)
    pipe.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """The listening side: emits `activationRequested` when another launch says `show`."""

    activationRequested = Signal()  # noqa: N815 (Qt naming)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._listener: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None
        self._clients: dict[int, tuple[socket.socket, QSocketNotifier]] = {}
        self._pipe_server: QLocalServer | None = None

    def listen(self) -> bool:
        """Start listening; False if the name cannot be taken (then run without it)."""
        if not _USE_UNIX_SOCKET:
            return self._listen_on_pipe()
        path = socket_path(self.name)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            _bind_owner_only(listener, path)
        except OSError as error:
            if error.errno != errno.EADDRINUSE or _reaches(path):
                listener.close()
                return False
            with contextlib.suppress(OSError):
                os.unlink(path)  # a socket file left by a crash: nobody answers on it
            try:
                _bind_owner_only(listener, path)
            except OSError:
                listener.close()
                return False
        listener.listen(4)
        listener.setblocking(False)
        self._listener = listener
        self._notifier = QSocketNotifier(listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        return True

    def close(self) -> None:
        for client, notifier in self._clients.values():
            notifier.setEnabled(False)
            notifier.deleteLater()
            client.close()
        self._clients.clear()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            with contextlib.suppress(OSError):
                os.unlink(socket_path(self.name))
        if self._pipe_server is not None:
            self._pipe_server.close()

    def _accept(self) -> None:
        listener = self._listener
        while listener is not None:
            try:
                client, _address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            client.setblocking(False)
            notifier = QSocketNotifier(client.fileno(), QSocketNotifier.Type.Read, self)
            self._clients[client.fileno()] = (client, notifier)
            notifier.activated.connect(lambda *_signal, c=client: self._read(c))

    def _read(self, client: socket.socket) -> None:
        try:
            data = client.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if SHOW_COMMAND.strip() in data:
            self.activationRequested.emit()
        if not data or SHOW_COMMAND.strip() in data:
            _client, notifier = self._clients.pop(client.fileno(), (client, None))
            if notifier is not None:
                notifier.setEnabled(False)
                notifier.deleteLater()
            client.close()

    # --- Windows: a named pipe ------------------------------------------------------------------

    def _listen_on_pipe(self) -> bool:
        from PySide6.QtNetwork import QLocalServer

        server = self._pipe_server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_pipe_connection)
        if server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        return server.listen(self.name)

    def _on_pipe_connection(self) -> None:
        server = self._pipe_server
        while server is not None and server.hasPendingConnections():
            pipe = server.nextPendingConnection()
            pipe.readyRead.connect(lambda p=pipe: self._on_pipe_ready(p))
            pipe.disconnected.connect(pipe.deleteLater)
            if pipe.bytesAvailable():
                self._on_pipe_ready(pipe)

    def _on_pipe_ready(self, pipe: QLocalSocket) -> None:
        data = bytes(pipe.readAll().data())
        if SHOW_COMMAND.strip() in data:
            self.activationRequested.emit()


def _bind_owner_only(listener: socket.socket, path: str) -> None:
    """Bind `listener` to `path` with a socket file only its owner may connect to."""
    previous = os.umask(0o077)
    try:
        listener.bind(path)
    finally:
        os.umask(previous)


def _reaches(path: str, command: bytes = b"") -> bool:
    """Whether an instance listens on the socket file at `path` (and took `command`)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(_CONNECT_TIMEOUT_MS / 1000)
        try:
            client.connect(path)
            if command:
                client.sendall(command)
        except OSError:
            return False
    return True
