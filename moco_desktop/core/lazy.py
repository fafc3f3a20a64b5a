"""Modules imported on first use: keeps heavy libraries off the start-up path.

perf (issue 4): the window shows what is cached before the network (httpx, ~40 ms and several
MiB) or the keyring (keyring, importlib-metadata, ~20 ms) is needed. `lazy_module` gives a
stand-in that imports the real module on its first attribute access and puts it in the caller's
globals in its own place, so later uses cost nothing extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for `name` in `namespace[alias]` until an attribute is first asked for."""

    def __init__(self, name: str, namespace: dict[str, Any], alias: str) -> None:
        self._name = name
        self._namespace = namespace
        self._alias = alias

    def load(self) -> ModuleType:
        module = importlib.import_module(self._name)
        if self._namespace.get(self._alias) is self:
            self._namespace[self._alias] = module
        return module

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.load(), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str, namespace: dict[str, Any], alias: str | None = None) -> Any:
    """`httpx = lazy_module("httpx", globals())` under `if not TYPE_CHECKING:`."""
    return LazyModule(name, namespace, alias or name.rpartition(".")[2])
