"""The settings file: round trip, owner-only permissions, damaged files, no secrets."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from moco_desktop.storage.settings import AccountRecord, Settings, SettingsFile

ANNA = AccountRecord("acme.mocoapp.com#1", "acme", "https://acme.mocoapp.com/api/v1", 1, "a@x.de")
JONAS = AccountRecord("acme.mocoapp.com#2", "acme", "https://acme.mocoapp.com/api/v1", 2, "j@x.de")


def test_round_trip_keeps_accounts_and_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"future_option": [1, 2]}))
    file = SettingsFile(path)
    settings = file.load().with_account(ANNA).with_account(JONAS, activate=False)
    file.save(settings)
    loaded = file.load()
    assert loaded.accounts == (ANNA, JONAS)
    assert loaded.active_account == ANNA
    assert loaded.last_email == "j@x.de"
    assert loaded.extra == {"future_option": [1, 2]}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_removing_the_active_account_activates_another() -> None:
    settings = Settings().with_account(ANNA).with_account(JONAS)
    assert settings.active_account == JONAS
    assert settings.without_account(JONAS.account_id).active_account == ANNA
    assert Settings().with_account(ANNA).without_account(ANNA.account_id).active_account is None


def test_a_damaged_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert SettingsFile(path).load() == Settings()
    assert (tmp_path / "settings.json.broken").read_text() == "{not json"


def test_unknown_language_follows_the_system(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"language": "fr"}))
    assert SettingsFile(path).load().language is None
