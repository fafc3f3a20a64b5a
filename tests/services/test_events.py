"""The change hub: subscribe, unsubscribe, failing subscribers, translated notices."""

from __future__ import annotations

import logging

import pytest

from moco_desktop.core import i18n
from moco_desktop.services.events import (
    ChangeHub,
    DataChanged,
    Event,
    Notice,
    PendingChanged,
    ReachabilityChanged,
)
from moco_desktop.services.sync import WorkspaceError


def test_subscribers_receive_events_in_order_until_unsubscribed() -> None:
    hub = ChangeHub()
    first: list[Event] = []
    second: list[Event] = []
    stop_first = hub.subscribe(first.append)
    hub.subscribe(second.append)
    hub.emit(PendingChanged(2, 1))
    stop_first()
    stop_first()  # twice is harmless
    hub.emit(ReachabilityChanged(False))
    assert first == [PendingChanged(2, 1)]
    assert second == [PendingChanged(2, 1), ReachabilityChanged(False)]
    assert hub.subscriber_count == 1


def test_a_failing_subscriber_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    hub = ChangeHub()
    received: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("GUI bug")

    hub.subscribe(broken)
    hub.subscribe(received.append)
    with caplog.at_level(logging.ERROR, logger="moco_desktop.services"):
        hub.emit(DataChanged("activities"))
    assert received == [DataChanged("activities")]
    assert "subscriber failed" in caplog.text


def test_notices_render_in_the_current_language() -> None:
    notice = Notice("warning", "sync.deleted_elsewhere", {"summary": "Log 1 h"})
    assert (
        notice.message == "“Log 1 h” was deleted in MOCO in the meantime; your change was dropped."
    )
    i18n.set_language("de")
    assert notice.message.startswith("„Log 1 h“ wurde inzwischen in MOCO gelöscht")


def test_every_service_message_has_german() -> None:
    import moco_desktop.services.workspace  # noqa: F401  (registers all service messages)

    ours = [
        key
        for key in i18n.missing_translations("de")
        if key.split(".")[0] in {"sync", "timesheet", "timer", "presences", "workspace"}
    ]
    assert ours == []


def test_workspace_errors_are_user_facing() -> None:
    error = WorkspaceError("timer.not_running")
    assert error.message == "No timer is running."
    i18n.set_language("de")
    assert WorkspaceError("timer.not_running").message == "Es läuft kein Timer."
