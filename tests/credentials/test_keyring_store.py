"""The keyring adapter: secure backends hold the key; otherwise memory only, never a file."""

from __future__ import annotations

from pathlib import Path

import keyring.backend
import keyring.backends.fail
import keyring.errors

from moco_desktop.core.entities import ApiKey
from moco_desktop.credentials.keyring_store import SERVICE_NAME, CredentialStore
from tests.conftest import MemoryKeyring


def _fail_keyring() -> keyring.backend.KeyringBackend:
    """keyring's backend for "no keyring on this machine" (what headless Linux gets)."""
    return keyring.backends.fail.Keyring()  # type: ignore[no-untyped-call]


def test_key_is_stored_in_the_keyring(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore()
    outcome = store.save("acme.mocoapp.com#1", ApiKey("secret-key"))
    assert outcome.persisted
    assert "secret-key" not in outcome.message
    assert memory_keyring.secrets[(SERVICE_NAME, "acme.mocoapp.com#1")] == "secret-key"
    assert CredentialStore().load("acme.mocoapp.com#1") == ApiKey("secret-key")


def test_without_a_keyring_the_key_lives_in_memory_and_the_user_is_told(
    isolated_user_dirs: Path,
) -> None:
    store = CredentialStore(backend=_fail_keyring())
    outcome = store.save("a#1", ApiKey("secret-key"))
    assert not outcome.persisted
    assert "session only" in outcome.message
    assert store.load("a#1") == ApiKey("secret-key")
    assert CredentialStore(backend=_fail_keyring()).load("a#1") is None
    written = [p for p in isolated_user_dirs.rglob("*") if p.is_file()]
    assert all("secret-key" not in p.read_text(errors="ignore") for p in written)


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


def test_a_locked_keyring_falls_back_to_memory() -> None:
    store = CredentialStore(backend=BrokenKeyring())
    outcome = store.save("a#1", ApiKey("k"))
    assert not outcome.persisted
    assert "KeyringLocked" in outcome.message
    assert store.load("a#1") == ApiKey("k")


class PlaintextLikeKeyring(MemoryKeyring):
    """Pretends to come from keyrings.alt, which writes secrets to files."""


PlaintextLikeKeyring.__module__ = "keyrings.alt.file"


def test_plain_text_backends_are_refused() -> None:
    backend = PlaintextLikeKeyring()
    outcome = CredentialStore(backend=backend).save("a#1", ApiKey("k"))
    assert not outcome.persisted
    assert backend.secrets == {}


def test_delete_removes_key_everywhere(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore()
    store.save("a#1", ApiKey("k"))
    store.delete("a#1")
    assert store.load("a#1") is None
    assert memory_keyring.secrets == {}
    store.delete("a#1")  # deleting twice is fine


def test_memory_only_store_never_touches_the_keyring(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore(memory_only=True)
    store.save("demo#1", ApiKey("demo-key"))
    assert memory_keyring.secrets == {}
    assert store.load("demo#1") == ApiKey("demo-key")


def test_api_key_hides_itself() -> None:
    key = ApiKey("very-secret")
    assert "very-secret" not in repr(key)
    assert "very-secret" not in str(key)
    assert "very-secret" not in f"{key!r} {key}"
    assert key.reveal() == "very-secret"
    assert isinstance(keyring.backend.KeyringBackend, type)
