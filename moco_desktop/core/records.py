"""`@record`: a frozen, slotted dataclass whose generated methods are made when first needed.

perf (issues 4 and 7): `dataclasses.dataclass(frozen=True, slots=True)` compiles six methods
per class with `exec` (~0.55 ms each class on Python 3.11). The app declares about a hundred
such records; a start up to the painted timesheet used to build 64 of them (36 ms) and needs 33.
`record` makes the slotted class at once (no compiling) and lets `dataclasses` make the methods
the first time the class is used: its first instance, or the first look at its fields
(`dataclasses.fields`, `is_dataclass`, `replace`, `asdict`, the storage codec).

The result is the class `dataclass(frozen=True, slots=True)` would have made: the same
`__init__`, `__repr__`, `__eq__`, `__hash__`, `__match_args__` and fields, assignment refused
with `FrozenInstanceError`, no instance `__dict__`, copyable and picklable.
"""

from __future__ import annotations

import dataclasses
import threading
import typing
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

_T = TypeVar("_T")

_MADE_LATER = ("__init__", "__repr__", "__eq__", "__hash__")
_KEPT_FROM_DATACLASSES = (
    *_MADE_LATER,
    "__dataclass_fields__",
    "__dataclass_params__",
    "__match_args__",
    "__doc__",
)
_LOOKED_UP_ON_THE_CLASS = ("__dataclass_fields__", "__dataclass_params__", "__match_args__")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[_T]) -> type[_T]:
    """`@dataclass(frozen=True, slots=True)`, with its methods made on first use."""
    namespace = dict(cls.__dict__)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    annotations: dict[str, Any] = namespace.get("__annotations__", {})
    if any(_names(kind, "InitVar", "KW_ONLY") for kind in annotations.values()):
        raise TypeError(f"{cls.__qualname__}: a record has no InitVar or KW_ONLY fields")
    own_fields = tuple(name for name, kind in annotations.items() if not _is_class_var(kind))
    slotted_namespace = {k: v for k, v in namespace.items() if k not in own_fields}
    slotted_namespace["__slots__"] = own_fields
    metaclass: Any = type(cls)
    slotted: Any = metaclass(cls.__name__, cls.__bases__, slotted_namespace)
    slotted.__qualname__ = cls.__qualname__
    attributes: dict[str, Any] = {
        **{name: _made_on_first_call(slotted, name) for name in _MADE_LATER},
        **{name: _MadeOnFirstLookUp(slotted, name) for name in _LOOKED_UP_ON_THE_CLASS},
        "__setattr__": _refuse_assignment,
        "__delattr__": _refuse_deletion,
        "__getstate__": _state,
        "__setstate__": _set_state,
    }
    for name, value in attributes.items():
        setattr(slotted, name, value)
    _PENDING[slotted] = namespace
    return typing.cast("type[_T]", slotted)


_PENDING: dict[type, dict[str, Any]] = {}
"""Records whose methods are not made yet, with the namespace they were declared with."""


_MAKING = threading.RLock()
"""Held while methods are made: a worker thread (the storage codec) may ask at the same time."""


def _make_methods(slotted: type) -> None:
    """Let `dataclasses` process a copy of the declared class; take its methods over."""
    with _MAKING:
        namespace = _PENDING.get(slotted)
        if namespace is None:
            return  # made already
        metaclass: Any = type(slotted)
        declared: Any = metaclass(slotted.__name__, slotted.__bases__, dict(namespace))
        declared.__qualname__ = slotted.__qualname__
        processed: Any = dataclasses.dataclass(frozen=True, eq=True)(declared)
        for name in _KEPT_FROM_DATACLASSES:
            if name in processed.__dict__:
                type.__setattr__(slotted, name, processed.__dict__[name])
        del _PENDING[slotted]


def _made_on_first_call(slotted: type, name: str) -> Callable[..., Any]:
    def first_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        _make_methods(slotted)
        return getattr(slotted, name)(self, *args, **kwargs)

    first_call.__name__ = name
    first_call.__qualname__ = f"{slotted.__qualname__}.{name}"
    return first_call


class _MadeOnFirstLookUp:
    """A class attribute that dataclasses provides: made when first looked up."""

    def __init__(self, slotted: type, name: str) -> None:
        self._slotted = slotted
        self._name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        _make_methods(self._slotted)
        return self._slotted.__dict__[self._name]


def _refuse_assignment(self: object, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_deletion(self: object, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _state(self: object) -> list[Any]:
    return [getattr(self, field.name) for field in dataclasses.fields(self)]  # type: ignore[arg-type]


def _set_state(self: object, state: list[Any]) -> None:
    for field, value in zip(dataclasses.fields(self), state, strict=True):  # type: ignore[arg-type]
        object.__setattr__(self, field.name, value)


def _is_class_var(annotation: object) -> bool:
    if isinstance(annotation, str):
        return _names(annotation, "ClassVar")
    return annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar


def _names(annotation: object, *kinds: str) -> bool:
    """Whether a string annotation (`from __future__ import annotations`) is one of `kinds`,
    bare or qualified (`ClassVar[int]`, `typing.ClassVar[int]`, `dataclasses.KW_ONLY`)."""
    if not isinstance(annotation, str):
        return False
    head = annotation.split("[", 1)[0].rsplit(".", 1)[-1].strip()
    return head in kinds
