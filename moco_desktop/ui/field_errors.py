"""Which field an error belongs to, so the windows can show it right beside that field.

Two sources: errors raised before anything is sent (a `WorkspaceError` or `DurationError` with an
i18n `key`), and MOCO's 422 answers, which come back as a parked change whose message is the
rendered `api.validation` text ("MOCO did not accept the entry: date: muss ausgefüllt werden;
task_id: ist nicht gültig"). `field_errors` turns either into {form field: [messages]}; what
belongs to no field lands under "form".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import SUPPORTED_LANGUAGES, register, tr

register(
    {
        "fields.project": {"en": "Project", "de": "Projekt"},
        "fields.task": {"en": "Task", "de": "Leistung"},
        "fields.duration": {"en": "Duration", "de": "Dauer"},
        "fields.date": {"en": "Date", "de": "Datum"},
        "fields.description": {"en": "Description", "de": "Beschreibung"},
        "fields.from": {"en": "From", "de": "Von"},
        "fields.to": {"en": "To", "de": "Bis"},
    }
)

FORM = "form"

# MOCO's field names (and the keys of our own checks) -> the form field that shows them.
ACTIVITY_FIELDS: Mapping[str, str] = {
    "project": "picker",
    "project_id": "picker",
    "task": "picker",
    "task_id": "picker",
    "seconds": "duration",
    "hours": "duration",
    "date": "date",
    "description": "description",
    "timesheet.unknown_project": "picker",
    "timesheet.unknown_task": "picker",
    "timesheet.invalid_seconds": "duration",
}
PRESENCE_FIELDS: Mapping[str, str] = {
    "from": "from",
    "to": "to",
    "date": "form",
    "presences.end_before_start": "to",
    "presences.overlap": "from",
    "timemath.invalid_clock_time": "from",
}

_FIELD_PART = re.compile(r"^(?P<name>[a-z_]+): (?P<text>.+)$", re.DOTALL)


def split_validation_message(message: str) -> dict[str, list[str]] | None:
    """MOCO's 422 field map back out of a rendered `api.validation` message (any language);
    None if the message is something else. Texts without a field come back under "base"."""
    for lang in SUPPORTED_LANGUAGES:
        prefix, marker, suffix = tr("api.validation", lang=lang, details="\x00").partition("\x00")
        if not marker or not message.startswith(prefix) or not message.endswith(suffix):
            continue
        details = message[len(prefix) : len(message) - len(suffix)]
        fields: dict[str, list[str]] = {}
        for part in details.split("; "):
            match = _FIELD_PART.match(part)
            if match is None:
                fields.setdefault("base", []).append(part)
            else:
                fields.setdefault(match["name"], []).append(match["text"])
        return fields
    return None


def field_errors(error: UserFacingError | str, targets: Mapping[str, str]) -> dict[str, list[str]]:
    """{form field: messages} for an error or a parked change's message."""
    if isinstance(error, UserFacingError):
        fields = getattr(error, "fields", None)
        if isinstance(fields, Mapping) and fields:
            return _route({str(k): [str(t) for t in v] for k, v in fields.items()}, targets)
        key = getattr(error, "key", None)
        if isinstance(key, str) and key in targets:
            return {targets[key]: [error.message]}
        message = error.message
    else:
        message = error
    split = split_validation_message(message)
    if split is None:
        return {FORM: [message]}
    return _route(split, targets)


def _route(fields: Mapping[str, list[str]], targets: Mapping[str, str]) -> dict[str, list[str]]:
    routed: dict[str, list[str]] = {}
    for name, texts in fields.items():
        target = targets.get(name, FORM)
        if target == FORM and name not in ("base", "message"):
            texts = [f"{name}: {text}" for text in texts]
        routed.setdefault(target, []).extend(texts)
    return routed
