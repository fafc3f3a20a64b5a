"""`core.lazy`: a module stand-in that imports on first use and then gets out of the way."""

from __future__ import annotations

from typing import Any

from moco_desktop.core.lazy import LazyModule, lazy_module


def test_the_module_is_imported_on_first_attribute_and_replaces_the_stand_in() -> None:
    namespace: dict[str, Any] = {}
    namespace["colorsys"] = lazy_module("colorsys", namespace)
    stand_in = namespace["colorsys"]
    assert isinstance(stand_in, LazyModule)
    assert "colorsys" in repr(stand_in)

    assert stand_in.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)

    import colorsys

    assert namespace["colorsys"] is colorsys


def test_a_dotted_name_is_stored_under_its_last_part() -> None:
    namespace: dict[str, Any] = {}
    namespace["parse"] = lazy_module("urllib.parse", namespace)
    assert namespace["parse"].quote("a b") == "a%20b"
    assert namespace["parse"].__name__ == "urllib.parse"
