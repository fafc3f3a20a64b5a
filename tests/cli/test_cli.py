"""The `moco-desktop` command-line contract, end to end against the embedded MOCO server."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from moco_desktop.__main__ import main
from moco_desktop.demo.seed import DemoAccount, seed_demo
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState
from tests.conftest import MemoryKeyring


@dataclass
class Cli:
    server: EmbeddedMocoServer
    account: DemoAccount
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> object:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def posts(self, path: str) -> int:
        return sum(1 for r in self.server.requests if r.method == "POST" and r.path.endswith(path))

    def use_key(self, key: str) -> None:
        self.monkeypatch.setenv("MOCO_API_KEY", key)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    state = MocoState()
    account = seed_demo(state, dt.date.today())
    server = EmbeddedMocoServer(state, rate_limit=None).start()
    monkeypatch.setenv("MOCO_BASE_URL", server.base_url)
    monkeypatch.setenv("MOCO_RATE_LIMIT", "unlimited")
    yield Cli(server, account, monkeypatch, capsys)
    server.stop()


@pytest.fixture
def anna(cli: Cli) -> Cli:
    cli.use_key(cli.account.staff.api_key)
    return cli


def _today_of(cli: Cli, user_id: int) -> list[object]:
    today = dt.date.today()
    with cli.server.state.lock:
        return [a for a in cli.server.state.activities_of(user_id) if a.date == today]


def test_login_with_password_from_stdin_and_logout(cli: Cli, memory_keyring: MemoryKeyring) -> None:
    staff = cli.account.staff
    code, out, err = cli("login", "--email", staff.email, stdin=staff.password + "\n")
    assert code == 0, err
    assert staff.full_name in out
    assert list(memory_keyring.secrets.values()) == [staff.api_key]
    code, out, _ = cli("status")
    assert code == 0
    assert staff.full_name in out
    code, out, _ = cli("logout")
    assert code == 0
    assert memory_keyring.secrets == {}
    code, _, err = cli("status")
    assert code == 1
    assert "Not logged in" in err


def test_login_with_api_key_from_stdin(cli: Cli, memory_keyring: MemoryKeyring) -> None:
    code, out, err = cli("login", "--api-key-stdin", stdin=cli.account.normal.api_key + "\n")
    assert code == 0, err
    assert cli.account.normal.full_name in out


def test_wrong_password_is_a_clear_error_without_traceback(cli: Cli) -> None:
    code, _out, err = cli("login", "--email", cli.account.staff.email, stdin="wrong\n")
    assert code == 1
    assert "Traceback" not in err
    assert "password" in err.lower()


def test_unknown_domain_is_refused_before_any_request(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOCO_BASE_URL")
    code, _, err = cli("login", "--domain", "not a domain!", "--email", "a@b.de", stdin="pw\n")
    assert code == 1
    assert "not a domain!" in err or "domain" in err.lower()
    assert cli.server.requests == []


def test_projects_lists_assigned_projects_with_tasks(anna: Cli) -> None:
    projects = anna.json("projects")
    assert isinstance(projects, list)
    assert len(projects) >= 25  # the demo staff user is assigned to most of 32 projects
    first = projects[0]
    assert {"id", "identifier", "name", "customer", "tasks"} <= set(first)
    assert first["tasks"]
    assert {"id", "name"} <= set(first["tasks"][0])


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [("1:30", 5400), ("1,5", 5400), ("1.5h", 5400), ("90m", 5400), ("1h30m", 5400)],
)
def test_log_books_the_duration(anna: Cli, duration: str, seconds: int) -> None:
    code, _out, err = anna("log", "P0001", "Konzeption", duration, "Workshop")
    assert code == 0, err
    booked = _today_of(anna, anna.account.staff.user_id)
    assert [(a.seconds, a.description) for a in booked] == [(seconds, "Workshop")]  # type: ignore[attr-defined]


def test_log_a_time_range_on_another_day(anna: Cli) -> None:
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    code, _, err = anna("log", "P0001", "Konz", "9:00-10:30", "--date", day)
    assert code == 0, err
    entries = anna.json("today", "--date", day)
    assert isinstance(entries, dict)
    assert any(a["seconds"] == 5400 for a in entries["activities"])


@pytest.mark.parametrize("duration", ["abc", "-1h", "25:99", "", "0"])
def test_nonsense_durations_are_rejected_before_anything_is_sent(anna: Cli, duration: str) -> None:
    code, _, err = anna("log", "P0001", "Konzeption", duration)
    assert code == 2
    assert "Traceback" not in err
    assert err.strip()
    assert anna.posts("/activities") == 0


def test_ambiguous_or_unknown_project_is_a_clear_error(anna: Cli) -> None:
    code, _, err = anna("log", "does-not-exist", "x", "1h")
    assert code == 1
    assert "Traceback" not in err
    assert anna.posts("/activities") == 0


def test_start_stop_and_continue(anna: Cli) -> None:
    anna_id = anna.account.staff.user_id
    code, _, err = anna("start", "P0002", "Entwicklung", "API client")
    assert code == 0, err
    assert anna.posts("/activities") == 1  # one request: MOCO starts a 0-second entry itself
    with anna.server.state.lock:
        running = anna.server.state.running_timer(anna_id)
        assert running is not None
        assert running.description == "API client"
        entry_id = running.id
    status = anna.json("status")
    assert isinstance(status, dict)
    assert status["running"]["id"] == entry_id
    code, _, err = anna("stop")
    assert code == 0, err
    with anna.server.state.lock:
        assert anna.server.state.running_timer(anna_id) is None
    code, _, err = anna("start", "--activity", str(entry_id))
    assert code == 0, err
    with anna.server.state.lock:
        running = anna.server.state.running_timer(anna_id)
        assert running is not None
        assert running.id == entry_id


def test_status_shows_a_timer_started_elsewhere_on_an_earlier_day(anna: Cli) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    state = anna.server.state
    with state.lock:
        project = next(iter(state.projects.values()))
        task = project.tasks[0]
        state.add_activity(
            anna.account.staff.user_id,
            project.id,
            task.id,
            yesterday,
            description="forgotten in the web app",
            timer_started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=20),
        )
    status = anna.json("status")
    assert isinstance(status, dict)
    assert status["running"]["description"] == "forgotten in the web app"
    assert status["running"]["date"] == yesterday.isoformat()


def test_today_never_shows_a_colleagues_entries(anna: Cli) -> None:
    jonas = anna.account.normal
    anna.use_key(jonas.api_key)
    assert anna("log", "P0001", "Konz", "2h", "Jonas' work")[0] == 0
    anna.use_key(anna.account.staff.api_key)
    assert anna("log", "P0001", "Konz", "1h", "Anna's work")[0] == 0
    day = anna.json("today")
    assert isinstance(day, dict)
    assert [a["description"] for a in day["activities"]] == ["Anna's work"]


def test_clock_in_and_out(anna: Cli) -> None:
    code, _, err = anna("clock", "in", "--home-office")
    assert code == 0, err
    day = anna.json("today")
    assert isinstance(day, dict)
    assert day["presences"][-1]["to"] is None
    assert day["presences"][-1]["is_home_office"] is True


def test_staff_acts_for_a_colleague(anna: Cli) -> None:
    jonas = anna.account.normal
    code, _, err = anna("--as-user", str(jonas.user_id), "log", "P0001", "Konz", "1h", "für Jonas")
    assert code == 0, err
    assert [a.description for a in _today_of(anna, jonas.user_id)] == ["für Jonas"]  # type: ignore[attr-defined]
    assert _today_of(anna, anna.account.staff.user_id) == []


def test_a_normal_user_may_not_act_for_others(anna: Cli) -> None:
    anna.use_key(anna.account.normal.api_key)
    staff_id = str(anna.account.staff.user_id)
    code, _, err = anna("today", "--as-user", staff_id)
    assert code == 1
    assert "permission" in err.lower()
    assert "Traceback" not in err


def test_offline_changes_exit_3_and_sync_sends_them_once(anna: Cli) -> None:
    assert anna("status")[0] == 0  # caches projects while online
    anna.server.faults.refuse_connections = True
    code, _, err = anna("log", "P0001", "Konz", "45m", "im Zug")
    assert code == 3, err
    assert "sync" in err
    code, out, _ = anna("status")
    assert code == 0
    assert "NOT reachable" in out
    assert "45 min on Website-Relaunch" in out
    anna.server.faults.refuse_connections = False
    code, _, err = anna("sync")
    assert code == 0, err
    assert anna("sync")[0] == 0
    assert anna.posts("/activities") == 1
    assert [a.description for a in _today_of(anna, anna.account.staff.user_id)] == ["im Zug"]  # type: ignore[attr-defined]


def test_logout_keeps_unsent_changes_unless_told_to_discard_them(
    anna: Cli, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    monkeypatch.delenv("MOCO_API_KEY")
    staff = anna.account.staff
    assert anna("login", "--email", staff.email, stdin=staff.password + "\n")[0] == 0
    assert anna("status")[0] == 0
    anna.server.faults.refuse_connections = True
    assert anna("log", "P0001", "Konz", "1h", "offline")[0] == 3
    code, _, err = anna("logout")
    assert code == 1
    assert "1 change" in err
    assert memory_keyring.secrets  # still logged in
    code, _, _ = anna("logout", "--discard-unsent")
    assert code == 0
    assert memory_keyring.secrets == {}


def test_german_messages(anna: Cli) -> None:
    code, _, err = anna("--lang", "de", "log", "P0001", "Konz", "abc")
    assert code == 2
    assert "keine Dauer" in err or "Dauer" in err


def test_usage_errors_exit_2() -> None:
    assert main(["log", "only-project"]) == 2
    assert main(["clock", "sideways"]) == 2
    assert main(["today", "--as-user", "abc"]) == 2


def test_user_errors_never_print_a_traceback_in_a_real_process(tmp_path: object) -> None:
    env = {**os.environ, "MOCO_BASE_URL": "http://127.0.0.1:9/api/v1", "MOCO_API_KEY": "k"}
    result = subprocess.run(
        [sys.executable, "-m", "moco_desktop", "status"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def _timer_started_elsewhere(cli: Cli, minutes_ago: int) -> int:
    """A timer Anna started in the web app `minutes_ago` minutes ago; its id."""
    state = cli.server.state
    with state.lock:
        project = next(p for p in state.projects.values() if p.identifier == "P0002")
        task = next(t for t in project.tasks if t.name == "Entwicklung")
        record = state.add_activity(
            cli.account.staff.user_id,
            project.id,
            task.id,
            dt.date.today(),
            description="im Browser gestartet",
            timer_started_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago),
        )
        return record.id


def test_stop_rounds_as_the_settings_say(anna: Cli) -> None:
    from moco_desktop.app import AppContext

    AppContext.create().accounts.update_extra(
        {"rounding": {"enabled": True, "minutes": 15, "mode": "up"}}
    )
    entry_id = _timer_started_elsewhere(anna, 7)
    code, out, err = anna("stop")
    assert code == 0, err
    assert "15 min" in out
    state = anna.server.state
    with state.lock:
        assert state.running_timer(anna.account.staff.user_id) is None
        assert state.activities[entry_id].seconds == 15 * 60


def test_stop_without_rounding_books_the_time_as_measured(anna: Cli) -> None:
    entry_id = _timer_started_elsewhere(anna, 7)
    code, _, err = anna("stop")
    assert code == 0, err
    state = anna.server.state
    with state.lock:
        assert state.running_timer(anna.account.staff.user_id) is None
        assert 7 * 60 <= state.activities[entry_id].seconds < 8 * 60
