"""The clients' TLS context: verifying, read from the system's hashed certificate directory as
needed (not parsed whole at the first request), the environment's choice honoured, certifi
where the system has no directory. Handshakes against a local TLS server over real sockets."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import trustme

from moco_desktop.api.tls import build_tls_context, system_certificate_directory

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command")


def hashed_directory(tmp_path: Path, authority: trustme.CA) -> Path:
    """A directory holding `authority` under its OpenSSL subject-hash name, as the system's."""
    directory = tmp_path / "certs"
    directory.mkdir()
    pem = tmp_path / "authority.pem"
    authority.cert_pem.write_to_path(str(pem))
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(pem)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    shutil.copy(pem, directory / f"{subject_hash}.0")
    return directory


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, trustme.CA]]:
    """An HTTPS server on loopback answering 200; its certificate is from a fresh authority."""
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://localhost:{port}/", authority
    finally:
        server.close()
        await server.wait_closed()


async def fetch(url: str, context: ssl.SSLContext) -> int:
    async with httpx.AsyncClient(verify=context) as client:
        return (await client.get(url)).status_code


@needs_openssl
async def test_a_server_is_trusted_through_the_hashed_directory(
    tls_server: tuple[str, trustme.CA], tmp_path: Path
) -> None:
    url, authority = tls_server
    context = build_tls_context(hashed_directory(tmp_path, authority), environ={})
    assert context.cert_store_stats()["x509_ca"] == 0  # nothing parsed before a handshake
    assert await fetch(url, context) == 200
    assert context.cert_store_stats()["x509_ca"] == 1  # the one authority the chain needed


@needs_openssl
async def test_a_server_of_an_unknown_authority_is_refused(
    tls_server: tuple[str, trustme.CA], tmp_path: Path
) -> None:
    url, _authority = tls_server
    context = build_tls_context(hashed_directory(tmp_path, trustme.CA()), environ={})
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        await fetch(url, context)


def test_the_context_always_verifies(tmp_path: Path) -> None:
    for directory in (tmp_path, None):
        context = build_tls_context(directory, environ={})
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname


async def test_the_environments_certificate_file_wins(
    tls_server: tuple[str, trustme.CA], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, authority = tls_server
    bundle = tmp_path / "bundle.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # read by httpx, as without the directory
    context = build_tls_context(tmp_path, environ={"SSL_CERT_FILE": str(bundle)})
    assert context.cert_store_stats()["x509_ca"] == 1
    assert await fetch(url, context) == 200


def test_without_a_directory_certifis_bundle_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context = build_tls_context(None, environ={})
    assert context.cert_store_stats()["x509_ca"] > 100


def test_the_systems_directory_is_found_where_it_has_certificates() -> None:
    directory = system_certificate_directory()
    capath = ssl.get_default_verify_paths().capath
    linux = sys.platform.startswith("linux")  # elsewhere: certifi (no hashed directory)
    system_has_some = linux and bool(capath) and any(Path(capath).glob("*.0"))
    assert (directory is not None) == system_has_some
    if directory is not None:
        assert directory == Path(capath)
