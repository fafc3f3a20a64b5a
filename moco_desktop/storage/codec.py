"""Turning the core entities into JSON text and back, for the SQLite cache and the outbox.

The codec reads each dataclass's type hints, so a field added to `core.entities` is stored
without touching this module. Values written by an older version that lack a newer field fall
back to that field's default; fields this version does not know are ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_plain(value: object) -> Any:
    """`value` (an entity, or anything inside one) as JSON-compatible data."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    raise TypeError(f"cannot store a {type(value).__name__}")


def from_plain(kind: type[T], data: Any) -> T:
    """Rebuild a `kind` (an entity class) from what `to_plain` made of it."""
    return typing.cast(T, _convert(kind, data))


def dumps(value: object) -> str:
    return json.dumps(to_plain(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def loads(kind: type[T], text: str) -> T:
    return from_plain(kind, json.loads(text))


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _convert(annotation: Any, data: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if data is None:
            return None
        return _convert(options[0], data) if len(options) == 1 else data
    if origin is tuple:
        args = typing.get_args(annotation)
        item_type = args[0] if args else Any
        return tuple(_convert(item_type, item) for item in data)
    if origin is dict:
        _, value_type = typing.get_args(annotation)
        return {key: _convert(value_type, item) for key, item in data.items()}
    if annotation is Any or data is None:
        return data
    if annotation is dt.datetime:
        return dt.datetime.fromisoformat(data)
    if annotation is dt.date:
        return dt.date.fromisoformat(data)
    if annotation is dt.time:
        return dt.time.fromisoformat(data)
    if annotation is float:
        return float(data)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        hints = _hints(annotation)
        arguments = {
            f.name: _convert(hints[f.name], data[f.name])
            for f in dataclasses.fields(annotation)
            if f.init and f.name in data
        }
        return annotation(**arguments)
    return data
