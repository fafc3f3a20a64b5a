"""The Inno Setup script: per-user install, Start Menu entry, start-at-login, clean uninstall."""

from __future__ import annotations

import re

from moco_desktop.system import autostart
from tests.packaging.packaging_modules import PACKAGING

ISS = (PACKAGING / "windows" / "moco-desktop.iss").read_text(encoding="utf-8")


def section(name: str) -> str:
    match = re.search(rf"^\[{name}\]\n(.*?)(?=^\[|\Z)", ISS, re.M | re.S)
    assert match, name
    return match.group(1)


def setting(name: str) -> str:
    match = re.search(rf"^{name}=(.*)$", section("Setup"), re.M)
    assert match, name
    return match.group(1)


def define(name: str) -> str:
    match = re.search(rf'^#define {name} "(.*)"$', ISS, re.M)
    assert match, name
    return match.group(1)


def test_installs_per_user_without_admin_rights() -> None:
    assert setting("PrivilegesRequired") == "lowest"
    assert setting("DefaultDirName") == r"{autopf}\{#AppName}"


def test_the_setup_file_is_named_after_the_version() -> None:
    assert setting("OutputBaseFilename") == "MOCO-Desktop-Setup-{#AppVersion}"
    icon = setting("SetupIconFile").replace("\\", "/")
    assert (PACKAGING / "windows" / icon).resolve().is_file()


def test_a_start_menu_entry_starts_the_app() -> None:
    assert r'Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"' in section("Icons")


def test_start_at_login_is_an_optional_task_writing_the_apps_own_run_value() -> None:
    assert define("AppName") == autostart.APP_NAME
    assert define("RunKey") == autostart.RUN_KEY_PATH
    assert 'Name: "startatlogin"' in section("Tasks")
    registry = section("Registry")
    assert "Root: HKCU" in registry
    assert 'ValueName: "{#AppName}"' in registry
    assert f'ValueData: """{{app}}\\{{#AppExe}}"" {autostart.AUTOSTART_ARGUMENT}"' in registry
    assert "Flags: uninsdeletevalue; Tasks: startatlogin" in registry


def test_uninstalling_stops_the_app_and_removes_the_run_value_however_it_was_written() -> None:
    assert "taskkill.exe" in section("UninstallRun")
    code = section("Code")
    assert "usPostUninstall" in code
    assert "RegDeleteValue(HKEY_CURRENT_USER, '{#RunKey}', '{#AppName}')" in code


def test_signing_is_only_configured_when_asked_for() -> None:
    assert re.search(r"^#ifdef Sign\nSignTool=mocosign\nSignedUninstaller=yes\n#endif", ISS, re.M)
