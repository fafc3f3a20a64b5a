"""The async MOCO client: one httpx connection pool per account, typed endpoints, safe retries.

`MocoClient` sends every request through the account's shared `RateLimiter`, retries what can be
retried, and turns answers into core entities (via `dto`) or into one exception per failure (see
`errors`). Retry rules, decided once here:

* GET, PUT, PATCH and DELETE are replayed after connection errors, timeouts, resets and
  502/503/504, with capped exponential backoff and jitter (`RetryPolicy`).
* POST is replayed only when nothing can have reached MOCO (the connection was never made). Once
  the request may have been sent, a missing answer (or a 502/504 from MOCO's gateway) raises
  `ResponseLostError` and is never resent: the offline outbox reconciles it.
* 429 is retried for every method (nothing was applied): the client honours `Retry-After`, else
  waits until its window frees, holds back every client of the account (`penalise`) and reports a
  `RateLimitWait`. After `RetryPolicy.max_rate_limit_retries` it raises `RateLimitedError`.
* `start_timer` is safe to replay: if MOCO says "Timer is already running" (after a lost answer,
  or because another device was faster), the client fetches the activity and returns it when its
  timer runs. `stop_timer` on a timer that no longer runs (422) returns the activity as it is:
  stopping twice is harmless. A replayed DELETE that finds nothing (404) counts as done.

The API key is only ever put into the Authorization header; logs record method, path, status and
duration, and `repr` shows neither key nor headers.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import enum
import functools
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import moco_desktop
from moco_desktop.api import dto
from moco_desktop.api.errors import (
    MissingApiKeyError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ResponseLostError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
    error_from_response,
)
from moco_desktop.api.ratelimit import RateLimiter, RateLimitWait, limiter_for
from moco_desktop.api.tls import shared_tls_context
from moco_desktop.api.urls import check_base_url, resolve_base_url
from moco_desktop.core.entities import (
    Activity,
    ApiKey,
    AssignedProject,
    Employment,
    LoginResult,
    PerformanceReport,
    PlanningEntry,
    Presence,
    Profile,
    Schedule,
    SessionInfo,
    Task,
    User,
)
from moco_desktop.core.lazy import lazy_module
from moco_desktop.core.records import record

if TYPE_CHECKING:
    from email import utils as email_utils

    import httpx
else:  # perf (issue 4): imported with the first request, after the window has been painted
    httpx = lazy_module("httpx", globals())
    email_utils = lazy_module("email.utils", globals(), "email_utils")

logger = logging.getLogger("moco_desktop.api")

T = TypeVar("T")
Json = Mapping[str, Any]


@functools.cache
def user_agent() -> str:
    """`MOCO-Desktop/<version>`; read with the first request (the version lookup takes ~10 ms
    of start-up otherwise)."""
    return f"MOCO-Desktop/{moco_desktop.__version__}"


IMPERSONATION_HEADER: Final = "X-IMPERSONATE-USER-ID"
GATEWAY_STATUSES: Final = frozenset({502, 503, 504})


@functools.cache
def _not_sent_errors() -> tuple[type[Exception], ...]:
    """Raised before a single byte of the request left this computer: always safe to replay."""
    return (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.ProxyError,
        httpx.UnsupportedProtocol,
        httpx.LocalProtocolError,
    )


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET: Final = _Unset.UNSET
"""Marks a keyword argument that was not given (as opposed to None, which clears a field)."""


def _both(
    first: Callable[[ClientEvent], None] | None, second: Callable[[ClientEvent], None]
) -> Callable[[ClientEvent], None]:
    if first is None:
        return second

    def both(event: ClientEvent) -> None:
        try:
            first(event)
        finally:
            second(event)

    return both


def _jittered(seconds: float, jitter: float) -> float:
    """`seconds` stretched by a random 0..`jitter` fraction (never shortened)."""
    return seconds * (1.0 + random.uniform(0.0, jitter))


@record
class RetryPolicy:
    """How often and how patiently requests are retried. `sleep` is injectable for tests."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.2
    max_rate_limit_retries: int = 4
    max_rate_limit_wait: float = 120.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def backoff(self, retry: int) -> float:
        """The pause before retry number `retry` (1-based): capped exponential, jittered."""
        return min(self.max_delay, _jittered(self.base_delay * 2 ** (retry - 1), self.jitter))


DEFAULT_RETRY = RetryPolicy()


@record
class RetryWait:
    """A request failed transiently (`reason`) and is retried as attempt `attempt` in `seconds`."""

    seconds: float
    attempt: int
    reason: str


ClientEvent = RateLimitWait | RetryWait


class _Connection:
    """The httpx client (connection pool) of a `MocoClient` and its siblings, made on the first
    request: making it, with the TLS context, takes ~30 ms that the start-up (showing what is
    cached) need not wait for."""

    def __init__(self, factory: Callable[[], httpx.AsyncClient]) -> None:
        self._factory = factory
        self._client: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            self._client = self._factory()
        return self._client

    @property
    def is_closed(self) -> bool:
        return self._closed or (self._client is not None and self._client.is_closed)

    async def aclose(self) -> None:
        self._closed = True
        if self._client is not None:
            await self._client.aclose()


KeyLoader = Callable[[], Awaitable["ApiKey | None"]]


class _KeySource:
    """The API key, or how to get it when the first request needs it (from the keyring, in
    the background: the start-up paints before the keyring is read). Shared by siblings."""

    def __init__(self, key: ApiKey | None, loader: KeyLoader | None) -> None:
        self.key = key
        self._loader = loader
        self._loading: asyncio.Future[ApiKey | None] | None = None

    async def get(self) -> ApiKey | None:
        """The key; None for a client without one. Raises MissingApiKeyError if the loader
        finds none."""
        if self.key is not None or self._loader is None:
            return self.key
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._loader())
        try:
            key = await asyncio.shield(self._loading)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a broken keyring: say so; the next request tries again
            self._loading = None
            raise MissingApiKeyError() from error
        if key is None:
            raise MissingApiKeyError()
        self.key = key
        return key


class MocoClient:
    """An async client for one MOCO account (optionally acting for another user)."""

    def __init__(
        self,
        base_url: str,
        api_key: ApiKey | None = None,
        *,
        key_loader: KeyLoader | None = None,
        limiter_for_key: Callable[[ApiKey], RateLimiter] | None = None,
        impersonate_user_id: int | None = None,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 20.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        on_event: Callable[[ClientEvent], None] | None = None,
    ) -> None:
        self._base_url = check_base_url(base_url)
        self._key = _KeySource(api_key, key_loader)
        self._impersonate_user_id = impersonate_user_id
        self._limiter = limiter if limiter is not None else limiter_for(self._base_url)
        # A key read later brings its account's limiter with it (MOCO counts per key).
        self._limiter_for_key = limiter_for_key
        self._retry = retry
        self._on_event = on_event
        self._server_time: dt.datetime | None = None
        self._owns_http = True
        self._connection = _Connection(
            lambda: httpx.AsyncClient(
                base_url=self._base_url,
                transport=transport,
                timeout=httpx.Timeout(timeout),
                verify=shared_tls_context(),  # always verified; one per process
                follow_redirects=False,
                headers={
                    "Accept": "application/json",
                    "Content-Type": "application/json",
                    "User-Agent": user_agent(),
                },
            )
        )

    @classmethod
    def for_domain(
        cls,
        domain: str,
        api_key: ApiKey | None,
        *,
        env: Mapping[str, str] = os.environ,
        **options: Any,
    ) -> MocoClient:
        """A client for `domain` (`acme`, `acme.mocoapp.com`, ...) or for `MOCO_BASE_URL`."""
        return cls(resolve_base_url(domain, env), api_key, **options)

    def acting_as(
        self, user_id: int | None, *, on_event: Callable[[ClientEvent], None] | None = None
    ) -> MocoClient:
        """A sibling that acts for `user_id` (None: for the key's own user), sharing this
        client's connection pool and rate limiter. Closing a sibling does not close the pool.
        `on_event` also hears the sibling's events (this client's listener still does)."""
        sibling = copy.copy(self)
        sibling._impersonate_user_id = user_id
        sibling._owns_http = False
        if on_event is not None:
            sibling._on_event = _both(self._on_event, on_event)
        return sibling

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def impersonate_user_id(self) -> int | None:
        return self._impersonate_user_id

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    @property
    def server_time(self) -> dt.datetime | None:
        """MOCO's clock (UTC, to the second) when it sent the latest answer this client
        received (its `Date` header): a time to ask `updated_after` from that does not depend
        on this computer's clock. None before the first answer or without a date."""
        return self._server_time

    @property
    def is_closed(self) -> bool:
        return self._connection.is_closed

    async def aclose(self) -> None:
        if self._owns_http:
            await self._connection.aclose()

    async def __aenter__(self) -> MocoClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        acting = ""
        if self._impersonate_user_id is not None:
            acting = f", impersonate_user_id={self._impersonate_user_id}"
        return f"MocoClient({self._base_url!r}{acting})"

    # --- authentication ----------------------------------------------------------------------

    async def login(self, email: str, password: str) -> LoginResult:
        """Exchange email and password for the user's API key (`POST /session`)."""
        body = {"email": email, "password": password}
        response = await self._send("POST", "/session", body=body, login=True)
        return self._entity(dto.login_result, response)

    async def session(self) -> SessionInfo:
        """The key's user (`GET /session`): the cheap way to check a stored key."""
        return self._entity(dto.session_info, await self._send("GET", "/session"))

    async def profile(self) -> Profile:
        """The current (or impersonated) user."""
        return self._entity(dto.profile, await self._send("GET", "/profile"))

    # --- people and projects -----------------------------------------------------------------

    async def users(self, active: bool | None = None) -> list[User]:
        """Staff (needs staff rights). `active`: True only active, False only deactivated."""
        params = None if active is True else {"include_archived": "true"}
        people = await self._collect("/users", params, dto.user)
        return [person for person in people if active is None or person.active == active]

    async def assigned_projects(self, active: bool | None = True) -> list[AssignedProject]:
        """The projects the user may book on, with their tasks (one request fills a picker)."""
        params = _query(active=active)
        return await self._collect("/projects/assigned", params, dto.assigned_project)

    async def project_tasks(self, project_id: int) -> list[Task]:
        return await self._collect(f"/projects/{int(project_id)}/tasks", None, dto.task)

    async def employments(self, user_id: int | None = None) -> list[Employment]:
        return await self._collect("/users/employments", _query(user_id=user_id), dto.employment)

    async def schedules(
        self, *, date_from: dt.date, date_to: dt.date, user_id: int | None = None
    ) -> list[Schedule]:
        """Absences and public holidays in the date range."""
        params = _query(**{"from": date_from, "to": date_to, "user_id": user_id})
        return await self._collect("/schedules", params, dto.schedule)

    async def planning_entries(
        self, *, date_from: dt.date, date_to: dt.date, user_id: int | None = None
    ) -> list[PlanningEntry]:
        params = _query(period=f"{date_from.isoformat()}:{date_to.isoformat()}", user_id=user_id)
        return await self._collect("/planning_entries", params, dto.planning_entry)

    async def performance_report(self, user_id: int, year: int | None = None) -> PerformanceReport:
        path = f"/users/{int(user_id)}/performance_report"
        response = await self._send("GET", path, params=_query(year=year))
        return self._entity(dto.performance_report, response)

    # --- activities and timers ---------------------------------------------------------------

    async def activities(
        self,
        *,
        user_id: int | None,
        date_from: dt.date,
        date_to: dt.date,
        updated_after: dt.datetime | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
    ) -> list[Activity]:
        """Activities in the date range. `user_id=None` means every colleague the key can see."""
        params = _query(
            **{"from": date_from, "to": date_to},
            user_id=user_id,
            updated_after=updated_after,
            project_id=project_id,
            task_id=task_id,
        )
        return await self._collect("/activities", params, dto.activity)

    async def activity(self, activity_id: int) -> Activity:
        return self._entity(dto.activity, await self._send("GET", f"/activities/{activity_id:d}"))

    async def create_activity(
        self,
        *,
        date: dt.date,
        project_id: int,
        task_id: int,
        seconds: int | None = None,
        description: str = "",
        billable: bool | None = None,
        tag: str | None = None,
        remote_service: str | None = None,
        remote_id: str | None = None,
        remote_url: str | None = None,
    ) -> Activity:
        """A new activity. Dated today with no (or 0) seconds, MOCO starts its timer itself."""
        body = _body(
            date=date.isoformat(),
            project_id=project_id,
            task_id=task_id,
            seconds=seconds,
            description=description,
            billable=billable,
            tag=tag,
            remote_service=remote_service,
            remote_id=remote_id,
            remote_url=remote_url,
        )
        return self._entity(dto.activity, await self._send("POST", "/activities", body=body))

    async def start_new_timer(
        self,
        *,
        project_id: int,
        task_id: int,
        description: str = "",
        billable: bool | None = None,
        tag: str | None = None,
        remote_service: str | None = None,
        remote_id: str | None = None,
        remote_url: str | None = None,
        today: dt.date | None = None,
    ) -> Activity:
        """A running timer on a new activity for today: one POST (MOCO starts it by itself).
        Should MOCO ever hand back a stopped activity, the timer is started explicitly."""
        created = await self.create_activity(
            date=today or dt.date.today(),
            project_id=project_id,
            task_id=task_id,
            seconds=0,
            description=description,
            billable=billable,
            tag=tag,
            remote_service=remote_service,
            remote_id=remote_id,
            remote_url=remote_url,
        )
        return created if created.is_running else await self.start_timer(created.id)

    async def update_activity(
        self,
        activity_id: int,
        *,
        date: dt.date | _Unset = UNSET,
        project_id: int | _Unset = UNSET,
        task_id: int | _Unset = UNSET,
        seconds: int | _Unset = UNSET,
        description: str | _Unset = UNSET,
        billable: bool | _Unset = UNSET,
        tag: str | _Unset = UNSET,
        remote_service: str | _Unset | None = UNSET,
        remote_id: str | _Unset | None = UNSET,
        remote_url: str | _Unset | None = UNSET,
    ) -> Activity:
        """Change only the given fields (`PUT /activities/{id}`)."""
        fields: dict[str, object] = {
            "date": date.isoformat() if isinstance(date, dt.date) else date,
            "project_id": project_id,
            "task_id": task_id,
            "seconds": seconds,
            "description": description,
            "billable": billable,
            "tag": tag,
            "remote_service": remote_service,
            "remote_id": remote_id,
            "remote_url": remote_url,
        }
        body = {name: value for name, value in fields.items() if value is not UNSET}
        path = f"/activities/{activity_id:d}"
        return self._entity(dto.activity, await self._send("PUT", path, body=body))

    async def delete_activity(self, activity_id: int) -> None:
        try:
            await self._send("DELETE", f"/activities/{activity_id:d}")
        except NotFoundError as error:
            if not error.after_lost_attempt:
                raise

    async def start_timer(self, activity_id: int) -> Activity:
        """Continue the timer on an activity of today (MOCO refuses other days with a 422)."""
        try:
            response = await self._send("PATCH", f"/activities/{activity_id:d}/start_timer")
        except ValidationError as error:
            if not error.mentions("already running"):
                raise
            current = await self.activity(activity_id)
            if not current.is_running:
                raise
            return current
        return await self._activity_or_fetch(response, activity_id)

    async def stop_timer(self, activity_id: int) -> Activity:
        """Stop the timer; MOCO adds the tracked time to `seconds` in whole minutes."""
        try:
            response = await self._send("PATCH", f"/activities/{activity_id:d}/stop_timer")
        except ValidationError:
            current = await self.activity(activity_id)
            if current.is_running:
                raise
            return current
        return await self._activity_or_fetch(response, activity_id)

    # --- presences ---------------------------------------------------------------------------

    async def presences(
        self,
        *,
        user_id: int | None,
        date_from: dt.date,
        date_to: dt.date,
        updated_after: dt.datetime | None = None,
    ) -> list[Presence]:
        params = _query(
            **{"from": date_from, "to": date_to}, user_id=user_id, updated_after=updated_after
        )
        return await self._collect("/users/presences", params, dto.presence)

    async def presence(self, presence_id: int) -> Presence:
        path = f"/users/presences/{presence_id:d}"
        return self._entity(dto.presence, await self._send("GET", path))

    async def create_presence(
        self,
        *,
        date: dt.date,
        from_time: dt.time,
        to_time: dt.time | None = None,
        is_home_office: bool | None = None,
    ) -> Presence:
        """A presence; without `to_time` it stays open. Times are checked before sending."""
        body = _body(
            date=date.isoformat(),
            **{"from": dto.format_time(from_time)},
            to=None if to_time is None else dto.format_time(to_time),
            is_home_office=is_home_office,
        )
        return self._entity(dto.presence, await self._send("POST", "/users/presences", body=body))

    async def update_presence(
        self,
        presence_id: int,
        *,
        from_time: dt.time | _Unset = UNSET,
        to_time: dt.time | _Unset | None = UNSET,
        is_home_office: bool | _Unset = UNSET,
    ) -> Presence:
        """Change only the given fields (`PATCH`); `to_time=None` reopens the presence."""
        body: dict[str, object] = {}
        if not isinstance(from_time, _Unset):
            body["from"] = dto.format_time(from_time)
        if not isinstance(to_time, _Unset):
            body["to"] = None if to_time is None else dto.format_time(to_time)
        if not isinstance(is_home_office, _Unset):
            body["is_home_office"] = is_home_office
        path = f"/users/presences/{presence_id:d}"
        return self._entity(dto.presence, await self._send("PATCH", path, body=body))

    async def delete_presence(self, presence_id: int) -> Presence | None:
        """Delete; returns the deleted presence when MOCO sends it back."""
        try:
            response = await self._send("DELETE", f"/users/presences/{presence_id:d}")
        except NotFoundError as error:
            if error.after_lost_attempt:
                return None
            raise
        return self._optional_entity(dto.presence, response)

    async def touch_presence(self, is_home_office: bool | None = None) -> Presence | None:
        """Open a presence now, or close the open one now (None if MOCO discarded it)."""
        body = _body(is_home_office=is_home_office) or None
        response = await self._send("POST", "/users/presences/touch", body=body)
        return self._optional_entity(dto.presence, response)

    # --- pagination --------------------------------------------------------------------------

    def paginate(self, path: str, params: Mapping[str, str] | None = None) -> Paginator:
        """Every item of a list endpoint, page by page (`async for item in ...`)."""
        return Paginator(self, path, params)

    async def _collect(
        self, path: str, params: Mapping[str, str] | None, mapper: Callable[[Json], T]
    ) -> list[T]:
        return [_mapped(mapper, item, 200) async for item in self.paginate(path, params)]

    # --- transport ---------------------------------------------------------------------------

    async def _send(
        self,
        method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"],
        target: str,
        *,
        params: Mapping[str, str] | None = None,
        body: object = None,
        login: bool = False,
    ) -> httpx.Response:
        """One logical request: rate-limited, retried per the rules above, errors mapped."""
        replayable = method != "POST"
        attempt = throttled = 0
        maybe_applied = False
        api_key = None if login else await self._key.get()
        if api_key is not None and self._limiter_for_key is not None:
            self._limiter = self._limiter_for_key(api_key)
            self._limiter_for_key = None
        while True:
            attempt += 1
            slot = await self._limiter.acquire(self._emit)
            started = time.monotonic()
            try:
                try:
                    response = await self._connection.client.request(
                        method, target, params=params, json=body, headers=self._headers(api_key)
                    )
                finally:
                    # MOCO counted it on arrival, before now: count it from now on.
                    self._limiter.answered(slot)
            except _not_sent_errors() as exc:
                self._log_failure(method, target, exc, started)
                if attempt < self._retry.max_attempts:
                    await self._pause(attempt, "network")
                    continue
                raise _network_error(exc, maybe_applied) from exc
            except httpx.TransportError as exc:
                self._log_failure(method, target, exc, started)
                if not replayable:
                    raise ResponseLostError(method, _path_of(target)) from exc
                maybe_applied = maybe_applied or method != "GET"
                if attempt < self._retry.max_attempts:
                    await self._pause(attempt, "network")
                    continue
                raise _network_error(exc, maybe_applied) from exc

            _unbind_stream(response)
            self._server_time = _date_of(response) or self._server_time
            status = response.status_code
            logger.debug(
                "%s %s -> %d (%.0f ms)",
                method,
                response.request.url.path,
                status,
                (time.monotonic() - started) * 1000,
            )
            if status == 429:
                throttled += 1
                attempt -= 1  # nothing was applied: a 429 costs no attempt
                self._throttle(response, throttled)
                continue
            if status in GATEWAY_STATUSES:
                if not replayable:
                    if status == 503:
                        raise ServerError(status, _body_of(response))
                    raise ResponseLostError(method, _path_of(target), status=status)
                maybe_applied = maybe_applied or (method != "GET" and status != 503)
                if attempt < self._retry.max_attempts:
                    await self._pause(attempt, f"HTTP {status}")
                    continue
            if status >= 400:
                raise error_from_response(
                    status,
                    _body_of(response),
                    impersonated_user_id=None if login else self._impersonate_user_id,
                    login=login,
                    after_lost_attempt=maybe_applied,
                )
            return response

    def _headers(self, api_key: ApiKey | None) -> dict[str, str]:
        """`api_key` None: a login request (no key, nobody impersonated)."""
        headers: dict[str, str] = {}
        if api_key is None:
            return headers
        headers["Authorization"] = f"Token token={api_key.reveal()}"
        if self._impersonate_user_id is not None:
            headers[IMPERSONATION_HEADER] = str(self._impersonate_user_id)
        return headers

    def _throttle(self, response: httpx.Response, throttled: int) -> None:
        """After a 429: decide the wait and hold back every client of the account."""
        retry_after = _retry_after(response)
        policy = self._retry
        if throttled > policy.max_rate_limit_retries or (
            retry_after is not None and retry_after > policy.max_rate_limit_wait
        ):
            raise RateLimitedError(429, _body_of(response), retry_after=retry_after)
        if retry_after is None:
            # Until a slot of the window frees, but at least the growing backoff.
            wait = max(self._limiter.until_oldest_expires(), policy.backoff(throttled))
            wait = min(wait, self._limiter.per_seconds, policy.max_rate_limit_wait)
        else:
            wait = retry_after
        wait = _jittered(wait, policy.jitter)
        logger.warning("MOCO answered 429; holding requests back for %.1f s", wait)
        self._limiter.penalise(wait)

    async def _pause(self, attempt: int, reason: str) -> None:
        seconds = self._retry.backoff(attempt)
        logger.info("retrying after %s in %.2f s (attempt %d)", reason, seconds, attempt + 1)
        self._emit(RetryWait(seconds, attempt + 1, reason))
        await self._retry.sleep(seconds)

    def _emit(self, event: ClientEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            logger.exception("an on_event listener failed")

    @staticmethod
    def _log_failure(method: str, target: str, exc: Exception, started: float) -> None:
        elapsed = (time.monotonic() - started) * 1000
        path, failure = _path_of(target), type(exc).__name__
        logger.info("%s %s failed: %s (%.0f ms)", method, path, failure, elapsed)

    def _same_origin(self, url: str) -> str:
        """A pagination link, if it points to this account (the key must not go elsewhere)."""
        link, base = httpx.URL(url), httpx.URL(self._base_url)
        if (link.scheme, link.host, link.port) != (base.scheme, base.host, base.port):
            raise UnexpectedResponseError("pagination link to another host")
        return url

    # --- decoding ----------------------------------------------------------------------------

    def _entity(self, mapper: Callable[[Json], T], response: httpx.Response) -> T:
        return _mapped(mapper, _json(response), response.status_code)

    def _optional_entity(self, mapper: Callable[[Json], T], response: httpx.Response) -> T | None:
        data = _json(response)
        return None if data is None else _mapped(mapper, data, response.status_code)

    async def _activity_or_fetch(self, response: httpx.Response, activity_id: int) -> Activity:
        data = _json(response)
        if data is None:
            return await self.activity(activity_id)
        return _mapped(dto.activity, data, response.status_code)


class Paginator:
    """The items of a paginated list, following `Link: <...>; rel="next"`. `total` (from
    `X-Total`) and `pages` are known once iteration has started."""

    def __init__(self, client: MocoClient, path: str, params: Mapping[str, str] | None) -> None:
        self._client = client
        self._path = path
        self._params = params
        self.total: int | None = None
        self.pages = 0

    def __aiter__(self) -> AsyncIterator[Json]:
        return self._items()

    async def _items(self) -> AsyncIterator[Json]:
        target: str | None = self._path
        params = self._params
        visited: set[str] = set()
        while target is not None:
            response = await self._client._send("GET", target, params=params)
            data = _json(response)
            if not isinstance(data, list):
                raise UnexpectedResponseError("expected a list", status=response.status_code)
            self.pages += 1
            if self.total is None:
                self.total = _int_header(response, "X-Total")
            visited.add(str(response.request.url))
            next_url = response.links.get("next", {}).get("url")
            # perf (issue 7): neither this page's body nor its decoded items stay in memory
            # while the next page waits for the rate limit (seconds, with a big account).
            del response
            for position, item in enumerate(data):
                if not isinstance(item, Mapping):
                    raise UnexpectedResponseError("expected objects in the list")
                data[position] = None
                yield item
            data = item = None
            target = self._client._same_origin(next_url) if next_url else None
            if target is not None and str(httpx.URL(target)) in visited:
                raise UnexpectedResponseError("pagination loops back to a visited page")
            params = None


# --- helpers ---------------------------------------------------------------------------------


def _query(**values: object) -> dict[str, str]:
    """Query parameters with None dropped, dates ISO, timestamps UTC, booleans lowercase."""
    query: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, dt.datetime):
            query[name] = dto.format_timestamp(value)
        elif isinstance(value, dt.date):
            query[name] = value.isoformat()
        else:
            query[name] = str(value)
    return query


def _body(**values: object) -> dict[str, object]:
    return {name: value for name, value in values.items() if value is not None}


def _network_error(exc: Exception, maybe_applied: bool) -> NetworkError:
    timed_out = isinstance(exc, httpx.TimeoutException)
    return NetworkError(timed_out=timed_out, may_have_been_applied=maybe_applied)


def _path_of(target: str) -> str:
    return httpx.URL(target).path


def _unbind_stream(response: httpx.Response) -> None:
    """perf (issue 7): httpx binds a response's stream to the response (a reference cycle, so
    the closed stream can time it), and a cycle waits for the garbage collector: every page of
    a big account, its body with it, stayed in memory until the next full collection (~1 MiB
    after a month of weeks was loaded). The body is read in full by then: a plain stream over
    it breaks the cycle, as httpx does for a request it has read."""
    response.stream = httpx.ByteStream(response.content)


def _date_of(response: httpx.Response) -> dt.datetime | None:
    """The answer's `Date` header as an aware UTC time, None if missing or malformed."""
    value = response.headers.get("date")
    if not value:
        return None
    try:
        moment = email_utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _json(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponseError("not JSON", status=response.status_code) from None


def _body_of(response: httpx.Response) -> object:
    """An error answer's body: parsed JSON, else its text, else None (403/404 send nothing)."""
    try:
        return _json(response)
    except UnexpectedResponseError:
        return response.text[:1000]


def _mapped(mapper: Callable[[Json], T], data: object, status: int) -> T:
    if not isinstance(data, Mapping):
        raise UnexpectedResponseError("expected an object", status=status)
    try:
        return mapper(data)
    except (KeyError, TypeError, ValueError) as exc:
        detail = f"{type(exc).__name__}: {exc}"[:200]
        raise UnexpectedResponseError(detail, status=status) from exc


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (delta or HTTP date), None if absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # perf: ~10 ms at start-up, rarely needed

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, (moment - dt.datetime.now(dt.UTC)).total_seconds())
