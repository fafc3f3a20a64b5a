"""Every error type as the embedded server produces it, and the API key never leaking."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import traceback

import pytest

from moco_desktop.api.client import MocoClient
from moco_desktop.api.errors import (
    ApiKeysDisabledError,
    ForbiddenError,
    ImpersonationForbiddenError,
    InvalidCredentialsError,
    LockedError,
    MissingApiKeyError,
    MocoError,
    NetworkError,
    NotFoundError,
    ResponseLostError,
    ServerError,
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
)
from moco_desktop.core import i18n
from moco_desktop.core.entities import ApiKey
from moco_desktop.demo.seed import DEMO_PASSWORD
from tests.api.conftest import Moco

YESTERDAY = dt.date(2024, 3, 13)


async def test_unknown_key_is_unauthorized_with_mocos_message(moco: Moco) -> None:
    async with moco.client("not-a-real-key") as client:
        with pytest.raises(UnauthorizedError) as caught:
            await client.session()
    assert type(caught.value) is UnauthorizedError
    assert caught.value.status == 401
    assert caught.value.server_message == "Invalid API key."
    assert caught.value.message == "MOCO did not accept the API key: Invalid API key."


async def test_disabled_user_api_keys(client: MocoClient, moco: Moco) -> None:
    moco.state.api_keys_disabled = True
    with pytest.raises(ApiKeysDisabledError) as caught:
        await client.profile()
    assert "user API keys are disabled" in caught.value.message
    i18n.set_language("de")
    assert caught.value.message.startswith("In deinem MOCO-Konto sind persönliche API-Schlüssel")


async def test_forbidden_with_an_empty_body(client: MocoClient) -> None:
    with pytest.raises(ForbiddenError) as caught:
        await client.users()
    assert not isinstance(caught.value, ImpersonationForbiddenError)
    assert (caught.value.status, caught.value.body) == (403, None)


async def test_impersonation_without_staff_rights(client: MocoClient, moco: Moco) -> None:
    with pytest.raises(ImpersonationForbiddenError):
        await client.acting_as(moco.staff_id).activities(
            user_id=moco.staff_id, date_from=YESTERDAY, date_to=YESTERDAY
        )


async def test_not_found_with_an_empty_body(client: MocoClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.activity(1)
    assert (caught.value.status, caught.value.body) == (404, None)
    assert not caught.value.after_lost_attempt
    with pytest.raises(NotFoundError):
        await client.delete_activity(1)  # a first attempt that finds nothing is an error


async def test_validation_with_german_field_map(client: MocoClient, moco: Moco) -> None:
    with pytest.raises(ValidationError) as caught:
        await client.create_presence(
            date=YESTERDAY, from_time=dt.time(12, 0), to_time=dt.time(11, 0)
        )
    assert caught.value.fields == {"to": ["muss nach der Startzeit liegen"]}
    i18n.set_language("de")
    assert caught.value.message == (
        "MOCO hat den Eintrag nicht angenommen: to: muss nach der Startzeit liegen"
    )


async def test_validation_with_message_body(client: MocoClient, moco: Moco) -> None:
    billed = next(a for a in moco.state.activities.values() if a.user_id == moco.normal_id)
    billed.billed = True
    with pytest.raises(ValidationError) as caught:
        await client.delete_activity(billed.id)
    assert caught.value.fields == {}
    assert caught.value.server_message == "Activity is billed or locked and can't be changed."


async def test_touch_conflict_is_locked(client: MocoClient, moco: Moco) -> None:
    await client.create_presence(date=moco.today, from_time=dt.time(9, 0), to_time=dt.time(12, 0))
    with pytest.raises(LockedError) as caught:
        await client.touch_presence()
    assert caught.value.status == 423
    assert len(moco.requests("POST", "/users/presences/touch")) == 1


async def test_server_error_is_not_retried(client: MocoClient, moco: Moco) -> None:
    moco.server.faults.fail_next(1, 500, method="POST", path_prefix="/users/presences")
    with pytest.raises(ServerError) as caught:
        await client.create_presence(date=YESTERDAY, from_time=dt.time(8, 0))
    assert caught.value.status == 500
    assert caught.value.message == "MOCO had a server error (HTTP 500). Please try again later."
    moco.server.faults.fail_next(1, 500, method="GET", path_prefix="/profile")
    with pytest.raises(ServerError):
        await client.profile()
    assert len(moco.requests("GET", "/profile")) == 1


async def test_an_empty_success_answer_is_unexpected(client: MocoClient, moco: Moco) -> None:
    moco.server.faults.fail_next(1, 200, method="GET", path_prefix="/profile")
    with pytest.raises(UnexpectedResponseError) as caught:
        await client.profile()
    assert caught.value.status == 200


async def test_wrong_password(client: MocoClient, moco: Moco) -> None:
    with pytest.raises(InvalidCredentialsError):
        await client.login(moco.account.staff.email, "nope")


# --- the key never leaks ---------------------------------------------------------------------


async def test_the_key_never_appears_in_reprs_errors_or_logs(
    moco: Moco, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = moco.account.normal.api_key
    failures: list[MocoError] = []
    async with moco.client() as client:
        assert key not in repr(client)
        assert key not in str(client)
        assert key not in repr(client.acting_as(moco.staff_id))
        await client.profile()
        await client.login(moco.account.normal.email, DEMO_PASSWORD)
        moco.server.faults.fail_next(2, 503, method="GET")
        moco.server.faults.fail_next(1, 429, method="GET", retry_after=0)
        await client.session()
        moco.server.faults.lose_next_response(1, method="POST")
        try:
            await client.touch_presence()
        except ResponseLostError as error:
            failures.append(error)
        for call in (client.users, client.acting_as(moco.staff_id).profile):
            try:
                await call()
            except MocoError as error:
                failures.append(error)
        moco.state.api_keys_disabled = True
        try:
            await client.profile()
        except MocoError as error:
            failures.append(error)
        moco.server.faults.refuse_connections = True
        try:
            await client.session()
        except NetworkError as error:
            failures.append(error)

    assert [type(error) for error in failures] == [
        ResponseLostError,
        ForbiddenError,
        ImpersonationForbiddenError,
        ApiKeysDisabledError,
        NetworkError,
    ]
    for failure in failures:
        assert key not in "".join(traceback.format_exception(failure))
        assert key not in repr(failure)
        assert key not in str(failure)
    assert caplog.records
    for record in caplog.records:
        assert key not in record.getMessage()
        assert DEMO_PASSWORD not in record.getMessage().split()
        assert "Token token" not in record.getMessage()
    ours = [r.getMessage() for r in caplog.records if r.name == "moco_desktop.api"]
    assert any(message.startswith("GET /api/v1/profile -> 200 (") for message in ours)
    assert any("retrying after HTTP 503" in message for message in ours)
    assert any("429" in message for message in ours)


async def test_a_key_read_when_needed_is_read_once_for_every_sibling(moco: Moco) -> None:
    reads: list[int] = []

    async def loader() -> ApiKey | None:
        reads.append(1)
        await asyncio.sleep(0.01)
        return ApiKey(moco.account.staff.api_key)

    async with MocoClient(moco.server.base_url, key_loader=loader) as client:
        colleague = client.acting_as(moco.account.normal.user_id)
        mine, _theirs = await asyncio.gather(client.session(), colleague.profile())
    assert mine.user_id == moco.account.staff.user_id
    assert reads == [1]


async def test_a_broken_keyring_stops_the_request_and_is_asked_again(moco: Moco) -> None:
    answers: list[ApiKey | Exception | None] = [
        RuntimeError("D-Bus gone"),
        ApiKey(moco.account.staff.api_key),
    ]

    async def loader() -> ApiKey | None:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    requests_before = len(moco.server.requests)
    async with MocoClient(moco.server.base_url, key_loader=loader) as client:
        with pytest.raises(MissingApiKeyError):
            await client.session()
        assert len(moco.server.requests) == requests_before  # nothing was sent
        assert (await client.session()).user_id == moco.account.staff.user_id
