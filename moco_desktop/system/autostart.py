"""Start at login, per user: Windows Run key, macOS LaunchAgent, Linux XDG autostart entry.

`autostart_for_platform()` gives the right `Autostart` for this system; Settings calls
`enable(command)` / `disable()` and shows `is_enabled()` and `location`. Commands are argv
lists (`launch_command()` builds the one for this installation) and each backend quotes them
the way its platform reads them back. Switching off removes what was written, cleanly:

- Windows: value "MOCO Desktop" under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run
  (winreg is only imported on Windows; tests inject a registry);
- macOS: ~/Library/LaunchAgents/de.mocodesktop.app.plist with `RunAtLoad` (loaded at the next
  login; never bootstrapped now, which would start a second instance);
- Linux/BSD: $XDG_CONFIG_HOME/autostart/moco-desktop.desktop. If a system-wide entry of the same
  name exists in $XDG_CONFIG_DIRS, switching off writes a `Hidden=true` user entry instead, as
  the XDG autostart specification says.
"""

from __future__ import annotations

import importlib
import os
import plistlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

APP_NAME = "MOCO Desktop"
DESKTOP_FILE_NAME = "moco-desktop.desktop"
LAUNCH_AGENT_LABEL = "de.mocodesktop.app"
RUN_KEY_PATH = r"Software\Microsoft\Windows\CurrentVersion\Run"
AUTOSTART_ARGUMENT = "--autostart"


class Autostart(Protocol):
    """Start at login for the current user."""

    @property
    def location(self) -> str:
        """Where the entry lives, for Settings (a path or a registry key)."""
        ...

    def enable(self, command: Sequence[str]) -> None: ...

    def disable(self) -> None: ...

    def is_enabled(self) -> bool: ...

    def registered_command(self) -> tuple[str, ...] | None:
        """The command that will run at login, or None when autostart is off."""
        ...


def launch_command(extra_arguments: Sequence[str] = ()) -> list[str]:
    """How to start this installation: the frozen executable, or `python -m moco_desktop`."""
    if getattr(sys, "frozen", False):
        base = [sys.executable]
    else:
        base = [sys.executable, "-m", "moco_desktop"]
    return [*base, *extra_arguments]


def _checked(command: Sequence[str]) -> list[str]:
    arguments = [str(argument) for argument in command]
    if not arguments or not arguments[0]:
        raise ValueError("the autostart command needs a program")
    if any("\0" in argument for argument in arguments):
        raise ValueError("the autostart command contains a NUL character")
    return arguments


# ---------------------------------------------------------------------------------------------
# Linux / BSD: XDG autostart


_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = frozenset('"`$\\')
_STRING_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_STRING_UNESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r", "s": " ", ";": ";"}


def desktop_exec_line(command: Sequence[str]) -> str:
    """The `Exec=` value for `command` (Desktop Entry Specification, "The Exec key").

    Arguments with reserved characters are double-quoted with `"`, `` ` ``, `$` and `\\`
    backslash-escaped; `%` is doubled (field codes); then the string-value escapes apply, which
    is why one literal backslash becomes four.
    """
    quoted = []
    for argument in _checked(command):
        argument = argument.replace("%", "%%")
        if argument == "" or any(character in _RESERVED for character in argument):
            inner = "".join(
                "\\" + character if character in _ESCAPED_IN_QUOTES else character
                for character in argument
            )
            argument = f'"{inner}"'
        quoted.append(argument)
    line = " ".join(quoted)
    return "".join(_STRING_ESCAPES.get(character, character) for character in line)


def parse_desktop_exec(value: str) -> list[str]:
    """The argv an `Exec=` value stands for (inverse of `desktop_exec_line`)."""
    unescaped: list[str] = []
    index = 0
    while index < len(value):
        character = value[index]
        if character == "\\" and index + 1 < len(value):
            following = value[index + 1]
            unescaped.append(_STRING_UNESCAPES.get(following, "\\" + following))
            index += 2
            continue
        unescaped.append(character)
        index += 1
    line = "".join(unescaped)

    arguments: list[str] = []
    current: list[str] = []
    in_argument = in_quotes = False
    index = 0
    while index < len(line):
        character = line[index]
        if in_quotes:
            following = line[index + 1] if index + 1 < len(line) else ""
            if character == "\\" and following in _ESCAPED_IN_QUOTES and following:
                current.append(following)
                index += 2
                continue
            if character == '"':
                in_quotes = False
            else:
                current.append(character)
        elif character == '"':
            in_quotes = in_argument = True
        elif character == " ":
            if in_argument:
                arguments.append("".join(current))
                current, in_argument = [], False
        else:
            current.append(character)
            in_argument = True
        index += 1
    if in_quotes:
        raise ValueError("unterminated quote in Exec value")
    if in_argument:
        arguments.append("".join(current))
    return [argument.replace("%%", "%") for argument in arguments]


def _read_desktop_entry(path: Path) -> dict[str, str]:
    """The keys of the `[Desktop Entry]` group (raw values, later keys win)."""
    entries: dict[str, str] = {}
    group = None
    for raw_line in path.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
            continue
        if group == "Desktop Entry" and "=" in line:
            key, _, value = line.partition("=")
            entries[key.strip()] = value.strip()
    return entries


def _entry_is_active(entries: Mapping[str, str]) -> bool:
    return (
        entries.get("Hidden", "false").lower() != "true"
        and entries.get("X-GNOME-Autostart-enabled", "true").lower() != "false"
        and bool(entries.get("Exec"))
    )


class XdgAutostart:
    """`$XDG_CONFIG_HOME/autostart/<file_name>`; `config_home`/`config_dirs` default from the
    environment (as the XDG Base Directory specification defines them)."""

    def __init__(
        self,
        *,
        config_home: Path | None = None,
        config_dirs: Sequence[Path] | None = None,
        file_name: str = DESKTOP_FILE_NAME,
        app_name: str = APP_NAME,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if environ is None else environ
        if config_home is None:
            configured = environ.get("XDG_CONFIG_HOME", "")
            config_home = Path(configured) if configured else Path.home() / ".config"
        if config_dirs is None:
            configured_dirs = environ.get("XDG_CONFIG_DIRS", "") or "/etc/xdg"
            config_dirs = [Path(part) for part in configured_dirs.split(":") if part]
        self.path = config_home / "autostart" / file_name
        self._system_paths = tuple(directory / "autostart" / file_name for directory in config_dirs)
        self._app_name = app_name

    @property
    def location(self) -> str:
        return str(self.path)

    def enable(self, command: Sequence[str]) -> None:
        lines = [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.0",
            f"Name={self._app_name}",
            "Comment=Track time and presences in MOCO from the system tray",
            "Comment[de]=Zeiten und Anwesenheiten in MOCO aus dem Systembereich erfassen",
            f"Exec={desktop_exec_line(command)}",
            "Icon=moco-desktop",
            "Terminal=false",
            "StartupNotify=false",
            "X-GNOME-Autostart-enabled=true",
            "",
        ]
        _write_atomically(self.path, "\n".join(lines).encode("utf-8"))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)
        system_entry = self._system_entry()
        if system_entry is not None and _entry_is_active(_read_desktop_entry(system_entry)):
            lines = [
                "[Desktop Entry]",
                "Type=Application",
                f"Name={self._app_name}",
                "Hidden=true",
                "",
            ]
            _write_atomically(self.path, "\n".join(lines).encode("utf-8"))

    def is_enabled(self) -> bool:
        return self.registered_command() is not None

    def registered_command(self) -> tuple[str, ...] | None:
        entry = self.path if self.path.exists() else self._system_entry()
        if entry is None:
            return None
        try:
            entries = _read_desktop_entry(entry)
        except (OSError, UnicodeDecodeError):
            return None
        if not _entry_is_active(entries):
            return None
        try:
            return tuple(parse_desktop_exec(entries["Exec"]))
        except ValueError:
            return None

    def _system_entry(self) -> Path | None:
        return next((path for path in self._system_paths if path.is_file()), None)


# ---------------------------------------------------------------------------------------------
# macOS: LaunchAgent


class LaunchAgentAutostart:
    """`~/Library/LaunchAgents/<label>.plist` with `ProgramArguments` and `RunAtLoad`."""

    def __init__(self, *, agents_dir: Path | None = None, label: str = LAUNCH_AGENT_LABEL) -> None:
        self.label = label
        directory = agents_dir if agents_dir is not None else Path.home() / "Library/LaunchAgents"
        self.path = directory / f"{label}.plist"

    @property
    def location(self) -> str:
        return str(self.path)

    def enable(self, command: Sequence[str]) -> None:
        agent = {
            "Label": self.label,
            "ProgramArguments": _checked(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
            "LimitLoadToSessionType": "Aqua",
        }
        _write_atomically(self.path, plistlib.dumps(agent, fmt=plistlib.FMT_XML))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)

    def is_enabled(self) -> bool:
        return self.registered_command() is not None

    def registered_command(self) -> tuple[str, ...] | None:
        try:
            agent = plistlib.loads(self.path.read_bytes())
        except (OSError, plistlib.InvalidFileException, ValueError):
            return None
        arguments = agent.get("ProgramArguments") if isinstance(agent, dict) else None
        if agent.get("Disabled") is True or not isinstance(arguments, list) or not arguments:
            return None
        return tuple(str(argument) for argument in arguments)


# ---------------------------------------------------------------------------------------------
# Windows: HKCU Run key


class RunKeyRegistry(Protocol):
    """The few registry operations the Run key needs (string values of one key)."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class WinregRunKey:
    """HKEY_CURRENT_USER\\...\\Run through winreg (importable on Windows only)."""

    def __init__(self, key_path: str = RUN_KEY_PATH) -> None:
        self._winreg: Any = importlib.import_module("winreg")
        self.key_path = key_path

    def get(self, name: str) -> str | None:
        winreg = self._winreg
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.key_path) as key:
                value, kind = winreg.QueryValueEx(key, name)
        except FileNotFoundError:
            return None
        return str(value) if kind in (winreg.REG_SZ, winreg.REG_EXPAND_SZ) else None

    def set(self, name: str, value: str) -> None:
        winreg = self._winreg
        with winreg.CreateKeyEx(
            winreg.HKEY_CURRENT_USER, self.key_path, 0, winreg.KEY_SET_VALUE
        ) as key:
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        winreg = self._winreg
        try:
            with winreg.OpenKey(
                winreg.HKEY_CURRENT_USER, self.key_path, 0, winreg.KEY_SET_VALUE
            ) as key:
                winreg.DeleteValue(key, name)
        except FileNotFoundError:
            return


def windows_command_line(command: Sequence[str]) -> str:
    """One command line as Windows programs parse it (the `subprocess.list2cmdline` rules)."""
    import subprocess

    return subprocess.list2cmdline(_checked(command))


def parse_windows_command_line(line: str) -> list[str]:
    """The argv of a command line under the MS C runtime rules (inverse of the above)."""
    arguments: list[str] = []
    current: list[str] = []
    in_argument = in_quotes = False
    index = 0
    while index < len(line):
        character = line[index]
        if character == "\\":
            backslashes = 0
            while index < len(line) and line[index] == "\\":
                backslashes += 1
                index += 1
            if index < len(line) and line[index] == '"':
                current.append("\\" * (backslashes // 2))
                if backslashes % 2:
                    current.append('"')
                    index += 1
            else:
                current.append("\\" * backslashes)
            in_argument = True
            continue
        if character == '"':
            in_quotes = not in_quotes
            in_argument = True
        elif character in " \t" and not in_quotes:
            if in_argument:
                arguments.append("".join(current))
                current, in_argument = [], False
        else:
            current.append(character)
            in_argument = True
        index += 1
    if in_argument:
        arguments.append("".join(current))
    return arguments


class WindowsRunKeyAutostart:
    """A string value named `value_name` under the per-user Run key."""

    def __init__(
        self, *, registry: RunKeyRegistry | None = None, value_name: str = APP_NAME
    ) -> None:
        self._registry = registry
        self.value_name = value_name

    @property
    def registry(self) -> RunKeyRegistry:
        if self._registry is None:
            self._registry = WinregRunKey()
        return self._registry

    @property
    def location(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY_PATH}\\{self.value_name}"

    def enable(self, command: Sequence[str]) -> None:
        self.registry.set(self.value_name, windows_command_line(command))

    def disable(self) -> None:
        self.registry.delete(self.value_name)

    def is_enabled(self) -> bool:
        return self.registered_command() is not None

    def registered_command(self) -> tuple[str, ...] | None:
        value = self.registry.get(self.value_name)
        if not value:
            return None
        return tuple(parse_windows_command_line(value))


# ---------------------------------------------------------------------------------------------


def autostart_for_platform(platform: str | None = None) -> Autostart:
    """The autostart backend of `platform` (default: this system)."""
    platform = platform or sys.platform
    if platform == "win32":
        return WindowsRunKeyAutostart()
    if platform == "darwin":
        return LaunchAgentAutostart()
    return XdgAutostart()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
