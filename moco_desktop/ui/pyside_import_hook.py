"""PySide6's import hook, made cheap: this app uses none of PySide6's `__feature__` options.

Once PySide6 is imported, it looks at every Python module imported after it to see whether the
module selects `from __feature__ import snake_case, true_property`: it reads the module's whole
source (`inspect.getsource`, which fills `linecache`). For this app that was about 250 ms of
start-up (a third of the time to the painted timesheet), about 12 MiB of memory, and a stall of
the event loop each time a module is imported later (rapidfuzz when the picker first opens,
httpx's async backend on the first request). No module here selects a feature, so the answer is
always "no": `skip_feature_scan()` gives it without reading anything. Modules keep PySide6's
default behaviour (no feature selected), exactly as before.
"""

from __future__ import annotations

from types import ModuleType


def _selects_no_feature(module: ModuleType) -> bool:
    return False


def skip_feature_scan() -> bool:
    """Answer PySide6's per-import question without reading sources; False if this PySide6
    has no such hook (then nothing changes)."""
    try:
        from shibokensupport import feature  # type: ignore[import-not-found]
    except ImportError:
        return False
    if not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = _selects_no_feature
    return True
