"""`/session` and authentication over HTTP: login, key check, header variants, disabled keys."""

from __future__ import annotations

import httpx
import pytest

from moco_desktop.demo.server import EmbeddedMocoServer
from tests.demo.conftest import MEMBER_KEY, STAFF_KEY, Connect, World


def test_login_returns_the_users_api_key(world: World, connect: Connect) -> None:
    client = connect()
    response = client.post("/session", json={"email": "JONAS@x.de", "password": "demo"})
    assert response.status_code == 200
    assert response.json() == {
        "api_key": MEMBER_KEY,
        "user_id": world.member.id,
        "uuid": world.member.uuid,
    }


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "jonas@x.de", "password": "falsch"},
        {"email": "niemand@x.de", "password": "demo"},
        {},
    ],
)
def test_login_with_wrong_credentials_is_401(connect: Connect, credentials: object) -> None:
    response = connect().post("/session", json=credentials)
    assert response.status_code == 401
    assert isinstance(response.json()["message"], str)


def test_archived_users_cannot_log_in(world: World, connect: Connect) -> None:
    world.member.active = False
    response = connect().post("/session", json={"email": "jonas@x.de", "password": "demo"})
    assert response.status_code == 401
    assert connect(MEMBER_KEY).get("/session").status_code == 401


def test_session_check_answers_the_keys_user(world: World, connect: Connect) -> None:
    assert connect(MEMBER_KEY).get("/session").json() == {
        "id": world.member.id,
        "uuid": world.member.uuid,
    }
    assert connect(MEMBER_KEY, bearer=True).get("/session").status_code == 200
    quoted = connect().get("/session", headers={"Authorization": f'Token token="{MEMBER_KEY}"'})
    assert quoted.status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [None, "Token token=wrong", "Bearer", "Token token=", "Basic am9uYXM6ZGVtbw==", "Token"],
)
def test_missing_or_invalid_key_is_401_with_a_message(
    connect: Connect, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for path in ("/session", "/profile", "/activities"):
        response = connect().get(path, headers=headers)
        assert response.status_code == 401
        assert response.json()["message"]


def test_disabled_user_api_keys_answer_moco_s_message(
    world: World, server: EmbeddedMocoServer, connect: Connect
) -> None:
    world.state.api_keys_disabled = True
    for path in ("/session", "/profile"):
        response = connect(MEMBER_KEY).get(path)
        assert response.status_code == 401
        assert response.json() == {"message": "Invalid API key (user API keys are disabled)."}


def test_session_ignores_impersonation(world: World, connect: Connect) -> None:
    client = connect(STAFF_KEY, impersonate=world.member.id)
    assert client.get("/session").json()["id"] == world.staff.id


def test_login_needs_no_authorization_header(world: World, server: EmbeddedMocoServer) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        body = {"email": "anna@x.de", "password": "demo"}
        assert client.post("/session.json", json=body).json()["user_id"] == world.staff.id
