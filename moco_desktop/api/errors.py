"""Every way talking to MOCO can fail, as one exception class per case.

All errors derive from `MocoError`, carry `.message` in the current language (rendered when read,
so a language switch applies) and `.status` (the HTTP status, if there was one). Their `str` and
`repr` show only that message: no headers, no API key. `error_from_response` turns an HTTP error
answer into the matching exception, reading MOCO's quirks (empty 403/404 bodies, German 422 field
maps, the "user API keys are disabled" 401).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr

MESSAGES = register(
    {
        "api.error": {
            "en": "Something went wrong while talking to MOCO.",
            "de": "Bei der Verbindung mit MOCO ist etwas schiefgegangen.",
        },
        "api.domain.empty": {
            "en": "Enter your MOCO domain, e.g. “acme” for acme.mocoapp.com.",
            "de": "Gib deine MOCO-Domain ein, z. B. „acme“ für acme.mocoapp.com.",
        },
        "api.domain.invalid": {
            "en": "“{domain}” is not a valid MOCO domain. Enter the part before .mocoapp.com, "
            "e.g. “acme”.",
            "de": "„{domain}“ ist keine gültige MOCO-Domain. Gib den Teil vor .mocoapp.com ein, "
            "z. B. „acme“.",
        },
        "api.domain.other_host": {
            "en": "“{domain}” is not a MOCO address. MOCO accounts live at NAME.mocoapp.com.",
            "de": "„{domain}“ ist keine MOCO-Adresse. MOCO-Konten liegen unter NAME.mocoapp.com.",
        },
        "api.insecure_base_url": {
            "en": "Refusing to send the API key to “{url}”: use https:// (plain http:// only "
            "to this computer).",
            "de": "Der API-Schlüssel wird nicht an „{url}“ gesendet: Verwende https:// (http:// "
            "nur für diesen Computer).",
        },
        "api.invalid_time": {
            "en": "“{value}” is not a time of day. Use HH:MM, e.g. 08:30.",
            "de": "„{value}“ ist keine Uhrzeit. Verwende HH:MM, z. B. 08:30.",
        },
        "api.network.connect": {
            "en": "Cannot reach MOCO. Check your internet connection.",
            "de": "MOCO ist nicht erreichbar. Prüfe deine Internetverbindung.",
        },
        "api.network.timeout": {
            "en": "MOCO did not answer in time.",
            "de": "MOCO hat nicht rechtzeitig geantwortet.",
        },
        "api.network.lost": {
            "en": "The connection to MOCO broke before its answer arrived. The change may or "
            "may not have been saved.",
            "de": "Die Verbindung zu MOCO ist abgebrochen, bevor die Antwort kam. Die Änderung "
            "wurde vielleicht gespeichert, vielleicht auch nicht.",
        },
        "api.status": {
            "en": "MOCO answered with an error (HTTP {status}).",
            "de": "MOCO hat mit einem Fehler geantwortet (HTTP {status}).",
        },
        "api.unauthorized": {
            "en": "MOCO did not accept the API key: {detail}",
            "de": "MOCO hat den API-Schlüssel nicht akzeptiert: {detail}",
        },
        "api.unauthorized.no_detail": {
            "en": "MOCO did not accept the API key.",
            "de": "MOCO hat den API-Schlüssel nicht akzeptiert.",
        },
        "api.unauthorized.key_missing": {
            "en": "The API key of this login is no longer in the system keyring. Log in again.",
            "de": "Der API-Schlüssel dieser Anmeldung ist nicht mehr im Schlüsselbund des "
            "Systems. Bitte melde dich erneut an.",
        },
        "api.unauthorized.keys_disabled": {
            "en": "Your MOCO account has switched off personal API keys. MOCO says: “{detail}”",
            "de": "In deinem MOCO-Konto sind persönliche API-Schlüssel abgeschaltet. MOCO "
            "meldet: „{detail}“",
        },
        "api.unauthorized.credentials": {
            "en": "MOCO did not accept this email address and password.",
            "de": "MOCO hat diese E-Mail-Adresse und dieses Passwort nicht akzeptiert.",
        },
        "api.forbidden": {
            "en": "MOCO refused access: your MOCO role lacks the permission for this.",
            "de": "MOCO hat den Zugriff verweigert: Deiner MOCO-Rolle fehlt die Berechtigung.",
        },
        "api.forbidden.impersonation": {
            "en": "You have no permission to act for others in MOCO (user {user_id}); this "
            "needs the Staff permission.",
            "de": "Du darfst in MOCO nicht für andere handeln (Person {user_id}); dafür ist die "
            "Berechtigung „Personal“ nötig.",
        },
        "api.not_found": {
            "en": "MOCO could not find this entry; it may have been deleted.",
            "de": "MOCO hat diesen Eintrag nicht gefunden; vielleicht wurde er gelöscht.",
        },
        "api.validation": {
            "en": "MOCO did not accept the entry: {details}",
            "de": "MOCO hat den Eintrag nicht angenommen: {details}",
        },
        "api.locked": {
            "en": "MOCO refused the change because it conflicts with a locked or existing entry.",
            "de": "MOCO hat die Änderung abgelehnt, weil sie mit einem gesperrten oder "
            "bestehenden Eintrag kollidiert.",
        },
        "api.rate_limited": {
            "en": "MOCO is receiving too many requests. Please try again in a minute.",
            "de": "MOCO erhält zu viele Anfragen. Bitte versuche es in einer Minute erneut.",
        },
        "api.server": {
            "en": "MOCO had a server error (HTTP {status}). Please try again later.",
            "de": "MOCO hatte einen Serverfehler (HTTP {status}). Bitte versuche es später erneut.",
        },
        "api.unexpected": {
            "en": "MOCO sent an answer this app does not understand ({detail}).",
            "de": "MOCO hat eine Antwort geschickt, die diese App nicht versteht ({detail}).",
        },
    }
)


class MocoError(UserFacingError):
    """Base of every error the API layer raises (a message for the person, never the key)."""

    key: ClassVar[str] = "api.error"

    def __init__(self, *, status: int | None = None, **params: object) -> None:
        self.status = status
        self._params: dict[str, Any] = {"status": status, **params}
        super().__init__()

    def _message_key(self) -> str:
        return self.key

    @property
    def message(self) -> str:
        """What to show the user, in the current language."""
        return tr(self._message_key(), **self._params)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


# --- configuration ---------------------------------------------------------------------------


class ConfigurationError(MocoError):
    """The client was asked to talk to somewhere it must not or cannot."""


class InvalidDomainError(ConfigurationError, ValueError):
    """The text is not a MOCO domain (`reason`: "empty", "invalid" or "other_host")."""

    def __init__(self, domain: str, *, reason: str) -> None:
        self.domain = domain
        self.reason = reason
        super().__init__(domain=domain.strip())

    def _message_key(self) -> str:
        return f"api.domain.{self.reason}"


class InsecureBaseUrlError(ConfigurationError, ValueError):
    """`MOCO_BASE_URL` (or a base URL) is neither HTTPS nor HTTP to this computer."""

    key = "api.insecure_base_url"

    def __init__(self, url: str) -> None:
        self.url = re.sub(r"//[^/@]*@", "//", url)  # never echo credentials from a URL
        super().__init__(url=self.url)


class InvalidTimeError(MocoError, ValueError):
    """A presence time is not `HH:MM`; raised before anything is sent."""

    key = "api.invalid_time"

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(value=value)


# --- transport -------------------------------------------------------------------------------


class NetworkError(MocoError):
    """MOCO could not be reached or did not answer (DNS, refused, reset, timeout).

    `may_have_been_applied` is True when a write was sent and its fate is unknown.
    """

    key = "api.network.connect"

    def __init__(self, *, timed_out: bool = False, may_have_been_applied: bool = False) -> None:
        self.timed_out = timed_out
        self.may_have_been_applied = may_have_been_applied
        super().__init__()

    def _message_key(self) -> str:
        return "api.network.timeout" if self.timed_out else self.key


class ResponseLostError(NetworkError):
    """A write reached (or may have reached) MOCO but its answer never came.

    It is never resent automatically: the caller (the offline outbox) reconciles by looking the
    entry up, e.g. via `remote_id`, before trying again.
    """

    key = "api.network.lost"

    def __init__(self, method: str, path: str, *, status: int | None = None) -> None:
        self.method = method
        self.path = path
        super().__init__(may_have_been_applied=True)
        self.status = status

    def _message_key(self) -> str:
        return self.key


# --- HTTP statuses ---------------------------------------------------------------------------


class ApiStatusError(MocoError):
    """MOCO answered with an error status. `body` is the parsed JSON (or text, or None)."""

    key = "api.status"

    def __init__(self, status: int, body: object = None, **params: object) -> None:
        self.body = body
        self.server_message = _server_message(body)
        super().__init__(status=status, **params)


class UnauthorizedError(ApiStatusError):
    """401: the API key is wrong, revoked or missing. Keeps MOCO's own message."""

    key = "api.unauthorized"

    def _message_key(self) -> str:
        return self.key if self.server_message else "api.unauthorized.no_detail"

    def __init__(self, status: int, body: object = None) -> None:
        super().__init__(status, body, detail=_server_message(body) or "")


class MissingApiKeyError(UnauthorizedError):
    """The login's key could not be read from the keyring when the first request needed it
    (nothing was sent to MOCO)."""

    key = "api.unauthorized.key_missing"

    def _message_key(self) -> str:
        return self.key

    def __init__(self) -> None:
        super().__init__(401)


class ApiKeysDisabledError(UnauthorizedError):
    """401 because the account switched user API keys off."""

    key = "api.unauthorized.keys_disabled"

    def _message_key(self) -> str:
        return self.key


class InvalidCredentialsError(UnauthorizedError):
    """401 from `POST /session`: wrong email or password."""

    key = "api.unauthorized.credentials"

    def _message_key(self) -> str:
        return self.key


class ForbiddenError(ApiStatusError):
    """403: the user's MOCO role does not allow this (MOCO sends an empty body)."""

    key = "api.forbidden"


class ImpersonationForbiddenError(ForbiddenError):
    """403 while acting for another user: the key's user lacks the Staff permission."""

    key = "api.forbidden.impersonation"

    def __init__(self, status: int, body: object = None, *, user_id: int) -> None:
        self.user_id = user_id
        super().__init__(status, body, user_id=user_id)


class NotFoundError(ApiStatusError):
    """404 (empty body). `after_lost_attempt`: an earlier attempt of this request may have
    been applied, so for a DELETE the entry is most likely gone because of us."""

    key = "api.not_found"

    def __init__(self, status: int, body: object = None, *, after_lost_attempt: bool = False):
        self.after_lost_attempt = after_lost_attempt
        super().__init__(status, body)


class ValidationError(ApiStatusError):
    """422: MOCO rejected the input. `fields` maps field names to MOCO's (often German) texts;
    `base` holds messages not tied to one field."""

    key = "api.validation"

    def __init__(self, status: int, body: object = None) -> None:
        self.fields = _field_errors(body)
        super().__init__(status, body, details=self._details(body))

    def _details(self, body: object) -> str:
        parts = [
            text if name in ("base", "message") else f"{name}: {text}"
            for name, texts in self.fields.items()
            for text in texts
        ]
        if not parts and _server_message(body):
            parts.append(str(_server_message(body)))
        return "; ".join(parts) or "?"

    def mentions(self, fragment: str) -> bool:
        """Whether any of MOCO's messages contains `fragment` (case-insensitive)."""
        needle = fragment.lower()
        texts = [text for texts in self.fields.values() for text in texts]
        texts.append(self.server_message or "")
        return any(needle in text.lower() for text in texts)


class LockedError(ApiStatusError):
    """423: the change conflicts with a locked or existing entry (e.g. presence `touch`)."""

    key = "api.locked"


class RateLimitedError(ApiStatusError):
    """429, after the client's retries ran out (or MOCO asked for an unreasonably long wait)."""

    key = "api.rate_limited"

    def __init__(self, status: int, body: object = None, *, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(status, body)


class ServerError(ApiStatusError):
    """5xx: MOCO failed (including the 500 it sends for a malformed presence time)."""

    key = "api.server"


class UnexpectedResponseError(MocoError):
    """The answer was not the JSON we expected (not JSON at all, or the wrong shape)."""

    key = "api.unexpected"

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        self.detail = detail
        super().__init__(status=status, detail=detail)


def error_from_response(
    status: int,
    body: object,
    *,
    impersonated_user_id: int | None = None,
    login: bool = False,
    after_lost_attempt: bool = False,
) -> ApiStatusError:
    """The exception for an HTTP error answer (`status` >= 400) with its parsed `body`."""
    if status == 401:
        text = (_server_message(body) or "").lower()
        if "disabled" in text and "key" in text:
            return ApiKeysDisabledError(status, body)
        return InvalidCredentialsError(status, body) if login else UnauthorizedError(status, body)
    if status == 403:
        if impersonated_user_id is not None:
            return ImpersonationForbiddenError(status, body, user_id=impersonated_user_id)
        return ForbiddenError(status, body)
    if status == 404:
        return NotFoundError(status, body, after_lost_attempt=after_lost_attempt)
    if status == 422:
        return ValidationError(status, body)
    if status == 423:
        return LockedError(status, body)
    if status == 429:
        return RateLimitedError(status, body)
    if status >= 500:
        return ServerError(status, body)
    return ApiStatusError(status, body)


def _server_message(body: object) -> str | None:
    if isinstance(body, Mapping):
        for name in ("message", "error"):
            value = body.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None
    if isinstance(body, str) and body.strip() and not body.lstrip().startswith("<"):
        return body.strip()[:300]
    return None


def _field_errors(body: object) -> dict[str, list[str]]:
    if not isinstance(body, Mapping):
        return {}
    nested: Any = body.get("errors")
    source: Mapping[str, Any] = nested if isinstance(nested, Mapping) else body
    fields: dict[str, list[str]] = {}
    for name, value in source.items():
        if name in ("message", "error", "errors"):
            continue
        texts = value if isinstance(value, list) else [value]
        fields[str(name)] = [str(text) for text in texts if text is not None]
    return fields
