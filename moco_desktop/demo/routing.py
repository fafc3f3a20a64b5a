"""The embedded server's request model: routes, the per-request context, answers and errors.

Handlers are plain functions `(RequestContext) -> Response` registered in a `Router` with
path templates like `/activities/{id}/start_timer` (relative to `/api/v1`, `.json` optional).
They signal MOCO's error answers by raising `ApiError`; 403 and 404 never carry a body.
This module also holds the input parsing shared by the handlers and MOCO's German messages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from moco_desktop.core.records import record
from moco_desktop.demo.state import MocoState, UserRecord

# Rails' German validation messages, as MOCO sends them in 422 field maps.
BLANK = "muss ausgefüllt werden"
INVALID = "ist nicht gültig"
NOT_A_NUMBER = "ist keine Zahl"
NOT_INCLUDED = "ist kein gültiger Wert"
NOT_NEGATIVE = "muss größer oder gleich 0 sein"
RANGE_OVERLAPS = "range overlaps"

T = TypeVar("T")


class ApiError(Exception):
    """An error answer: status plus JSON body (None: empty body)."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def forbidden() -> ApiError:
    return ApiError(403)


def not_found() -> ApiError:
    return ApiError(404)


def unprocessable(errors: dict[str, list[str]]) -> ApiError:
    return ApiError(422, errors)


def message(status: int, text: str) -> ApiError:
    return ApiError(status, {"message": text})


def internal_error() -> ApiError:
    """What Rails answers for an unhandled exception (e.g. a presence time like '8')."""
    return ApiError(500, {"status": 500, "error": "Internal Server Error"})


@dataclass(slots=True)
class Response:
    status: int = 200
    body: Any = None  # JSON-able; None means an empty body
    headers: dict[str, str] = field(default_factory=dict)


class FieldErrors:
    """Collects a 422 field map, the way Rails reports all invalid fields at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, text: str) -> None:
        self.fields.setdefault(name, []).append(text)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            raise unprocessable(self.fields)


@dataclass(slots=True)
class RequestContext:
    """Everything a handler needs about one request; runs while `state.lock` is held."""

    state: MocoState
    method: str
    path: str  # as requested, e.g. "/api/v1/activities.json"
    query: dict[str, str]
    body: dict[str, Any]
    params: dict[str, str]  # from the route template
    now: dt.datetime  # Berlin wall time
    auth_user: UserRecord | None
    acting_user: UserRecord | None  # the impersonated user, else auth_user
    origin: str  # "http://host:port", for absolute Link headers
    default_per_page: int = 100

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @property
    def now_utc(self) -> dt.datetime:
        return self.now.astimezone(dt.UTC)

    @property
    def user(self) -> UserRecord:
        """The user the request acts as (authenticated routes only)."""
        assert self.acting_user is not None, "route without authentication"
        return self.acting_user

    def param_id(self, name: str = "id") -> int:
        return int(self.params[name])

    def can_see_user(self, user_id: int) -> bool:
        """Staff see everyone's time data; everybody else only their own."""
        return self.user.staff or user_id == self.user.id

    # ---------------------------------------------------------------- query parameters
    def query_int(self, name: str) -> int | None:
        raw = self.query.get(name, "").strip()
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            raise message(422, f"{name} must be an integer") from None

    def query_ints(self, name: str) -> set[int] | None:
        """A comma-separated id list."""
        raw = self.query.get(name, "").strip()
        if not raw:
            return None
        try:
            return {int(part) for part in raw.split(",") if part.strip()}
        except ValueError:
            raise message(422, f"{name} must be a comma-separated list of ids") from None

    def query_date(self, name: str) -> dt.date | None:
        raw = self.query.get(name, "").strip()
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise message(422, f"{name} must be a date (YYYY-MM-DD)") from None

    def query_bool(self, name: str) -> bool | None:
        raw = self.query.get(name, "").strip().lower()
        if not raw:
            return None
        return raw in {"true", "1", "yes"}

    def query_timestamp(self, name: str) -> dt.datetime | None:
        raw = self.query.get(name, "").strip()
        if not raw:
            return None
        try:
            moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise message(422, f"{name} must be an ISO 8601 timestamp") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    # ---------------------------------------------------------------- pagination
    def paginate(self, items: Sequence[T], render: Callable[[T], Any]) -> Response:
        """One page of `items` with MOCO's X-Page/X-Per-Page/X-Total and Link headers."""
        page = max(1, self._positive_query("page", 1))
        per_page = max(1, self._positive_query("per_page", self.default_per_page))
        start = (page - 1) * per_page
        chunk = items[start : start + per_page]
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(len(items)),
        }
        if start + per_page < len(items):
            headers["Link"] = f'<{self._page_url(page + 1)}>; rel="next"'
        return Response(200, [render(item) for item in chunk], headers)

    def _positive_query(self, name: str, default: int) -> int:
        raw = self.query.get(name, "").strip()
        return int(raw) if raw.isdigit() and int(raw) > 0 else default

    def _page_url(self, page: int) -> str:
        query = dict(self.query)
        query["page"] = str(page)
        return f"{self.origin}{self.path}?{urlencode(query)}"


Handler = Callable[[RequestContext], Response]


@record
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    authenticated: bool = True
    impersonation: bool = True  # False: acts as the key's user even with the header


class Router:
    """Maps (method, API path) to a handler; `{name}` in a template matches digits."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        authenticated: bool = True,
        impersonation: bool = True,
    ) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>\\d+)", template)
        self.routes.append(
            Route(
                method.upper(),
                template,
                re.compile(f"^{regex}$"),
                handler,
                authenticated,
                impersonation,
            )
        )

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found is not None:
                return route, found.groupdict()
        return None


# ---------------------------------------------------------------------------- body values
def body_int(value: Any) -> int | None:
    """An integer from JSON (int, integral float or digit string); None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return None


def body_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def body_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "on"}
    return bool(value)


def body_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def body_text(value: Any) -> str:
    return "" if value is None else str(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
