"""The error taxonomy: which status becomes which exception, and what the user reads."""

from __future__ import annotations

import pytest

from moco_desktop.api import errors
from moco_desktop.api.errors import (
    ApiKeysDisabledError,
    ApiStatusError,
    ForbiddenError,
    ImpersonationForbiddenError,
    InsecureBaseUrlError,
    InvalidCredentialsError,
    LockedError,
    MocoError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ResponseLostError,
    ServerError,
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
    error_from_response,
)
from moco_desktop.core import i18n


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, ApiStatusError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ApiStatusError),
        (422, ValidationError),
        (423, LockedError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
    ],
)
def test_status_maps_to_its_exception(status: int, expected: type[ApiStatusError]) -> None:
    error = error_from_response(status, None)
    assert type(error) is expected
    assert error.status == status
    assert isinstance(error, MocoError)


def test_unauthorized_keeps_mocos_message() -> None:
    error = error_from_response(401, {"message": "Invalid API key"})
    assert type(error) is UnauthorizedError
    assert error.server_message == "Invalid API key"
    assert "Invalid API key" in error.message


def test_unauthorized_without_body_still_explains() -> None:
    error = error_from_response(401, None)
    assert error.message == "MOCO did not accept the API key."


def test_disabled_user_api_keys_are_recognised() -> None:
    body = {"message": "Invalid API key (user API keys are disabled)."}
    error = error_from_response(401, body)
    assert isinstance(error, ApiKeysDisabledError)
    assert isinstance(error, UnauthorizedError)
    assert "user API keys are disabled" in error.message
    login_error = error_from_response(401, body, login=True)
    assert isinstance(login_error, ApiKeysDisabledError)


def test_failed_login_is_invalid_credentials() -> None:
    error = error_from_response(401, {"message": "Unauthorized"}, login=True)
    assert isinstance(error, InvalidCredentialsError)
    assert error.message == "MOCO did not accept this email address and password."


def test_forbidden_while_impersonating_names_the_user() -> None:
    error = error_from_response(403, None, impersonated_user_id=77)
    assert isinstance(error, ImpersonationForbiddenError)
    assert isinstance(error, ForbiddenError)
    assert error.user_id == 77
    assert "act for others" in error.message
    assert "77" in error.message


def test_plain_forbidden_and_not_found_derive_text_from_status() -> None:
    forbidden = error_from_response(403, None)
    not_found = error_from_response(404, None)
    assert type(forbidden) is ForbiddenError
    assert "permission" in forbidden.message
    assert isinstance(not_found, NotFoundError)
    assert not not_found.after_lost_attempt
    assert "deleted" in not_found.message


def test_validation_field_map_keeps_german_texts() -> None:
    body = {"date": ["muss ausgefüllt werden"], "task_id": ["ist nicht gültig"]}
    error = error_from_response(422, body)
    assert isinstance(error, ValidationError)
    assert error.fields == {"date": ["muss ausgefüllt werden"], "task_id": ["ist nicht gültig"]}
    assert error.message == (
        "MOCO did not accept the entry: date: muss ausgefüllt werden; task_id: ist nicht gültig"
    )


def test_validation_base_messages_are_shown_without_field_name() -> None:
    error = error_from_response(422, {"base": ["Timer can only be started on the current day"]})
    assert isinstance(error, ValidationError)
    assert error.message.endswith(": Timer can only be started on the current day")
    assert error.mentions("CURRENT DAY")
    assert not error.mentions("already running")


def test_validation_with_message_body() -> None:
    error = error_from_response(422, {"message": "Timer is already running"})
    assert isinstance(error, ValidationError)
    assert error.fields == {}
    assert error.server_message == "Timer is already running"
    assert error.mentions("already running")
    assert "Timer is already running" in error.message


def test_validation_with_single_string_values() -> None:
    error = error_from_response(422, {"from": "range overlaps"})
    assert isinstance(error, ValidationError)
    assert error.fields == {"from": ["range overlaps"]}


def test_server_error_page_is_not_shown_as_message() -> None:
    error = error_from_response(500, "<html><body>We're sorry</body></html>")
    assert isinstance(error, ServerError)
    assert error.server_message is None
    assert error.message == "MOCO had a server error (HTTP 500). Please try again later."


def test_messages_follow_the_current_language() -> None:
    error = error_from_response(422, {"date": ["muss ausgefüllt werden"]})
    assert error.message.startswith("MOCO did not accept the entry")
    i18n.set_language("de")
    assert error.message == "MOCO hat den Eintrag nicht angenommen: date: muss ausgefüllt werden"
    assert str(error) == error.message


def test_every_api_message_has_a_german_text() -> None:
    api_keys = [key for key in i18n.known_keys() if key.startswith("api.")]
    assert len(api_keys) >= len(errors.MESSAGES)
    assert not [key for key in i18n.missing_translations("de") if key.startswith("api.")]


def test_network_errors() -> None:
    unreachable = NetworkError()
    assert not unreachable.may_have_been_applied
    assert "internet connection" in unreachable.message
    assert "in time" in NetworkError(timed_out=True).message
    lost = ResponseLostError("POST", "/activities")
    assert isinstance(lost, NetworkError)
    assert lost.may_have_been_applied
    assert (lost.method, lost.path) == ("POST", "/activities")
    assert "may or may not have been saved" in lost.message


def test_repr_and_str_show_only_the_message() -> None:
    error = error_from_response(423, None)
    assert repr(error) == f"LockedError(status=423, message={error.message!r})"
    assert str(error) == error.message
    assert str(UnexpectedResponseError("not JSON", status=200)) == (
        "MOCO sent an answer this app does not understand (not JSON)."
    )


def test_rate_limited_carries_retry_after() -> None:
    error = RateLimitedError(429, None, retry_after=30.0)
    assert error.retry_after == 30.0
    assert "too many requests" in error.message


def test_insecure_base_url_never_echoes_credentials() -> None:
    error = InsecureBaseUrlError("http://user:s3cret@example.com/api/v1")
    assert "s3cret" not in error.message
    assert "s3cret" not in repr(error)
    assert "example.com" in error.message
