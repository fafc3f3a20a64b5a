"""Where the app keeps its files: the platform's user directories (XDG on Linux)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from moco_desktop.core.records import record

APP_NAME = "moco-desktop"
APP_AUTHOR = "MOCO Desktop"


@record
class AppPaths:
    """Config (settings), data (database, outbox), cache and logs; created on demand."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def for_user(cls) -> AppPaths:
        dirs = platformdirs.PlatformDirs(APP_NAME, APP_AUTHOR, roaming=False)
        return cls(
            config_dir=Path(dirs.user_config_dir),
            data_dir=Path(dirs.user_data_dir),
            cache_dir=Path(dirs.user_cache_dir),
            log_dir=Path(dirs.user_log_dir),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        """All directories below one folder (demo mode, tests)."""
        return cls(root / "config", root / "data", root / "cache", root / "logs")

    def ensure(self) -> AppPaths:
        for folder in (self.config_dir, self.data_dir, self.cache_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def database_file(self) -> Path:
        return self.data_dir / "moco-desktop.sqlite3"
