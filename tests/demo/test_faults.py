"""Fault injection: the knobs in isolation, and what a client sees over real sockets."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from moco_desktop.demo.faults import Faults, api_path
from moco_desktop.demo.server import EmbeddedMocoServer
from tests.demo.conftest import MEMBER_KEY, TODAY, Connect, World


def _wait_until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    """For effects of server threads that finish after the client gave up."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def _activity(world: World) -> dict[str, Any]:
    return {
        "date": TODAY.isoformat(),
        "project_id": world.project.id,
        "task_id": world.design.id,
        "seconds": 900,
    }


# ------------------------------------------------------------------------------ unit
def test_api_path_strips_prefix_and_json_suffix() -> None:
    assert api_path("/api/v1/activities.json") == "/activities"
    assert api_path("/activities/1/start_timer") == "/activities/1/start_timer"
    assert api_path("/api/v1") == "/"


def test_one_shot_rules_match_by_method_and_prefix_and_are_used_up() -> None:
    faults = Faults()
    faults.fail_next(2, 502, method="post", path_prefix="/api/v1/activities")
    assert faults.plan("GET", "/api/v1/activities").fail_status is None
    assert faults.plan("POST", "/api/v1/users/presences").fail_status is None
    assert faults.plan("POST", "/api/v1/activities.json").fail_status == 502
    assert faults.plan("POST", "/api/v1/activities/5/start_timer").fail_status == 502
    assert faults.plan("POST", "/api/v1/activities").fail_status is None


def test_one_fault_per_request_in_a_fixed_order() -> None:
    faults = Faults()
    faults.lose_next_response(1, method=None)
    faults.hang_next(1, 0.5)
    faults.fail_next(1)
    faults.reset_next(1)
    names = [faults.plan("GET", "/profile").name for _ in range(5)]
    assert names == ["reset", "fail:503", "hang:dropped", "lose_response", None]


def test_random_errors_are_repeatable_with_a_seed() -> None:
    def pattern(seed: int) -> list[int | None]:
        faults = Faults()
        faults.seed(seed)
        faults.error_rate = 0.5
        faults.error_status = 504
        return [faults.plan("GET", "/profile").fail_status for _ in range(20)]

    first = pattern(3)
    assert first == pattern(3)
    assert set(first) == {None, 504}
    with pytest.raises(ValueError, match="between 0 and 1"):
        Faults().error_rate = 1.5


def test_latency_adds_up_for_matching_rules() -> None:
    faults = Faults()
    faults.latency = 0.1
    faults.latency_for("GET", "/api/v1/activities", 0.2)
    faults.latency_for(None, "/activities/", 0.3)
    assert faults.plan("GET", "/profile").latency == pytest.approx(0.1)
    assert faults.plan("GET", "/activities").latency == pytest.approx(0.3)
    assert faults.plan("PUT", "/activities/4").latency == pytest.approx(0.4)
    faults.clear()
    assert faults.plan("GET", "/activities/4").latency == 0.0


# ------------------------------------------------------------------------------ over HTTP
def test_latency_delays_responses(server: EmbeddedMocoServer, member: httpx.Client) -> None:
    server.faults.latency_for("GET", "/profile", 0.15)
    started = time.monotonic()
    assert member.get("/session").status_code == 200
    fast = time.monotonic() - started
    started = time.monotonic()
    assert member.get("/profile").status_code == 200
    assert time.monotonic() - started >= 0.15 > fast


def test_fail_next_answers_without_touching_state(
    world: World, server: EmbeddedMocoServer, member: httpx.Client
) -> None:
    server.faults.fail_next(2, 503, method="POST", path_prefix="/activities")
    for _ in range(2):
        failed = member.post("/activities", json=_activity(world))
        assert failed.status_code == 503
        assert failed.headers["Content-Type"].startswith("text/html")
    assert member.get("/activities").status_code == 200
    assert world.state.activities == {}
    assert member.post("/activities", json=_activity(world)).status_code == 200
    assert [r.fault for r in server.requests] == ["fail:503", "fail:503", None, None]


@pytest.mark.parametrize("status", [500, 502, 504])
def test_fail_next_with_other_server_errors(
    server: EmbeddedMocoServer, member: httpx.Client, status: int
) -> None:
    server.faults.fail_next(1, status)
    assert member.get("/profile").status_code == status
    assert member.get("/profile").status_code == 200


def test_fail_next_429_with_and_without_retry_after(
    server: EmbeddedMocoServer, member: httpx.Client
) -> None:
    server.faults.fail_next(1, 429)
    server.faults.fail_next(1, 429, retry_after=7)
    plain = member.get("/profile")
    assert (plain.status_code, "Retry-After" in plain.headers) == (429, False)
    assert plain.json()["message"]
    told = member.get("/profile")
    assert (told.status_code, told.headers["Retry-After"]) == (429, "7")


def test_random_error_rate(world: World, server: EmbeddedMocoServer, member: httpx.Client) -> None:
    server.faults.error_rate = 1.0
    server.faults.error_status = 502
    assert member.post("/activities", json=_activity(world)).status_code == 502
    assert world.state.activities == {}
    server.faults.error_rate = 0.0
    assert member.get("/profile").status_code == 200


def test_lost_response_still_carries_out_the_request(
    world: World, server: EmbeddedMocoServer, member: httpx.Client
) -> None:
    server.faults.lose_next_response()
    with pytest.raises(httpx.RemoteProtocolError):
        member.post("/activities", json=_activity(world))
    assert len(world.state.activities) == 1
    assert server.requests[-1].fault == "lose_response"
    assert server.requests[-1].status == 200
    assert len(member.get("/activities").json()) == 1  # the client reconnects


def test_reset_aborts_before_carrying_out(
    world: World, server: EmbeddedMocoServer, member: httpx.Client
) -> None:
    server.faults.reset_next(1, method="POST")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        member.post("/activities", json=_activity(world))
    assert world.state.activities == {}
    assert (server.requests[-1].status, server.requests[-1].fault) == (0, "reset")
    assert member.post("/activities", json=_activity(world)).status_code == 200


def test_hang_provokes_a_timeout_and_then_carries_out_if_asked(
    world: World, server: EmbeddedMocoServer, connect: Connect
) -> None:
    client = connect(MEMBER_KEY)
    server.faults.hang_next(1, 0.3, method="POST", carry_out=True)
    with pytest.raises(httpx.ReadTimeout):
        client.post("/activities", json=_activity(world), timeout=0.1)
    _wait_until(lambda: len(world.state.activities) == 1)
    assert server.requests[-1].fault == "hang"


def test_hang_without_carry_out_changes_nothing(
    world: World, server: EmbeddedMocoServer, member: httpx.Client
) -> None:
    server.faults.hang_next(1, 0.1)
    with pytest.raises(httpx.RemoteProtocolError):
        member.post("/activities", json=_activity(world))
    assert world.state.activities == {}
    assert (server.requests[-1].status, server.requests[-1].fault) == (0, "hang:dropped")


def test_refusing_connections_and_coming_back_on_the_same_port(
    server: EmbeddedMocoServer, member: httpx.Client
) -> None:
    port = server.port
    assert member.get("/profile").status_code == 200  # a kept-alive connection exists
    server.faults.refuse_connections = True
    assert not server.is_listening
    with pytest.raises(httpx.TransportError):
        member.get("/profile")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/profile")
    server.faults.refuse_connections = False
    assert server.port == port
    assert member.get("/profile").status_code == 200


def test_clear_restores_a_healthy_server(server: EmbeddedMocoServer, member: httpx.Client) -> None:
    server.faults.fail_next(5)
    server.faults.error_rate = 1.0
    server.faults.refuse_connections = True
    server.faults.clear()
    assert server.is_listening
    assert member.get("/profile").status_code == 200
