"""Where the client talks to: MOCO domain normalisation and the (safe) API base URL.

A MOCO account lives at `https://{domain}.mocoapp.com/api/v1`. People type the domain in many
shapes (`acme`, `acme.mocoapp.com`, a pasted browser URL); `normalize_domain` reduces them to the
subdomain or refuses. `MOCO_BASE_URL` may point the app elsewhere (the embedded demo server), but
never over plain HTTP to another machine: the API key must not travel unencrypted.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from moco_desktop.api.errors import InsecureBaseUrlError, InvalidDomainError

MOCO_HOST_SUFFIX = ".mocoapp.com"
API_PATH = "/api/v1"
BASE_URL_VARIABLE = "MOCO_BASE_URL"

_DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def normalize_domain(text: str) -> str:
    """The account's subdomain (`acme`) from `acme`, `acme.mocoapp.com` or a pasted MOCO URL."""
    candidate = text.strip().lower()
    if not candidate:
        raise InvalidDomainError(text, reason="empty")
    if any(character.isspace() for character in candidate):
        raise InvalidDomainError(text, reason="invalid")
    if "://" not in candidate:
        candidate = "https://" + candidate
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        raise InvalidDomainError(text, reason="invalid") from None
    if parts.scheme not in ("https", "http") or parts.username or parts.password or port:
        raise InvalidDomainError(text, reason="invalid")
    host = (parts.hostname or "").rstrip(".")
    if host.endswith(MOCO_HOST_SUFFIX):
        subdomain = host.removesuffix(MOCO_HOST_SUFFIX)
    elif "." not in host and not parts.path.strip("/") and "://" not in text:
        subdomain = host
    else:
        raise InvalidDomainError(text, reason="other_host")
    if not _DNS_LABEL.match(subdomain):
        raise InvalidDomainError(text, reason="invalid")
    return subdomain


def is_loopback_host(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1: the request never leaves this computer."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """`url` normalised to end in `/api/v1`, refused unless HTTPS or HTTP to a loopback host."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise InsecureBaseUrlError(text) from None
    secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host))
    if not host or not secure or parts.username or parts.password:
        raise InsecureBaseUrlError(text)
    path = parts.path.rstrip("/")
    if not path.endswith(API_PATH):
        path += API_PATH
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


def resolve_base_url(domain: str | None, env: Mapping[str, str] = os.environ) -> str:
    """The API base URL for `domain`, or `MOCO_BASE_URL` from `env` when it is set."""
    override = env.get(BASE_URL_VARIABLE, "").strip()
    if override:
        return check_base_url(override)
    if domain is None:
        raise InvalidDomainError("", reason="empty")
    return f"https://{normalize_domain(domain)}{MOCO_HOST_SUFFIX}{API_PATH}"
