"""Where the bundled icons are found: in the source tree and inside a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from moco_desktop import resources
from tests.packaging.packaging_modules import ROOT


def test_a_source_tree_uses_the_repositorys_resources_folder() -> None:
    assert resources.resources_dir() == ROOT / "resources"
    assert resources.icons_dir() == ROOT / "resources" / "icons"


def test_a_frozen_app_uses_the_folder_beside_its_bundled_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.icons_dir() == tmp_path / "resources" / "icons"


def test_app_icon_files_come_smallest_first() -> None:
    files = resources.app_icon_files()
    assert [path.name for path in files] == [
        f"app-{size}.png" for size in sorted(resources.APP_ICON_SIZES)
    ]


def test_the_window_icon_leaves_out_the_installer_sizes() -> None:
    files = resources.app_icon_files(max_px=128)
    assert [path.name for path in files] == [
        f"app-{size}.png" for size in sorted(resources.APP_ICON_SIZES) if size <= 128
    ]
    assert "app-1024.png" not in {path.name for path in files}


def test_tray_icon_files_list_both_sizes_with_their_hidpi_variants() -> None:
    assert [path.name for path in resources.tray_icon_files("running", template=True)] == [
        "tray-running-template-16.png",
        "tray-running-template-16@2x.png",
        "tray-running-template-22.png",
        "tray-running-template-22@2x.png",
    ]
    assert resources.tray_icon_name("idle", 22) == "tray-idle-22.png"


def test_a_missing_file_is_reported_with_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(FileNotFoundError, match=r"app-16\.png"):
        resources.app_icon_files()
