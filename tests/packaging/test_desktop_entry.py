"""The Linux .desktop file and the script that registers it for the user."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.packaging_modules import PACKAGING, ROOT

DESKTOP_FILE = PACKAGING / "linux" / "moco-desktop.desktop"
INSTALLER = PACKAGING / "linux" / "install-desktop-entry.sh"
# Keys of the Desktop Entry Specification 1.1 an application entry may use.
KNOWN_KEYS = {
    "Type", "Version", "Name", "GenericName", "NoDisplay", "Comment", "Icon", "Hidden",
    "OnlyShowIn", "NotShowIn", "DBusActivatable", "TryExec", "Exec", "Path", "Terminal",
    "Actions", "MimeType", "Categories", "Implements", "Keywords", "StartupNotify",
    "StartupWMClass", "URL",
}  # fmt: skip
MAIN_CATEGORIES = {
    "AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics", "Network",
    "Office", "Science", "Settings", "System", "Utility",
}  # fmt: skip


def read_entry() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def test_the_entry_has_the_required_keys_and_only_known_ones() -> None:
    entry = read_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "MOCO Desktop"
    assert entry["Version"] in {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
    for key in entry:
        base = re.sub(r"\[[A-Za-z_@]+\]$", "", key)
        assert base in KNOWN_KEYS, key
        assert base in entry, f"{key} is a translation of a missing key"


def test_the_entry_starts_the_bundled_executable_with_the_bundled_icon() -> None:
    entry = read_entry()
    assert entry["Exec"].split()[0] == "moco-desktop"  # the Linux executable (see the spec)
    assert entry["Icon"] == "moco-desktop"  # packaging/build copies moco-desktop.png beside it
    assert entry["StartupWMClass"] == "moco-desktop"
    assert entry["Terminal"] == "false"


def test_categories_are_a_semicolon_list_with_a_main_category() -> None:
    categories = read_entry()["Categories"]
    assert categories.endswith(";")
    assert set(categories.rstrip(";").split(";")) & MAIN_CATEGORIES


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_the_installer_registers_an_absolute_exec_and_removes_it_again(tmp_path: Path) -> None:
    bundle = tmp_path / "moco desktop"  # a space in the path must survive
    bundle.mkdir()
    shutil.copy(DESKTOP_FILE, bundle)
    shutil.copy(INSTALLER, bundle)
    shutil.copy(ROOT / "resources" / "icons" / "app-256.png", bundle / "moco-desktop.png")
    data_home = tmp_path / "data"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(data_home)}
    script = str(bundle / INSTALLER.name)

    subprocess.run(["sh", script], check=True, env=env, capture_output=True)
    installed = (data_home / "applications" / "moco-desktop.desktop").read_text()
    assert f'Exec="{bundle}/moco-desktop"' in installed.splitlines()
    assert (data_home / "icons" / "hicolor" / "256x256" / "apps" / "moco-desktop.png").exists()

    subprocess.run(["sh", script, "--remove"], check=True, env=env, capture_output=True)
    assert not (data_home / "applications" / "moco-desktop.desktop").exists()
