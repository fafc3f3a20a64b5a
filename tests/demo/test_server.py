"""The server itself: lifecycle, routing, impersonation, errors and the request record."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest

from moco_desktop.demo.clock import FakeClock
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState
from tests.demo.conftest import MEMBER_KEY, SHARED_SSL_CONTEXT, STAFF_KEY, Connect, World


def _refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_base_url_and_port() -> None:
    server = EmbeddedMocoServer(MocoState())
    assert server.port == 0
    with server:
        assert server.port > 0
        assert server.base_url == f"http://127.0.0.1:{server.port}/api/v1"
        assert server.start() is server  # already running: no-op


def test_stop_closes_the_socket_and_start_rebinds_the_same_port(world: World) -> None:
    server = EmbeddedMocoServer(world.state, rate_limit=None).start()
    port = server.port
    with httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Token token={MEMBER_KEY}"},
        verify=SHARED_SSL_CONTEXT,
    ) as client:
        assert client.get("/profile").status_code == 200
        server.stop()
        server.stop()
        assert _refused(port)
        with pytest.raises(httpx.TransportError):
            client.get("/profile")
        server.start()
        try:
            assert server.port == port
            assert client.get("/profile").status_code == 200
        finally:
            server.stop()


def test_start_on_a_taken_port_fails_and_leaves_the_server_stopped(world: World) -> None:
    with EmbeddedMocoServer(world.state) as first:
        second = EmbeddedMocoServer(world.state, port=first.port)
        with pytest.raises(OSError, match=r"(?i)in use|only one usage"):
            second.start()
        assert not second.is_listening
        first.stop()
        with second:
            assert second.is_listening


def test_a_server_started_while_refusing_stays_down_until_told(world: World) -> None:
    server = EmbeddedMocoServer(world.state)
    server.faults.refuse_connections = True
    with server:
        assert server.port > 0
        assert _refused(server.port)
        server.faults.refuse_connections = False
        assert not _refused(server.port)


def test_clock_argument_drives_the_state(world: World) -> None:
    other = FakeClock(world.state.clock.now())
    server = EmbeddedMocoServer(world.state, clock=other)
    assert server.clock is other
    assert world.state.clock is other


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/nothing"),
        ("GET", "/api/v2/profile"),
        ("GET", "/profile"),
        ("DELETE", "/api/v1/profile"),
        ("GET", "/api/v1/activities/abc"),
    ],
)
def test_unknown_routes_are_404_with_empty_body(
    server: EmbeddedMocoServer, method: str, path: str
) -> None:
    with httpx.Client(verify=SHARED_SSL_CONTEXT) as client:
        response = client.request(
            method,
            f"http://127.0.0.1:{server.port}{path}",
            headers={"Authorization": f"Token token={MEMBER_KEY}"},
        )
    assert response.status_code == 404
    assert response.content == b""


def test_json_suffix_is_accepted(member: httpx.Client, world: World) -> None:
    assert member.get("/profile.json").json()["id"] == world.member.id
    assert member.get(f"/projects/{world.project.id}/tasks.json").status_code == 200


def test_impersonation_needs_staff(world: World, connect: Connect) -> None:
    denied = connect(MEMBER_KEY, impersonate=world.staff.id).get("/profile")
    assert (denied.status_code, denied.content) == (403, b"")
    unknown = connect(STAFF_KEY, impersonate=1).get("/profile")
    assert (unknown.status_code, unknown.content) == (404, b"")
    garbage = connect(STAFF_KEY).get("/profile", headers={"X-IMPERSONATE-USER-ID": "jonas"})
    assert garbage.status_code == 404
    allowed = connect(STAFF_KEY, impersonate=world.member.id).get("/profile")
    assert allowed.json()["id"] == world.member.id


def test_impersonated_users_have_their_own_rights(world: World, connect: Connect) -> None:
    as_member = connect(STAFF_KEY, impersonate=world.member.id)
    assert as_member.get("/users").status_code == 403


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_malformed_json_is_400(world: World, member: httpx.Client, body: bytes) -> None:
    response = member.post(
        "/activities", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"]
    assert world.state.activities == {}


def test_unexpected_handler_failure_is_500(
    world: World, member: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    activity = world.state.add_activity(
        world.member.id, world.project.id, world.design.id, world.state.clock.now().date(), 60
    )
    del world.state.projects[world.project.id]  # a broken state makes the serializer fail
    response = member.get(f"/activities/{activity.id}")
    assert response.status_code == 500
    assert "KeyError" in capsys.readouterr().err


def test_every_request_is_recorded_without_the_api_key(
    world: World, server: EmbeddedMocoServer, connect: Connect
) -> None:
    connect(STAFF_KEY, impersonate=world.member.id).get(
        "/activities", params={"user_id": world.member.id}
    )
    connect(MEMBER_KEY).post("/users/presences/touch", json={"is_home_office": True})
    connect("wrong").get("/profile")
    connect(MEMBER_KEY, impersonate=world.staff.id).get("/profile")

    first, second, third, fourth = server.requests
    assert (first.method, first.path, first.query) == (
        "GET",
        "/api/v1/activities",
        {"user_id": str(world.member.id)},
    )
    assert (first.status, first.auth_user_id, first.impersonated_user_id) == (
        200,
        world.staff.id,
        world.member.id,
    )
    assert first.time == world.state.clock.now()
    assert (second.method, second.body, second.impersonated_user_id) == (
        "POST",
        {"is_home_office": True},
        None,
    )
    assert (third.status, third.auth_user_id) == (401, None)
    assert (fourth.status, fourth.auth_user_id, fourth.impersonated_user_id) == (
        403,
        world.member.id,
        world.staff.id,
    )
    assert not any(key in repr(server.requests) for key in (STAFF_KEY, MEMBER_KEY, "wrong"))


def test_concurrent_clients(world: World, server: EmbeddedMocoServer) -> None:
    import concurrent.futures

    def post(index: int) -> int:
        with httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Token token={MEMBER_KEY}"},
            verify=SHARED_SSL_CONTEXT,
        ) as client:
            body = {
                "date": "2026-03-10",
                "project_id": world.project.id,
                "task_id": world.design.id,
                "seconds": 60 * index,
            }
            return client.post("/activities", json=body).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert set(pool.map(post, range(1, 25))) == {200}
    assert len({a.id for a in world.state.activities.values()}) == 24


def test_a_client_going_away_is_logged_not_printed(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """socketserver prints every failed request's traceback to stderr; here a dropped
    connection is normal (faults drop them on purpose) and a real error goes to the log."""
    server = EmbeddedMocoServer(MocoState()).start()
    try:
        listener = server._listener
        assert listener is not None
        caplog.set_level(logging.DEBUG, logger="moco_desktop.demo")
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError:
            listener.handle_error(None, ("127.0.0.1", 50000))
        try:
            raise ValueError("a bug in a handler")
        except ValueError:
            listener.handle_error(None, ("127.0.0.1", 50001))
    finally:
        server.stop()
    assert capsys.readouterr().err == ""
    levels = [(record.levelname, record.exc_info is not None) for record in caplog.records]
    assert levels == [("DEBUG", False), ("WARNING", True)]
