"""One running app per user: a second launch asks the first to come forward and exits.

The first instance listens on a local socket (a named pipe on Windows) whose name includes the
user name; a later launch connects, sends `show`, and quits. A socket left behind by a crashed
instance is removed before listening. Demo mode uses a name of its own, so a demo can run beside
the real app.
"""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

SHOW_COMMAND = b"show\n"
_CONNECT_TIMEOUT_MS = 500


def instance_name(variant: str = "") -> str:
    """The socket name for this user (and variant, e.g. "demo")."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in some sandboxes
        user = "user"
    tag = hashlib.sha256(f"{user}|{variant}".encode()).hexdigest()[:12]
    return f"moco-desktop-{tag}"


def notify_running_instance(name: str) -> bool:
    """Ask a running instance to show itself; True if one answered."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(_CONNECT_TIMEOUT_MS):
        return False
    socket.write(SHOW_COMMAND)
    socket.flush()
    socket.waitForBytesWritten(_CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """The listening side: emits `activationRequested` when another launch says `show`."""

    activationRequested = Signal()  # noqa: N815 (Qt naming)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        """Start listening; False if the name cannot be taken (then run without it)."""
        if self._server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)  # a stale socket file after a crash
        return self._server.listen(self.name)

    def close(self) -> None:
        self._server.close()

    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._on_ready(socket)

    def _on_ready(self, socket: QLocalSocket) -> None:
        data = bytes(socket.readAll().data())
        if SHOW_COMMAND.strip() in data:
            self.activationRequested.emit()
