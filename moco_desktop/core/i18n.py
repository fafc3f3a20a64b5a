"""Message catalogue for English and German, shared by every layer (CLI, services, UI).

Each module that shows text to a person registers its messages once, at import time:

    MESSAGES = register({
        "api.unauthorized": {"en": "MOCO did not accept the API key.", "de": "MOCO hat den ..."},
    })

and renders them with `tr("api.unauthorized", **params)` in the current language. Messages use
`str.format` placeholders. The language follows the system locale until `set_language` is called
(Settings, `--lang`, or `MOCO_LANG`).
"""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping

SUPPORTED_LANGUAGES = ("en", "de")

_catalogue: dict[str, dict[str, str]] = {}
_language: str | None = None


def register(messages: Mapping[str, Mapping[str, str]]) -> Mapping[str, Mapping[str, str]]:
    """Add messages (key -> {language -> text}); every message needs at least English."""
    for key, texts in messages.items():
        if "en" not in texts:
            raise ValueError(f"message {key!r} has no English text")
        existing = _catalogue.get(key)
        if existing is not None and existing != dict(texts):
            raise ValueError(f"message {key!r} registered twice with different texts")
        _catalogue[key] = dict(texts)
    return messages


def system_language() -> str:
    """The language of the system locale, if we support it, else English."""
    for variable in ("MOCO_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable, "")
        if value:
            code = value.split(":")[0][:2].lower()
            return code if code in SUPPORTED_LANGUAGES else "en"
    try:
        code = (locale.getlocale()[0] or "en")[:2].lower()
    except ValueError:
        code = "en"
    return code if code in SUPPORTED_LANGUAGES else "en"


def language() -> str:
    """The language messages are shown in now."""
    global _language
    if _language is None:
        _language = system_language()
    return _language


def set_language(code: str | None) -> None:
    """Switch the language (None: follow the system again)."""
    global _language
    if code is not None and code not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {code!r}")
    _language = code


def tr(key: str, /, lang: str | None = None, **params: object) -> str:
    """The message `key` in `lang` (default: the current language), formatted with params."""
    texts = _catalogue.get(key)
    if texts is None:
        return key
    text = texts.get(lang or language()) or texts["en"]
    return text.format(**params) if params else text


def known_keys() -> frozenset[str]:
    return frozenset(_catalogue)


def missing_translations(lang: str) -> list[str]:
    """Keys without a text in `lang` (the test suite keeps this empty for German)."""
    return sorted(key for key, texts in _catalogue.items() if lang not in texts)
