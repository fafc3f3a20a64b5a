"""Turning the core entities into JSON text and back, for the SQLite cache and the outbox.

The codec reads each dataclass's type hints, so a field added to `core.entities` is stored
without touching this module. Values written by an older version that lack a newer field fall
back to that field's default; fields this version does not know are ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import types
import typing
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_plain(value: object) -> Any:
    """`value` (an entity, or anything inside one) as JSON-compatible data."""
    kind = type(value)
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        encoder = _ENCODERS[kind] = _encoder_for(kind)
    return encoder(value)


def from_plain(kind: type[T], data: Any) -> T:
    """Rebuild a `kind` (an entity class) from what `to_plain` made of it."""
    annotation: Any = kind
    return typing.cast(T, _decoder(annotation)(data))


def dumps(value: object) -> str:
    """Compact JSON with sorted keys. A list or tuple is written item by item (the same text):
    perf (issue 7), a big account's 20,000 tasks as one plain structure first made 22,000
    dictionaries at once, memory the process kept (see `loads_each`)."""
    if isinstance(value, list | tuple):
        return "[" + ",".join(map(dumps, value)) + "]"
    return json.dumps(to_plain(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def loads(kind: type[T], text: str) -> T:
    return from_plain(kind, json.loads(text))


_JSON_DECODER = json.JSONDecoder()


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\n\r":
        index += 1
    return index


def loads_each(kind: type[T], text: str) -> Iterator[T]:
    """The items of a JSON array of `kind`, decoded one at a time.

    perf (issue 7): `json.loads` of a big account's projects (2,000 projects, 20,000 tasks) made
    all 22,000 dictionaries at once before any entity; the memory they took stayed with the
    process (~7 MiB: Python's allocator keeps an arena while one object in it lives, and the
    entities are spread between them). One item's dictionaries at a time reuse the same memory.
    """
    annotation: Any = kind
    decode = _decoder(annotation)
    index = _skip_space(text, 0)
    if text[index : index + 1] != "[":
        raise ValueError("expected a JSON array")
    index = _skip_space(text, index + 1)
    if text[index : index + 1] == "]":
        return
    while True:
        item, index = _JSON_DECODER.raw_decode(text, index)
        yield decode(item)
        index = _skip_space(text, index)
        separator = text[index : index + 1]
        if separator == "]":
            return
        if separator != ",":
            raise ValueError(f"expected ',' or ']' at {index}")
        index = _skip_space(text, index + 1)


# Speed: the cache holds thousands of activities and 20,000 tasks for a big account, so the
# conversion is worked out once per type (a function per class and annotation, cached) instead
# of inspecting type hints and dataclass fields for every value.

Converter = Callable[[Any], Any]
_ENCODERS: dict[type, Converter] = {}


def _identity(value: Any) -> Any:
    return value


def _time_text(value: dt.time) -> str:
    return value.isoformat(timespec="minutes" if not value.second else "seconds")


def _encoder_for(kind: type) -> Converter:
    if kind is type(None) or issubclass(kind, bool | int | float | str):
        return _identity
    if issubclass(kind, dt.datetime | dt.date):
        return _isoformat
    if issubclass(kind, dt.time):
        return _time_text
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))
        return lambda value: {name: to_plain(getattr(value, name)) for name in names}
    if issubclass(kind, tuple | list):
        return lambda value: [to_plain(item) for item in value]
    if issubclass(kind, dict):
        return lambda value: {str(key): to_plain(item) for key, item in value.items()}

    def refuse(value: Any) -> Any:
        raise TypeError(f"cannot store a {kind.__name__}")

    return refuse


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


@cache
def _decoder(annotation: Any) -> Converter:
    """How to rebuild a value declared as `annotation` from its plain data."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(options) != 1:
            return _identity
        inner = _decoder(options[0])
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        args = typing.get_args(annotation)
        item = _decoder(args[0]) if args else _identity
        if item is _identity:
            return tuple
        return lambda data: tuple([item(value) for value in data])
    if origin is dict:
        _, value_type = typing.get_args(annotation)
        value_decoder = _decoder(value_type)
        return lambda data: {key: value_decoder(item) for key, item in data.items()}
    if annotation is Any:
        return _identity
    plain = _plain_decoder(annotation)
    if plain is _identity:
        return _identity
    return lambda data: None if data is None else plain(data)


def _plain_decoder(annotation: Any) -> Converter:
    if annotation is dt.datetime:
        return dt.datetime.fromisoformat
    if annotation is dt.date:
        return dt.date.fromisoformat
    if annotation is dt.time:
        return dt.time.fromisoformat
    if annotation is float:
        return float
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return _dataclass_decoder(annotation)
    return _identity


def _dataclass_decoder(kind: type) -> Converter:
    fields: list[tuple[str, Converter]] | None = None  # resolved on first use (nested types)
    shared: dict[tuple[Any, ...], Any] | None = None
    names: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()

    def decode(data: Any) -> Any:
        nonlocal fields, shared, names, texts
        if fields is None:
            hints = _hints(kind)
            init = [f for f in dataclasses.fields(kind) if f.init]
            fields = [(f.name, _decoder(hints[f.name])) for f in init]
            atomic = [_atomic(hints[f.name]) for f in init]
            if all(atomic):
                texts = tuple(f.name for f, kinds in zip(init, atomic, strict=True) if str in kinds)
                if len(init) <= _SHARED_MAX_FIELDS and kind.__dataclass_params__.frozen:  # type: ignore[attr-defined]
                    shared, names = {}, tuple(f.name for f in init)
        if shared is not None:
            key = tuple([data.get(name, _ABSENT) for name in names])
            found = shared.get(key)
            if found is None:
                if len(shared) >= _SHARED_LIMIT:
                    shared.clear()
                found = shared[key] = _build(kind, fields, texts, data)
            return found
        return _build(kind, fields, texts, data)

    return decode


# Small records of plain values (references to a customer, project, task or user inside an
# activity) repeat thousands of times in a big account: equal ones are decoded into one shared
# (immutable) object, and the names of plain records are interned strings. Fewer objects: less
# memory and shorter garbage collections.
_SHARED_MAX_FIELDS = 3
_SHARED_LIMIT = 2_048  # as `api.dto`'s table: a page's or a week's references, not all ever read
_ABSENT = object()
_ATOMIC = (int, str, bool, float)


def _atomic(annotation: Any) -> tuple[type, ...]:
    """The plain types `annotation` allows (int, str, bool, float, optional), else ()."""
    if annotation in _ATOMIC:
        return (annotation,)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if options and all(option in _ATOMIC for option in options):
            return tuple(options)
    return ()


def _build(
    kind: type, fields: list[tuple[str, Converter]], texts: tuple[str, ...], data: Any
) -> Any:
    values = {name: convert(data[name]) for name, convert in fields if name in data}
    for name in texts:
        text = values.get(name)
        if type(text) is str:
            values[name] = sys.intern(text)
    return kind(**values)
