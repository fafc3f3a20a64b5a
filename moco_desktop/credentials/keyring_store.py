"""API keys in the OS keyring (Windows Credential Locker, macOS Keychain, Secret Service).

If no secure keyring works (a headless Linux session, a locked-down machine), the key is kept in
memory for this session only and the caller is told so it can tell the person. There is no
plain-text fallback, and plain-text keyring backends (keyrings.alt) are refused.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from moco_desktop.core.entities import ApiKey
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.lazy import lazy_module
from moco_desktop.core.records import record

if TYPE_CHECKING:
    import keyring
    import keyring.backend
    import keyring.errors
else:  # perf (issue 4): keyring and its plugins load when a key is first read or written
    keyring = lazy_module("keyring", globals())

SERVICE_NAME = "MOCO Desktop"

_log = logging.getLogger(__name__)

register(
    {
        "credentials.stored": {
            "en": "The API key is stored in {backend}.",
            "de": "Der API-Schlüssel ist in {backend} gespeichert.",
        },
        "credentials.session_only": {
            "en": "No secure keyring is available ({reason}). The API key is kept for this "
            "session only; you will have to log in again after a restart.",
            "de": "Kein sicherer Schlüsselbund verfügbar ({reason}). Der API-Schlüssel gilt "
            "nur für diese Sitzung; nach einem Neustart ist eine neue Anmeldung nötig.",
        },
    }
)

# Backends that would write the secret to disk in plain text or with a key next to it.
_INSECURE_BACKEND_MODULES = ("keyrings.alt",)


@record
class KeyStorage:
    """Where a key ended up: in a secure keyring (`persisted`) or only in memory."""

    persisted: bool
    backend: str
    message: str


def _backend_is_usable(backend: keyring.backend.KeyringBackend) -> str | None:
    """None if the backend may hold secrets, else the reason it may not."""
    module = type(backend).__module__
    if module.startswith(_INSECURE_BACKEND_MODULES):
        return f"{type(backend).__name__} stores secrets as files"
    if module.startswith("keyring.backends.fail") or module.startswith("keyring.backends.null"):
        return "no keyring backend found"
    return None


class CredentialStore:
    """Keeps one API key per account id; memory is the fallback, never a file."""

    def __init__(
        self, backend: keyring.backend.KeyringBackend | None = None, *, memory_only: bool = False
    ) -> None:
        self._backend = backend
        self._memory_only = memory_only  # demo mode: never touch the person's real keyring
        self._session_keys: dict[str, ApiKey] = {}

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._backend or keyring.get_keyring()

    def backend_name(self) -> str:
        backend = self.backend
        name = getattr(backend, "name", None)
        return str(name) if name else type(backend).__name__

    def save(self, account_id: str, api_key: ApiKey) -> KeyStorage:
        self._session_keys[account_id] = api_key
        if self._memory_only:
            return KeyStorage(False, "memory", "")
        backend = self.backend
        reason = _backend_is_usable(backend)
        if reason is None:
            try:
                backend.set_password(SERVICE_NAME, account_id, api_key.reveal())
            except keyring.errors.KeyringError as error:
                reason = type(error).__name__
            except Exception as error:  # a broken D-Bus or Keychain must not lose the login
                reason = type(error).__name__
            else:
                name = self.backend_name()
                return KeyStorage(True, name, tr("credentials.stored", backend=name))
        _log.warning("API key kept in memory only: %s", reason)
        return KeyStorage(False, "memory", tr("credentials.session_only", reason=reason))

    def loaded(self, account_id: str) -> ApiKey | None:
        """The key if this process has it already (saved, or read before), without asking the
        keyring."""
        return self._session_keys.get(account_id)

    def load(self, account_id: str) -> ApiKey | None:
        if account_id in self._session_keys:
            return self._session_keys[account_id]
        if self._memory_only:
            return None
        key = self._read(account_id)
        if key is not None:
            self._session_keys[account_id] = key
        return key

    def _read(self, account_id: str) -> ApiKey | None:
        """The key as the keyring has it (None: none stored, or no usable keyring)."""
        backend = self.backend
        if _backend_is_usable(backend) is not None:
            return None
        try:
            secret = backend.get_password(SERVICE_NAME, account_id)
        except Exception as error:  # an unavailable keyring reads as "no key stored"
            _log.warning("reading the keyring failed: %s", type(error).__name__)
            return None
        if not secret:
            return None
        return ApiKey(secret)

    def delete(self, account_id: str) -> None:
        self._session_keys.pop(account_id, None)
        if self._memory_only:
            return
        backend = self.backend
        if _backend_is_usable(backend) is not None:
            return
        try:
            backend.delete_password(SERVICE_NAME, account_id)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: already deleted
        except Exception as error:
            _log.warning("deleting from the keyring failed: %s", type(error).__name__)
