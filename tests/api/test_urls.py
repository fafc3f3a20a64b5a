"""Domain normalisation and base URL resolution, including every kind of refusal."""

from __future__ import annotations

import pytest

from moco_desktop.api.errors import InsecureBaseUrlError, InvalidDomainError
from moco_desktop.api.urls import check_base_url, normalize_domain, resolve_base_url


@pytest.mark.parametrize(
    "text",
    [
        "acme",
        "ACME",
        "  acme\n",
        "acme.mocoapp.com",
        "Acme.MocoApp.com",
        "acme.mocoapp.com/",
        "acme.mocoapp.com/activities?date=today",
        "https://acme.mocoapp.com",
        "https://acme.mocoapp.com/projects/1234/activities",
        "HTTPS://ACME.MOCOAPP.COM/",
        "http://acme.mocoapp.com",
    ],
)
def test_normalize_domain_accepts_the_usual_shapes(text: str) -> None:
    assert normalize_domain(text) == "acme"


def test_normalize_domain_keeps_hyphens_and_digits() -> None:
    assert normalize_domain("my-firm-2") == "my-firm-2"
    assert normalize_domain("https://my-firm-2.mocoapp.com/") == "my-firm-2"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ac me", "invalid"),
        ("acme corp.mocoapp.com", "invalid"),
        ("-acme", "invalid"),
        ("acme-", "invalid"),
        ("ac_me", "invalid"),
        ("a" * 64, "invalid"),
        ("a.b.mocoapp.com", "invalid"),
        ("https://acme.mocoapp.com:8443/", "invalid"),
        ("https://user:pw@acme.mocoapp.com/", "invalid"),
        ("ftp://acme.mocoapp.com", "invalid"),
        ("acme.example.com", "other_host"),
        ("https://evil.com/acme.mocoapp.com", "other_host"),
        ("acme.mocoapp.com.evil.com", "other_host"),
        ("mocoapp.com", "other_host"),
        ("https://acme/", "other_host"),
        ("acme/projects", "other_host"),
    ],
)
def test_normalize_domain_rejects_everything_else(text: str, reason: str) -> None:
    with pytest.raises(InvalidDomainError) as caught:
        normalize_domain(text)
    assert caught.value.reason == reason
    assert caught.value.message  # a sentence for the user, not a key
    assert not caught.value.message.startswith("api.")


def test_invalid_domain_message_names_the_input() -> None:
    with pytest.raises(InvalidDomainError, match=r"acme\.example\.com"):
        normalize_domain("acme.example.com")


def test_resolve_base_url_builds_the_https_api_url() -> None:
    assert resolve_base_url("Acme", env={}) == "https://acme.mocoapp.com/api/v1"
    assert resolve_base_url("https://acme.mocoapp.com/x", env={}) == (
        "https://acme.mocoapp.com/api/v1"
    )


def test_resolve_base_url_without_domain_or_override_is_refused() -> None:
    with pytest.raises(InvalidDomainError):
        resolve_base_url(None, env={})


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("http://127.0.0.1:8123/api/v1", "http://127.0.0.1:8123/api/v1"),
        ("http://127.0.0.1:8123/api/v1/", "http://127.0.0.1:8123/api/v1"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123/api/v1"),
        ("http://127.0.0.1:8123///", "http://127.0.0.1:8123/api/v1"),
        ("http://127.5.6.7:9/api/v1", "http://127.5.6.7:9/api/v1"),
        ("http://localhost:8000", "http://localhost:8000/api/v1"),
        ("http://LOCALHOST:8000/", "http://localhost:8000/api/v1"),
        ("http://[::1]:8000", "http://[::1]:8000/api/v1"),
        ("https://moco.internal.example/api/v1", "https://moco.internal.example/api/v1"),
        ("https://proxy.example/moco", "https://proxy.example/moco/api/v1"),
        ("  https://acme.mocoapp.com/api/v1//  ", "https://acme.mocoapp.com/api/v1"),
    ],
)
def test_moco_base_url_override(override: str, expected: str) -> None:
    assert resolve_base_url("ignored", env={"MOCO_BASE_URL": override}) == expected
    assert resolve_base_url(None, env={"MOCO_BASE_URL": override}) == expected


@pytest.mark.parametrize(
    "override",
    [
        "http://acme.mocoapp.com/api/v1",
        "http://192.168.1.10:8000",
        "http://10.0.0.1",
        "http://localhost.evil.com",
        "http://128.0.0.1",
        "ftp://127.0.0.1",
        "127.0.0.1:8000",
        "https://",
        "https://user:secret@acme.mocoapp.com",
        "http://127.0.0.1:notaport",
    ],
)
def test_insecure_base_url_override_is_refused(override: str) -> None:
    with pytest.raises(InsecureBaseUrlError) as caught:
        resolve_base_url("acme", env={"MOCO_BASE_URL": override})
    assert "https://" in caught.value.message


def test_empty_override_falls_back_to_the_domain() -> None:
    assert resolve_base_url("acme", env={"MOCO_BASE_URL": "  "}) == (
        "https://acme.mocoapp.com/api/v1"
    )


def test_check_base_url_appends_api_path_only_when_missing() -> None:
    assert check_base_url("https://x.example/api/v1") == "https://x.example/api/v1"
    assert check_base_url("https://x.example/") == "https://x.example/api/v1"
    assert check_base_url("https://x.example/api/v1?q=1#frag") == "https://x.example/api/v1"
