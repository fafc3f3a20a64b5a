"""MOCO Desktop: a native tray time tracker for MOCO (mocoapp.com)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("moco-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
