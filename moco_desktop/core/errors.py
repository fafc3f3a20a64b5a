"""The root of every error a person may see: it carries a message in their language.

Layers raise subclasses (api.errors.MocoError, core.duration.DurationError, ...); the CLI and the
GUI catch `UserFacingError` and show `message` without a traceback. `CatalogueError` is the
common case of a message from the i18n catalogue, rendered in the language current when read.
"""

from __future__ import annotations

from moco_desktop.core.i18n import tr


class UserFacingError(Exception):
    """An error whose `message` is meant for the person using the app (already translated).

    Subclasses may override `message` as a property to render it lazily.
    """

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self._message = message

    @property
    def message(self) -> str:
        return self._message

    def __str__(self) -> str:
        return self.message


class CatalogueError(UserFacingError):
    """An error whose message is catalogue entry `key` formatted with `params`."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params: dict[str, object] = dict(params)
        super().__init__()

    @property
    def message(self) -> str:
        return self.message_in(None)

    def message_in(self, lang: str | None) -> str:
        """The message in `lang` ("en" or "de"; None: the current language)."""
        return tr(self.key, lang=lang, **self.params)
