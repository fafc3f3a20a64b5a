"""What the services tell their observers (GUI, CLI): typed events through a tiny hub.

`ChangeHub` is synchronous and Qt-free: `subscribe(callback)` returns an `unsubscribe` function,
`emit(event)` calls every subscriber in order on the caller's thread (the asyncio loop's). A
failing subscriber is logged and does not stop the others or the service that emitted.
The GUI adapts these to Qt signals; the CLI prints notices.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Any, Literal

from moco_desktop.core.i18n import tr
from moco_desktop.core.records import record

logger = logging.getLogger("moco_desktop.services")

DataKind = Literal[
    "activities",
    "presences",
    "projects",
    "profile",
    "employments",
    "schedules",
    "planning",
    "users",
    "performance",
]
NoticeLevel = Literal["info", "warning", "error"]


@record
class DataChanged:
    """Shown data of `kind` changed (locally or from MOCO) on `dates` (empty: not date-bound)."""

    kind: DataKind
    dates: frozenset[dt.date] = frozenset()


@record
class PendingChanged:
    """The number of changes not in MOCO yet (`count`, parked ones included) and of those
    MOCO rejected (`parked`): for the pending badge."""

    count: int
    parked: int = 0


@record
class ReachabilityChanged:
    """MOCO became reachable (True) or unreachable (False): for the offline banner."""

    reachable: bool


@record
class Notice:
    """Something the person should know: a conflict, an entry deleted elsewhere, a rejected
    change. `message` renders it in the current language."""

    level: NoticeLevel
    message_key: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    change_id: int | None = None

    @property
    def message(self) -> str:
        params: dict[str, Any] = dict(self.params)
        return tr(self.message_key, **params)


@record
class SyncProgress:
    """Sending pending changes: `done` of `total` handled."""

    done: int
    total: int


@record
class RateLimitWait:
    """Requests are held back `seconds` to respect MOCO's rate limit."""

    seconds: float


Event = DataChanged | PendingChanged | ReachabilityChanged | Notice | SyncProgress | RateLimitWait
Subscriber = Callable[[Event], None]


class ChangeHub:
    """Synchronous publish/subscribe for service events."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` for every event from now on; the returned function stops that."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def emit(self, event: Event) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                logger.exception("an event subscriber failed on %r", event)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
