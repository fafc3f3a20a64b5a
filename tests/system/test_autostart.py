"""Start at login: the XDG entry for real in the test's isolated XDG dirs, the LaunchAgent in a
temporary folder, the Run key against an in-memory registry, and the quoting of each."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from moco_desktop.system.autostart import (
    AUTOSTART_ARGUMENT,
    DESKTOP_FILE_NAME,
    LaunchAgentAutostart,
    WindowsRunKeyAutostart,
    XdgAutostart,
    autostart_for_platform,
    desktop_exec_line,
    launch_command,
    parse_desktop_exec,
    parse_windows_command_line,
    windows_command_line,
)

TRICKY_ARGUMENTS = [
    "/opt/MOCO Desktop/moco-desktop",
    "--autostart",
    'say "hi"',
    "cost $5 `now`",
    "C:\\Users\\Jo\\",
    "100%",
    "",
    "tab\there",
    "semi;colon#hash",
]


# --- XDG (Linux) -----------------------------------------------------------------------------


def test_xdg_autostart_writes_and_removes_the_entry_in_xdg_config_home(
    isolated_user_dirs: Path,
) -> None:
    autostart = XdgAutostart(config_dirs=[])
    expected = isolated_user_dirs / "config" / "autostart" / DESKTOP_FILE_NAME
    assert autostart.path == expected
    assert not autostart.is_enabled()

    autostart.enable(["/opt/moco/moco-desktop", AUTOSTART_ARGUMENT])

    assert autostart.is_enabled()
    text = expected.read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\nType=Application\n")
    assert "\nExec=/opt/moco/moco-desktop --autostart\n" in text
    assert "\nName=MOCO Desktop\n" in text
    assert "X-GNOME-Autostart-enabled=true" in text
    assert autostart.registered_command() == ("/opt/moco/moco-desktop", "--autostart")
    assert autostart.location == str(expected)

    autostart.disable()
    assert not expected.exists()
    assert not autostart.is_enabled()
    autostart.disable()  # switching off twice is fine


def test_xdg_enable_replaces_an_older_entry() -> None:
    autostart = XdgAutostart(config_dirs=[])
    autostart.enable(["/old/place/moco-desktop"])
    autostart.enable(["/new/place/moco-desktop"])

    assert autostart.registered_command() == ("/new/place/moco-desktop",)
    assert list(autostart.path.parent.iterdir()) == [autostart.path]


def test_xdg_entry_round_trips_arguments_that_need_quoting() -> None:
    autostart = XdgAutostart(config_dirs=[])
    autostart.enable(TRICKY_ARGUMENTS)

    assert autostart.registered_command() == tuple(TRICKY_ARGUMENTS)


def test_desktop_exec_quoting_follows_the_specification() -> None:
    assert desktop_exec_line(["moco-desktop"]) == "moco-desktop"
    assert desktop_exec_line(["/a b/app", "x"]) == '"/a b/app" x'
    # A literal backslash in a quoted argument becomes four (quoting, then string escapes).
    assert desktop_exec_line(["a\\b"]) == '"a\\\\\\\\b"'
    assert desktop_exec_line(['say "hi"']) == '"say \\\\"hi\\\\""'
    assert desktop_exec_line(["$HOME"]) == '"\\\\$HOME"'
    assert desktop_exec_line(["100%"]) == "100%%"
    assert desktop_exec_line(["app", ""]) == 'app ""'
    assert desktop_exec_line(["line\nbreak"]) == '"line\\nbreak"'
    for arguments in (TRICKY_ARGUMENTS, ["x"], ["a", "", "b"]):
        assert parse_desktop_exec(desktop_exec_line(arguments)) == arguments


def test_exec_lines_written_by_hand_are_read_too() -> None:
    assert parse_desktop_exec('"/opt/My App/run" --flag  "two words"') == [
        "/opt/My App/run",
        "--flag",
        "two words",
    ]
    assert parse_desktop_exec('"say \\"hi\\""') == ['say "hi"']
    with pytest.raises(ValueError, match="unterminated"):
        parse_desktop_exec('"open')


def test_desktop_file_validates_when_the_validator_is_installed() -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (apt package desktop-file-utils)")
    autostart = XdgAutostart(config_dirs=[])
    autostart.enable(TRICKY_ARGUMENTS)
    result = subprocess.run(
        [validator, str(autostart.path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_xdg_disable_hides_a_system_wide_entry(tmp_path: Path) -> None:
    system_dir = tmp_path / "etc-xdg"
    (system_dir / "autostart").mkdir(parents=True)
    system_entry = system_dir / "autostart" / DESKTOP_FILE_NAME
    system_entry.write_text(
        "[Desktop Entry]\nType=Application\nName=MOCO Desktop\nExec=/usr/bin/moco-desktop\n",
        encoding="utf-8",
    )
    autostart = XdgAutostart(config_dirs=[system_dir])
    assert autostart.is_enabled()
    assert autostart.registered_command() == ("/usr/bin/moco-desktop",)

    autostart.disable()

    assert not autostart.is_enabled()
    assert "Hidden=true" in autostart.path.read_text(encoding="utf-8")
    assert system_entry.exists()  # never touched
    autostart.enable(["/usr/bin/moco-desktop"])
    assert autostart.is_enabled()


def test_an_entry_switched_off_in_the_desktop_settings_counts_as_off() -> None:
    autostart = XdgAutostart(config_dirs=[])
    autostart.enable(["moco-desktop"])
    text = autostart.path.read_text(encoding="utf-8")
    autostart.path.write_text(
        text.replace("X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false"),
        encoding="utf-8",
    )

    assert not autostart.is_enabled()


def test_xdg_defaults_follow_the_environment(tmp_path: Path) -> None:
    custom = XdgAutostart(environ={"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert custom.path == tmp_path / "cfg" / "autostart" / DESKTOP_FILE_NAME
    fallback = XdgAutostart(environ={})
    assert fallback.path == Path.home() / ".config" / "autostart" / DESKTOP_FILE_NAME


def test_an_unreadable_entry_is_not_enabled() -> None:
    autostart = XdgAutostart(config_dirs=[])
    autostart.path.parent.mkdir(parents=True)
    autostart.path.write_bytes(b"\xff\xfe not utf-8")

    assert autostart.registered_command() is None


# --- macOS LaunchAgent -----------------------------------------------------------------------


def test_launch_agent_is_a_plist_run_at_load_and_removed_cleanly(tmp_path: Path) -> None:
    agents = tmp_path / "Library" / "LaunchAgents"
    autostart = LaunchAgentAutostart(agents_dir=agents)
    assert not autostart.is_enabled()

    autostart.enable(["/Applications/MOCO Desktop.app/Contents/MacOS/MOCO Desktop", "--autostart"])

    path = agents / "de.mocodesktop.app.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == "de.mocodesktop.app"
    assert agent["ProgramArguments"] == [
        "/Applications/MOCO Desktop.app/Contents/MacOS/MOCO Desktop",
        "--autostart",
    ]
    assert agent["RunAtLoad"] is True
    assert autostart.is_enabled()
    assert autostart.location == str(path)

    autostart.disable()
    assert not path.exists()
    assert not autostart.is_enabled()


def test_a_damaged_or_disabled_launch_agent_is_off(tmp_path: Path) -> None:
    autostart = LaunchAgentAutostart(agents_dir=tmp_path)
    autostart.path.write_bytes(b"not a plist")
    assert not autostart.is_enabled()
    autostart.path.write_bytes(
        plistlib.dumps({"Label": "x", "ProgramArguments": ["a"], "Disabled": True})
    )
    assert not autostart.is_enabled()


# --- Windows Run key -------------------------------------------------------------------------


class MemoryRegistry:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def test_run_key_holds_one_quoted_command_line() -> None:
    registry = MemoryRegistry()
    autostart = WindowsRunKeyAutostart(registry=registry)
    assert not autostart.is_enabled()

    autostart.enable(["C:\\Program Files\\MOCO Desktop\\moco-desktop.exe", "--autostart"])

    assert registry.values == {
        "MOCO Desktop": '"C:\\Program Files\\MOCO Desktop\\moco-desktop.exe" --autostart'
    }
    assert autostart.registered_command() == (
        "C:\\Program Files\\MOCO Desktop\\moco-desktop.exe",
        "--autostart",
    )
    assert autostart.location.endswith(
        "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\MOCO Desktop"
    )
    autostart.disable()
    assert registry.values == {}
    assert not autostart.is_enabled()


def test_windows_command_lines_round_trip_backslashes_and_quotes() -> None:
    for arguments in (TRICKY_ARGUMENTS, ['a\\\\"b', "c d\\"], ["x"]):
        assert parse_windows_command_line(windows_command_line(arguments)) == arguments


def test_winreg_is_only_needed_on_windows() -> None:
    autostart = autostart_for_platform("win32")
    assert isinstance(autostart, WindowsRunKeyAutostart)
    if sys.platform != "win32":
        with pytest.raises(ModuleNotFoundError):
            autostart.is_enabled()


# --- choosing and commands -------------------------------------------------------------------


def test_each_platform_gets_its_backend() -> None:
    assert isinstance(autostart_for_platform("linux"), XdgAutostart)
    assert isinstance(autostart_for_platform("darwin"), LaunchAgentAutostart)
    assert isinstance(autostart_for_platform("freebsd14"), XdgAutostart)


def test_launch_command_of_a_source_install_and_of_a_frozen_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert launch_command([AUTOSTART_ARGUMENT]) == [
        sys.executable,
        "-m",
        "moco_desktop",
        "--autostart",
    ]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launch_command() == [sys.executable]


def test_commands_need_a_program() -> None:
    autostart = XdgAutostart(config_dirs=[])
    with pytest.raises(ValueError, match="needs a program"):
        autostart.enable([])
    with pytest.raises(ValueError, match="NUL"):
        autostart.enable(["app", "a\0b"])
    assert not autostart.path.exists()
