"""`@record`: a frozen, slotted dataclass whose generated methods are made when first needed.

perf (issues 4 and 7): `dataclasses.dataclass(frozen=True, slots=True)` compiles six methods
per class with `exec` (~0.55 ms each class on Python 3.11). The app declares about a hundred
such records; a start up to the painted timesheet used to build 64 of them (36 ms) and needs 33.
`record` makes the slotted class at once (no compiling). The first look at its fields
(`dataclasses.fields`, `is_dataclass`, `replace`, `asdict`, the storage codec) or its first
instance lets `dataclasses` work out the fields, without methods (~0.05 ms); each of
`__init__`, `__repr__`, `__eq__` and `__hash__` is compiled here, as `dataclasses` writes it,
when first called (a record that is only built and read never compiles the other three).

The result is the class `dataclass(frozen=True, slots=True)` would have made: the same
`__init__` (defaults, default factories, `__post_init__`), `__repr__`, `__eq__`, `__hash__`,
`__match_args__` and fields, assignment refused with `FrozenInstanceError`, no instance
`__dict__`, copyable and picklable.
"""

from __future__ import annotations

import dataclasses
import reprlib
import threading
import typing
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

_T = TypeVar("_T")

_MADE_LATER = ("__init__", "__repr__", "__eq__", "__hash__")
_FROM_DATACLASSES = ("__dataclass_fields__", "__dataclass_params__", "__match_args__")
"""Class attributes dataclasses works out (made when first looked up)."""


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[_T]) -> type[_T]:
    """`@dataclass(frozen=True, slots=True)`, with its methods made on first use."""
    namespace = _declared_namespace(cls)
    annotations: dict[str, Any] = namespace.get("__annotations__", {})
    own_fields = tuple(name for name, kind in annotations.items() if not _is_class_var(kind))
    slotted_namespace = {k: v for k, v in namespace.items() if k not in own_fields}
    slotted_namespace["__slots__"] = own_fields
    metaclass: Any = type(cls)
    slotted: Any = metaclass(cls.__name__, cls.__bases__, slotted_namespace)
    slotted.__qualname__ = cls.__qualname__
    attributes: dict[str, Any] = {
        **{name: _made_on_first_call(slotted, name) for name in _MADE_LATER},
        **{name: _MadeOnFirstLookUp(slotted, name) for name in _FROM_DATACLASSES},
        "__setattr__": _refuse_assignment,
        "__delattr__": _refuse_deletion,
        "__getstate__": _state,
        "__setstate__": _set_state,
    }
    declared_methods = {name: namespace[name] for name in _MADE_LATER if name in namespace}
    if declared_methods:
        _DECLARED_METHODS[slotted] = declared_methods
    for name, value in attributes.items():
        setattr(slotted, name, value)
    _PENDING[slotted] = namespace
    return typing.cast("type[_T]", slotted)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def mutable_record(cls: type[_T]) -> type[_T]:
    """`@dataclass` (mutable, not slotted), with its methods made on first use, as `record`'s
    are: reports and settings that services fill in step by step."""
    namespace = _declared_namespace(cls)
    for name in ("__init__", "__repr__", "__eq__"):
        if name not in namespace:
            setattr(cls, name, _made_on_first_call(cls, name))
    declared_hash = namespace.get("__hash__", dataclasses.MISSING)
    if declared_hash is dataclasses.MISSING or (declared_hash is None and "__eq__" in namespace):
        cls.__hash__ = None  # type: ignore[assignment] # as dataclasses: equal, so unhashable
    for name in _FROM_DATACLASSES:
        setattr(cls, name, _MadeOnFirstLookUp(cls, name))
    _MUTABLE.add(cls)
    _PENDING[cls] = namespace
    return cls


_MUTABLE: set[type] = set()
"""The classes made by `mutable_record` (fields kept on the class itself, as dataclasses does)."""


def _declared_namespace(cls: type) -> dict[str, Any]:
    """The class as declared (without its instance-dict descriptors); InitVar and KW_ONLY are
    refused at once (dataclasses would leave them out of the slots)."""
    namespace = dict(cls.__dict__)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    annotations: dict[str, Any] = namespace.get("__annotations__", {})
    if any(_names(kind, "InitVar", "KW_ONLY") for kind in annotations.values()):
        raise TypeError(f"{cls.__qualname__}: a record has no InitVar or KW_ONLY fields")
    return namespace


_PENDING: dict[type, dict[str, Any]] = {}
"""Records whose methods are not made yet, with the namespace they were declared with."""


_MAKING = threading.RLock()
"""Held while methods are made: a worker thread (the storage codec) may ask at the same time."""


def _make_fields(slotted: type) -> None:
    """Let `dataclasses` work out the fields of a copy of the declared class (no methods:
    nothing is compiled) and take them over."""
    with _MAKING:
        namespace = _PENDING.get(slotted)
        if namespace is None:
            return  # made already
        metaclass: Any = type(slotted)
        declared: Any = metaclass(slotted.__name__, slotted.__bases__, dict(namespace))
        declared.__qualname__ = slotted.__qualname__
        # A record deriving from a record must be processed as frozen (dataclasses refuses a
        # thawed child of a frozen base); that compiles two methods, which it does not keep.
        frozen_base = any(
            getattr(getattr(base, "__dataclass_params__", None), "frozen", False)
            for base in slotted.__mro__[1:]
        )
        processed: Any = dataclasses.dataclass(
            init=False, repr=False, eq=False, frozen=frozen_base
        )(declared)
        mutable = slotted in _MUTABLE
        params = processed.__dict__["__dataclass_params__"]
        params.init = params.repr = params.eq = True  # what it stands for
        params.frozen = not mutable
        for name in _FROM_DATACLASSES:
            type.__setattr__(slotted, name, processed.__dict__[name])
        if mutable:  # defaults on the class, as dataclasses leaves them
            for field in dataclasses.fields(processed):
                if isinstance(namespace.get(field.name), dataclasses.Field):
                    if field.default is dataclasses.MISSING:
                        type.__delattr__(slotted, field.name)
                    else:
                        type.__setattr__(slotted, field.name, field.default)
        if not namespace.get("__doc__"):
            names = ", ".join(f.name for f in dataclasses.fields(slotted))
            type.__setattr__(slotted, "__doc__", f"{slotted.__name__}({names})")
        del _PENDING[slotted]


def _make_method(slotted: type, name: str) -> None:
    """Compile one of the record's methods (as `dataclasses` would) and set it on the class;
    a method the record declares itself is kept."""
    with _MAKING:
        if not getattr(slotted.__dict__.get(name), "_record_placeholder", False):
            return  # made already (another thread)
        _make_fields(slotted)
        declared = _DECLARED_METHODS.get(slotted, {})
        if name in declared:
            method = declared[name]
        else:
            fields = list(dataclasses.fields(slotted))
            method = _COMPILERS[name](slotted, fields)
            method.__qualname__ = f"{slotted.__qualname__}.{name}"
        type.__setattr__(slotted, name, method)


def _made_on_first_call(slotted: type, name: str) -> Callable[..., Any]:
    def first_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        _make_method(slotted, name)
        return getattr(slotted, name)(self, *args, **kwargs)

    first_call.__name__ = name
    first_call.__qualname__ = f"{slotted.__qualname__}.{name}"
    first_call._record_placeholder = True  # type: ignore[attr-defined]
    return first_call


_DECLARED_METHODS: dict[type, dict[str, Any]] = {}
"""Methods among `_MADE_LATER` that a record declares itself (kept, as dataclasses does)."""


def _compile(name: str, source: str, env: dict[str, Any]) -> Any:
    scope: dict[str, Any] = {}
    exec(source, env, scope)  # generated from field names, as dataclasses does
    return scope[name]


_HAS_DEFAULT_FACTORY = object()


def _init(slotted: type, fields: list[dataclasses.Field[Any]]) -> Any:
    env: dict[str, Any] = {
        "__record_set__": object.__setattr__,
        "__record_factory__": _HAS_DEFAULT_FACTORY,
    }
    parameters: list[str] = []
    body: list[str] = []
    seen_default = False
    for field in fields:
        if field.name == "self":
            raise TypeError(f"{slotted.__qualname__}: a record has no field named 'self'")
        has_default = field.default is not dataclasses.MISSING
        has_factory = field.default_factory is not dataclasses.MISSING
        if field.init:
            if has_default or has_factory:
                seen_default = True
                parameters.append(
                    f"{field.name}=__record_default_{field.name}__"
                    if has_default
                    else f"{field.name}=__record_factory__"
                )
            elif seen_default:
                raise TypeError(f"non-default argument {field.name!r} follows default argument")
            else:
                parameters.append(field.name)
        if has_default:
            env[f"__record_default_{field.name}__"] = field.default
            value = field.name if field.init else f"__record_default_{field.name}__"
        elif has_factory:
            env[f"__record_make_{field.name}__"] = field.default_factory
            value = (
                f"__record_make_{field.name}__() if {field.name} is __record_factory__ "
                f"else {field.name}"
                if field.init
                else f"__record_make_{field.name}__()"
            )
        elif field.init:
            value = field.name
        else:
            continue  # no value: left unset, as dataclasses does
        body.append(f"  __record_set__(self, {field.name!r}, {value})")
    if hasattr(slotted, "__post_init__"):
        body.append("  self.__post_init__()")
    source = f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(body or ["  pass"])
    return _compile("__init__", source.replace("(self, )", "(self)"), env)


def _repr(slotted: type, fields: list[dataclasses.Field[Any]]) -> Any:
    shown = ", ".join(f"{f.name}={{self.{f.name}!r}}" for f in fields if f.repr)
    source = f"def __repr__(self):\n  return f'{{self.__class__.__qualname__}}({shown})'"
    return reprlib.recursive_repr("...")(_compile("__repr__", source, {}))


def _values(fields: list[dataclasses.Field[Any]], owner: str) -> str:
    return "(" + "".join(f"{owner}.{f.name}," for f in fields) + ")"


def _eq(slotted: type, fields: list[dataclasses.Field[Any]]) -> Any:
    compared = [f for f in fields if f.compare]
    source = (
        "def __eq__(self, other):\n"
        "  if other.__class__ is self.__class__:\n"
        f"    return {_values(compared, 'self')} == {_values(compared, 'other')}\n"
        "  return NotImplemented"
    )
    return _compile("__eq__", source, {})


def _hash(slotted: type, fields: list[dataclasses.Field[Any]]) -> Any:
    hashed = [f for f in fields if (f.compare if f.hash is None else f.hash)]
    source = f"def __hash__(self):\n  return hash({_values(hashed, 'self')})"
    return _compile("__hash__", source, {})


_COMPILERS: dict[str, Callable[[type, list[dataclasses.Field[Any]]], Any]] = {
    "__init__": _init,
    "__repr__": _repr,
    "__eq__": _eq,
    "__hash__": _hash,
}


class _MadeOnFirstLookUp:
    """A class attribute that dataclasses provides: made when first looked up."""

    def __init__(self, slotted: type, name: str) -> None:
        self._slotted = slotted
        self._name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        _make_fields(self._slotted)
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
