"""The root of every error a person may see: it carries a message in their language.

Layers raise subclasses (api.errors.MocoError, core.duration.DurationError, ...); the CLI and the
GUI catch `UserFacingError` and show `message` without a traceback.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose `message` is meant for the person using the app (already translated)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
