"""After a full session, nothing the app wrote holds the API key.

Logs in with a password, books online and offline, syncs, starts and stops a timer, all with
debug logging on; then reads every byte under the app's directories (settings, the SQLite
database with its WAL, cache) and the captured output and log records. (The demo password,
"demo", is also the demo domain's name, so it cannot be searched for on disk; the app never
keeps a password anywhere: it is only sent once, in `POST /session`.)
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import sys
from pathlib import Path

import pytest

from moco_desktop.__main__ import main
from moco_desktop.demo.seed import seed_demo
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState
from tests.conftest import MemoryKeyring


def test_a_full_session_leaves_no_key_or_password_behind(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    isolated_user_dirs: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    state = MocoState()
    account = seed_demo(state, dt.date.today())
    staff = account.staff
    caplog.set_level(logging.DEBUG)
    with EmbeddedMocoServer(state, rate_limit=None) as server:
        monkeypatch.setenv("MOCO_BASE_URL", server.base_url)
        monkeypatch.setenv("MOCO_RATE_LIMIT", "unlimited")

        def run(*args: str, stdin: str = "") -> int:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
            return main(["-v", *args])

        assert run("login", "--email", staff.email, stdin=staff.password + "\n") == 0
        assert run("log", "P0001", "Konz", "1h", "online") == 0
        assert run("start", "P0002", "Entw", "timer") == 0
        assert run("stop") == 0
        server.faults.refuse_connections = True
        assert run("log", "P0001", "Konz", "30m", "offline") == 3
        server.faults.refuse_connections = False
        assert run("sync") == 0
        assert run("status", "--json") == 0
        assert run("today", "--json") == 0

    key = staff.api_key.encode()
    assert staff.api_key in memory_keyring.secrets.values()  # the keyring is its only home
    written = [path for path in isolated_user_dirs.rglob("*") if path.is_file()]
    assert any(path.suffix == ".sqlite3" for path in written)
    for path in written:
        content = path.read_bytes()
        assert key not in content, path
    out, err = capsys.readouterr()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for text in (out, err, logged):
        assert staff.api_key not in text
        assert f"password={staff.password}" not in text
        assert "Token token=" not in text
