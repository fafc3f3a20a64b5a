"""The keyring adapter: secure backends hold the key; otherwise memory only, never a file."""

from __future__ import annotations

import threading
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


class SlowKeyring(MemoryKeyring):
    """A keyring whose reads wait (a D-Bus round trip) and say from which thread they came."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.reads.append(threading.current_thread().name)
        self.release.wait(5)
        return super().get_password(service, username)


def test_a_prefetched_key_is_read_once_beside_the_caller() -> None:
    backend = SlowKeyring()
    backend.secrets[(SERVICE_NAME, "a#1")] = "secret-key"
    store = CredentialStore(backend=backend)
    store.prefetch("a#1")
    store.prefetch("a#1")  # once is enough
    backend.release.set()
    assert store.load("a#1") == ApiKey("secret-key")
    assert store.load("a#1") == ApiKey("secret-key")
    assert backend.reads == ["keyring-prefetch"]


def test_a_prefetch_that_finds_nothing_or_fails_reads_as_no_key() -> None:
    store = CredentialStore(backend=BrokenReadKeyring())
    store.prefetch("a#1")
    assert store.load("a#1") is None
    empty = CredentialStore(backend=MemoryKeyring())
    empty.prefetch("b#1")
    assert empty.load("b#1") is None


def test_a_key_saved_while_the_prefetch_runs_wins() -> None:
    backend = SlowKeyring()
    backend.secrets[(SERVICE_NAME, "a#1")] = "old-key"
    store = CredentialStore(backend=backend)
    store.prefetch("a#1")
    store.save("a#1", ApiKey("new-key"))
    backend.release.set()
    assert store.load("a#1") == ApiKey("new-key")


def test_a_memory_only_store_prefetches_nothing(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.secrets[(SERVICE_NAME, "a#1")] = "secret-key"
    store = CredentialStore(memory_only=True)
    store.prefetch("a#1")
    assert store.load("a#1") is None
    assert not any(thread.name == "keyring-prefetch" for thread in threading.enumerate())


class BrokenReadKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")
