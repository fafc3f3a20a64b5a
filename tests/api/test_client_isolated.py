"""Client behaviour the embedded server cannot produce, over an `httpx.MockTransport`.

Everything else (endpoints, retries, rate limits, errors) is tested against the embedded MOCO
server over real sockets in the other `test_client_*` modules.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable

import httpx
import pytest

from moco_desktop.api.client import MocoClient, RetryPolicy
from moco_desktop.api.errors import InsecureBaseUrlError, RateLimitedError, UnexpectedResponseError
from moco_desktop.api.ratelimit import RateLimiter
from moco_desktop.core.entities import ApiKey
from tests.api.fakes import SteppingTime

BASE_URL = "https://acme.mocoapp.com/api/v1"


def _client(handler: Callable[[httpx.Request], httpx.Response], time: SteppingTime) -> MocoClient:
    return MocoClient(
        BASE_URL,
        ApiKey("isolated-key"),
        transport=httpx.MockTransport(handler),
        limiter=RateLimiter(100, 1.0, clock=time.monotonic, sleep=time.sleep),
        retry=RetryPolicy(jitter=0.0, sleep=time.sleep),
    )


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0, jitter=0.0)
    assert [policy.backoff(retry) for retry in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    jittered = RetryPolicy(base_delay=1.0, max_delay=100.0, jitter=0.5)
    assert all(1.0 <= jittered.backoff(1) <= 1.5 for _ in range(50))


def test_client_refuses_an_insecure_base_url() -> None:
    with pytest.raises(InsecureBaseUrlError):
        MocoClient("http://acme.mocoapp.com/api/v1", ApiKey("k"))


async def test_pagination_never_follows_a_link_to_another_host() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        link = '<https://evil.example/api/v1/users?page=2>; rel="next"'
        return httpx.Response(200, json=[], headers={"Link": link})

    async with _client(handler, SteppingTime()) as client:
        with pytest.raises(UnexpectedResponseError, match="another host"):
            await client.users()
    assert seen == ["https://acme.mocoapp.com/api/v1/users?include_archived=true"]


async def test_pagination_stops_on_a_link_loop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        link = f'<{request.url}>; rel="next"'
        return httpx.Response(200, json=[], headers={"Link": link})

    async with _client(handler, SteppingTime()) as client:
        with pytest.raises(UnexpectedResponseError, match="loops"):
            await client.employments()


async def test_a_200_that_is_not_json_is_unexpected() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    async with _client(handler, SteppingTime()) as client:
        with pytest.raises(UnexpectedResponseError) as caught:
            await client.profile()
    assert caught.value.status == 200
    assert "not JSON" in caught.value.message


async def test_a_list_where_an_object_belongs_is_unexpected() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"id": 1}])

    async with _client(handler, SteppingTime()) as client:
        with pytest.raises(UnexpectedResponseError, match="expected an object"):
            await client.session()


async def test_retry_after_as_http_date_is_honoured() -> None:
    time = SteppingTime()
    answers = iter(
        [
            httpx.Response(
                429,
                headers={
                    "Retry-After": email.utils.format_datetime(
                        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30), usegmt=True
                    )
                },
            ),
            httpx.Response(200, json={"id": 5, "uuid": "u"}),
        ]
    )

    async with _client(lambda request: next(answers), time) as client:
        info = await client.session()
    assert info.user_id == 5
    assert len(time.sleeps) == 1
    assert 28.0 <= time.sleeps[0] <= 30.0


async def test_an_unreasonable_retry_after_gives_up_at_once() -> None:
    time = SteppingTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "3600"})

    async with _client(handler, time) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.session()
    assert caught.value.retry_after == 3600.0
    assert time.sleeps == []


async def test_headers_sent_to_moco() -> None:
    """The embedded server does not expose request headers, so look at them here."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/session") and request.method == "POST":
            return httpx.Response(200, json={"api_key": "new-key", "user_id": 7})
        return httpx.Response(200, json={"id": 7, "uuid": "u"})

    async with _client(handler, SteppingTime()) as client:
        await client.session()
        await client.acting_as(42).session()
        await client.acting_as(42).login("a@b.c", "pw")
    plain, acting, login = (request.headers for request in seen)
    assert plain["Authorization"] == "Token token=isolated-key"
    assert plain["Accept"] == "application/json"
    assert plain["Content-Type"] == "application/json"
    assert plain["User-Agent"].startswith("MOCO-Desktop/")
    assert "X-IMPERSONATE-USER-ID" not in plain
    assert acting["X-IMPERSONATE-USER-ID"] == "42"
    assert acting["Authorization"] == "Token token=isolated-key"
    assert "Authorization" not in login
    assert "X-IMPERSONATE-USER-ID" not in login
    assert "isolated-key" not in repr(seen[0].headers)


async def test_siblings_made_before_the_first_request_share_one_connection_pool() -> None:
    # The pool (and its TLS context) is made on the first request, not with the client: the
    # app shows what is cached before it talks to MOCO.
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("X-IMPERSONATE-USER-ID", "self"))
        return httpx.Response(200, json={"id": 7, "uuid": "u"})

    client = _client(handler, SteppingTime())
    sibling = client.acting_as(42)
    assert not client.is_closed
    await sibling.session()
    await client.session()
    assert seen == ["42", "self"]
    await sibling.aclose()
    assert not client.is_closed
    await client.aclose()
    assert sibling.is_closed
    unused = _client(handler, SteppingTime())
    await unused.aclose()  # closed before it ever sent anything
    assert unused.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        await unused.session()


@pytest.mark.parametrize("date", ["not a date", ""])
async def test_an_answer_without_a_usable_date_keeps_the_server_time(date: str) -> None:
    """MOCO's clock comes from the `Date` header; an answer without one (or with garbage in
    it) leaves the last time known."""
    time = SteppingTime()
    dates = iter(["Thu, 14 Mar 2024 08:30:00 GMT", date])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 1, "uuid": "u"}, headers={"Date": next(dates)})

    client = _client(handler, time)
    try:
        await client.session()
        known = dt.datetime(2024, 3, 14, 8, 30, tzinfo=dt.UTC)
        assert client.server_time == known
        await client.session()
        assert client.server_time == known
    finally:
        await client.aclose()
