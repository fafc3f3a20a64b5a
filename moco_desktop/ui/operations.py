"""One way to run background work from the UI: a coroutine on the qasync loop, a busy state,
and its error routed to the place it belongs.

A slot calls `runner.run(coro, on_error=..., on_success=..., busy=[widgets])` and returns at once;
the UI never waits. While the work runs the given widgets are disabled and `busyChanged` says so
(a window shows a progress hint). A `UserFacingError` goes to `on_error` (an inline label, a
field, a banner) or, if none was given, to `failed`, which the window shows in its message bar.
Anything else is a bug: it is logged with its traceback and shown as one short message, never as
a modal storm. Work still running when the app quits is cancelled by `cancel_all`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr

register(
    {
        "ui.error.unexpected": {
            "en": "Something unexpected went wrong ({detail}). Details are in the log.",
            "de": "Etwas Unerwartetes ist schiefgegangen ({detail}). Details stehen im Log.",
        },
    }
)

logger = logging.getLogger("moco_desktop.ui")

T = TypeVar("T")


def unexpected_error(error: BaseException) -> UserFacingError:
    """A short, translated message for an error that is not a `UserFacingError` (a bug)."""
    return UserFacingError(tr("ui.error.unexpected", detail=type(error).__name__))


class OperationRunner(QObject):
    """Runs coroutines for one window (or the whole app) and reports busy state and errors."""

    busyChanged = Signal(bool)  # noqa: N815 (Qt naming)
    failed = Signal(object)  # a UserFacingError nobody else handled

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def run(
        self,
        work: Awaitable[T],
        *,
        on_success: Callable[[T], None] | None = None,
        on_error: Callable[[UserFacingError], None] | None = None,
        busy: Iterable[QWidget] = (),
    ) -> asyncio.Task[None]:
        """Start `work` on the running loop; returns its task (tests may await it)."""
        widgets = [widget for widget in busy if widget.isEnabled()]
        for widget in widgets:
            widget.setEnabled(False)
        task = asyncio.ensure_future(self._guarded(work, on_success, on_error, widgets))
        was_busy = self.busy
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        if not was_busy:
            self.busyChanged.emit(True)
        return task

    async def _guarded(
        self,
        work: Awaitable[T],
        on_success: Callable[[T], None] | None,
        on_error: Callable[[UserFacingError], None] | None,
        widgets: list[QWidget],
    ) -> None:
        try:
            result = await work
        except asyncio.CancelledError:
            raise
        except UserFacingError as error:
            self._restore(widgets)
            self._report(error, on_error)
        except Exception as error:
            logger.exception("background operation failed")
            self._restore(widgets)
            self._report(unexpected_error(error), on_error)
        else:
            self._restore(widgets)
            if on_success is not None:
                on_success(result)

    def _report(
        self, error: UserFacingError, on_error: Callable[[UserFacingError], None] | None
    ) -> None:
        if on_error is not None:
            on_error(error)
        else:
            self.failed.emit(error)

    @staticmethod
    def _restore(widgets: list[QWidget]) -> None:
        for widget in widgets:
            with contextlib.suppress(RuntimeError):  # the widget may be gone (window closed)
                widget.setEnabled(True)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("operation wrapper failed", exc_info=task.exception())
        if not self._tasks:
            with contextlib.suppress(RuntimeError):  # the runner may be gone (shutting down)
                self.busyChanged.emit(False)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def wait_idle(self) -> None:
        """Wait until every started operation has finished (for orderly shutdown and tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
