"""The app's directories follow the platform (XDG here) and are created owner-only."""

from __future__ import annotations

import stat
from pathlib import Path

from moco_desktop.system.paths import AppPaths


def test_directories_follow_xdg(isolated_user_dirs: Path) -> None:
    paths = AppPaths.for_user().ensure()
    assert paths.config_dir == isolated_user_dirs / "config" / "moco-desktop"
    assert paths.data_dir == isolated_user_dirs / "data" / "moco-desktop"
    assert paths.database_file.parent == paths.data_dir
    assert stat.S_IMODE(paths.data_dir.stat().st_mode) == 0o700
