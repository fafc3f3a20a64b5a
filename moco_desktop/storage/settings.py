"""The user's settings and known accounts, as a small JSON file (never any secret).

Written atomically (temp file + rename) with owner-only permissions. Unknown keys from newer
versions are kept; a damaged file is set aside as `settings.json.broken` and defaults are used.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, field, replace
from pathlib import Path
from typing import Any

from moco_desktop.core.records import record

SETTINGS_VERSION = 1


@record
class AccountRecord:
    """A MOCO login the app knows: which domain, which user. The key lives in the keyring."""

    account_id: str
    domain: str
    base_url: str
    user_id: int
    email: str = ""
    display_name: str = ""


@record
class Settings:
    accounts: tuple[AccountRecord, ...] = ()
    active_account_id: str | None = None
    language: str | None = None  # None: follow the system
    rate_limit_plan: str = "seed"  # "seed" 15/15 s, "standard" 120/120 s, "unlimited" 1200/120 s
    last_domain: str = ""
    last_email: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def account(self, account_id: str | None) -> AccountRecord | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)

    @property
    def active_account(self) -> AccountRecord | None:
        return self.account(self.active_account_id)

    def with_account(self, record: AccountRecord, *, activate: bool = True) -> Settings:
        others = tuple(a for a in self.accounts if a.account_id != record.account_id)
        return replace(
            self,
            accounts=(*others, record),
            active_account_id=record.account_id if activate else self.active_account_id,
            last_domain=record.domain,
            last_email=record.email or self.last_email,
        )

    def without_account(self, account_id: str) -> Settings:
        remaining = tuple(a for a in self.accounts if a.account_id != account_id)
        active = self.active_account_id
        if active == account_id:
            active = remaining[0].account_id if remaining else None
        return replace(self, accounts=remaining, active_account_id=active)


_KNOWN = {"accounts", "active_account_id", "language", "rate_limit_plan", "last_domain"}
_KNOWN |= {"last_email", "version"}


class SettingsFile:
    """Loads and saves `Settings` at one path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Settings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("settings must be a JSON object")
            return self._from_json(raw)
        except FileNotFoundError:
            return Settings()
        except (ValueError, TypeError, KeyError):
            self.path.replace(self.path.with_name(self.path.name + ".broken"))
            return Settings()

    def save(self, settings: Settings) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {
            **settings.extra,
            "version": SETTINGS_VERSION,
            "accounts": [asdict(a) for a in settings.accounts],
            "active_account_id": settings.active_account_id,
            "language": settings.language,
            "rate_limit_plan": settings.rate_limit_plan,
            "last_domain": settings.last_domain,
            "last_email": settings.last_email,
        }
        handle, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2, ensure_ascii=False)
            os.chmod(temp_name, 0o600)
            os.replace(temp_name, self.path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    @staticmethod
    def _from_json(raw: dict[str, Any]) -> Settings:
        accounts = tuple(
            AccountRecord(
                account_id=str(a["account_id"]),
                domain=str(a["domain"]),
                base_url=str(a["base_url"]),
                user_id=int(a["user_id"]),
                email=str(a.get("email", "")),
                display_name=str(a.get("display_name", "")),
            )
            for a in raw.get("accounts", [])
        )
        language = raw.get("language")
        return Settings(
            accounts=accounts,
            active_account_id=raw.get("active_account_id"),
            language=language if language in ("en", "de") else None,
            rate_limit_plan=str(raw.get("rate_limit_plan", "seed")),
            last_domain=str(raw.get("last_domain", "")),
            last_email=str(raw.get("last_email", "")),
            extra={k: v for k, v in raw.items() if k not in _KNOWN},
        )
