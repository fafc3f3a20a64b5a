"""`@record` behaves as `@dataclass(frozen=True, slots=True)` does, with its methods made on
first use: instances, fields, equality, hashing, repr, immutability, copies, inheritance."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
from typing import Any, ClassVar

import pytest

from moco_desktop.core import records
from moco_desktop.core.records import record


@record
class Point:
    """A plain record."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = dataclasses.field(default_factory=list, compare=False)
    ORIGIN_NAME: ClassVar[str] = "origin"

    def moved(self, by: int) -> Point:
        return dataclasses.replace(self, x=self.x + by)


@record
class LabelledPoint(Point):
    label: str = ""


@record
class Checked:
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")


@dataclasses.dataclass(frozen=True, slots=True)
class Reference:
    """The stdlib's own, to compare with."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = dataclasses.field(default_factory=list, compare=False)


def test_methods_are_made_on_first_use_only() -> None:
    @record
    class Unused:
        a: int

    assert Unused in records._PENDING
    assert Unused(1).a == 1
    assert Unused not in records._PENDING


def test_fields_and_defaults_are_the_dataclass_ones() -> None:
    @record
    class Fresh:
        a: int
        b: str = "b"

    assert dataclasses.is_dataclass(Fresh)  # looking makes the methods too
    assert [f.name for f in dataclasses.fields(Fresh)] == ["a", "b"]
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "y", "tags", "notes"]
    assert [f.name for f in dataclasses.fields(LabelledPoint)] == [
        "x",
        "y",
        "tags",
        "notes",
        "label",
    ]
    assert Point.__match_args__ == Reference.__match_args__
    assert Point.__dataclass_params__.frozen  # type: ignore[attr-defined]
    point = Point(1)
    assert (point.y, point.tags, point.notes) == (0, (), [])
    assert Point(1).notes is not Point(1).notes  # a fresh list each time
    assert Point.ORIGIN_NAME == "origin"


def test_equality_hash_and_repr_as_the_dataclass_ones() -> None:
    assert Point(1, 2, ("a",), ["x"]) == Point(1, 2, ("a",), ["y"])  # notes not compared
    assert Point(1, 2) != Point(2, 1)
    assert Point(1) != LabelledPoint(1)  # another class is never equal
    reference: object = Reference(1)
    assert Point(1) != reference
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert len({Point(1), Point(1), Point(2)}) == 2
    assert repr(Point(1, 2)) == repr(Reference(1, 2)).replace("Reference", "Point")
    assert repr(LabelledPoint(1, label="a")).startswith("LabelledPoint(x=1,")
    assert Point.__qualname__ == "Point"


def test_instances_are_frozen_and_slotted() -> None:
    point = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.x
    assert not hasattr(point, "__dict__")
    assert Point.__slots__ == ("x", "y", "tags", "notes")  # type: ignore[attr-defined]
    assert LabelledPoint.__slots__ == ("label",)  # type: ignore[attr-defined]


def test_replace_asdict_copy_and_pickle() -> None:
    point = LabelledPoint(1, 2, ("a",), label="l")
    assert point.moved(2) == LabelledPoint(3, 2, ("a",), label="l")
    assert dataclasses.asdict(point) == {
        "x": 1,
        "y": 2,
        "tags": ("a",),
        "notes": [],
        "label": "l",
    }
    assert copy.copy(point) == point
    assert copy.deepcopy(point) == point
    assert pickle.loads(pickle.dumps(point)) == point


def test_post_init_runs() -> None:
    assert Checked(1).value == 1
    with pytest.raises(ValueError, match="negative"):
        Checked(-1)


def test_a_subclass_made_before_its_base_was_used() -> None:
    @record
    class Base:
        a: int

    @record
    class Derived(Base):
        b: int = 2

    assert Derived(1) == Derived(1, 2)  # making Derived's methods makes Base's first
    assert Base(1) != Derived(1)
    assert Base not in records._PENDING


def test_threads_asking_at_once_get_the_same_methods() -> None:
    @record
    class Shared:
        a: int

    made: list[object] = []
    start = threading.Barrier(8)

    def use() -> None:
        start.wait()
        made.append(Shared(1))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == [Shared(1)] * 8


def test_init_only_and_keyword_only_fields_are_refused_at_once() -> None:
    """dataclasses would leave them out of the slots; a record says so when it is declared."""
    with pytest.raises(TypeError, match="InitVar or KW_ONLY"):

        @record
        class WithInitVar:
            a: int
            seed: dataclasses.InitVar[int]

    with pytest.raises(TypeError, match="InitVar or KW_ONLY"):

        @record
        class WithKeywordOnly:
            a: int
            _: dataclasses.KW_ONLY
            b: int = 0


def test_a_first_instance_compiles_only_its_init() -> None:
    @record
    class Lazy:
        a: int

    Lazy(1)
    assert getattr(Lazy.__dict__["__repr__"], "_record_placeholder", False)
    assert getattr(Lazy.__dict__["__hash__"], "_record_placeholder", False)
    assert not getattr(Lazy.__dict__["__init__"], "_record_placeholder", False)
    assert repr(Lazy(2)).endswith(".Lazy(a=2)")
    assert not getattr(Lazy.__dict__["__repr__"], "_record_placeholder", False)


def _options_class(decorate: object) -> type:
    """The same declaration with every field option a record may use."""

    def never() -> int:
        return 7

    namespace = {
        "__annotations__": {
            "a": "int",
            "b": "str",
            "hidden": "int",
            "made": "list[int]",
            "not_hashed": "int",
            "hashed_only": "int",
            "computed": "int",
        },
        "__module__": __name__,
        "b": "b",
        "hidden": dataclasses.field(default=3, repr=False),
        "made": dataclasses.field(default_factory=list, hash=False),
        "not_hashed": dataclasses.field(default=1, hash=False),
        "hashed_only": dataclasses.field(default=2, compare=False, hash=True),
        "computed": dataclasses.field(default_factory=never, init=False),
    }
    cls = type("Options", (), namespace)
    return decorate(cls)  # type: ignore[operator, no-any-return]


def test_every_field_option_as_the_dataclass_one() -> None:
    mine: Any = _options_class(record)
    theirs: Any = _options_class(dataclasses.dataclass(frozen=True, slots=True))
    for args, kwargs in (((1,), {}), ((1, "x", 5, [1], 9, 4), {}), ((2,), {"hashed_only": 8})):
        one, other = mine(*args, **kwargs), theirs(*args, **kwargs)
        assert repr(one) == repr(other)
        assert hash(one) == hash(other)
        assert dataclasses.astuple(one) == dataclasses.astuple(other)
    assert mine(1, hashed_only=1) == mine(1, hashed_only=2)  # not compared
    assert mine(1, not_hashed=1) != mine(1, not_hashed=2)
    assert mine(1).made is not mine(1).made
    assert mine(1).computed == 7
    with pytest.raises(TypeError):
        mine(1, computed=2)  # not an argument of __init__
    assert [f.name for f in dataclasses.fields(mine)] == [
        f.name for f in dataclasses.fields(theirs)
    ]


def test_methods_a_record_declares_are_kept_and_bad_orders_refused() -> None:
    @record
    class Shown:
        a: int

        def __repr__(self) -> str:
            return f"<{self.a}>"

    assert repr(Shown(1)) == "<1>"
    assert Shown(1) == Shown(1)
    assert Shown.__doc__ == "Shown(a)"

    @record
    class Misordered:
        a: int = 0
        b: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        Misordered(1, 2)


@records.mutable_record
class Report:
    """A mutable record, filled in step by step."""

    sent: int = 0
    ids: set[int] = dataclasses.field(default_factory=set)
    note: str | None = None


@dataclasses.dataclass
class ReferenceReport:
    sent: int = 0
    ids: set[int] = dataclasses.field(default_factory=set)
    note: str | None = None


def test_a_mutable_record_is_the_dataclass_one_made_on_first_use() -> None:
    @records.mutable_record
    class Fresh:
        a: int
        b: list[int] = dataclasses.field(default_factory=list)

    assert Fresh in records._PENDING
    fresh = Fresh(1)
    assert Fresh not in records._PENDING
    fresh.a = 2  # mutable
    fresh.b.append(3)
    assert fresh == Fresh(2, [3])
    assert Fresh(1).b is not Fresh(1).b

    report = Report()
    report.sent += 1
    report.ids.add(5)
    assert repr(report) == repr(ReferenceReport(1, {5})).replace("ReferenceReport", "Report")
    assert report == Report(1, {5}) != Report(1, {5}, "x")
    other: object = ReferenceReport(1, {5})
    assert report != other
    with pytest.raises(TypeError, match="unhashable"):
        hash(report)
    assert (Report.sent, Report.note) == (0, None)  # defaults stay on the class
    assert "ids" not in Report.__dict__  # a factory's field does not
    assert not Report.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert dataclasses.is_dataclass(report)
    assert dataclasses.asdict(report) == {"sent": 1, "ids": {5}, "note": None}
    assert dataclasses.replace(report, note="n") == Report(1, {5}, "n")
    assert pickle.loads(pickle.dumps(report)) == report
    assert copy.deepcopy(report) == report
