"""MOCO Desktop: a native tray time tracker for MOCO (mocoapp.com)."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`__version__` is read from the package metadata on first use (it costs ~30 ms)."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("moco-desktop")
        except PackageNotFoundError:  # running from a source tree that was never installed
            value = "0.0.0"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
