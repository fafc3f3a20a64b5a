"""The TLS context the MOCO clients share: certificates always verified, trusted as the system
trusts them where it can say so cheaply.

perf (issue 7): where the system keeps its certificate authorities as a hashed directory
(Linux: `/etc/ssl/certs`), OpenSSL reads the one a server's chain needs during the handshake:
~1 ms and 0.4 MiB to make the context. httpx's default, certifi's bundle, parses all of its
~140 certificates first: ~35 ms on the event loop (the first request of every start) and
~1.8 MiB kept. The system's directory is also where an administrator adds a company's own
authority, as agencies behind an inspecting proxy do. `SSL_CERT_FILE` and `SSL_CERT_DIR` are
honoured as httpx honours them; without a usable directory (Windows, macOS, a bundle whose
OpenSSL looks where this system keeps nothing) certifi's bundle is used, as before.
"""

from __future__ import annotations

import functools
import os
import re
import ssl
import sys
from collections.abc import Mapping
from pathlib import Path

_HASHED_NAME = re.compile(r"[0-9a-f]{8}\.\d+")
"""How OpenSSL names a certificate in a hashed directory: subject hash, dot, a number."""


def system_certificate_directory() -> Path | None:
    """The system's hashed directory of certificate authorities, if it has one with any in."""
    if not sys.platform.startswith("linux"):
        return None
    capath = ssl.get_default_verify_paths().capath
    if not capath:
        return None
    try:
        with os.scandir(capath) as entries:
            if any(_HASHED_NAME.fullmatch(entry.name) for entry in entries):
                return Path(capath)
    except OSError:
        return None
    return None


def build_tls_context(
    directory: Path | None, environ: Mapping[str, str] = os.environ
) -> ssl.SSLContext:
    """A verifying client context: the environment's choice, else `directory` (read as
    needed), else certifi's bundle (httpx's default)."""
    if directory is None or environ.get("SSL_CERT_FILE") or environ.get("SSL_CERT_DIR"):
        import httpx  # perf (issue 4): not on the way to the first paint

        return httpx.create_ssl_context()
    return ssl.create_default_context(capath=str(directory))


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """The one context of this process (each client would otherwise make its own)."""
    return build_tls_context(system_certificate_directory())
